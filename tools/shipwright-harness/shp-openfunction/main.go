// Command shp-openfunction runs a Function through the code of the Shipwright release
// OpenFunction 1.x installs (shipwright.io/v1alpha1) and of the Tekton it depends on.
package main

import (
	"context"
	"fmt"
	"os"

	buildv1alpha1 "github.com/shipwright-io/build/pkg/apis/build/v1alpha1"
	"github.com/shipwright-io/build/pkg/config"
	"github.com/shipwright-io/build/pkg/reconciler/buildrun/resources"
	"github.com/shipwright-io/build/pkg/validate"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"github.com/tektoncd/pipeline/pkg/reconciler/taskrun"
	trresources "github.com/tektoncd/pipeline/pkg/reconciler/taskrun/resources"
	"github.com/tektoncd/pipeline/pkg/workspace"

	"funcpacks.dev/shipwright-harness/openfunction"
)

func main() {
	opts := openfunction.ParseFlags(os.Args)
	if opts.Build != "" {
		openfunction.Fail("harness", fmt.Errorf("--build: this harness reads OpenFunction Functions; Builds are read by shp-current"))
	}
	fn := openfunction.LoadFunction(opts)
	strategy := &buildv1alpha1.ClusterBuildStrategy{}
	openfunction.LoadStrategy(opts.Strategy, "shipwright.io/v1alpha1", strategy)
	build, buildRun := openfunction.ShipwrightObjects(fn)
	ctx := context.Background()

	// A cluster that holds the strategy and the Secrets the Function names.
	cluster, scheme := openfunction.Cluster(fn, strategy, buildv1alpha1.AddToScheme)

	// The Build reconciler: every validation, stopping at the first reason, as it does.
	succeeded := buildv1alpha1.SucceedStatus
	build.Status.Reason = &succeeded
	for _, kind := range []string{validate.SourceURL, validate.Secrets, validate.Strategies, validate.Sources,
		validate.BuildName, validate.Envs, validate.Triggers} {
		check, err := validate.NewValidation(kind, build, cluster, scheme)
		openfunction.Must(err)
		if err := check.ValidatePath(ctx); err != nil {
			openfunction.Fail("shipwright", fmt.Errorf("Build %s: %w", build.Name, err))
		}
		if build.Status.Reason == nil || *build.Status.Reason != succeeded {
			openfunction.Fail("shipwright", fmt.Errorf("Build %s is not registered: %s: %s", build.Name,
				*build.Status.Reason, openfunction.Deref(build.Status.Message)))
		}
	}

	// The BuildRun reconciler.
	if reason, message := validate.BuildRunFields(buildRun); reason != "" {
		openfunction.Fail("shipwright", fmt.Errorf("BuildRun %s: %s: %s", buildRun.Name, reason, message))
	}
	if ok, reason, message := validate.BuildRunParameters(strategy.GetParameters(), build.Spec.ParamValues,
		buildRun.Spec.ParamValues); !ok {
		openfunction.Fail("shipwright", fmt.Errorf("BuildRun %s: %s: %s", buildRun.Name, reason, message))
	}
	if ok, reason, message := validate.BuildRunVolumes(strategy.GetVolumes(), buildRun.Spec.Volumes); !ok {
		openfunction.Fail("shipwright", fmt.Errorf("BuildRun %s: %s: %s", buildRun.Name, reason, message))
	}
	tr, err := resources.GenerateTaskRun(config.NewDefaultConfig(), build, buildRun,
		resources.GetGeneratedServiceAccountName(buildRun), strategy)
	if err != nil {
		openfunction.Fail("shipwright", fmt.Errorf("BuildRun %s: generating the TaskRun: %w", buildRun.Name, err))
	}
	tr.Name = buildRun.Name + "-h" // the API server's generateName

	// Tekton's admission webhook: defaults, then validation.
	tr.SetDefaults(ctx)
	if err := tr.Validate(ctx); err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s rejected by validation: %w", tr.Name, err))
	}

	// Tekton's TaskRun reconciler: resolved-resource checks, then the substitutions it makes
	// before it builds the pod.
	rtr := &trresources.ResolvedTaskResources{TaskSpec: tr.Spec.TaskSpec, TaskName: tr.Name}
	if err := taskrun.ValidateResolvedTaskResources(ctx, tr.Spec.Params, nil, rtr); err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s: %w", tr.Name, err))
	}
	ts := tr.Spec.TaskSpec.DeepCopy()
	ts = trresources.ApplyParameters(ctx, ts, tr, ts.Params...)
	ts = trresources.ApplyContexts(ts, rtr.TaskName, tr)
	ts = trresources.ApplyTaskResults(ts)
	ts = trresources.ApplyStepExitCodePath(ts)
	volumes := workspace.CreateVolumes(tr.Spec.Workspaces)
	ts = trresources.ApplyWorkspaces(ctx, ts, ts.Workspaces, tr.Spec.Workspaces, volumes)
	if err := ts.Validate(ctx); err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s: resolved task spec: %w", tr.Name, err))
	}
	applied, err := workspace.Apply(ctx, *ts, tr.Spec.Workspaces, volumes)
	if err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s: workspaces: %w", tr.Name, err))
	}
	ts = trresources.ApplyCredentialsPath(applied, pipeline.CredsDir)
	// The pod builder's first step: every step gets the step template.
	ts.Steps, err = v1beta1.MergeStepsWithStepTemplate(ts.StepTemplate, ts.Steps)
	openfunction.Must(err)
	ts.StepTemplate = nil
	openfunction.Finish(build, buildRun, tr, ts, tr.Name, volumes["source"].Name)
}
