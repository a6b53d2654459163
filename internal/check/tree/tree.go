// Package tree is a nil-safe, position-keeping view of YAML and JSON
// documents for rules to read.
//
// A rule walks a document with [Node.Get] and [Node.Items] and reports a
// finding at the [Node.Pos] of the node it objects to. Every method accepts a
// nil receiver and returns the zero value, so a rule can write
//
//	n.Get("spec", "template", "spec", "hostNetwork").Bool()
//
// without checking each step. Aliases are resolved on access, never expanded
// in place, so a YAML bomb costs no more to walk than its text; [Node.Value]
// converts to plain Go values under an explicit node budget.
//
// # Concurrency
//
// A Node is read-only after [Parse] returns; it may be shared by goroutines.
package tree

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"go.yaml.in/yaml/v3"
)

// Position is a 1-based line and column in a source file.
type Position struct {
	Line   int
	Column int
}

// String returns "line:column".
func (p Position) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Node is one value of a YAML or JSON document. The zero of *Node (nil) is a
// missing value.
//
// A *Node is the yaml.v3 node itself seen through this package's methods
// (see [Wrap]), so walking a document allocates nothing.
type Node struct {
	y yaml.Node
}

// maxAliasDepth bounds alias chains so that a cyclic or deeply chained
// document cannot make lookups loop.
const maxAliasDepth = 32

// Wrap returns a Node for y, or nil when y is nil. An alias is resolved to
// the node it names.
func Wrap(y *yaml.Node) *Node {
	return node(resolve(y))
}

// node converts y to a *Node without resolving aliases. Node's only field
// is a yaml.Node, so the two pointer types share one memory layout and the
// conversion is a cast, not an allocation.
func node(y *yaml.Node) *Node {
	return (*Node)(unsafe.Pointer(y)) //nolint:gosec // G103: Node is a yaml.Node with methods; see the type's comment.
}

func resolve(y *yaml.Node) *yaml.Node {
	for i := 0; y != nil && y.Kind == yaml.AliasNode && i < maxAliasDepth; i++ {
		y = y.Alias
	}
	if y != nil && y.Kind == yaml.AliasNode {
		return nil
	}
	return y
}

// YAML returns the underlying yaml.v3 node, or nil.
func (n *Node) YAML() *yaml.Node {
	if n == nil {
		return nil
	}
	return &n.y
}

// Exists reports whether n is present.
func (n *Node) Exists() bool { return n != nil }

// IsMap reports whether n is a mapping.
func (n *Node) IsMap() bool { return n.Exists() && n.y.Kind == yaml.MappingNode }

// IsSeq reports whether n is a sequence.
func (n *Node) IsSeq() bool { return n.Exists() && n.y.Kind == yaml.SequenceNode }

// IsScalar reports whether n is a scalar (including null).
func (n *Node) IsScalar() bool { return n.Exists() && n.y.Kind == yaml.ScalarNode }

// IsNull reports whether n is missing or an explicit null.
func (n *Node) IsNull() bool {
	return !n.Exists() || (n.y.Kind == yaml.ScalarNode && n.y.Tag == "!!null")
}

// Pos returns the position of n, or the zero Position when n is missing.
func (n *Node) Pos() Position {
	if !n.Exists() {
		return Position{}
	}
	return Position{Line: n.y.Line, Column: n.y.Column}
}

// Get follows a path of mapping keys and returns the value found, or nil.
func (n *Node) Get(path ...string) *Node {
	cur := n
	for _, k := range path {
		_, v := cur.lookup(k, 0)
		if v == nil {
			return nil
		}
		cur = v
	}
	return cur
}

// KeyNode returns the key node for key in mapping n, which is where a
// finding about the presence of that key belongs.
func (n *Node) KeyNode(key string) *Node {
	k, _ := n.lookup(key, 0)
	return k
}

// Has reports whether mapping n has key, even with a null value.
func (n *Node) Has(key string) bool {
	k, _ := n.lookup(key, 0)
	return k != nil
}

func (n *Node) lookup(key string, depth int) (k, v *Node) {
	if !n.IsMap() || depth > maxAliasDepth {
		return nil, nil
	}
	c := n.y.Content
	var merges []*yaml.Node
	for i := 0; i+1 < len(c); i += 2 {
		kn := c[i]
		if kn.Kind == yaml.ScalarNode && kn.Value == key {
			return node(kn), Wrap(c[i+1])
		}
		if kn.Kind == yaml.ScalarNode && kn.Tag == "!!merge" {
			merges = append(merges, c[i+1])
		}
	}
	for _, m := range merges {
		m = resolve(m)
		if m == nil {
			continue
		}
		if m.Kind == yaml.SequenceNode {
			for _, e := range m.Content {
				if k, v := Wrap(e).lookup(key, depth+1); k != nil {
					return k, v
				}
			}
			continue
		}
		if k, v := node(m).lookup(key, depth+1); k != nil {
			return k, v
		}
	}
	return nil, nil
}

// Pair is one key and value of a mapping.
type Pair struct {
	Key   string
	KeyN  *Node
	Value *Node
}

// Pairs returns the entries of mapping n in document order. Merge keys are
// not expanded.
func (n *Node) Pairs() []Pair {
	if !n.IsMap() {
		return nil
	}
	c := n.y.Content
	out := make([]Pair, 0, len(c)/2)
	for i := 0; i+1 < len(c); i += 2 {
		out = append(out, Pair{Key: c[i].Value, KeyN: node(c[i]), Value: Wrap(c[i+1])})
	}
	return out
}

// Keys returns the keys of mapping n in document order.
func (n *Node) Keys() []string {
	if !n.IsMap() {
		return nil
	}
	c := n.y.Content
	out := make([]string, 0, len(c)/2)
	for i := 0; i+1 < len(c); i += 2 {
		out = append(out, c[i].Value)
	}
	return out
}

// Items returns the elements of sequence n.
func (n *Node) Items() []*Node {
	if !n.IsSeq() {
		return nil
	}
	out := make([]*Node, 0, len(n.y.Content))
	for _, e := range n.y.Content {
		if w := Wrap(e); w != nil {
			out = append(out, w)
		}
	}
	return out
}

// Len returns the number of elements of a sequence or entries of a mapping.
func (n *Node) Len() int {
	switch {
	case n.IsSeq():
		return len(n.y.Content)
	case n.IsMap():
		return len(n.y.Content) / 2
	}
	return 0
}

// Str returns the scalar text of n, or "" when n is missing or not a scalar.
func (n *Node) Str() string {
	if !n.IsScalar() || n.y.Tag == "!!null" {
		return ""
	}
	return n.y.Value
}

// Bool returns the boolean value of n and whether n is a boolean. The strings
// "true" and "false" count, as Kubernetes accepts them.
func (n *Node) Bool() (value, ok bool) {
	if !n.IsScalar() {
		return false, false
	}
	switch strings.ToLower(n.y.Value) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// True reports whether n is the boolean true.
func (n *Node) True() bool {
	v, ok := n.Bool()
	return ok && v
}

// Int returns the integer value of n and whether n is an integer.
func (n *Node) Int() (int64, bool) {
	if !n.IsScalar() {
		return 0, false
	}
	v, err := strconv.ParseInt(n.y.Value, 0, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(n.y.Value, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt64/2 {
			return 0, false
		}
		return int64(f), true
	}
	return v, true
}

// Strings returns the scalar elements of sequence n.
func (n *Node) Strings() []string {
	items := n.Items()
	out := make([]string, 0, len(items))
	for _, it := range items {
		if it.IsScalar() {
			out = append(out, it.Str())
		}
	}
	return out
}

// StringMap returns mapping n as a map of scalar values.
func (n *Node) StringMap() map[string]string {
	if !n.IsMap() {
		return nil
	}
	out := make(map[string]string, n.Len())
	for _, p := range n.Pairs() {
		out[p.Key] = p.Value.Str()
	}
	return out
}

// ErrBudget is returned by [Node.Value] when a document expands to more
// nodes than allowed, as a YAML bomb does.
var ErrBudget = errors.New("document expands beyond the node budget")

// Value converts n to plain Go values (map[string]any, []any, string, bool,
// int64, float64, nil) as encoding/json would produce them, expanding aliases
// but visiting at most budget nodes in all.
func (n *Node) Value(budget int) (any, error) {
	if !n.Exists() {
		return nil, nil
	}
	b := budget
	return value(&n.y, &b, 0)
}

func value(y *yaml.Node, budget *int, depth int) (any, error) {
	y = resolve(y)
	if y == nil {
		return nil, nil
	}
	*budget--
	if *budget < 0 {
		return nil, ErrBudget
	}
	if depth > 1000 {
		return nil, ErrBudget
	}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return nil, nil
		}
		return value(y.Content[0], budget, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(y.Content)/2)
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := resolve(y.Content[i])
			if k != nil && k.Tag == "!!merge" {
				mv, err := value(y.Content[i+1], budget, depth+1)
				if err != nil {
					return nil, err
				}
				mergeInto(m, mv)
				continue
			}
			v, err := value(y.Content[i+1], budget, depth+1)
			if err != nil {
				return nil, err
			}
			key := ""
			if k != nil {
				key = k.Value
			}
			m[key] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(y.Content))
		for _, e := range y.Content {
			v, err := value(e, budget, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		return scalar(y), nil
	default:
		// resolve has already followed aliases.
		return nil, nil
	}
}

func mergeInto(m map[string]any, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if _, ok := m[k]; !ok {
				m[k] = x
			}
		}
	case []any:
		for _, e := range v {
			mergeInto(m, e)
		}
	}
}

func scalar(y *yaml.Node) any {
	switch y.Tag {
	case "!!null":
		return nil
	case "!!bool":
		b, ok := node(y).Bool()
		if ok {
			return b
		}
	case "!!int":
		if v, err := strconv.ParseInt(y.Value, 0, 64); err == nil {
			return v
		}
	case "!!float":
		if v, err := strconv.ParseFloat(y.Value, 64); err == nil {
			return v
		}
	}
	return y.Value
}

// Doc is one document of a YAML stream.
type Doc struct {
	// Root is the top-level value of the document, nil for an empty one.
	Root *Node
	// Index is the 0-based position of the document in its stream.
	Index int
	// Start is the first line of the document.
	Start Position
	// Header holds the comments before the document's first key, where a
	// directive that covers the whole document belongs.
	Header string
}

// SyntaxError is a parse failure with the position it was found at, when
// the parser says.
type SyntaxError struct {
	Pos Position
	Msg string
}

func (e *SyntaxError) Error() string {
	if e.Pos.Line > 0 {
		return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Column, e.Msg)
	}
	return e.Msg
}

// Parse reads every document of a YAML (or JSON) stream. Documents before a
// syntax error are returned together with the error, so a caller can still
// check them.
func Parse(data []byte) ([]Doc, error) {
	var docs []Doc
	err := Each(data, func(d Doc) { docs = append(docs, d) })
	return docs, err
}

// Each decodes the documents of a YAML (or JSON) stream one at a time and
// hands each to fn, so a caller that is done with a document lets it go
// before the next is built: memory follows the largest document, not the
// stream. It stops at the first syntax error and returns it.
func Each(data []byte, fn func(Doc)) error {
	done, ok := fastEach(data, fn)
	if ok {
		return nil
	}
	return eachYAML(data, done, fn)
}

// eachYAML is [Each] on yaml.v3 alone, for the documents after the first
// skip (which the fast path has handed over already).
func eachYAML(data []byte, skip int, fn func(Doc)) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var y yaml.Node
		err := dec.Decode(&y)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return syntaxError(err, data)
		}
		if i < skip {
			continue
		}
		d := Doc{Index: i, Start: Position{Line: y.Line, Column: y.Column}}
		d.Header = y.HeadComment
		if len(y.Content) > 0 {
			r := y.Content[0]
			d.Root = Wrap(r)
			d.Header += "\n" + r.HeadComment
			if r.Kind == yaml.MappingNode && len(r.Content) > 0 {
				d.Header += "\n" + r.Content[0].HeadComment
			}
		}
		fn(d)
	}
}

// syntaxError extracts "line N" from yaml.v3's messages. For parser
// errors ("did not find expected ...") yaml.v3 reports the 0-based line of
// the construct the parser was in; one is added so the position names that
// construct's first line.
func syntaxError(err error, data []byte) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	var pos Position
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+len("line "):]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if l, e := strconv.Atoi(rest[:j]); e == nil {
			msg = strings.TrimPrefix(strings.TrimSpace(rest[j:]), ": ")
			if strings.HasPrefix(msg, "did not find expected") {
				l = min(l+1, max(bytes.Count(data, []byte("\n")), 1))
			}
			pos = Position{Line: l, Column: 1}
		}
	}
	return &SyntaxError{Pos: pos, Msg: msg}
}
