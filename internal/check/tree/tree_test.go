package tree

import (
	"errors"
	"strings"
	"testing"
)

func TestParse_Positions(t *testing.T) {
	src := `# leading
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          securityContext:
            privileged: true
---
kind: Service
`
	docs, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("got %d docs, want 2", len(docs))
	}
	root := docs[0].Root
	c := root.Get("spec", "template", "spec", "containers").Items()[0]
	priv := c.Get("securityContext", "privileged")
	if got, want := priv.Pos(), (Position{Line: 12, Column: 25}); got != want {
		t.Errorf("privileged value at %v, want %v", got, want)
	}
	if got, want := c.KeyNode("securityContext").Pos(), (Position{Line: 11, Column: 11}); got != want {
		t.Errorf("securityContext key at %v, want %v", got, want)
	}
	if !priv.True() {
		t.Error("privileged: want true")
	}
	if got := docs[1].Root.Get("kind").Str(); got != "Service" {
		t.Errorf("second doc kind %q", got)
	}
	if got := docs[1].Root.Pos().Line; got != 14 {
		t.Errorf("second doc starts at line %d, want 14", got)
	}
	if !strings.Contains(docs[0].Header, "leading") {
		t.Errorf("header %q lacks the leading comment", docs[0].Header)
	}
}

func TestNode_NilSafe(t *testing.T) {
	var n *Node
	if n.Get("a", "b").Exists() || n.Str() != "" || n.Len() != 0 || n.True() || n.Items() != nil || n.Pos() != (Position{}) {
		t.Error("nil node must read as empty")
	}
	if _, ok := n.Int(); ok {
		t.Error("nil Int ok")
	}
	if !n.IsNull() {
		t.Error("nil is null")
	}
}

func TestNode_AliasAndMerge(t *testing.T) {
	src := `base: &b
  image: nginx:1.25
  ports: [80]
app:
  <<: *b
  name: web
ref: *b
`
	docs, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := docs[0].Root
	if got := r.Get("app", "image").Str(); got != "nginx:1.25" {
		t.Errorf("merged image %q", got)
	}
	if got := r.Get("ref", "ports").Items()[0].Str(); got != "80" {
		t.Errorf("alias ports %q", got)
	}
	v, err := r.Value(100)
	if err != nil {
		t.Fatal(err)
	}
	app := v.(map[string]any)["app"].(map[string]any)
	if app["image"] != "nginx:1.25" || app["name"] != "web" {
		t.Errorf("Value merge: %v", app)
	}
}

func TestNode_ValueBudget(t *testing.T) {
	// A billion-laughs document: each level doubles... ninefold.
	var b strings.Builder
	b.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(name + ": &" + name + " [")
		for i := range 9 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = name
	}
	docs, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	// Walking is cheap: aliases are not expanded.
	if n := docs[0].Root.Get("i").Len(); n != 9 {
		t.Errorf("i has %d items", n)
	}
	if _, err := docs[0].Root.Value(1 << 16); !errors.Is(err, ErrBudget) {
		t.Errorf("Value on a YAML bomb: err = %v, want ErrBudget", err)
	}
}

func TestParse_SyntaxErrorPosition(t *testing.T) {
	_, err := Parse([]byte("a: 1\nb: [\nc: 2\n  - x\n"))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *SyntaxError", err)
	}
	if se.Pos.Line == 0 {
		t.Errorf("no line in %v", se)
	}
}

func TestNode_Scalars(t *testing.T) {
	docs, err := Parse([]byte("i: 3\nf: 2.0\nh: 0x10\ns: \"7\"\nb: \"true\"\nn: null\nq: 1.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := docs[0].Root
	for key, want := range map[string]int64{"i": 3, "f": 2, "h": 16, "s": 7} {
		if got, ok := r.Get(key).Int(); !ok || got != want {
			t.Errorf("%s: Int() = %d, %v; want %d", key, got, ok, want)
		}
	}
	if _, ok := r.Get("q").Int(); ok {
		t.Error("1.5 is not an integer")
	}
	if !r.Get("b").True() {
		t.Error(`"true" reads as true`)
	}
	if !r.Get("n").IsNull() || r.Get("n").Str() != "" {
		t.Error("null")
	}
}

func TestParse_SyntaxErrorLines(t *testing.T) {
	for _, tc := range []struct {
		src  string
		line int
	}{
		{"x: 1\na: [\n", 2},
		{"x: 1\na: b: c\n", 2},
		{"x: 1\na:\n\tb: 1\n", 3},
		{"x: 1\n- a\n", 2},
		{"x: 1\ny: {a: 1\nz: 2\n", 2},
		{"x: 1\nk: v\n  bad: indent\n", 3},
	} {
		_, err := Parse([]byte(tc.src))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: err = %v", tc.src, err)
			continue
		}
		if se.Pos.Line != tc.line {
			t.Errorf("%q: line %d, want %d (%s)", tc.src, se.Pos.Line, tc.line, se.Msg)
		}
	}
}
