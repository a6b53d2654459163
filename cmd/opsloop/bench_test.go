package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildBinary compiles opsloop once for the startup benchmarks.
func buildBinary(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "opsloop")
	cmd := exec.CommandContext(b.Context(), "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("build: %v", err)
	}
	return bin
}

// BenchmarkStartup measures the wall time of whole processes: the bar is
// under 50 ms for `opsloop version` and for `opsloop check` on one small
// file, however many packages the binary links.
func BenchmarkStartup(b *testing.B) {
	bin := buildBinary(b)
	small := filepath.Join(b.TempDir(), "pod.yaml")
	if err := os.WriteFile(small, []byte(smallPod), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"version", []string{"version"}},
		{"check-small-file", []string{"check", "--fail-on", "critical", small}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				cmd := exec.CommandContext(b.Context(), bin, bc.args...)
				if out, err := cmd.CombinedOutput(); err != nil {
					if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() > 1 {
						b.Fatalf("%v: %v\n%s", bc.args, err, out)
					}
				}
			}
		})
	}
}

const smallPod = `apiVersion: v1
kind: Pod
metadata:
  name: small
spec:
  containers:
    - name: app
      image: registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000
`
