package rego

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	opa "github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/opsloop/opsloop/internal/check"
)

const (
	benchNamespaces = 10
	benchDocs       = 1000
)

// writeBenchPolicies writes 50 rules (5 in each of 10 namespaces, half of
// the namespaces in Rego v0 syntax) with an exception rule per namespace.
func writeBenchPolicies(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	for k := range benchNamespaces {
		var b strings.Builder
		if k%2 == 0 {
			fmt.Fprintf(&b, `package team%d

import rego.v1

containers contains c if some c in input.spec.template.spec.containers

deny_root_%d contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%%s runs as root", [input.metadata.name])
}

deny_untagged_%d contains {"msg": msg, "path": ["spec", "template", "spec", "containers", i, "image"]} if {
	some i
	c := input.spec.template.spec.containers[i]
	not contains(c.image, ":")
	msg := sprintf("container %%s has no image tag", [c.name])
}

warn_latest_%d contains msg if {
	some c in containers
	endswith(c.image, ":latest")
	msg := sprintf("container %%s uses latest", [c.name])
}

deny_labels_%d contains msg if {
	required := {"app", "team"}
	missing := required - {l | input.metadata.labels[l]}
	count(missing) > 0
	msg := sprintf("missing labels %%v", [missing])
}

violation_limits_%d contains msg if {
	some c in containers
	not c.resources.limits.memory
	msg := sprintf("container %%s has no memory limit", [c.name])
}

exception contains ["root_%d"] if input.metadata.annotations["team%d/allow-root"] == "true"
`, k, k, k, k, k, k, k, k)
		} else {
			fmt.Fprintf(&b, `package team%d

containers[c] {
	c := input.spec.template.spec.containers[_]
}

deny_root_%d[msg] {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%%s runs as root", [input.metadata.name])
}

deny_untagged_%d[msg] {
	c := containers[_]
	not contains(c.image, ":")
	msg := sprintf("container %%s has no image tag", [c.name])
}

warn_latest_%d[msg] {
	c := containers[_]
	endswith(c.image, ":latest")
	msg := sprintf("container %%s uses latest", [c.name])
}

deny_labels_%d[msg] {
	not input.metadata.labels.app
	msg := "missing app label"
}

violation_limits_%d[{"msg": msg}] {
	c := containers[_]
	not c.resources.limits.memory
	msg := sprintf("container %%s has no memory limit", [c.name])
}

exception[rules] {
	input.metadata.annotations["team%d/allow-root"] == "true"
	rules := ["root_%d"]
}
`, k, k, k, k, k, k, k, k)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("team%d.rego", k)), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// benchDocuments generates Deployments as the engine hands them to
// policies, in several variants.
func benchDocuments() []map[string]any {
	docs := make([]map[string]any, benchDocs)
	for i := range docs {
		image := fmt.Sprintf("registry.example.com/app%d:1.%d.0", i, i%7)
		switch i % 4 {
		case 1:
			image = "nginx"
		case 2:
			image = "nginx:latest"
		}
		labels := map[string]any{"app": fmt.Sprintf("app%d", i)}
		if i%3 == 0 {
			labels["team"] = "sre"
		}
		containers := []any{
			map[string]any{
				"name": "main", "image": image,
				"ports":     []any{map[string]any{"containerPort": int64(8080)}},
				"resources": map[string]any{"limits": map[string]any{"cpu": "500m", "memory": "256Mi"}},
			},
			map[string]any{"name": "sidecar", "image": "envoyproxy/envoy:v1.31.0"},
		}
		docs[i] = map[string]any{
			"apiVersion": "apps/v1",
			"kind":       "Deployment",
			"metadata": map[string]any{
				"name": fmt.Sprintf("app%d", i), "namespace": "prod", "labels": labels,
				"annotations": map[string]any{fmt.Sprintf("team%d/allow-root", i%benchNamespaces): "true"},
			},
			"spec": map[string]any{
				"replicas": int64(3),
				"selector": map[string]any{"matchLabels": map[string]any{"app": fmt.Sprintf("app%d", i)}},
				"template": map[string]any{
					"metadata": map[string]any{"labels": labels},
					"spec": map[string]any{
						"securityContext": map[string]any{"runAsNonRoot": i%5 != 0},
						"containers":      containers,
					},
				},
			},
		}
	}
	return docs
}

// BenchmarkEval measures opsloop's evaluation: one prepared query per
// document for 50 rules in 10 namespaces.
func BenchmarkEval(b *testing.B) {
	ctx := context.Background()
	p, err := Load(ctx, Options{Dirs: []string{writeBenchPolicies(b)}, AllNamespaces: true})
	if err != nil {
		b.Fatal(err)
	}
	if n := len(p.RuleIDs()); n != 50 {
		b.Fatalf("%d rules, want 50", n)
	}
	docs := benchDocuments()
	d := &check.Document{Path: "deploy.yaml", Format: check.FormatKubernetes}
	findings := 0
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		findings = 0
		for _, doc := range docs {
			fs, err := p.Eval(ctx, d, doc)
			if err != nil {
				b.Fatal(err)
			}
			findings += len(fs)
		}
	}
	b.ReportMetric(float64(b.N*len(docs))/time.Since(start).Seconds(), "docs/s")
	b.ReportMetric(float64(findings), "findings")
}

// conftestStyle evaluates the same policies the way Conftest's engine
// does: per namespace, for every rule one exception query and one rule
// query, each a fresh rego.New(...).Eval, plus the data.conftest.file
// write per file and namespace. It is the baseline BenchmarkEval is
// compared with.
type conftestStyle struct {
	compiler *ast.Compiler
	store    storage.Store
	rules    map[string][]string // namespace -> rule names
}

func newConftestStyle(tb testing.TB, dir string) *conftestStyle {
	tb.Helper()
	files, err := regoFiles([]string{dir})
	if err != nil {
		tb.Fatal(err)
	}
	modules := map[string]*ast.Module{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		m, err := parseModule(f, string(src))
		if err != nil {
			tb.Fatal(err)
		}
		modules[f] = m
	}
	c := ast.NewCompiler()
	if c.Compile(modules); c.Failed() {
		tb.Fatal(c.Errors)
	}
	cs := &conftestStyle{compiler: c, store: inmem.New(), rules: map[string][]string{}}
	for _, m := range modules {
		ns := strings.TrimPrefix(m.Package.Path.String(), "data.")
		seen := map[string]bool{}
		for _, r := range m.Rules {
			if n := ruleName(r); isReporting(n) && !seen[n] {
				seen[n] = true
				cs.rules[ns] = append(cs.rules[ns], n)
			}
		}
	}
	return cs
}

func (cs *conftestStyle) check(ctx context.Context, doc any) (int, error) {
	input, err := ast.InterfaceToValue(doc)
	if err != nil {
		return 0, err
	}
	results := 0
	for ns, rules := range cs.rules {
		if err := storage.WriteOne(ctx, cs.store, storage.AddOp, storage.Path{"conftest"},
			map[string]any{"file": map[string]any{"name": "deploy.yaml", "dir": "/src"}}); err != nil {
			return 0, err
		}
		for _, r := range rules {
			for _, q := range []string{
				fmt.Sprintf("data.%s.exception[_][_] == %q", ns, exceptionName(r)),
				fmt.Sprintf("data.%s.%s", ns, r),
			} {
				rs, err := opa.New(opa.ParsedInput(input), opa.Query(q), opa.Compiler(cs.compiler),
					opa.Store(cs.store)).Eval(ctx)
				if err != nil {
					return 0, err
				}
				results += len(rs)
			}
		}
	}
	return results, nil
}

// BenchmarkConftestStyle is the baseline: Conftest's query pattern on the
// same 50 rules and documents (--all-namespaces).
func BenchmarkConftestStyle(b *testing.B) {
	ctx := context.Background()
	cs := newConftestStyle(b, writeBenchPolicies(b))
	docs := benchDocuments()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for _, doc := range docs {
			if _, err := cs.check(ctx, doc); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(docs))/time.Since(start).Seconds(), "docs/s")
}

// TestBenchPolicies checks the benchmark policy set finds what it should,
// and that concurrent evaluation agrees with sequential evaluation.
func TestBenchPolicies(t *testing.T) {
	ctx := context.Background()
	p, err := Load(ctx, Options{Dirs: []string{writeBenchPolicies(t)}, AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	docs := benchDocuments()[:40]
	d := &check.Document{Path: "deploy.yaml", Format: check.FormatKubernetes}
	want := make([]int, len(docs))
	for i, doc := range docs {
		fs, err := p.Eval(ctx, d, doc)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = len(fs)
	}
	// Document 0: root (except in team0, excepted by annotation), tagged,
	// has both labels and memory limits on main but not on the sidecar.
	if want[0] != 9+10 {
		t.Errorf("document 0: %d findings, want 19", want[0])
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, doc := range docs {
				fs, err := p.Eval(ctx, d, doc)
				if err != nil {
					t.Error(err)
					return
				}
				if len(fs) != want[i] {
					t.Errorf("document %d: %d findings concurrently, %d alone", i, len(fs), want[i])
				}
			}
		})
	}
	wg.Wait()
}
