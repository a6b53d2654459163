package rego

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opsloop/opsloop/internal/check"
)

// run checks paths with the policies in dirs and returns the policy
// findings as "file:line:col severity rule: message" lines.
func run(t *testing.T, opts Options, paths ...string) []string {
	t.Helper()
	ctx := context.Background()
	p, err := Load(ctx, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	res, err := check.Run(ctx, check.Options{Paths: paths, Policies: []check.Policy{p}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var got []string
	for _, f := range res.Findings {
		if f.Family != check.FamilyPolicy {
			continue
		}
		got = append(got, fmt.Sprintf("%s:%d:%d %s %s: %s", f.File, f.Line, f.Column, f.Severity, f.RuleID, f.Message))
	}
	return got
}

func diff(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func TestKubernetesPolicies(t *testing.T) {
	got := run(t, Options{Dirs: []string{"testdata/kubernetes/policy"}}, "testdata/kubernetes/manifests")
	const f = "testdata/kubernetes/manifests/app.yaml"
	diff(t, got, []string{
		f + ":1:1 high main.deny: Container web in Deployment web uses an image without a tag",
		f + ":1:1 high main.deny: Containers must not run as root in Deployment web",
		f + ":1:1 high main.deny_missing_app_label: Deployment web must have an app label",
		// _loc.line from the policy.
		f + ":3:1 high main.deny_host_network: Pods must not share the node network namespace",
		// path into the document.
		f + ":20:25 high main.violation: Container web in Deployment web runs privileged",
		f + ":22:18 low main.warn_latest_tag: Container sidecar uses the mutable latest tag",
		f + ":24:1 medium main.warn: Service web is exposed through a cloud load balancer",
	})
}

func TestNamespaces(t *testing.T) {
	const f = "testdata/kubernetes/manifests/app.yaml"
	got := run(t, Options{Dirs: []string{"testdata/kubernetes/policy"}, Namespaces: []string{"security"}}, f)
	diff(t, got, []string{f + ":35:1 high security.deny: Service debug opens a port on every node"})

	got = run(t, Options{Dirs: []string{"testdata/kubernetes/policy"}, AllNamespaces: true}, f)
	if len(got) != 8 || !slices.Contains(got, f+":35:1 high security.deny: Service debug opens a port on every node") {
		t.Errorf("AllNamespaces: got %d findings:\n%s", len(got), strings.Join(got, "\n"))
	}

	p, err := Load(context.Background(), Options{Dirs: []string{"testdata/kubernetes/policy"}, AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	if ns := p.Namespaces(); !slices.Equal(ns, []string{"main", "security"}) {
		t.Errorf("Namespaces() = %q; kubernetes has no reporting rules and must not be listed", ns)
	}
}

func TestExceptions(t *testing.T) {
	got := run(t, Options{Dirs: []string{"testdata/exceptions/policy"}}, "testdata/exceptions/manifests")
	const f = "testdata/exceptions/manifests/deployments.yaml"
	diff(t, got, []string{
		// legacy-batch: run_as_root is excepted, the memory rule is not.
		f + ":1:1 high main.deny: Deployment legacy-batch sets no memory limit",
		// scratchpad: the plain deny is excepted with "".
		f + ":12:1 high main.deny_run_as_root: Containers must not run as root in Deployment scratchpad",
		f + ":25:1 high main.deny: Deployment web sets no memory limit",
		f + ":25:1 high main.deny_run_as_root: Containers must not run as root in Deployment web",
	})
}

func TestTerraformPolicies(t *testing.T) {
	got := run(t, Options{Dirs: []string{"testdata/terraform/policy"}}, "testdata/terraform/config")
	const f = "testdata/terraform/config/main.tf"
	diff(t, got, []string{
		f + ":1:1 high main.deny: S3 bucket logs is publicly readable",
		f + ":1:1 medium main.warn: Provider region is computed (${var.region}); pin it per workspace",
		f + ":20:32 high main.deny: Security group rule ssh allows ingress from anywhere",
	})
}

func TestDockerfilePolicies(t *testing.T) {
	got := run(t, Options{Dirs: []string{"testdata/docker/policy"}}, "testdata/docker/build")
	const f = "testdata/docker/build/Dockerfile"
	diff(t, got, []string{
		f + ":1:1 high main.deny: Stage 0 builds from the mutable image golang:latest",
		f + ":4:1 high main.deny: RUN in stage 0 downloads with curl",
		f + ":9:1 medium main.warn: COPY --from names a stage by number; name the stage",
	})
}

func writePolicy(t *testing.T, name, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSeverity(t *testing.T) {
	dir := writePolicy(t, "sev.rego", `package main

deny contains "denied"
violation contains "violated"
warn contains "warned"
warn_escalated contains {"msg": "escalated", "severity": "critical"}
deny_lowered contains {"msg": "lowered", "severity": "info"}
deny_odd contains {"msg": "unknown severity keeps the default", "severity": "sev-9"}
warn_alias contains {"msg": "alias", "severity": "ERROR"}
`)
	manifest := writePolicy(t, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	got := run(t, Options{Dirs: []string{dir}}, manifest)
	for i, s := range got {
		got[i] = s[strings.Index(s, " ")+1:]
	}
	slices.Sort(got)
	diff(t, got, []string{
		"critical main.warn_escalated: escalated",
		"high main.deny: denied",
		"high main.deny_odd: unknown severity keeps the default",
		"high main.violation: violated",
		"high main.warn_alias: alias",
		"info main.deny_lowered: lowered",
		"medium main.warn: warned",
	})
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, file, src string
		want            []string
	}{
		{
			name: "compile error v1",
			file: "bad.rego",
			src:  "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := undefined_function(input)\n}\n",
			want: []string{"bad.rego:6:", "undefined function undefined_function"},
		},
		{
			name: "compile error v0",
			file: "old.rego",
			src:  "package main\n\ndeny[msg] {\n\tinput.kind == \"Pod\"\n\tmsg := sprintf(\"%s\", [unknown_var])\n}\n",
			want: []string{"old.rego:5:", "unknown_var"},
		},
		{
			name: "parse error in v1 file",
			file: "syntax.rego",
			src:  "package main\n\ndeny contains msg if {\n\tinput.kind == \"Pod\"\n\tmsg := \"x\" +\n}\n",
			want: []string{"syntax.rego:6:", "rego_parse_error"},
		},
		{
			name: "parse error in v0 file",
			file: "syntax0.rego",
			src:  "package main\n\ndeny[msg] {\n\tinput.kind == \"Pod\"\n\tmsg = \"x\"\n}\n\nwarn[msg] {\n\tmsg = = \"y\"\n}\n",
			want: []string{"syntax0.rego:9:", "rego_parse_error"},
		},
		{
			name: "boolean deny",
			file: "bool.rego",
			src:  "package main\n\nimport rego.v1\n\ndeny if {\n\tinput.kind == \"Pod\"\n}\n",
			want: []string{"bool.rego:5:", "deny contains msg if"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writePolicy(t, tt.file, tt.src)
			_, err := Load(ctx, Options{Dirs: []string{dir}})
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := Load(ctx, Options{Dirs: []string{t.TempDir()}}); err == nil || !strings.Contains(err.Error(), "no policies") {
		t.Errorf("empty dir: err = %v", err)
	}
}

func TestEvalErrors(t *testing.T) {
	ctx := context.Background()
	for name, src := range map[string]string{
		"conflict": "package main\n\nimport rego.v1\n\nx := 1 if input.kind\nx := 2 if input.kind\n\ndeny contains \"m\" if x == 1\n",
		"no msg":   "package main\n\nimport rego.v1\n\ndeny contains {\"message\": \"m\"} if input.kind\n",
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Load(ctx, Options{Dirs: []string{writePolicy(t, "p.rego", src)}})
			if err != nil {
				t.Fatal(err)
			}
			d := &check.Document{Path: "x.yaml", Format: check.FormatKubernetes}
			if _, err := p.Eval(ctx, d, map[string]any{"kind": "Pod"}); err == nil {
				t.Error("Eval succeeded")
			}
		})
	}
	// Through Run, an evaluation error is a finding, not a lost document.
	p, err := Load(ctx, Options{Dirs: []string{writePolicy(t, "p.rego", "package main\n\nimport rego.v1\n\ndeny contains {\"message\": \"m\"} if input.kind\n")}})
	if err != nil {
		t.Fatal(err)
	}
	manifest := writePolicy(t, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	res, err := check.Run(ctx, check.Options{Paths: []string{manifest}, Policies: []check.Policy{p}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].RuleID != "OPS003" {
		t.Errorf("findings = %+v, want one OPS003", res.Findings)
	}
}

func TestData(t *testing.T) {
	dir := writePolicy(t, "p.rego", `package main

import rego.v1

deny contains msg if {
	not input.metadata.namespace in data.allowed.namespaces
	msg := sprintf("namespace %v is not allowed", [input.metadata.namespace])
}
`)
	data := writePolicy(t, "allowed.yaml", "allowed:\n  namespaces: [prod, staging]\n")
	manifest := writePolicy(t, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: dev\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  namespace: prod\n")
	got := run(t, Options{Dirs: []string{dir}, Data: []string{data}}, manifest)
	if len(got) != 1 || !strings.HasSuffix(got[0], "high main.deny: namespace dev is not allowed") {
		t.Errorf("got %q", got)
	}
}

// TestMultiDocument pins Conftest's default: each document of a stream is
// its own input, never an array of all of them.
func TestMultiDocument(t *testing.T) {
	dir := writePolicy(t, "p.rego", `package main

import rego.v1

deny contains sprintf("array input of %d", [count(input)]) if is_array(input)
deny contains sprintf("document %s", [input.metadata.name]) if is_object(input)
`)
	manifest := writePolicy(t, "cms.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")
	got := run(t, Options{Dirs: []string{dir}}, manifest)
	for i, s := range got {
		got[i] = s[strings.LastIndex(s, "/")+1:]
	}
	diff(t, got, []string{
		"cms.yaml:1:1 high main.deny: document a",
		"cms.yaml:6:1 high main.deny: document b",
	})
}

func TestConftestFile(t *testing.T) {
	dir := writePolicy(t, "p.rego", `package main

import rego.v1

deny contains sprintf("file %s", [data.conftest.file.name]) if endswith(data.conftest.file.dir, "manifests")

deny contains "whole data sees the file" if data.conftest.file == data.conftest.file

warn contains "conftest object" if count(data.conftest) == 1
`)
	got := run(t, Options{Dirs: []string{dir}}, "testdata/kubernetes/manifests/good.yaml")
	diff(t, got, []string{
		"testdata/kubernetes/manifests/good.yaml:1:1 high main.deny: file good.yaml",
		"testdata/kubernetes/manifests/good.yaml:1:1 high main.deny: whole data sees the file",
		"testdata/kubernetes/manifests/good.yaml:1:1 medium main.warn: conftest object",
		"testdata/kubernetes/manifests/good.yaml:24:1 high main.deny: file good.yaml",
		"testdata/kubernetes/manifests/good.yaml:24:1 high main.deny: whole data sees the file",
		"testdata/kubernetes/manifests/good.yaml:24:1 medium main.warn: conftest object",
	})
}

func TestExceptionFunction(t *testing.T) {
	dir := writePolicy(t, "p.rego", `package main

import rego.v1

exception(x) := x

deny contains exception("kept") if input.kind
`)
	manifest := writePolicy(t, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	got := run(t, Options{Dirs: []string{dir}}, manifest)
	if len(got) != 1 || !strings.HasSuffix(got[0], "main.deny: kept") {
		t.Errorf("got %q", got)
	}
}

// TestSuppression checks that policy findings go through opsloop's
// suppressions by their "<namespace>.<rule>" ID.
func TestSuppression(t *testing.T) {
	dir := writePolicy(t, "p.rego", "package main\n\nimport rego.v1\n\ndeny contains \"denied\" if input.kind\n")
	manifest := writePolicy(t, "m.yaml", `# opsloop:ignore main.deny reviewed in OPS-12
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: b
  annotations:
    opsloop.dev/ignore: main.deny
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
`)
	got := run(t, Options{Dirs: []string{dir}}, manifest)
	if len(got) != 1 || !strings.HasSuffix(got[0], "m.yaml:14:1 high main.deny: denied") {
		t.Errorf("got %q, want only the finding on c", got)
	}
}
