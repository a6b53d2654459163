package check

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// ghadockerRun writes files into a temporary directory, checks it and returns
// "rule file:line:col" for every finding of the given rules.
func ghadockerRun(t *testing.T, files map[string]string, rules ...string) []string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range res.Findings {
		if slices.Contains(rules, f.RuleID) || f.RuleID == ruleLoadError.ID {
			rel, _ := filepath.Rel(dir, filepath.FromSlash(f.File))
			out = append(out, fmt.Sprintf("%s %s:%d:%d", f.RuleID, filepath.ToSlash(rel), f.Line, f.Column))
		}
	}
	return out
}

func TestActions_Positions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "CRLF",
			src:  "on: issues\r\njobs:\r\n  a:\r\n    steps:\r\n      - run: |\r\n          echo \"${{ github.event.issue.title }}\"\r\n",
			want: []string{"GHA002 w.yml:6:17"},
		},
		{
			name: "ExplicitIndentation",
			src:  "on: issues\njobs:\n  a:\n    steps:\n      - run: |2\n             echo ${{ github.head_ref }}\n",
			want: []string{"GHA002 w.yml:6:19"},
		},
		{
			name: "TrueKeyAndDoubleQuoted",
			src:  "true: issues\njobs:\n  a:\n    steps:\n      - run: \"echo \\\"x\\\" ${{ github.head_ref }}\"\n",
			want: []string{"GHA002 w.yml:5:26"},
		},
		{
			name: "RepeatedExpression",
			src:  "on: issues\njobs:\n  a:\n    steps:\n      - run: >\n          echo ${{ github.head_ref }}\n          ${{ github.head_ref }}\n",
			want: []string{"GHA002 w.yml:6:16", "GHA002 w.yml:7:11"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ghadockerRun(t, map[string]string{"w.yml": tt.src}, "GHA002")
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestActions_SuppressJob(t *testing.T) {
	src := `on: push
permissions: {}
jobs:
  # opsloop:ignore GHA008 a smoke test, bounded by the script itself
  smoke:
    runs-on: ubuntu-latest
    steps:
      - run: ./smoke.sh
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`
	got := ghadockerRun(t, map[string]string{"w.yml": src}, "GHA008")
	want := []string{"GHA008 w.yml:9:3"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDockerfile_SuppressStage(t *testing.T) {
	src := `FROM golang:1.26 AS build
RUN curl -fsSL https://example.com/i.sh | sh

# opsloop:ignore DF001,DF005 the init image needs root to chown volumes
FROM alpine:3.20
RUN wget -qO- https://example.com/i.sh | sh
`
	got := ghadockerRun(t, map[string]string{"Dockerfile": src}, "DF001", "DF005")
	want := []string{"DF005 Dockerfile:2:5"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDockerfile_SyntaxErrorLine(t *testing.T) {
	src := "FROM alpine:3.20\nRUN true\nRUN <<EOF\necho unterminated\n"
	got := ghadockerRun(t, map[string]string{"Dockerfile": src})
	want := []string{"OPS001 Dockerfile:3:1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSplitShell(t *testing.T) {
	cmds := splitShell(`A=1 sudo -u app curl -s "x|y" | bash -s -- a; echo $(curl z | sh) >&2 && env X=1 git fetch || true # c | sh`)
	var got []string
	for _, c := range cmds {
		got = append(got, fmt.Sprintf("%s piped=%v sudo=%v", c.argv0, c.piped, c.sudo))
	}
	want := []string{
		"curl piped=false sudo=true",
		"bash piped=true sudo=false",
		"echo piped=false sudo=false",
		"git piped=false sudo=false",
		"true piped=false sudo=false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
