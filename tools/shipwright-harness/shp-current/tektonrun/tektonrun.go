// Package tektonrun is what Tekton (the release the current Shipwright links) does with a
// TaskRun before it builds the pod: the admission webhook's defaults and validation, the
// reconciler's checks of the resolved task and its substitutions. Both harnesses of this
// module use it: shp-current for the TaskRun Shipwright generates, tekton-current for one a
// user writes against a catalog Task.
package tektonrun

import (
	"context"
	"fmt"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/reconciler/taskrun"
	trresources "github.com/tektoncd/pipeline/pkg/reconciler/taskrun/resources"
	"github.com/tektoncd/pipeline/pkg/workspace"

	"funcpacks.dev/shipwright-harness/openfunction"
)

// Resolve runs the TaskRun of the task spec (the TaskRun's own, or the referenced Task's)
// through Tekton and returns the spec the pod is built from, steps merged with the step
// template, and the name of the source workspace's volume (empty when none is bound).
// A refusal ends the harness with Tekton's own message.
func Resolve(ctx context.Context, tr *pipelinev1.TaskRun, spec *pipelinev1.TaskSpec, taskName string) (*pipelinev1.TaskSpec, string) {
	tr.SetDefaults(ctx)
	if err := tr.Validate(ctx); err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s rejected by validation: %w", tr.Name, err))
	}
	rtr := &trresources.ResolvedTask{TaskSpec: spec, TaskName: taskName}
	if tr.Spec.TaskRef != nil {
		rtr.Kind = tr.Spec.TaskRef.Kind
	}
	if err := taskrun.ValidateResolvedTask(ctx, tr.Spec.Params, &pipelinev1.Matrix{}, rtr); err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s: %w", tr.Name, err))
	}
	ts := spec.DeepCopy()
	ts = trresources.ApplyParameters(ts, tr, ts.Params...)
	ts = trresources.ApplyContexts(ts, rtr.TaskName, tr)
	ts = trresources.ApplyResults(ts)
	ts = trresources.ApplyArtifacts(ts)
	ts = trresources.ApplyStepExitCodePath(ts)
	volumes := workspace.CreateVolumes(tr.Spec.Workspaces)
	ts = trresources.ApplyWorkspaces(ctx, ts, ts.Workspaces, tr.Spec.Workspaces, volumes)
	if err := pipelinev1.ValidateUsageOfDeclaredParameters(ctx, ts.Steps, ts.Params); err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s: resolved task spec: %w", tr.Name, err))
	}
	if err := ts.Validate(ctx); err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s: resolved task spec: %w", tr.Name, err))
	}
	ts, err := workspace.Apply(ctx, *ts, tr.Spec.Workspaces, volumes)
	if err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s: workspaces: %w", tr.Name, err))
	}
	ts = trresources.ApplyCredentialsPath(ts, pipeline.CredsDir)
	// The pod builder's first step: every step gets the step template.
	ts.Steps, err = pipelinev1.MergeStepsWithStepTemplate(ts.StepTemplate, ts.Steps)
	openfunction.Must(err)
	ts.StepTemplate = nil
	return ts, volumes["source"].Name
}
