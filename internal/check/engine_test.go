package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles creates files under a temp dir and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func findingsOf(res *Result, id string) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}

func TestRun_ParseErrorIsAFindingAndRunGoesOn(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a/bad.yaml":  "kind: Pod\nmetadata:\n  name: [x\n",
		"a/good.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
		"b/main.tf":   "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n}\n",
		"README.md":   "not checked: found by walking, not IaC",
	})
	res, err := Run(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	errs := findingsOf(res, "OPS001")
	if len(errs) != 2 {
		t.Fatalf("got %d OPS001 findings, want 2: %+v", len(errs), errs)
	}
	if res.Files != 3 {
		t.Errorf("files = %d, want 3 (README.md is skipped)", res.Files)
	}
	for _, f := range errs {
		if f.Line < 1 || !strings.HasPrefix(f.Message, "cannot parse") {
			t.Errorf("finding %s:%d %q", f.File, f.Line, f.Message)
		}
		if strings.HasSuffix(f.File, "main.tf") && f.Line != 2 {
			t.Errorf("HCL error at line %d, want 2", f.Line)
		}
	}
}

func TestRun_MaxFileSize(t *testing.T) {
	dir := writeFiles(t, map[string]string{"big.yaml": "a: " + strings.Repeat("x", 4096) + "\n"})
	res, err := Run(context.Background(), Options{Paths: []string{dir}, MaxFileSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	errs := findingsOf(res, "OPS001")
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "larger than the limit") {
		t.Fatalf("want one size finding, got %+v", errs)
	}
}

func TestRun_Stdin(t *testing.T) {
	in := strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\nkind: [\n")
	res, err := Run(context.Background(), Options{Paths: []string{"-"}, Stdin: in})
	if err != nil {
		t.Fatal(err)
	}
	errs := findingsOf(res, "OPS001")
	if len(errs) != 1 || errs[0].File != "-" {
		t.Fatalf("want one OPS001 on -, got %+v", errs)
	}
	if res.Documents != 1 {
		t.Errorf("documents = %d, want 1", res.Documents)
	}
}

func TestRun_Exclude(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"keep/x.yaml":          "a: [\n",
		"fixtures/bad.yaml":    "a: [\n",
		"deep/fixtures/b.yaml": "a: [\n",
	})
	cfg := Config{Exclude: []string{"fixtures/**"}}
	res, err := Run(context.Background(), Options{Paths: []string{dir}, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if got := findingsOf(res, "OPS001"); len(got) != 1 || !strings.HasSuffix(got[0].File, "keep/x.yaml") {
		t.Fatalf("exclude failed: %+v", got)
	}
}

func TestRun_DirectiveSuppresses(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"x.yaml": "a: 1\n# opsloop:ignore OPS001 generated file, broken on purpose\nb: [\n",
	})
	res, err := Run(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || res.Suppressed != 1 {
		t.Fatalf("findings %+v suppressed %d; want 0 and 1", res.Findings, res.Suppressed)
	}
}

func TestRun_Baseline(t *testing.T) {
	dir := writeFiles(t, map[string]string{"x.yaml": "b: [\n"})
	first, err := Run(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(map[string]any{"findings": first.Findings})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadBaseline(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// Move the error down a line: the fingerprint ignores lines.
	if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("\nb: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Paths: []string{dir}, Baseline: b})
	if err != nil {
		t.Fatal(err)
	}
	// The message holds no line, so the finding is the same one.
	if len(res.Findings) != 0 || res.Baselined != 1 {
		t.Fatalf("findings %+v baselined %d", res.Findings, res.Baselined)
	}
	// A new finding in another file is reported.
	if err := os.WriteFile(filepath.Join(dir, "y.yaml"), []byte("c: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = Run(context.Background(), Options{Paths: []string{dir}, Baseline: b})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || !strings.HasSuffix(res.Findings[0].File, "y.yaml") {
		t.Fatalf("want only y.yaml, got %+v", res.Findings)
	}
}

func TestReadBaseline_Errors(t *testing.T) {
	for name, in := range map[string]string{
		"not json":       "nope",
		"no fingerprint": `{"findings":[{"rule_id":"X"}]}`,
	} {
		if _, err := ReadBaseline(strings.NewReader(in)); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

func TestRun_UsageErrors(t *testing.T) {
	_, err := Run(context.Background(), Options{})
	if !errors.Is(err, ErrUsage) {
		t.Errorf("no paths: %v", err)
	}
	_, err = Run(context.Background(), Options{Paths: []string{"/does/not/exist"}})
	if !errors.Is(err, ErrUsage) {
		t.Errorf("missing path: %v", err)
	}
}

func TestRun_Canceled(t *testing.T) {
	dir := writeFiles(t, map[string]string{"x.yaml": "a: 1\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{Paths: []string{dir}}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestParseConfig(t *testing.T) {
	good := "check:\n  fail_on: high\n  disable: [OPS003]\n  severity: {unreadable-input: low}\n  exclude: ['vendor/**']\n"
	c, err := ParseConfig(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.FailSeverity() != SeverityHigh {
		t.Errorf("fail_on %v", c.FailSeverity())
	}
	if s, ok := c.severity("OPS001", ""); !ok || s != SeverityLow {
		t.Errorf("severity override by name: %v %v", s, ok)
	}
	for name, in := range map[string]string{
		"unknown key":      "check:\n  fail_onn: high\n",
		"unknown rule":     "check:\n  disable: [NOPE999]\n",
		"bad severity":     "check:\n  fail_on: severe\n",
		"bad override":     "check:\n  severity: {OPS001: huge}\n",
		"bad pattern":      "check:\n  exclude: ['[']\n",
		"unknown top":      "checks: {}\n",
		"negative maxsize": "check:\n  max_file_size: -1\n",
	} {
		if _, err := ParseConfig(strings.NewReader(in)); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

func TestParseDirectives(t *testing.T) {
	src := `a: 1 # opsloop:ignore K8S001,K8S002 needs it
// opsloop:ignore TF001 legacy
x: "opsloop:ignore NOT-A-COMMENT"
list:
  # opsloop:ignore K8S014 fixture
  - name: DB_PASSWORD
    value: hunter2
  - name: OTHER
    value: x
resource "a" "b" { # opsloop:ignore TF002 reviewed
  acl = "public"
}
after: 1
`
	d := parseDirectives([]byte(src))
	want := []struct {
		line, start, end int
		ids              string
	}{
		{1, 1, 1, "K8S001,K8S002"},
		{2, 2, 3, "TF001"},
		{5, 5, 7, "K8S014"},
		{10, 10, 12, "TF002"},
	}
	if len(d) != len(want) {
		t.Fatalf("got %d directives, want %d: %+v", len(d), len(want), d)
	}
	for i, w := range want {
		got := d[i]
		if got.line != w.line || got.start != w.start || got.end != w.end || strings.Join(got.ids, ",") != w.ids {
			t.Errorf("directive %d: %+v, want %+v", i, got, w)
		}
	}
}

// TestRun_HostileInputs feeds inputs built to exhaust a parser: each must
// end as a finding or a clean pass, never a crash or a hang.
func TestRun_HostileInputs(t *testing.T) {
	bomb := "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for n := range strings.SplitSeq("bcdefghijklmnop", "") {
		bomb += n + ": &" + n + " [" + strings.Repeat("*"+prev+",", 8) + "*" + prev + "]\n"
		prev = n
	}
	dir := writeFiles(t, map[string]string{
		"deep.yaml":  "a: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n",
		"deep.tf":    "locals {\n  x = " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n}\n",
		"bomb.yaml":  bomb,
		"many.yaml":  strings.Repeat("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", 5000),
		"Dockerfile": "FROM alpine:3.20\nRUN " + strings.Repeat("x", 70000) + "\n",
	})
	res, err := Run(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	errs := map[string]string{}
	for _, f := range findingsOf(res, "OPS001") {
		errs[filepath.Base(f.File)] = f.Message
	}
	for _, name := range []string{"deep.yaml", "deep.tf", "Dockerfile"} {
		if errs[name] == "" {
			t.Errorf("%s: want an OPS001 finding, got none", name)
		}
	}
	if !strings.Contains(errs["deep.tf"], "nest deeper") {
		t.Errorf("deep.tf: %q", errs["deep.tf"])
	}
	if _, ok := errs["bomb.yaml"]; ok {
		t.Errorf("bomb.yaml parses (aliases are not expanded): %q", errs["bomb.yaml"])
	}
	if res.Documents < 5000 {
		t.Errorf("documents = %d, want the 5000 of many.yaml and more", res.Documents)
	}
}
