package render

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestMapTemplateLines renders small templates with Helm and checks where
// chosen output lines map.
func TestMapTemplateLines(t *testing.T) {
	values := "items: [a, b, c]\nextra: {k: v}\nyes_: true\nno_: false\ncfg: \"x: 1\\ny: 2\"\n"
	for _, tc := range []struct {
		name string
		tmpl string
		want map[string]int // trimmed output line -> template line
	}{
		{
			name: "whole file under a trimmed if",
			tmpl: "{{- if .Values.yes_ -}}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n{{- end }}\n",
			want: map[string]int{"apiVersion: v1": 2, "name: a": 5},
		},
		{
			name: "comments and a define in the file",
			tmpl: "{{/*\n  A comment\n  kind: Secret\n*/}}\n{{- define \"x\" }}\nkind: Secret\n{{- end }}\napiVersion: v1\nkind: ConfigMap\n{{- /* another */}}\nmetadata:\n  name: b\n",
			want: map[string]int{"apiVersion: v1": 8, "kind: ConfigMap": 9, "name: b": 12},
		},
		{
			name: "range of documents",
			tmpl: "{{- range .Values.items }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ . }}\n{{- end }}\n",
			want: map[string]int{"name: cm-a": 6, "name: cm-c": 6, "kind: ConfigMap": 4},
		},
		{
			name: "branch not taken, else taken",
			tmpl: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  {{- if .Values.no_ }}\n  mode: off\n  {{- else }}\n  mode: on\n  {{- end }}\n  after: \"1\"\n",
			want: map[string]int{"mode: on": 9, `after: "1"`: 11},
		},
		{
			name: "tpl and toYaml without nindent",
			tmpl: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\ndata:\n{{ tpl .Values.cfg . | indent 2 }}\n{{ toYaml .Values.extra | indent 2 }}\n",
			want: map[string]int{"x: 1": 6, "y: 2": 6, "k: v": 6},
		},
		{
			name: "whole file from a library template",
			tmpl: "{{- define \"lib.cm\" }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e\n{{- end }}\n{{ include \"lib.cm\" . }}\n",
			want: map[string]int{"apiVersion: v1": 7, "name: e": 7},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "Chart.yaml", "apiVersion: v2\nname: t\nversion: 0.1.0\n")
			write(t, dir, "values.yaml", values)
			write(t, dir, "templates/x.yaml", tc.tmpl)
			out, err := NewHelm(HelmOptions{}).Render(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || out[0].Path != filepath.Join(dir, "templates", "x.yaml") {
				t.Fatalf("got %d files: %v", len(out), out)
			}
			r := out[0]
			for text, want := range tc.want {
				l := lineOf(t, r.Data, text, 1)
				if got := r.Lines[l-1]; got != want {
					t.Errorf("%q (line %d) maps to %d, want %d\noutput:\n%s", text, l, got, want, r.Data)
				}
			}
		})
	}
}

func FuzzMapTemplateLines(f *testing.F) {
	f.Add("a: {{ .x }}\n{{- range . }}\n- {{ . }}\n{{- end }}\n", "a: 1\n- x\n- y\n")
	f.Add("{{/* unterminated", "x")
	f.Add("{{ include \"x\" . | nindent 4 }}\n{{ end }}{{ end }}\n", "\n    a\n    b\n")
	f.Add("{{- define \"a\" }}{{ if }}\n\n\n", "")
	f.Fuzz(func(t *testing.T, tmpl, out string) {
		lines := mapTemplateLines(tmpl, out)
		n := strings.Count(tmpl, "\n") + 1
		for _, l := range lines {
			if l < 0 || l > n {
				t.Fatalf("line %d outside the template's %d lines", l, n)
			}
		}
	})
}
