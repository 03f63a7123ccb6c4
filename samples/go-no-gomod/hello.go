// Package hello is an HTTP function written for gcp-builder with no go.mod: the build
// makes a module for it and resolves its imports (github.com/google/uuid) through the
// module proxy.
package hello

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"
)

// Hello answers on every path with a name-based (so stable) UUID.
func Hello(w http.ResponseWriter, r *http.Request) {
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://funcpacks.example/hello"))
	fmt.Fprintf(w, "hello from %s\n", id)
}
