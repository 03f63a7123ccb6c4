// Package fn is an HTTP function for Google's functions framework for Go.
package fn

import (
	"fmt"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
)

func init() {
	functions.HTTP("Hello", Hello)
}

// Hello answers "hello, world".
func Hello(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, "hello, world")
}
