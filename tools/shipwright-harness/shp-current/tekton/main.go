// Command tekton-current runs a Tekton Task (tekton.dev/v1beta1 or v1, as Tekton's catalog
// publishes them) and the TaskRun a user would write for it through the code of the Tekton
// release the current Shipwright links: the conversion to the stored version (v1), the
// admission defaults and validation of both objects, the reconciler's resolved-task checks
// and its parameter, context, result, workspace and credential substitutions. It prints the
// same report as the Shipwright harness, so the strategy runner executes the steps alike.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	pipelinev1beta1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"funcpacks.dev/shipwright-harness/openfunction"
	"funcpacks.dev/shipwright-harness/shp-current/tektonrun"
)

const usage = `usage: %s --task TASK.yaml [--param NAME=VALUE ...] [--param-array NAME=JSON-LIST ...] [--workspace NAME ...]

Makes the TaskRun that names the Task (taskRef) with the given parameter values and each
--workspace bound to an emptyDir (optional workspaces not named stay unbound), runs
Tekton's own conversion, defaults, validation and substitutions, and prints the resolved
TaskRun as JSON. Exit 2 with Tekton's own message when it refuses.
`

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var taskFile string
	var params, arrays, workspaces list
	fs := flag.NewFlagSet(os.Args[0], flag.ExitOnError)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), usage, os.Args[0]) }
	fs.StringVar(&taskFile, "task", "", "Tekton Task manifest")
	fs.Var(&params, "param", "NAME=VALUE: a string parameter of the TaskRun")
	fs.Var(&arrays, "param-array", "NAME=[\"a\",\"b\"]: an array parameter of the TaskRun")
	fs.Var(&workspaces, "workspace", "a workspace bound to an emptyDir")
	_ = fs.Parse(os.Args[1:])
	if taskFile == "" || fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	task := loadTask(ctx, taskFile)

	tr := &pipelinev1.TaskRun{
		TypeMeta:   metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"},
		ObjectMeta: metav1.ObjectMeta{Name: task.Name + "-run-h", Namespace: "default"},
		Spec: pipelinev1.TaskRunSpec{
			TaskRef:            &pipelinev1.TaskRef{Name: task.Name, Kind: pipelinev1.NamespacedTaskKind},
			ServiceAccountName: "default",
		},
	}
	for _, p := range params {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			openfunction.Fail("harness", fmt.Errorf("--param %q is not NAME=VALUE", p))
		}
		tr.Spec.Params = append(tr.Spec.Params, pipelinev1.Param{Name: name, Value: *pipelinev1.NewStructuredValues(value)})
	}
	for _, p := range arrays {
		name, value, ok := strings.Cut(p, "=")
		var items []string
		if !ok || name == "" || json.Unmarshal([]byte(value), &items) != nil {
			openfunction.Fail("harness", fmt.Errorf("--param-array %q is not NAME=<JSON list of strings>", p))
		}
		tr.Spec.Params = append(tr.Spec.Params, pipelinev1.Param{Name: name,
			Value: pipelinev1.ParamValue{Type: pipelinev1.ParamTypeArray, ArrayVal: items}})
	}
	for _, w := range workspaces {
		tr.Spec.Workspaces = append(tr.Spec.Workspaces, pipelinev1.WorkspaceBinding{Name: w, EmptyDir: &corev1.EmptyDirVolumeSource{}})
	}

	// The reconciler resolves the taskRef to the Task's spec, then does what a TaskRun with
	// an embedded spec gets.
	ts, source := tektonrun.Resolve(ctx, tr, &task.Spec, task.Name)
	openfunction.Finish(task, nil, tr, ts, tr.Name, source)
}

// loadTask reads a Task in either served version; a v1beta1 Task goes through Tekton's
// own conversion to v1, as the API server's conversion webhook does.
func loadTask(ctx context.Context, path string) *pipelinev1.Task {
	data, err := os.ReadFile(path)
	openfunction.Must(err)
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		openfunction.Fail("harness", fmt.Errorf("%s: %w", path, err))
	}
	var head metav1.TypeMeta
	openfunction.Must(json.Unmarshal(raw, &head))
	if head.Kind != "Task" {
		openfunction.Fail("harness", fmt.Errorf("%s is a %s, not a Task", path, head.Kind))
	}
	task := &pipelinev1.Task{}
	switch head.APIVersion {
	case "tekton.dev/v1beta1":
		old := &pipelinev1beta1.Task{}
		if err := yaml.UnmarshalStrict(data, old); err != nil {
			openfunction.Fail("harness", fmt.Errorf("%s: %w", path, err))
		}
		old.SetDefaults(ctx)
		if err := old.Validate(ctx); err != nil {
			openfunction.Fail("tekton", fmt.Errorf("Task %s rejected by validation: %w", old.Name, err))
		}
		if err := old.ConvertTo(ctx, task); err != nil {
			openfunction.Fail("tekton", fmt.Errorf("Task %s: conversion to v1: %w", old.Name, err))
		}
	case "tekton.dev/v1":
		if err := yaml.UnmarshalStrict(data, task); err != nil {
			openfunction.Fail("harness", fmt.Errorf("%s: %w", path, err))
		}
	default:
		openfunction.Fail("harness", fmt.Errorf("%s is a %s Task; Tekton serves tekton.dev/v1beta1 and v1", path, head.APIVersion))
	}
	task.SetDefaults(ctx)
	if err := task.Validate(ctx); err != nil {
		openfunction.Fail("tekton", fmt.Errorf("Task %s rejected by validation: %w", task.Name, err))
	}
	if task.Namespace == "" {
		task.Namespace = "default"
	}
	return task
}
