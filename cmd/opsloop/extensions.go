package main

import (
	"context"

	"github.com/opsloop/opsloop/internal/check"
	"github.com/opsloop/opsloop/internal/check/rego"
	"github.com/opsloop/opsloop/internal/check/render"
)

// addExtensions wires custom policies and source renderers into a run.
// Policies are compiled here, once, before any file is read.
func addExtensions(ctx context.Context, opts *check.Options, cfg check.Config, allNamespaces bool, data, set []string) error {
	opts.Renderers = append(opts.Renderers,
		render.NewHelm(render.HelmOptions{ValuesFiles: cfg.Values, Set: set}),
		render.NewKustomize(),
	)
	if len(cfg.Policy) > 0 {
		p, err := rego.Load(ctx, rego.Options{
			Dirs:          cfg.Policy,
			Namespaces:    cfg.Namespace,
			AllNamespaces: allNamespaces,
			Data:          data,
		})
		if err != nil {
			return err
		}
		opts.Policies = append(opts.Policies, p)
	}
	return nil
}
