// Package kaniko stands in for the lifecycle's kaniko-based Dockerfile applier.
//
// The Go module proxy these images are built from does not serve the kaniko module the
// lifecycle's extender imports, so scripts/tools.sh builds the lifecycle with this package
// in place of internal/extend/kaniko. Everything else is the upstream lifecycle. Only the
// `extend` phase (applying Dockerfiles from image extensions to the build or run image)
// is affected: it fails with the message below. funcpacks uses no image extensions.
package kaniko

import (
	"errors"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/buildpacks/lifecycle/internal/extend"
	"github.com/buildpacks/lifecycle/log"
)

var errNoKaniko = errors.New("this lifecycle was built without kaniko: image extensions that apply Dockerfiles are not supported (funcpacks builders use none)")

type DockerfileApplier struct{}

func NewDockerfileApplier() (*DockerfileApplier, error) {
	return nil, errNoKaniko
}

func (a *DockerfileApplier) ImageFor(reference string) (v1.Image, error) {
	return nil, errNoKaniko
}

func (a *DockerfileApplier) Apply(dockerfile extend.Dockerfile, toBaseImage v1.Image, withBuildOptions extend.Options, logger log.Logger) (v1.Image, error) {
	return nil, errNoKaniko
}

func (a *DockerfileApplier) Cleanup() error {
	return nil
}
