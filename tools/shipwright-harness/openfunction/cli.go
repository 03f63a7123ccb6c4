package openfunction

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	buildv1alpha1 "github.com/shipwright-io/build/pkg/apis/build/v1alpha1"
	"sigs.k8s.io/yaml"
)

// Options are the harness's command line.
type Options struct {
	Function string
	// A Shipwright Build manifest instead of a Function (the harnesses that read it say so).
	Build    string
	Strategy string
	Image    string
	SubPath  string
	Params   []string
}

const usage = `usage: %s --function FUNCTION.yaml|--build BUILD.yaml --strategy STRATEGY.yaml [--image REF] [--source-sub-path DIR] [--param NAME=VALUE ...]

Makes the Shipwright Build and BuildRun that OpenFunction makes for the Function, runs
Shipwright's own validation and TaskRun generation and Tekton's own admission and
reconciler checks and substitutions, and prints the resolved TaskRun as JSON.
--image and --source-sub-path replace the Function's spec.image and srcRepo.sourceSubPath;
--param adds a value to spec.build.shipwright.params. --build (where a harness takes it)
starts from a Shipwright Build the user wrote instead of a Function; the same options apply
to its spec.output.image, spec.source.contextDir and spec.paramValues.
Exit 2 with the rejecting component's own message when Shipwright or Tekton refuses.
`

type paramList []string

func (p *paramList) String() string     { return strings.Join(*p, ",") }
func (p *paramList) Set(v string) error { *p = append(*p, v); return nil }

// ParseFlags reads the command line.
func ParseFlags(args []string) *Options {
	opts := &Options{}
	fs := flag.NewFlagSet(args[0], flag.ExitOnError)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), usage, args[0]) }
	fs.StringVar(&opts.Function, "function", "", "OpenFunction Function manifest")
	fs.StringVar(&opts.Build, "build", "", "Shipwright Build manifest (instead of --function)")
	fs.StringVar(&opts.Strategy, "strategy", "", "ClusterBuildStrategy manifest")
	fs.StringVar(&opts.Image, "image", "", "output image (replaces spec.image)")
	fs.StringVar(&opts.SubPath, "source-sub-path", "", "replaces spec.build.srcRepo.sourceSubPath")
	fs.Var((*paramList)(&opts.Params), "param", "NAME=VALUE added to spec.build.shipwright.params")
	_ = fs.Parse(args[1:])
	if (opts.Function == "") == (opts.Build == "") || opts.Strategy == "" || fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
	return opts
}

// LoadFunction reads the Function and applies the command line's replacements.
func LoadFunction(opts *Options) *Function {
	fn, err := Load(opts.Function)
	if err != nil {
		Fail("harness", err)
	}
	if opts.Image != "" {
		fn.Spec.Image = opts.Image
	}
	if opts.SubPath != "" {
		if fn.Spec.Build.SrcRepo == nil {
			fn.Spec.Build.SrcRepo = &GitRepo{}
		}
		sub := opts.SubPath
		fn.Spec.Build.SrcRepo.SourceSubPath = &sub
	}
	for _, p := range opts.Params {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			Fail("harness", fmt.Errorf("--param %q is not NAME=VALUE", p))
		}
		if fn.Spec.Build.Shipwright == nil {
			fn.Spec.Build.Shipwright = &ShipwrightEngine{}
		}
		v := value
		fn.Spec.Build.Shipwright.Params = append(fn.Spec.Build.Shipwright.Params,
			&buildv1alpha1.ParamValue{Name: name, SingleValue: &buildv1alpha1.SingleValue{Value: &v}})
	}
	return fn
}

// ReadStrategy reads a ClusterBuildStrategy manifest: its apiVersion and its JSON form.
func ReadStrategy(path string) (string, []byte) {
	data, err := os.ReadFile(path)
	if err != nil {
		Fail("harness", err)
	}
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		Fail("harness", fmt.Errorf("%s: %w", path, err))
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Kind != "ClusterBuildStrategy" {
		Fail("harness", fmt.Errorf("%s is not a ClusterBuildStrategy", path))
	}
	return head.APIVersion, raw
}

// LoadStrategy reads a strategy of the given apiVersion into obj; unknown fields are errors.
func LoadStrategy(path, apiVersion string, obj any) {
	api, raw := ReadStrategy(path)
	if api != apiVersion {
		Fail("harness", fmt.Errorf("%s is a %s ClusterBuildStrategy; this Shipwright reads %s", path, api, apiVersion))
	}
	if err := yaml.UnmarshalStrict(raw, obj); err != nil {
		Fail("harness", fmt.Errorf("%s: %w", path, err))
	}
}

// Report is what the harness prints: the objects as each component produced them and the
// TaskSpec the pod would run, with every variable substituted.
type Report struct {
	Shipwright   string `json:"shipwright"`
	Tekton       string `json:"tekton"`
	Build        any    `json:"build"`
	BuildRun     any    `json:"buildRun"`
	TaskRun      any    `json:"taskRun"`
	ResolvedSpec any    `json:"resolvedTaskSpec"`
	// The volume Tekton made for the source workspace, which the source step fills.
	SourceVolume string `json:"sourceVolume"`
	// The step that clones the source (Shipwright's git step).
	SourceStep string `json:"sourceStep"`
}

// ModuleVersion is the version of a module linked into this binary.
func ModuleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				if dep.Replace != nil {
					return dep.Replace.Version
				}
				return dep.Version
			}
		}
	}
	return "unknown"
}

// Emit prints the report.
func Emit(w io.Writer, r *Report) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		Fail("harness", err)
	}
}

// Must ends the harness on an error of its own.
func Must(err error) {
	if err != nil {
		Fail("harness", err)
	}
}

// Deref is a string pointer's value, or "".
func Deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Fail reports which component refused and its own words, and exits 2.
func Fail(component string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", component, err)
	os.Exit(2)
}
