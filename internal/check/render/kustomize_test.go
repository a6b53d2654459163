package render

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/opsloop/opsloop/internal/check"
)

const prodOverlay = "testdata/kustomize/overlays/prod"

func TestKustomize_Detect(t *testing.T) {
	k := NewKustomize()
	for _, name := range kustomizationNames {
		dir := t.TempDir()
		write(t, dir, name, "resources: []\n")
		if !k.Detect(dir) {
			t.Errorf("Detect with %s = false", name)
		}
	}
	for _, d := range []string{webChart, "testdata/kustomize", "testdata/missing"} {
		if k.Detect(d) {
			t.Errorf("Detect(%s) = true", d)
		}
	}
}

func TestKustomize_Overlay(t *testing.T) {
	out, err := NewKustomize().Render(context.Background(), prodOverlay)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range out {
		paths = append(paths, filepath.ToSlash(r.Path))
		if r.Source != prodOverlay {
			t.Errorf("%s: Source = %q", r.Path, r.Source)
		}
		if bytes.Contains(r.Data, []byte("config.kubernetes.io/origin")) {
			t.Errorf("%s: origin annotation left in the output:\n%s", r.Path, r.Data)
		}
		if r.Lines == nil {
			t.Errorf("%s: no Lines", r.Path)
		}
	}
	want := []string{
		"testdata/kustomize/base/deployment.yaml",
		"testdata/kustomize/base/service.yaml",
		"testdata/kustomize/base/kustomization.yaml", // the generated ConfigMap
	}
	if !slices.Equal(paths, want) {
		t.Fatalf("paths:\n got %q\nwant %q", paths, want)
	}

	dep := out[0]
	for _, tc := range []struct {
		text string
		want int
	}{
		{"apiVersion: apps/v1", 2},                 // after a comment line
		{"name: prod-checkout", 5},                 // namePrefix
		{"replicas: 3", 9},                         // patched value: the base field
		{"image: ghcr.io/shop/checkout:1.2.0", 20}, // images transformer
		{"- containerPort: 8080", 25},
		{"name: checkout", 19},                   // container matched by name
		{"privileged: true", 19},                 // added by the patch: the container
		{"name: prod-app-config-hf678c7m2b", 23}, // generated name reference
	} {
		l := lineOf(t, dep.Data, tc.text, 1)
		if got := dep.Lines[l-1]; got != tc.want {
			t.Errorf("%q (built line %d) maps to source line %d, want %d", tc.text, l, got, tc.want)
		}
	}
	for _, want := range []string{"replicas: 3", "privileged: true", "namespace: shop", "env: prod"} {
		if !bytes.Contains(dep.Data, []byte(want)) {
			t.Errorf("overlay not applied: no %q in\n%s", want, dep.Data)
		}
	}

	// The generated ConfigMap points at its generator.
	if cm := out[2]; cm.Lines[0] != 7 {
		t.Errorf("generated ConfigMap maps to line %d of kustomization.yaml, want 7", cm.Lines[0])
	}
}

// TestKustomize_SameAsKustomize checks that turning on origin tracking
// changes nothing else in the build, generator hashes included.
func TestKustomize_SameAsKustomize(t *testing.T) {
	abs, err := filepath.Abs(prodOverlay)
	if err != nil {
		t.Fatal(err)
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), abs)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewKustomize().Render(context.Background(), prodOverlay)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for i, r := range out {
		if i > 0 {
			got = append(got, "---\n"...)
		}
		got = append(got, r.Data...)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("build differs from kustomize's:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestKustomize_OwnOrigins(t *testing.T) {
	// A kustomization that asks for origins itself keeps them.
	dir := t.TempDir()
	write(t, dir, "kustomization.yaml", "resources:\n  - cm.yaml\nbuildMetadata: [originAnnotations]\n")
	write(t, dir, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n")
	out, err := NewKustomize().Render(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || !bytes.Contains(out[0].Data, []byte("config.kubernetes.io/origin")) {
		t.Fatalf("got %d objects, want one with the origin annotation kept: %v", len(out), out)
	}
	if out[0].Path != filepath.Join(dir, "cm.yaml") {
		t.Errorf("Path = %s", out[0].Path)
	}
}

func TestKustomize_Errors(t *testing.T) {
	t.Run("remote base", func(t *testing.T) {
		start := time.Now()
		_, err := NewKustomize().Render(context.Background(), "testdata/kustomize-remote")
		if err == nil || !strings.Contains(err.Error(), "github.com/example/platform") || !strings.Contains(err.Error(), "remote") {
			t.Errorf("err = %v, want one naming the remote base", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("remote file in a base", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "overlay/kustomization.yaml", "resources:\n  - ../base\n")
		write(t, dir, "base/kustomization.yaml", "resources:\n  - https://example.com/deploy.yaml\n")
		_, err := NewKustomize().Render(context.Background(), filepath.Join(dir, "overlay"))
		if err == nil || !strings.Contains(err.Error(), "https://example.com/deploy.yaml") {
			t.Errorf("err = %v, want one naming the remote file", err)
		}
	})
	t.Run("missing resource", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "kustomization.yaml", "resources:\n  - nope.yaml\n")
		if _, err := NewKustomize().Render(context.Background(), dir); err == nil {
			t.Error("no error for a missing resource")
		}
	})
	t.Run("too large", func(t *testing.T) {
		k := NewKustomize()
		k.MaxOutput = 200
		_, err := k.Render(context.Background(), prodOverlay)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("err = %v, want ErrTooLarge", err)
		}
	})
}

func TestIsRemote(t *testing.T) {
	for ref, want := range map[string]bool{
		"github.com/org/repo//deploy?ref=v1":  true,
		"https://github.com/org/repo/deploy":  true,
		"git@github.com:org/repo.git":         true,
		"ssh://git@example.com/repo":          true,
		"https://example.com/raw/deploy.yaml": true,
		"../base":                             false,
		"deployment.yaml":                     false,
		"./config/app.v2/deploy.yaml":         false,
		"app.yaml":                            false,
	} {
		if got := isRemote(ref); got != want {
			t.Errorf("isRemote(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestRun_Kustomize(t *testing.T) {
	res := run(t, HelmOptions{}, "testdata/kustomize", "testdata/kustomize-remote")
	var ops []string
	for _, f := range res.Findings {
		if strings.HasPrefix(f.RuleID, "OPS") {
			ops = append(ops, f.RuleID+" "+f.File)
		}
	}
	if want := []string{"OPS002 testdata/kustomize-remote"}; !slices.Equal(ops, want) {
		t.Errorf("input findings = %q, want %q", ops, want)
	}
	// base: 3 objects; overlay: the same 3 again; the remote one: 1.
	if res.Files != 7 || res.Documents != 6 {
		t.Errorf("Files, Documents = %d, %d; want 7, 6", res.Files, res.Documents)
	}
	for _, f := range res.Findings {
		if !strings.HasPrefix(f.File, "testdata/kustomize") {
			t.Errorf("finding in %s", f.File)
		}
	}
	var _ check.Renderer = NewKustomize()
}
