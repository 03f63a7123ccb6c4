// Package handlers registers two functions; OpenFunction's framework serves both.
package handlers

import (
	"context"
	"fmt"
	"net/http"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/OpenFunction/functions-framework-go/functions"
)

func init() {
	functions.HTTP("Greet", Greet, functions.WithFunctionPath("/greet"))
	functions.CloudEvent("Receive", Receive, functions.WithFunctionPath("/events"))
}

// Greet answers on /greet.
func Greet(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, "hello, world")
}

// Receive accepts a CloudEvent on /events.
func Receive(ctx context.Context, e cloudevents.Event) error {
	fmt.Printf("received %s %s\n", e.Type(), e.ID())
	return nil
}
