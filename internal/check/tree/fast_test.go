package tree

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"go.yaml.in/yaml/v3"
)

// fastCases are inputs at the edges of the fast path: each must parse to
// what yaml.v3 parses it to, whether the fast path takes it or not.
var fastCases = []string{
	"",
	"# only a comment\n",
	"a: 1\n---\n---\nb: 2\n---\n",
	"---",
	"---\n",
	"--- # c\na: 1\n",
	"--- a\n",
	"a: 1\n...\n",
	"# c\n\na:\nb: x\n",
	"---\n# hi\na:\n  - x\n  -\n",
	"a: [1,\n2]\n",
	"a: {}\nb: []\n",
	"- a: 1\n  b: 2\n- c\n",
	"a:\n- 1\n- 2\nb: 3",
	"a: b\n  c\n",
	"key:    \n  # c\n  x: 1\n",
	"a:    # c\nb: 2\n",
	"a: b: c\n",
	"a : b\n",
	"'a': \"b\"\n",
	"\"a\":b\n",
	"a: 'it''s'\nb: \"x\\ty\\u00e9\\\"\"\n",
	"a: \"\\x41\"\n",
	"a: \"open\n  close\"\n",
	"a: 1.5\nb: -3\nc: 0x1F\nd: 1e3\ne: .5\nf: 2001-12-14\ng: 2001-12-14T21:59:43.10Z\nh: 1_000\ni: +1\nj: 0o17\nk: 0b101\nl: ~\nm: Null\nn: yes\no: 017\np: 09\nq: -.inf\nr: 1.2.3\ns: 12:30\n",
	"<<: {a: b}\n",
	"a: &x 1\nb: *x\n",
	"a: !!str 1\n",
	"a: |\n  text\n",
	"? a\n: b\n",
	"%YAML 1.2\n---\na: 1\n",
	"a:\n\tb: 1\n",
	"a: b\r\nc: d\r\n",
	"a:\r\n- 'b'\r\n- [c, d]\r\n",
	"a: b\rc: d\n",
	"a: \"b\r\n  c\"\r\n",
	"---\r\n",
	"\ufeffa: 1\n",
	"a: é\nb: 日本: x\n",
	"é: 日本\nc: [é, 日本]\n",
	"{\"a\": [1, 2, {\"b\": null}], \"c\": \"d\"}\n",
	"{\n  \"kind\": \"Pod\",\n  \"spec\": {\n    \"containers\": [\n      {\"name\": \"x\"}\n    ]\n  }\n}\n",
	"[a, b, ]\n",
	"[a: b]\n",
	"{a, b}\n",
	"{a: }\n",
	"{a:b}\n",
	"[a\n b]\n",
	"[-1, -a, - b]\n",
	"a: [b, c] d\n",
	"a: [b, c]\n  d: e\n",
	"- - a\n  - b\n- c\n",
	"-\n  a: 1\n- b\n",
	"- # c\n  a: 1\n",
	"a:\n  b:\n    c: d\n  e: f\ng: h\n",
	"a:\n  b: 1\n   c: 2\n",
	"a:\n  b: 1\n c: 2\n",
	"  a: 1\n  b: 2\n",
	"  a: 1\nb: 2\n",
	"- a\nb: c\n",
	"a: 1\n- b\n",
	"a: -\n",
	"a: - b\n",
	"a: b #c\nd: e#f\n",
	"a: http://x:80/y\n",
	"a: x:\n",
	"a:b: c\n",
	"'a' b\n",
	"a: 'b' c\n",
	"a\n",
	"a\nb\n",
	"- a\n  b\n",
	"[a, [b, [c]]]\n",
	"a: {b: [1, {c: d}]}\n",
	"{a: 1}: 2\n",
	"a: ,b\n",
	"a: @b\n",
	"a: `b`\n",
	"a: %b\n",
	"a: ?b\n",
	"a: :b\n",
	"?a: b\n",
	"-a: b\n",
	"a: 1 # c\n# foot\n",
	"a:\n  - b\n  # c\n  - d\n",
	"a: {\n  b: c\n}\n",
	"a: [\n---\n]\n",
	"a: \"\\ud800\"\n",
	"a: \"\\u0041\\/\\\\\"\n",
	"x: 1\n---\ny: |\n  z\n---\nw: 2\n",
	strings.Repeat("a:\n ", 300) + "b\n",
	strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n",
	strings.Repeat("k", 1100) + ": v\n",
}

// fastDocs runs the fast path alone and reports how many documents it
// handed over before it stopped, and whether it reached the end.
func fastDocs(data []byte) ([]Doc, bool) {
	var docs []Doc
	_, ok := fastEach(data, func(d Doc) { docs = append(docs, d) })
	return docs, ok
}

// yamlDocs decodes data with yaml.v3 alone.
func yamlDocs(data []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var y yaml.Node
		err := dec.Decode(&y)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, &y)
	}
}

// sameNode returns where a and b differ, or "".
func sameNode(a, b *yaml.Node, path string) string {
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value ||
		a.Line != b.Line || a.Column != b.Column || a.Anchor != b.Anchor || len(a.Content) != len(b.Content) {
		return fmt.Sprintf("%s: fast {kind %d style %d tag %q value %q at %d:%d, %d children} yaml.v3 {kind %d style %d tag %q value %q at %d:%d, %d children}",
			path, a.Kind, a.Style, a.Tag, a.Value, a.Line, a.Column, len(a.Content),
			b.Kind, b.Style, b.Tag, b.Value, b.Line, b.Column, len(b.Content))
	}
	for i := range a.Content {
		if d := sameNode(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
			return d
		}
	}
	return ""
}

// compareFast checks the fast path against yaml.v3 on data and reports
// whether the fast path took the whole of it.
func compareFast(t *testing.T, name string, data []byte) bool {
	t.Helper()
	fast, ok := fastDocs(data)
	want, err := yamlDocs(data)
	if ok && err != nil {
		t.Errorf("%s: fast path accepted input yaml.v3 rejects (%v):\n%s", name, err, data)
		return ok
	}
	if ok && len(fast) != len(want) {
		t.Errorf("%s: fast path found %d documents, yaml.v3 %d:\n%s", name, len(fast), len(want), data)
		return ok
	}
	// yaml.v3 reads a token ahead, so a syntax error right at the start of
	// a document can keep it from returning the document before; the fast
	// path, which stops at the error too, has handed that one over.
	if len(fast) == len(want)+1 && err != nil {
		fast = fast[:len(want)]
	}
	if len(fast) > len(want) {
		t.Errorf("%s: fast path handed over %d documents, yaml.v3 parses %d before %v:\n%s", name, len(fast), len(want), err, data)
		return ok
	}
	for i, d := range fast {
		w := want[i]
		if d.Start != (Position{Line: w.Line, Column: w.Column}) {
			t.Errorf("%s: document %d starts at %v, yaml.v3 says %d:%d:\n%s", name, i, d.Start, w.Line, w.Column, data)
		}
		if d.Index != i {
			t.Errorf("%s: document %d has index %d", name, i, d.Index)
		}
		if diff := sameNode(&d.Root.y, w.Content[0], "root"); diff != "" {
			t.Errorf("%s: document %d: %s\n%s", name, i, diff, data)
		}
	}
	return ok
}

func TestFastMatchesYAML_Cases(t *testing.T) {
	for _, c := range fastCases {
		compareFast(t, fmt.Sprintf("%q", c), []byte(c))
	}
}

// TestFastMatchesYAML_Repository checks every YAML and JSON input in the
// repository's test data and examples, and that the fast path takes most of
// them: manifests are what it is for.
func TestFastMatchesYAML_Repository(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	var files, taken int
	check := func(name string, data []byte) {
		files++
		if compareFast(t, name, data) {
			taken++
		}
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		switch filepath.Ext(path) {
		case ".yaml", ".yml", ".json":
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			check(path, data)
		case ".txtar":
			a, err := txtar.ParseFile(path)
			if err != nil {
				return err
			}
			for _, f := range a.Files {
				switch filepath.Ext(f.Name) {
				case ".yaml", ".yml", ".json":
					check(path+":"+f.Name, f.Data)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d YAML/JSON inputs, fast path took %d", files, taken)
	if files < 200 {
		t.Fatalf("only %d inputs found under %s", files, root)
	}
	if taken*10 < files*6 {
		t.Errorf("fast path took %d of %d inputs, want at least 60%%", taken, files)
	}
}

// TestEach_FallsBackMidStream checks that documents after one the fast
// path leaves are parsed by yaml.v3 and none is handed over twice.
func TestEach_FallsBackMidStream(t *testing.T) {
	data := []byte("a: 1\n---\nb: &x 2\nc: *x\n---\nd: 3\n")
	var got []string
	err := Each(data, func(d Doc) {
		got = append(got, fmt.Sprintf("%d@%d:%s", d.Index, d.Start.Line, d.Root.Pairs()[0].Key))
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "0@1:a 1@2:b 2@5:d"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	if n, ok := fastEach(data, func(Doc) {}); ok || n != 1 {
		t.Fatalf("fastEach = %d, %v; want 1, false", n, ok)
	}
}

// FuzzFastMatchesYAML holds the fast path to yaml.v3 on arbitrary input.
func FuzzFastMatchesYAML(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareFast(t, "input", data)
	})
}

// benchManifest is a Deployment and a Service, as charts and kubectl
// write them: block style, some quoting, a flow list and comments.
const benchManifest = `# web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
    app.kubernetes.io/version: "1.4.2"
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
      annotations:
        prometheus.io/scrape: "true"
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: registry.example.com/shop/web:1.4.2
          args: ["--port=8080", "--log-format=json"]
          ports:
            - containerPort: 8080
              protocol: TCP
          env:
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: http://otel-collector:4317
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits:
              memory: 256Mi
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
            periodSeconds: 5
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app.kubernetes.io/name: web
  ports:
    - port: 80
      targetPort: 8080 # the container port
`

// BenchmarkEach compares the fast path with yaml.v3 alone on manifests the
// fast path takes whole.
func BenchmarkEach(b *testing.B) {
	data := []byte(strings.Repeat(benchManifest+"---\n", 50))
	if _, ok := fastEach(data, func(Doc) {}); !ok {
		b.Fatal("the fast path does not take the benchmark manifest")
	}
	for _, bc := range []struct {
		name string
		each func([]byte, func(Doc)) error
	}{
		{"fast", Each},
		{"yaml.v3", func(data []byte, fn func(Doc)) error { return eachYAML(data, 0, fn) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.each(data, func(Doc) {}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
