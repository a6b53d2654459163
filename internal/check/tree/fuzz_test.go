package tree

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse and walks what comes back: no
// input may panic, and Value must respect its budget.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
		"a: &a [1,2]\nb: [*a, *a]\nc: {<<: *a}\n",
		"- [[[[[[[[[[]]]]]]]]]]\n",
		"{\"json\": [1, 2, {\"x\": null}]}",
		"---\n---\nkey: |\n  text\n",
		"a: !!binary aGVsbG8=\nb: !custom x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, _ := Parse(data)
		for _, d := range docs {
			walk(d.Root, 0)
			if _, err := d.Root.Value(10000); err != nil && !errors.Is(err, ErrBudget) {
				t.Fatalf("Value: %v", err)
			}
		}
	})
}

func walk(n *Node, depth int) {
	if depth > 50 {
		return
	}
	_ = n.Pos()
	_ = n.Str()
	_, _ = n.Int()
	for _, p := range n.Pairs() {
		walk(p.Value, depth+1)
		_ = n.Get(p.Key)
	}
	for _, it := range n.Items() {
		walk(it, depth+1)
	}
}
