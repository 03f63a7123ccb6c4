package openfunction

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// A Tekton variable left in a resolved step: nothing set it, and Kubernetes would get the
// literal text (an image name like "$(params.X)" fails the pod with InvalidImageName).
var variable = regexp.MustCompile(`\$\((params|inputs\.params|build|context|results|workspaces|steps)\.[^)]*\)`)

// A step result of an earlier step: Tekton's entrypoint substitutes it when the step starts.
var stepResult = regexp.MustCompile(`^\$\(steps\.[^.)]+\.results\.[^)]+\)$`)

// Where a variable's value comes from, for the message.
var hints = map[string]string{
	"BUILDER_IMAGE": "Shipwright sets it from the Build's builder: set spec.build.builder in the Function",
}

// step is what the checks read of a resolved step, whichever Tekton API typed it.
type step struct {
	Name       string   `json:"name"`
	Image      string   `json:"image"`
	Command    []string `json:"command"`
	Args       []string `json:"args"`
	WorkingDir string   `json:"workingDir"`
	Env        []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"env"`
}

func stepsOf(spec any) []step {
	raw, err := json.Marshal(spec)
	Must(err)
	var doc struct {
		Steps []step `json:"steps"`
	}
	Must(json.Unmarshal(raw, &doc))
	return doc.Steps
}

// Finish checks the TaskSpec Tekton resolved and prints the report: Build, BuildRun and
// TaskRun as Shipwright made them, the resolved spec, and where the source goes.
func Finish(build, buildRun, taskRun, spec any, taskRunName, sourceVolume string) {
	steps := stepsOf(spec)
	if err := checkResolved(steps); err != nil {
		Fail("harness", fmt.Errorf("TaskRun %s: %w", taskRunName, err))
	}
	report := &Report{
		Shipwright: ModuleVersion("github.com/shipwright-io/build"),
		Tekton:     ModuleVersion("github.com/tektoncd/pipeline"),
		Build:      build, BuildRun: buildRun, TaskRun: taskRun, ResolvedSpec: spec,
		SourceVolume: sourceVolume,
	}
	for _, s := range steps {
		if strings.HasPrefix(s.Name, "source-") { // Shipwright's source steps: source-<name>
			report.SourceStep = s.Name
		}
	}
	Emit(os.Stdout, report)
}

// checkResolved fails on any Tekton variable left in a step's image, command, args, env or
// working directory after Tekton's substitutions.
func checkResolved(steps []step) error {
	for _, step := range steps {
		fields := map[string]string{"image": step.Image, "workingDir": step.WorkingDir,
			"command": strings.Join(step.Command, " "), "args": strings.Join(step.Args, " ")}
		for _, e := range step.Env {
			fields["env "+e.Name] = e.Value
		}
		for field, text := range fields {
			for _, ref := range variable.FindAllString(text, -1) {
				if field != "image" && stepResult.MatchString(ref) {
					continue
				}
				msg := fmt.Sprintf("step %s: %s still holds %s after Tekton's substitutions: nothing set it", step.Name, field, ref)
				for name, hint := range hints {
					if strings.Contains(ref, "."+name+")") {
						msg += " (" + hint + ")"
					}
				}
				return fmt.Errorf("%s", msg)
			}
		}
	}
	return nil
}
