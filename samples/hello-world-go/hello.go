// Package hello is an HTTP function for OpenFunction's functions framework: it registers
// itself in init(), with a path parameter.
package hello

import (
	"fmt"
	"net/http"

	ofctx "github.com/OpenFunction/functions-framework-go/context"
	"github.com/OpenFunction/functions-framework-go/functions"
)

func init() {
	functions.HTTP("HelloWorld", HelloWorld, functions.WithFunctionPath("/{greeting}"))
}

// HelloWorld answers "hello, <greeting>!" for GET /<greeting>.
func HelloWorld(w http.ResponseWriter, r *http.Request) {
	vars := ofctx.VarsFromCtx(r.Context())
	fmt.Fprintf(w, "hello, %s!\n", vars["greeting"])
}
