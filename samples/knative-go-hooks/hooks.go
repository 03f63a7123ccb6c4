// Package hooks is a Knative Functions instanced HTTP function with every optional hook:
// Start reads its configuration from what func-go passes it, Stop says when it runs,
// and Alive and Ready answer from the instance's state.
package hooks

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
)

type Greeter struct {
	greeting string
	started  atomic.Bool
}

func New() *Greeter { return &Greeter{greeting: "hello"} }

func (g *Greeter) Start(ctx context.Context, cfg map[string]string) error {
	if v := cfg["GREETING"]; v != "" {
		g.greeting = v
	}
	g.started.Store(true)
	fmt.Println("hooks: started with greeting", g.greeting)
	return nil
}

func (g *Greeter) Stop(ctx context.Context) error {
	fmt.Println("hooks: Stop called")
	return nil
}

func (g *Greeter) Alive(ctx context.Context) (bool, error) { return true, nil }

func (g *Greeter) Ready(ctx context.Context) (bool, error) { return g.started.Load(), nil }

func (g *Greeter) Handle(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s from %s\n", g.greeting, r.URL.Path)
}
