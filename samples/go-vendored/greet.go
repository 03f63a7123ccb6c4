// Package vendored is an HTTP function whose dependencies are vendored (go mod vendor):
// the build uses vendor/ and downloads no module.
package vendored

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"
)

// Greet answers with a name-based UUID computed by the vendored github.com/google/uuid.
func Greet(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "vendored %s\n", uuid.NewMD5(uuid.NameSpaceDNS, []byte("funcpacks.example")))
}
