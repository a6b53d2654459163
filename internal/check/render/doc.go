// Package render expands Helm charts and Kustomize directories in-process
// for opsloop check, so that the objects they produce can be checked with
// positions in the files people edit.
//
// # Usage
//
//	res, err := check.Run(ctx, check.Options{
//		Paths:     []string{"deploy/"},
//		Renderers: []check.Renderer{render.NewHelm(render.HelmOptions{}), render.NewKustomize()},
//	})
//
// [Helm] renders each template of a chart (and of its vendored subcharts)
// with the Helm v3 engine and no cluster, as helm template does, and maps
// every rendered line back to the template line that produced it.
// [Kustomize] builds a kustomization with the kustomize API and names each
// object after the source file it came from, with its fields mapped to
// their lines there.
//
// Neither renderer fetches anything: a chart's dependencies must be
// vendored under charts/, and a kustomization that refers to a remote base
// or file is an error.
//
// # Limits
//
// Templates can loop and generators can repeat. A render that produces
// more than its MaxOutput bytes is an error, and so is one that runs past
// its Timeout or its context: neither Helm nor kustomize can be
// interrupted, so such a render is abandoned and its goroutine runs on
// until it ends by itself.
//
// # Concurrency
//
// Both renderers are safe for concurrent use. Kustomize builds run one at
// a time, because kustomize keeps schema state in package variables.
package render
