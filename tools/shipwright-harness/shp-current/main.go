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
	"strings"

	buildv1beta1 "github.com/shipwright-io/build/pkg/apis/build/v1beta1"
	"github.com/shipwright-io/build/pkg/config"
	"github.com/shipwright-io/build/pkg/ctxlog"
	"github.com/shipwright-io/build/pkg/reconciler/buildrun/resources"
	"github.com/shipwright-io/build/pkg/validate"
	"github.com/shipwright-io/build/pkg/webhook/conversion"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"funcpacks.dev/shipwright-harness/openfunction"
	"funcpacks.dev/shipwright-harness/shp-current/tektonrun"
)

func main() {
	opts := openfunction.ParseFlags(os.Args)
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
	var fn *openfunction.Function
	build := &buildv1beta1.Build{}
	buildRun := &buildv1beta1.BuildRun{}
	if opts.Build != "" {
		loadBuild(opts, build, buildRun)
	} else {
		fn = openfunction.LoadFunction(opts)
		alphaBuild, alphaBuildRun := openfunction.ShipwrightObjects(fn)
		convert(ctx, marshal(alphaBuild), build)
		convert(ctx, marshal(alphaBuildRun), buildRun)
	}

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

	ts, source := tektonrun.Resolve(ctx, tr, tr.Spec.TaskSpec, tr.Name)
	openfunction.Finish(build, buildRun, tr, ts, tr.Name, source)
}

// loadBuild reads a v1beta1 Build a user wrote, applies the command line's replacements and
// makes the BuildRun that runs it (as `shp build run` does).
func loadBuild(opts *openfunction.Options, build *buildv1beta1.Build, buildRun *buildv1beta1.BuildRun) {
	data, err := os.ReadFile(opts.Build)
	openfunction.Must(err)
	if err := yaml.UnmarshalStrict(data, build); err != nil {
		openfunction.Fail("harness", fmt.Errorf("%s: %w", opts.Build, err))
	}
	if build.APIVersion != "shipwright.io/v1beta1" || build.Kind != "Build" {
		openfunction.Fail("harness", fmt.Errorf("%s is a %s %s, not a shipwright.io/v1beta1 Build", opts.Build, build.APIVersion, build.Kind))
	}
	if build.Namespace == "" {
		build.Namespace = "default"
	}
	if opts.Image != "" {
		build.Spec.Output.Image = opts.Image
	}
	if opts.SubPath != "" {
		sub := opts.SubPath
		build.Spec.Source.ContextDir = &sub
	}
	for _, p := range opts.Params {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			openfunction.Fail("harness", fmt.Errorf("--param %q is not NAME=VALUE", p))
		}
		v := value
		build.Spec.ParamValues = append(build.Spec.ParamValues,
			buildv1beta1.ParamValue{Name: name, SingleValue: &buildv1beta1.SingleValue{Value: &v}})
	}
	name := build.Name
	*buildRun = buildv1beta1.BuildRun{
		TypeMeta:   metav1.TypeMeta{APIVersion: "shipwright.io/v1beta1", Kind: "BuildRun"},
		ObjectMeta: metav1.ObjectMeta{Name: build.Name + "-buildrun-h", Namespace: build.Namespace},
		Spec:       buildv1beta1.BuildRunSpec{Build: buildv1beta1.ReferencedBuild{Name: &name}},
	}
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
