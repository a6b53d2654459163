// Package check is opsloop's static guardrail engine for
// infrastructure-as-code: it reads Kubernetes manifests, Helm charts,
// Kustomize directories, Terraform, GitHub Actions workflows, Dockerfiles,
// Prometheus rule files and OpenTelemetry Collector configs, and reports
// findings of built-in rules and custom Rego policies with exact positions.
//
// # Usage
//
//	res, err := check.Run(ctx, check.Options{Paths: []string{"deploy/"}})
//	for _, f := range res.Findings { ... }
//
// [Run] walks its paths, hands files to a pool of workers, parses each into
// [Document] values with positions ([tree.Node] for YAML and JSON), and runs
// every [Rule] whose hook matches the document. Findings pass through
// suppressions (the opsloop.dev/ignore annotation, "# opsloop:ignore"
// comments, [Config.Disable]) and the [Baseline] before they are kept.
// Consistency rules run last, over an [Index] of small facts about every
// Kubernetes object, so memory grows with the largest file and the number
// of objects, never with the text of the whole corpus.
//
// A file that cannot be read or parsed is a finding (rule OPS001) at the
// position of the error; the run goes on.
//
// # Concurrency
//
// Run is safe to call from several goroutines. Rules are called from
// several workers at once and must not keep state between calls; a
// [Context] belongs to one worker.
package check
