package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opsloop/opsloop/internal/check"
)

const webChart = "testdata/charts/web"

func renderHelm(t *testing.T, opts HelmOptions, dir string) []check.Rendered {
	t.Helper()
	out, err := NewHelm(opts).Render(context.Background(), dir)
	if err != nil {
		t.Fatalf("render %s: %v", dir, err)
	}
	return out
}

func byPath(t *testing.T, out []check.Rendered, p string) check.Rendered {
	t.Helper()
	for _, r := range out {
		if filepath.ToSlash(r.Path) == p {
			return r
		}
	}
	t.Fatalf("no rendered file %s", p)
	return check.Rendered{}
}

// lineOf returns the 1-based line of the nth (from 1) line of data that
// contains text after trimming.
func lineOf(t *testing.T, data []byte, text string, nth int) int {
	t.Helper()
	for i, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == text {
			nth--
			if nth == 0 {
				return i + 1
			}
		}
	}
	t.Fatalf("%q not found in:\n%s", text, data)
	return 0
}

func TestHelm_Detect(t *testing.T) {
	h := NewHelm(HelmOptions{})
	if !h.Detect(webChart) {
		t.Errorf("Detect(%s) = false", webChart)
	}
	for _, d := range []string{"testdata/charts", "testdata/kustomize/base", "testdata/missing"} {
		if h.Detect(d) {
			t.Errorf("Detect(%s) = true", d)
		}
	}
}

func TestHelm_Files(t *testing.T) {
	out := renderHelm(t, HelmOptions{}, webChart)
	var got []string
	for _, r := range out {
		got = append(got, filepath.ToSlash(r.Path))
		if r.Source != webChart {
			t.Errorf("%s: Source = %q, want %q", r.Path, r.Source, webChart)
		}
	}
	// No NOTES.txt, no helpers, no hpa.yaml (its if is false).
	want := []string{
		"testdata/charts/web/crds/widgets.yaml",
		"testdata/charts/web/charts/cache/templates/statefulset.yaml",
		"testdata/charts/web/templates/deployment.yaml",
		"testdata/charts/web/templates/service.yaml",
	}
	if !slices.Equal(got, want) {
		t.Errorf("paths:\n got %q\nwant %q", got, want)
	}
	if crd := byPath(t, out, want[0]); crd.Lines != nil {
		t.Errorf("CRD has Lines %v, want nil (its lines are the file's)", crd.Lines)
	}
}

func TestHelm_Values(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts HelmOptions
		want []string // lines the deployment or statefulset must hold
		not  []string
	}{
		{
			name: "defaults",
			want: []string{"replicas: 2", "mountPath: /data", `image: "nginx:1.27.1"`},
			not:  []string{"hostNetwork: true", "privileged: true", "- name: sidecar"},
		},
		{
			name: "values file in the chart dir, subchart values",
			opts: HelmOptions{ValuesFiles: []string{"values-prod.yaml"}},
			want: []string{"replicas: 4", "hostNetwork: true", "privileged: true", "- name: sidecar", "value: \"eu-west-1\""},
			not:  []string{"mountPath: /data"},
		},
		{
			name: "set wins over files, release options",
			opts: HelmOptions{
				ValuesFiles: []string{filepath.Join(webChart, "values-prod.yaml")},
				Set:         []string{"replicaCount=7", "image.tag=1.28.0"},
				ReleaseName: "shop",
			},
			want: []string{"replicas: 7", `image: "nginx:1.28.0"`, "name: shop-web", "name: shop-cache"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var all strings.Builder
			for _, r := range renderHelm(t, tc.opts, webChart) {
				all.Write(r.Data)
			}
			lines := strings.Split(all.String(), "\n")
			has := func(s string) bool {
				return slices.ContainsFunc(lines, func(l string) bool { return strings.TrimSpace(l) == s })
			}
			for _, w := range tc.want {
				if !has(w) {
					t.Errorf("missing %q in:\n%s", w, all.String())
				}
			}
			for _, n := range tc.not {
				if has(n) {
					t.Errorf("unexpected %q", n)
				}
			}
		})
	}
}

func TestHelm_SubchartDisabled(t *testing.T) {
	out := renderHelm(t, HelmOptions{Set: []string{"cache.enabled=false"}}, webChart)
	for _, r := range out {
		if strings.Contains(filepath.ToSlash(r.Path), "charts/cache") {
			t.Errorf("disabled subchart rendered %s", r.Path)
		}
	}
}

// TestHelm_Lines checks that rendered lines map to the template lines
// that produced them, through includes, toYaml, if-blocks and ranges.
func TestHelm_Lines(t *testing.T) {
	out := renderHelm(t, HelmOptions{ValuesFiles: []string{"values-prod.yaml"}}, webChart)
	dep := byPath(t, out, "testdata/charts/web/templates/deployment.yaml")
	for _, tc := range []struct {
		text string
		nth  int
		want int
	}{
		{"apiVersion: apps/v1", 1, 1},
		{"name: release-name-web", 1, 4},             // include on a literal line
		{"helm.sh/chart: web-1.4.0", 1, 6},           // include | nindent 4
		{"app.kubernetes.io/managed-by: Helm", 1, 6}, // include output, last line
		{"spec:", 1, 7},                              // after the include
		{"replicas: 4", 1, 9},                        // inside an if
		{"app.kubernetes.io/instance: release-name", 2, 13},
		{"annotations:", 1, 17},                 // inside a with
		{`prometheus.io/scrape: "true"`, 1, 18}, // toYaml | nindent 8
		{"hostNetwork: true", 1, 24},            // if-block taken
		{"- name: web", 1, 27},                  // value on a literal line
		{`image: "nginx:1.27.1"`, 1, 28},        // several actions
		{"securityContext:", 1, 31},             // with-block
		{"privileged: true", 1, 32},             // toYaml output
		{"runAsUser: 0", 1, 32},                 // toYaml output
		{"ports:", 1, 34},                       // after toYaml
		{"- name: LOG_LEVEL", 1, 40},            // range, first pass
		{`value: "info"`, 1, 41},                // range, first pass
		{"- name: REGION", 1, 40},               // range, second pass
		{`value: "eu-west-1"`, 1, 41},           // range, second pass
		{"resources:", 1, 43},                   // after the range
		{"cpu: 500m", 1, 44},                    // toYaml .Values.resources
		{"memory: 128Mi", 1, 44},                // toYaml, last line
		{"- name: sidecar", 1, 46},              // if-block after toYaml
		{"image: envoyproxy/envoy:v1.31.0", 1, 47},
	} {
		l := lineOf(t, dep.Data, tc.text, tc.nth)
		if got := dep.Lines[l-1]; got != tc.want {
			t.Errorf("%q (rendered line %d) maps to template line %d, want %d", tc.text, l, got, tc.want)
		}
	}
	if len(dep.Lines) != strings.Count(string(dep.Data), "\n") {
		t.Errorf("len(Lines) = %d, want one per rendered line (%d)", len(dep.Lines), strings.Count(string(dep.Data), "\n"))
	}

	// A subchart's template maps into the subchart's file.
	sts := byPath(t, out, "testdata/charts/web/charts/cache/templates/statefulset.yaml")
	if l := lineOf(t, sts.Data, "image: redis:7.4", 1); sts.Lines[l-1] != 17 {
		t.Errorf("subchart image maps to %d, want 17", sts.Lines[l-1])
	}
}

func TestHelm_Errors(t *testing.T) {
	for _, tc := range []struct {
		dir       string
		file      string
		line, col int
		msg       string
	}{
		{"testdata/charts/broken-required", "testdata/charts/broken-required/templates/deployment.yaml", 10, 52, "image.tag is required"},
		{"testdata/charts/broken-syntax", "testdata/charts/broken-syntax/templates/cronjob.yaml", 9, 0, "unexpected EOF"},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			_, err := NewHelm(HelmOptions{}).Render(context.Background(), tc.dir)
			var te *TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TemplateError", err)
			}
			if f, l, c := te.Location(); f != tc.file || l != tc.line || c != tc.col {
				t.Errorf("Location() = %s:%d:%d, want %s:%d:%d", f, l, c, tc.file, tc.line, tc.col)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), tc.file) {
				t.Errorf("err = %q, want it to start with %s and say %q", err, tc.file, tc.msg)
			}
		})
	}

	t.Run("missing values file", func(t *testing.T) {
		_, err := NewHelm(HelmOptions{ValuesFiles: []string{"no-such-values.yaml"}}).Render(context.Background(), webChart)
		if err == nil || !strings.Contains(err.Error(), "no-such-values.yaml") {
			t.Errorf("err = %v, want one naming the values file", err)
		}
	})

	t.Run("missing dependency", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: postgresql\n    version: 15.0.0\n    repository: https://charts.example.com\n")
		write(t, dir, "templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
		_, err := NewHelm(HelmOptions{}).Render(context.Background(), dir)
		if err == nil || !strings.Contains(err.Error(), "postgresql") {
			t.Errorf("err = %v, want one naming the missing dependency", err)
		}
	})
}

func TestHelm_Library(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Chart.yaml", "apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n")
	write(t, dir, "templates/_labels.tpl", `{{- define "common.labels" -}}app: x{{- end }}`+"\n")
	out, err := NewHelm(HelmOptions{}).Render(context.Background(), dir)
	if err != nil || len(out) != 0 {
		t.Errorf("library chart: %d files, err %v; want nothing", len(out), err)
	}
}

func TestHelm_Limits(t *testing.T) {
	t.Run("output", func(t *testing.T) {
		h := NewHelm(HelmOptions{Set: []string{"n=200"}, MaxOutput: 100 << 10})
		_, err := h.Render(context.Background(), "testdata/charts/slow")
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		h := NewHelm(HelmOptions{Set: []string{"spin=4000"}, Timeout: 20 * time.Millisecond})
		start := time.Now()
		_, err := h.Render(context.Background(), "testdata/charts/slow")
		if err == nil || !strings.Contains(err.Error(), "did not finish") {
			t.Errorf("err = %v, want a timeout", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Render returned after %s", d)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := NewHelm(HelmOptions{}).Render(ctx, webChart)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// TestRun_Helm runs the engine with the renderer: findings land in the
// template files, at template lines.
func TestRun_Helm(t *testing.T) {
	t.Run("bad chart beside a good manifest", func(t *testing.T) {
		res := run(t, HelmOptions{}, "testdata/charts/broken-required", "testdata/manifests")
		var ops []string
		for _, f := range res.Findings {
			if strings.HasPrefix(f.RuleID, "OPS") {
				ops = append(ops, fmt.Sprintf("%s %s:%d", f.RuleID, f.File, f.Line))
				if !strings.Contains(f.Message, "deployment.yaml:10:52") || !strings.Contains(f.Message, "image.tag is required") {
					t.Errorf("message %q does not name the template line", f.Message)
				}
			}
		}
		// The engine reports it where Helm says the template failed.
		if want := []string{"OPS002 testdata/charts/broken-required/templates/deployment.yaml:10"}; !slices.Equal(ops, want) {
			t.Errorf("input findings = %q, want %q", ops, want)
		}
		if res.Files != 2 {
			t.Errorf("Files = %d, want 2 (the chart and the manifest)", res.Files)
		}
	})

	t.Run("YAML error maps to the template line", func(t *testing.T) {
		res := run(t, HelmOptions{}, "testdata/charts/badyaml")
		var got []string
		for _, f := range res.Findings {
			if f.RuleID == "OPS001" {
				got = append(got, f.File+":"+strconv.Itoa(f.Line))
				if f.Source != "testdata/charts/badyaml" {
					t.Errorf("Source = %q", f.Source)
				}
			}
		}
		if want := []string{"testdata/charts/badyaml/templates/configmap.yaml:7"}; !slices.Equal(got, want) {
			t.Errorf("OPS001 at %q, want %q", got, want)
		}
	})

	t.Run("findings are in template files", func(t *testing.T) {
		res := run(t, HelmOptions{ValuesFiles: []string{"values-prod.yaml"}}, webChart)
		if res.Files != 4 || res.Documents != 4 {
			t.Errorf("Files, Documents = %d, %d; want 4, 4", res.Files, res.Documents)
		}
		for _, f := range res.Findings {
			if strings.HasPrefix(f.RuleID, "OPS") {
				t.Errorf("input finding: %s %s:%d %s", f.RuleID, f.File, f.Line, f.Message)
				continue
			}
			data, err := os.ReadFile(f.File)
			if err != nil {
				t.Errorf("finding %s in %s, not a file of the chart: %v", f.RuleID, f.File, err)
				continue
			}
			if n := strings.Count(string(data), "\n"); f.Line < 1 || f.Line > n {
				t.Errorf("finding %s at %s:%d, past the end of the template (%d lines)", f.RuleID, f.File, f.Line, n)
			}
		}
	})
}

func run(t *testing.T, opts HelmOptions, paths ...string) *check.Result {
	t.Helper()
	res, err := check.Run(context.Background(), check.Options{
		Paths:     paths,
		Renderers: []check.Renderer{NewHelm(opts), NewKustomize()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
