package rego

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/opsloop/opsloop/internal/check"
	"github.com/opsloop/opsloop/internal/check/tree"
)

// locator finds the position of a path into a document's input. A path
// that leaves the document part way is placed at the deepest value it
// reached, which is where a missing field belongs.
type locator interface {
	locate(path []any) (line, col int)
}

// parsePath reads a result's path field: an array of keys and indexes, or
// a string such as "spec.containers[0].image" (an optional "input." prefix
// is dropped). Keys that contain dots need the array form.
func parsePath(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case string:
		v = strings.TrimPrefix(v, "input.")
		if v == "" || v == "input" {
			return nil
		}
		var out []any
		for seg := range strings.SplitSeq(v, ".") {
			name, rest, _ := strings.Cut(seg, "[")
			if name != "" {
				out = append(out, name)
			}
			for rest != "" {
				idx, after, ok := strings.Cut(rest, "]")
				if !ok {
					break
				}
				if n, err := strconv.Atoi(idx); err == nil {
					out = append(out, n)
				} else {
					out = append(out, strings.Trim(idx, `"'`))
				}
				rest = strings.TrimPrefix(after, "[")
			}
		}
		return out
	}
	return nil
}

// pathIndex reads an array index from a path element.
func pathIndex(x any) (int, bool) {
	switch x := x.(type) {
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	default:
		return toInt(x)
	}
}

// pathKey reads a mapping key from a path element.
func pathKey(x any) (string, bool) {
	switch x := x.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case int:
		return strconv.Itoa(x), true
	}
	return "", false
}

// treeLocator locates paths in YAML and JSON documents.
type treeLocator struct{ root *tree.Node }

func (t treeLocator) locate(path []any) (int, int) {
	n := t.root
	for _, el := range path {
		var next *tree.Node
		switch {
		case n.IsMap():
			if k, ok := pathKey(el); ok {
				next = n.Get(k)
			}
		case n.IsSeq():
			if i, ok := pathIndex(el); ok && i >= 0 && i < n.Len() {
				next = n.Items()[i]
			}
		}
		if !next.Exists() {
			break
		}
		n = next
	}
	p := n.Pos()
	return p.Line, p.Column
}

// hclLocator locates paths in Terraform files, through the shape of
// terraformInput.
type hclLocator struct{ f *check.TFFile }

func (h *hclLocator) locate(path []any) (int, int) {
	at := h.f.Body.Range().Start
	body := h.f.Body
	for len(path) > 0 {
		name, ok := pathKey(path[0])
		if !ok {
			break
		}
		if attr, ok := body.Attributes[name]; ok {
			r := exprRange(attr.Expr, path[1:], h.f.Bytes)
			return r.Start.Line, r.Start.Column
		}
		// Blocks: type, then one element per label, then the index into
		// the blocks with those labels.
		var labels []string
		rest := path[1:]
		var matched []*hclsyntax.Block
		for {
			matched = matched[:0]
			for _, b := range body.Blocks {
				if b.Type == name && hasLabelPrefix(b.Labels, labels) {
					matched = append(matched, b)
				}
			}
			if len(matched) == 0 {
				return at.Line, at.Column
			}
			at = matched[0].TypeRange.Start
			if len(matched[0].Labels) == len(labels) || len(rest) == 0 {
				break
			}
			l, ok := pathKey(rest[0])
			if !ok {
				return at.Line, at.Column
			}
			labels = append(labels, l)
			rest = rest[1:]
		}
		var exact []*hclsyntax.Block
		for _, b := range matched {
			if len(b.Labels) == len(labels) {
				exact = append(exact, b)
			}
		}
		if len(exact) == 0 || len(rest) == 0 {
			return at.Line, at.Column
		}
		i, ok := pathIndex(rest[0])
		if !ok || i < 0 || i >= len(exact) {
			return at.Line, at.Column
		}
		body = exact[i].Body
		at = exact[i].TypeRange.Start
		path = rest[1:]
	}
	return at.Line, at.Column
}

func hasLabelPrefix(labels, prefix []string) bool {
	if len(labels) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if labels[i] != p {
			return false
		}
	}
	return true
}

// exprRange follows path into tuple and object constructors.
func exprRange(e hclsyntax.Expression, path []any, src []byte) hcl.Range {
	for _, el := range path {
		switch x := e.(type) {
		case *hclsyntax.TupleConsExpr:
			i, ok := pathIndex(el)
			if !ok || i < 0 || i >= len(x.Exprs) {
				return e.Range()
			}
			e = x.Exprs[i]
		case *hclsyntax.ObjectConsExpr:
			k, ok := pathKey(el)
			if !ok {
				return e.Range()
			}
			c := hclConverter{src: src}
			found := false
			for _, it := range x.Items {
				if name, err := c.key(it.KeyExpr); err == nil && name == k {
					e, found = it.ValueExpr, true
					break
				}
			}
			if !found {
				return e.Range()
			}
		case *hclsyntax.TemplateWrapExpr:
			return x.Range()
		default:
			return e.Range()
		}
	}
	return e.Range()
}

// dockerLocator locates paths in Dockerfiles: the first element indexes
// the instructions of the input; the rest stays on that line.
type dockerLocator []int

func (d dockerLocator) locate(path []any) (int, int) {
	i, ok := pathIndex(path[0])
	if !ok || i < 0 || i >= len(d) {
		return 0, 0
	}
	return d[i], 1
}
