// Package openfunction turns an OpenFunction Function (core.openfunction.io/v1beta2) into
// the Shipwright Build and BuildRun that OpenFunction's controller creates for it: the
// Function's spec.build becomes a Builder, and the Builder becomes a shipwright.io/v1alpha1
// Build plus a BuildRun that references it (OpenFunction 1.x speaks v1alpha1 only).
package openfunction

import (
	"fmt"
	"os"
	"sort"

	buildv1alpha1 "github.com/shipwright-io/build/pkg/apis/build/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The strategy OpenFunction uses when a Function names none.
const defaultStrategy = "openfunction"

// Function holds the fields of a Function that decide its build.
type Function struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Image            string                       `json:"image"`
		ImageCredentials *corev1.LocalObjectReference `json:"imageCredentials,omitempty"`
		Build            *BuildImpl                   `json:"build,omitempty"`
	} `json:"spec"`
}

// BuildImpl is a Function's spec.build.
type BuildImpl struct {
	Builder            *string                      `json:"builder,omitempty"`
	BuilderCredentials *corev1.LocalObjectReference `json:"builderCredentials,omitempty"`
	Env                map[string]string            `json:"env,omitempty"`
	SrcRepo            *GitRepo                     `json:"srcRepo,omitempty"`
	Dockerfile         *string                      `json:"dockerfile,omitempty"`
	Shipwright         *ShipwrightEngine            `json:"shipwright,omitempty"`
}

// GitRepo is spec.build.srcRepo.
type GitRepo struct {
	URL             string                       `json:"url,omitempty"`
	Revision        *string                      `json:"revision,omitempty"`
	SourceSubPath   *string                      `json:"sourceSubPath,omitempty"`
	Credentials     *corev1.LocalObjectReference `json:"credentials,omitempty"`
	BundleContainer *struct {
		Image string `json:"image"`
	} `json:"bundleContainer,omitempty"`
}

// ShipwrightEngine is spec.build.shipwright: the strategy and its parameter values.
type ShipwrightEngine struct {
	Strategy *struct {
		Name string  `json:"name"`
		Kind *string `json:"kind,omitempty"`
	} `json:"strategy,omitempty"`
	Params []*buildv1alpha1.ParamValue `json:"params,omitempty"`
}

// Load reads a Function manifest and refuses anything else.
func Load(path string) (*Function, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fn := &Function{}
	if err := yaml.Unmarshal(data, fn); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if fn.Kind != "Function" || fn.APIVersion != "core.openfunction.io/v1beta2" {
		return nil, fmt.Errorf("%s is a %s %s, not a core.openfunction.io/v1beta2 Function", path, fn.APIVersion, fn.Kind)
	}
	if fn.Spec.Build == nil {
		return nil, fmt.Errorf("%s has no spec.build: OpenFunction builds nothing for it", path)
	}
	if fn.Metadata.Namespace == "" {
		fn.Metadata.Namespace = "default"
	}
	return fn, nil
}

// Names of the objects OpenFunction generates (it uses generateName; the harness fixes the suffix).
func builderName(fn *Function) string { return fn.Metadata.Name + "-builder-h" }

// ShipwrightObjects returns the Build and BuildRun OpenFunction's Shipwright builder creates
// for the Function: source, output, builder image, ENV_VARS and the strategy's parameters.
func ShipwrightObjects(fn *Function) (*buildv1alpha1.Build, *buildv1alpha1.BuildRun) {
	spec := fn.Spec.Build
	labels := map[string]string{"openfunction.io/builder": builderName(fn)}
	build := &buildv1alpha1.Build{
		TypeMeta:   metav1.TypeMeta{APIVersion: "shipwright.io/v1alpha1", Kind: "Build"},
		ObjectMeta: metav1.ObjectMeta{Name: builderName(fn) + "-build-h", Namespace: fn.Metadata.Namespace, Labels: labels},
		Spec: buildv1alpha1.BuildSpec{
			Dockerfile: spec.Dockerfile,
			Output:     buildv1alpha1.Image{Image: fn.Spec.Image, Credentials: fn.Spec.ImageCredentials},
		},
	}
	if repo := spec.SrcRepo; repo != nil {
		build.Spec.Source = buildv1alpha1.Source{Revision: repo.Revision, ContextDir: repo.SourceSubPath, Credentials: repo.Credentials}
		switch {
		case repo.BundleContainer != nil:
			build.Spec.Source.BundleContainer = &buildv1alpha1.BundleContainer{Image: repo.BundleContainer.Image}
		case repo.URL != "":
			url := repo.URL
			build.Spec.Source.URL = &url
		}
	}
	if spec.Builder != nil {
		build.Spec.Builder = &buildv1alpha1.Image{Image: *spec.Builder, Credentials: spec.BuilderCredentials}
	}
	if spec.Shipwright != nil {
		for _, p := range spec.Shipwright.Params {
			if p != nil {
				build.Spec.ParamValues = append(build.Spec.ParamValues, *p)
			}
		}
	}
	// spec.build.env travels as one parameter, KEY=VALUE#KEY=VALUE# (sorted here; OpenFunction's
	// order is a map's).
	if len(spec.Env) > 0 {
		keys := make([]string, 0, len(spec.Env))
		for k := range spec.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		env := ""
		for _, k := range keys {
			env += k + "=" + spec.Env[k] + "#"
		}
		build.Spec.ParamValues = append(build.Spec.ParamValues,
			buildv1alpha1.ParamValue{Name: "ENV_VARS", SingleValue: &buildv1alpha1.SingleValue{Value: &env}})
	}
	kind := buildv1alpha1.ClusterBuildStrategyKind
	build.Spec.Strategy = buildv1alpha1.Strategy{Name: defaultStrategy, Kind: &kind}
	if spec.Shipwright != nil && spec.Shipwright.Strategy != nil {
		build.Spec.Strategy = buildv1alpha1.Strategy{Name: spec.Shipwright.Strategy.Name}
		if spec.Shipwright.Strategy.Kind != nil {
			k := buildv1alpha1.BuildStrategyKind(*spec.Shipwright.Strategy.Kind)
			build.Spec.Strategy.Kind = &k
		}
	}
	generate := true // a service account per BuildRun, as OpenFunction asks
	buildRun := &buildv1alpha1.BuildRun{
		TypeMeta:   metav1.TypeMeta{APIVersion: "shipwright.io/v1alpha1", Kind: "BuildRun"},
		ObjectMeta: metav1.ObjectMeta{Name: builderName(fn) + "-buildrun-h", Namespace: fn.Metadata.Namespace, Labels: labels},
		Spec: buildv1alpha1.BuildRunSpec{
			BuildRef:       &buildv1alpha1.BuildRef{Name: build.Name},
			ServiceAccount: &buildv1alpha1.ServiceAccount{Generate: &generate},
		},
	}
	return build, buildRun
}

// Secrets lists the Secrets the Function refers to; the harness's cluster holds them, as the
// user's cluster must.
func Secrets(fn *Function) []*corev1.Secret {
	var refs []*corev1.LocalObjectReference
	refs = append(refs, fn.Spec.ImageCredentials)
	if b := fn.Spec.Build; b != nil {
		refs = append(refs, b.BuilderCredentials)
		if b.SrcRepo != nil {
			refs = append(refs, b.SrcRepo.Credentials)
		}
	}
	var secrets []*corev1.Secret
	for _, ref := range refs {
		if ref != nil && ref.Name != "" {
			secrets = append(secrets, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: ref.Name, Namespace: fn.Metadata.Namespace},
				Type:       corev1.SecretTypeDockerConfigJson,
				Data:       map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths":{}}`)},
			})
		}
	}
	return secrets
}
