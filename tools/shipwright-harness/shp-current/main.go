// Command shp-current runs a Function through the code of the current Shipwright release
// (storage version shipwright.io/v1beta1) and of the Tekton it depends on. OpenFunction
// creates v1alpha1 Builds, so they first pass Shipwright's own conversion webhook.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	buildv1beta1 "github.com/shipwright-io/build/pkg/apis/build/v1beta1"
	"github.com/shipwright-io/build/pkg/config"
	"github.com/shipwright-io/build/pkg/ctxlog"
	"github.com/shipwright-io/build/pkg/reconciler/buildrun/resources"
	"github.com/shipwright-io/build/pkg/validate"
	"github.com/shipwright-io/build/pkg/webhook/conversion"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/reconciler/taskrun"
	trresources "github.com/tektoncd/pipeline/pkg/reconciler/taskrun/resources"
	"github.com/tektoncd/pipeline/pkg/workspace"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"funcpacks.dev/shipwright-harness/openfunction"
)

func main() {
	opts := openfunction.ParseFlags(os.Args)
	fn := openfunction.LoadFunction(opts)
	ctx := ctxlog.NewParentContext(ctxlog.NewLoggerTo(io.Discard, "harness"))

	// The API server stores v1beta1: OpenFunction's v1alpha1 objects, and a v1alpha1
	// strategy, go through Shipwright's conversion webhook.
	strategy := &buildv1beta1.ClusterBuildStrategy{}
	switch api, raw := openfunction.ReadStrategy(opts.Strategy); api {
	case "shipwright.io/v1beta1":
		openfunction.LoadStrategy(opts.Strategy, api, strategy)
	case "shipwright.io/v1alpha1":
		convert(ctx, raw, strategy)
	default:
		openfunction.Fail("harness", fmt.Errorf("%s is a %s ClusterBuildStrategy; Shipwright serves v1alpha1 and v1beta1",
			opts.Strategy, api))
	}
	alphaBuild, alphaBuildRun := openfunction.ShipwrightObjects(fn)
	build := &buildv1beta1.Build{}
	buildRun := &buildv1beta1.BuildRun{}
	convert(ctx, marshal(alphaBuild), build)
	convert(ctx, marshal(alphaBuildRun), buildRun)

	cluster, scheme := openfunction.Cluster(fn, strategy, buildv1beta1.AddToScheme)

	// The Build reconciler: every validation, stopping at the first reason, as it does.
	succeeded := buildv1beta1.SucceedStatus
	build.Status.Reason = &succeeded
	for _, kind := range []string{validate.SourceURL, validate.Secrets, validate.Strategies, validate.Source,
		validate.Output, validate.BuildName, validate.Envs, validate.Triggers, validate.NodeSelector,
		validate.Tolerations, validate.SchedulerName, validate.RuntimeClassName} {
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
	for _, check := range []func() (bool, string, string){
		func() (bool, string, string) {
			return validate.BuildRunParameters(strategy.GetParameters(), build.Spec.ParamValues, buildRun.Spec.ParamValues)
		},
		func() (bool, string, string) {
			return validate.BuildRunVolumes(strategy.GetVolumes(), buildRun.Spec.Volumes)
		},
		func() (bool, string, string) {
			return validate.BuildRunStepResources(strategy.GetBuildSteps(), buildRun.Spec.StepResources)
		},
	} {
		if ok, reason, message := check(); !ok {
			openfunction.Fail("shipwright", fmt.Errorf("BuildRun %s: %s: %s", buildRun.Name, reason, message))
		}
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

	// Tekton's TaskRun reconciler: resolved-task checks, then the substitutions it makes
	// before it builds the pod.
	rtr := &trresources.ResolvedTask{TaskSpec: tr.Spec.TaskSpec, TaskName: tr.Name}
	if err := taskrun.ValidateResolvedTask(ctx, tr.Spec.Params, &pipelinev1.Matrix{}, rtr); err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s: %w", tr.Name, err))
	}
	ts := tr.Spec.TaskSpec.DeepCopy()
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
	ts, err = workspace.Apply(ctx, *ts, tr.Spec.Workspaces, volumes)
	if err != nil {
		openfunction.Fail("tekton", fmt.Errorf("TaskRun %s: workspaces: %w", tr.Name, err))
	}
	ts = trresources.ApplyCredentialsPath(ts, pipeline.CredsDir)
	// The pod builder's first step: every step gets the step template.
	ts.Steps, err = pipelinev1.MergeStepsWithStepTemplate(ts.StepTemplate, ts.Steps)
	openfunction.Must(err)
	ts.StepTemplate = nil
	openfunction.Finish(build, buildRun, tr, ts, tr.Name, volumes["source"].Name)
}

func marshal(obj runtime.Object) []byte {
	raw, err := json.Marshal(obj)
	openfunction.Must(err)
	return raw
}

// convert sends a v1alpha1 object through Shipwright's conversion webhook handler, as the
// API server does with a ConversionReview, and decodes the v1beta1 answer into out.
func convert(ctx context.Context, raw []byte, out any) {
	review := apiextensionsv1.ConversionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "ConversionReview"},
		Request: &apiextensionsv1.ConversionRequest{UID: types.UID("harness"), DesiredAPIVersion: "shipwright.io/v1beta1",
			Objects: []runtime.RawExtension{{Raw: raw}}},
	}
	body, err := json.Marshal(review)
	openfunction.Must(err)
	req := httptest.NewRequest(http.MethodPost, "/convert", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	conversion.CRDConvert(ctx, rec, req)
	answer := apiextensionsv1.ConversionReview{}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &answer) != nil || answer.Response == nil {
		openfunction.Fail("shipwright", fmt.Errorf("conversion webhook answered %d: %s", rec.Code, rec.Body.String()))
	}
	if answer.Response.Result.Status != "Success" || len(answer.Response.ConvertedObjects) != 1 {
		openfunction.Fail("shipwright", fmt.Errorf("conversion webhook refused the %T: %s", out, answer.Response.Result.Message))
	}
	openfunction.Must(json.Unmarshal(answer.Response.ConvertedObjects[0].Raw, out))
}
