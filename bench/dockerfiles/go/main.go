// The hand-written main package of the Go contender: serves the functions the package
// registers with OpenFunction's framework, on $PORT outside a cluster.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/OpenFunction/functions-framework-go/framework"
	_ "example.com/hello"
)

func main() {
	if os.Getenv("FUNC_CONTEXT") == "" {
		port := os.Getenv("PORT")
		if port == "" {
			port = "8080"
		}
		os.Setenv("FUNC_CONTEXT", fmt.Sprintf(`{"name":"HelloWorld","version":"v1.0.0","port":%q,"runtime":"Knative"}`, port))
	}
	if os.Getenv("CONTEXT_MODE") == "" {
		os.Setenv("CONTEXT_MODE", "self-host")
	}
	fwk, err := framework.NewFramework()
	if err != nil {
		log.Fatal(err)
	}
	if err := fwk.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
}
