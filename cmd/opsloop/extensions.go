package main

import (
	"context"

	"github.com/opsloop/opsloop/internal/check"
)

// addExtensions wires custom policies and source renderers into a run.
func addExtensions(_ context.Context, _ *check.Options, _ check.Config, _ bool) error {
	return nil
}
