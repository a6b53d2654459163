package check

import (
	"bytes"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// TFFile is a parsed Terraform HCL file.
type TFFile struct {
	Body *hclsyntax.Body
	// Bytes is the source, for slicing expressions.
	Bytes []byte

	once      sync.Once
	resources []*TFResource
}

// parseTerraform parses HCL native syntax, keeping ranges.
func parseTerraform(name string, data []byte) (*TFFile, error) {
	if line, deep := tfTooDeep(data, tfMaxNesting); deep {
		// The HCL parser recurses per bracket and needs gigabytes for a
		// few hundred kilobytes of nesting; refuse before it starts.
		return nil, &tree.SyntaxError{
			Pos: tree.Position{Line: line, Column: 1},
			Msg: fmt.Sprintf("brackets nest deeper than %d levels", tfMaxNesting),
		}
	}
	f, diags := hclsyntax.ParseConfig(data, name, hcl.InitialPos)
	var err error
	if diags.HasErrors() {
		err = hclError(diags)
	}
	if f == nil {
		return nil, err
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, err
	}
	return &TFFile{Body: body, Bytes: data}, err
}

// tfMaxNesting bounds bracket nesting in HCL; real configurations stay
// far below it.
const tfMaxNesting = 256

// tfTooDeep reports whether brackets outside strings and comments nest
// deeper than limit, and the line where they first do.
func tfTooDeep(data []byte, limit int) (int, bool) {
	depth, line := 0, 1
	inStr, lineComment, blockComment := false, false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line++
			lineComment = false
			continue
		}
		switch {
		case lineComment:
		case blockComment:
			if c == '*' && i+1 < len(data) && data[i+1] == '/' {
				blockComment = false
				i++
			}
		case inStr:
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '#':
			lineComment = true
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			lineComment = true
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			blockComment = true
			i++
		case c == '{' || c == '[' || c == '(':
			depth++
			if depth > limit {
				return line, true
			}
		case c == '}' || c == ']' || c == ')':
			depth--
		}
	}
	return 0, false
}

// hclError converts HCL diagnostics into a positioned syntax error.
func hclError(diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		e := &tree.SyntaxError{Msg: d.Summary}
		if d.Detail != "" {
			e.Msg += ": " + d.Detail
		}
		if d.Subject != nil {
			e.Pos = tree.Position{Line: d.Subject.Start.Line, Column: d.Subject.Start.Column}
		}
		return e
	}
	return nil
}

// TFResource is one resource or data source of a Terraform file or of the
// planned values of a plan (terraform show -json), as rules see it.
type TFResource struct {
	// Mode is "managed" for resources and "data" for data sources.
	Mode string
	Type string
	Name string
	// Address is the resource address, e.g. "aws_s3_bucket.logs" or, in a
	// plan, "module.net.aws_security_group.web[0]".
	Address string
	// Pos is where the resource starts: the "resource" keyword in HCL, the
	// "values" key of the resource in a plan. A finding about a missing
	// attribute belongs here.
	Pos tree.Position
	// Body holds the arguments and nested blocks.
	Body *TFValue

	module    string     // "module.a." prefix of the address in a plan
	plan      bool       // from a plan rather than HCL
	cfgModule *tree.Node // plan: the configuration of the resource's module
}

// Object identifies r for findings.
func (r *TFResource) Object() Object { return Object{Kind: r.Type, Name: r.Label()} }

// Label names r in messages: its name, or its full address when it is in a
// module or one of several instances.
func (r *TFResource) Label() string {
	if r.Address == "" || r.Address == r.Type+"."+r.Name || r.Address == "data."+r.Type+"."+r.Name {
		return r.Name
	}
	return r.Address
}

// key is the address of r without instance keys, as references name it.
func (r *TFResource) key() string {
	if r.Mode == "data" {
		return r.module + "data." + r.Type + "." + r.Name
	}
	return r.module + r.Type + "." + r.Name
}

// refs returns the resources (as "type.name", module-qualified in plans)
// that the argument attr of r refers to.
func (r *TFResource) refs(attr string) []string {
	var out []string
	if r.plan {
		for _, s := range tfPlanConfig(r.cfgModule, r).Get(attr, "references").Strings() {
			if k := tfRefKey(s); k != "" {
				out = append(out, r.module+k)
			}
		}
		return out
	}
	v := r.Body.Get(attr)
	if v == nil || v.expr == nil {
		return nil
	}
	for _, t := range v.expr.Variables() {
		var parts []string
		for _, step := range t {
			if len(parts) == 3 {
				break
			}
			switch s := step.(type) {
			case hcl.TraverseRoot:
				parts = append(parts, s.Name)
			case hcl.TraverseAttr:
				parts = append(parts, s.Name)
			}
		}
		if k := tfRefKey(strings.Join(parts, ".")); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// tfRefKey reduces a reference such as "aws_s3_bucket.b[0].id" to
// "aws_s3_bucket.b", or "" when it names no resource.
func tfRefKey(s string) string {
	parts := strings.SplitN(s, ".", 4)
	strip := func(p string) string {
		p, _, _ = strings.Cut(p, "[")
		return p
	}
	switch {
	case len(parts) < 2:
		return ""
	case parts[0] == "data" && len(parts) >= 3:
		return "data." + parts[1] + "." + strip(parts[2])
	case parts[0] == "var" || parts[0] == "local" || parts[0] == "module" || parts[0] == "each" ||
		parts[0] == "count" || parts[0] == "path" || parts[0] == "terraform" || parts[0] == "self" || parts[0] == "data":
		return ""
	}
	return parts[0] + "." + strip(parts[1])
}

// tfLink tells how the resources of type typ in all relate to target
// through their argument attr (e.g. an aws_s3_bucket_public_access_block's
// bucket): linked lists those that refer to target by reference or by its
// literal name, and unresolved is true when some resource of that type
// names a bucket that cannot be known (a variable, a module output), so it
// might be target.
func tfLink(all []*TFResource, target *TFResource, typ, attr string, nameAttrs ...string) (linked []*TFResource, unresolved bool) {
	var names []string
	for _, a := range nameAttrs {
		if s, ok := target.Body.Get(a).Str(); ok && s != "" {
			names = append(names, s)
		}
	}
	for _, r := range all {
		if r.Type != typ || r.Mode != "managed" || r.module != target.module {
			continue
		}
		refs := r.refs(attr)
		if slices.Contains(refs, target.key()) {
			linked = append(linked, r)
			continue
		}
		if len(refs) > 0 {
			continue // refers to another resource
		}
		v := r.Body.Get(attr)
		if s, ok := v.Str(); ok {
			if slices.Contains(names, s) {
				linked = append(linked, r)
			}
			continue
		}
		unresolved = true
	}
	return linked, unresolved
}

// tfResources returns the resources and data sources of a Terraform file or
// plan. For a file the model is built once and shared by every rule.
func tfResources(d *Document) []*TFResource {
	switch d.Format {
	case FormatTerraform:
		f := d.Terraform
		if f == nil || f.Body == nil {
			return nil
		}
		f.once.Do(func() { f.resources = tfHCLResources(f) })
		return f.resources
	case FormatTerraformPlan:
		return tfPlanResources(d.Root)
	default:
		// Other formats hold no Terraform resources.
	}
	return nil
}

// tfEach calls fn for every managed resource of d of one of types, with
// reports scoped to the resource so that an ignore comment above its block
// suppresses them.
func tfEach(c *Context, d *Document, fn func(r *TFResource, all []*TFResource), types ...string) {
	all := tfResources(d)
	for _, r := range all {
		if r.Mode != "managed" || !slices.Contains(types, r.Type) {
			continue
		}
		c.Scope(r.Pos.Line)
		fn(r, all)
	}
	c.Scope(0)
}

// report records a finding about r at pos.
func (r *TFResource) report(c *Context, pos tree.Position, format string, args ...any) {
	if pos.Line == 0 {
		pos = r.Pos
	}
	c.ReportAt(pos, r.Object(), format, args...)
}

// tfEvalCtx evaluates literal expressions: no variables, only jsonencode,
// so that inline policies written with jsonencode can be read.
var tfEvalCtx = &hcl.EvalContext{
	Functions: map[string]function.Function{"jsonencode": stdlib.JSONEncodeFunc},
}

// tfHCLResources builds the resource model of an HCL file.
func tfHCLResources(f *TFFile) []*TFResource {
	var out []*TFResource
	for _, b := range f.Body.Blocks {
		if (b.Type != "resource" && b.Type != "data") || len(b.Labels) != 2 || b.Body == nil {
			continue
		}
		mode := "managed"
		addr := b.Labels[0] + "." + b.Labels[1]
		if b.Type == "data" {
			mode = "data"
			addr = "data." + addr
		}
		pos := tfHCLPos(b.TypeRange.Start)
		out = append(out, &TFResource{
			Mode: mode, Type: b.Labels[0], Name: b.Labels[1], Address: addr, Pos: pos,
			Body: tfHCLBody(f, b.Body, pos, pos),
		})
	}
	return out
}

// tfPlanResources lists the planned resources of a plan, module by module,
// with the configuration's references where the plan has them.
func tfPlanResources(root *tree.Node) []*TFResource {
	// Planned values leave out what is known only after apply; the
	// resource changes list those attributes in after_unknown.
	var unknowns map[string]*tree.Node
	for _, rc := range root.Get("resource_changes").Items() {
		if u := rc.Get("change", "after_unknown"); u.IsMap() && u.Len() > 0 {
			if unknowns == nil {
				unknowns = map[string]*tree.Node{}
			}
			unknowns[rc.Get("address").Str()] = u
		}
	}
	var out []*TFResource
	var walk func(m, cfg *tree.Node, depth int)
	walk = func(m, cfg *tree.Node, depth int) {
		if depth > 32 {
			return
		}
		prefix := m.Get("address").Str()
		if prefix != "" {
			prefix += "."
		}
		for _, it := range m.Get("resources").Items() {
			typ, name := it.Get("type").Str(), it.Get("name").Str()
			if typ == "" || name == "" {
				continue
			}
			mode := it.Get("mode").Str()
			if mode == "" {
				mode = "managed"
			}
			vk := it.KeyNode("values")
			pos := vk.Pos()
			if pos.Line == 0 {
				pos = it.Pos()
			}
			addr := it.Get("address").Str()
			if addr == "" {
				addr = prefix + typ + "." + name
			}
			body := tfNode(it.Get("values"), vk.Pos(), nil)
			if body == nil {
				body = &TFValue{kind: tfObject}
			}
			body.pos, body.keyPos = pos, pos
			body.unk = unknowns[addr]
			out = append(out, &TFResource{
				Mode: mode, Type: typ, Name: name, Address: addr, Pos: pos,
				Body: body, module: prefix, plan: true, cfgModule: cfg,
			})
		}
		for _, ch := range m.Get("child_modules").Items() {
			walk(ch, tfPlanModuleConfig(cfg, ch.Get("address").Str()), depth+1)
		}
	}
	walk(root.Get("planned_values", "root_module"), root.Get("configuration", "root_module"), 0)
	return out
}

// tfPlanConfig finds the expressions of r in the configuration of its module.
func tfPlanConfig(cfg *tree.Node, r *TFResource) *tree.Node {
	local := strings.TrimPrefix(r.key(), r.module)
	for _, c := range cfg.Get("resources").Items() {
		if c.Get("address").Str() == local {
			return c.Get("expressions")
		}
	}
	return nil
}

// tfPlanModuleConfig finds the configuration of the module at address addr
// ("module.a" or "module.a.module.b", instance keys ignored).
func tfPlanModuleConfig(root *tree.Node, addr string) *tree.Node {
	cfg := root
	parts := strings.Split(addr, ".")
	for i := 0; i+1 < len(parts); i += 2 {
		name := parts[i+1]
		if j := strings.IndexByte(name, '['); j >= 0 {
			name = name[:j]
		}
		cfg = cfg.Get("module_calls", name, "module")
	}
	if cfg == root {
		return nil
	}
	return cfg
}

func tfHCLPos(p hcl.Pos) tree.Position { return tree.Position{Line: p.Line, Column: p.Column} }

// tfKind is the shape of a TFValue.
type tfKind uint8

const (
	tfNull    tfKind = iota // null or absent
	tfUnknown               // known only after apply: a reference, a function call
	tfString
	tfNumber
	tfBool
	tfObject // a block body or an object
	tfList   // a list, tuple or set, or the blocks of one type
	tfNodeKind
)

// tfUnknownMark stands for an interpolation in a template decoded as JSON.
const tfUnknownMark = "${opsloop-unknown}"

// TFValue is an argument, block or element of a Terraform resource, from
// HCL or from a plan. A nil *TFValue is a missing value; every method
// accepts it. Values that Terraform knows only after apply (references,
// most function calls) are unknown: their Str, Bool and Int report
// known=false, and rules must not guess about them.
type TFValue struct {
	kind   tfKind
	pos    tree.Position
	keyPos tree.Position
	str    string // text of a string, number or bool
	b      bool
	fields []tfField
	items  []*TFValue

	node *tree.Node                        // tfNodeKind: backed by a plan or decoded JSON
	unk  *tree.Node                        // plan: the after_unknown counterpart of node
	pmap func(tree.Position) tree.Position // maps node positions to the file

	expr hclsyntax.Expression // HCL source of the value
	file *TFFile
	json *TFValue // the argument of jsonencode(...)
}

type tfField struct {
	name string
	v    *TFValue
}

// Exists reports whether v is present and not null.
func (v *TFValue) Exists() bool {
	if v == nil {
		return false
	}
	if v.kind == tfNodeKind {
		return !v.node.IsNull()
	}
	return v.kind != tfNull
}

// Unknown reports whether v is present but known only after apply.
func (v *TFValue) Unknown() bool {
	if v == nil {
		return false
	}
	if v.kind == tfNodeKind {
		return v.node.IsScalar() && strings.Contains(v.node.Str(), tfUnknownMark)
	}
	return v.kind == tfUnknown
}

// Pos returns where the value is: an argument's expression, a block's type
// keyword, a plan or JSON node.
func (v *TFValue) Pos() tree.Position {
	if v == nil {
		return tree.Position{}
	}
	if v.kind == tfNodeKind && v.pos == (tree.Position{}) {
		return v.mapPos(v.node.Pos())
	}
	return v.pos
}

// KeyPos returns where the name of the value is: an argument's name, a
// block's type keyword, a JSON key. It falls back to Pos.
func (v *TFValue) KeyPos() tree.Position {
	if v == nil {
		return tree.Position{}
	}
	if v.keyPos.Line > 0 {
		return v.keyPos
	}
	return v.Pos()
}

func (v *TFValue) mapPos(p tree.Position) tree.Position {
	if v.pmap != nil && p.Line > 0 {
		return v.pmap(p)
	}
	return p
}

// tfNode wraps a tree node; pmap maps its positions into the file.
func tfNode(n *tree.Node, keyPos tree.Position, pmap func(tree.Position) tree.Position) *TFValue {
	if !n.Exists() {
		return nil
	}
	return &TFValue{kind: tfNodeKind, node: n, keyPos: keyPos, pmap: pmap}
}

// Get returns the argument or first nested block called name. On a list,
// or the blocks of one type, it looks in the first element.
func (v *TFValue) Get(name string) *TFValue {
	if v == nil {
		return nil
	}
	switch v.kind {
	case tfObject:
		for i := range v.fields {
			if v.fields[i].name == name {
				return v.fields[i].v
			}
		}
	case tfList:
		if len(v.items) > 0 {
			return v.items[0].Get(name)
		}
	case tfNodeKind:
		n, unk := v.node, v.unk
		if n.IsSeq() {
			items := n.Items()
			if len(items) == 0 {
				return nil
			}
			n = items[0]
			unk = tfFirst(unk)
		}
		if !n.IsMap() {
			return nil
		}
		child, unkChild := n.Get(name), unk.Get(name)
		if child.IsNull() && unkChild.True() {
			return &TFValue{kind: tfUnknown, pos: v.Pos(), keyPos: v.KeyPos()}
		}
		c := tfNode(child, v.mapPos(n.KeyNode(name).Pos()), v.pmap)
		if c != nil {
			c.unk = unkChild
		}
		return c
	default:
		// Null, unknown and scalar values have no arguments or blocks.
	}
	return nil
}

// tfFirst returns the first element of a sequence, or n itself.
func tfFirst(n *tree.Node) *tree.Node {
	if n.IsSeq() {
		if items := n.Items(); len(items) > 0 {
			return items[0]
		}
		return nil
	}
	return n
}

// Path follows Get along names.
func (v *TFValue) Path(names ...string) *TFValue {
	for _, n := range names {
		v = v.Get(n)
	}
	return v
}

// Blocks returns the nested blocks (or object elements of a list argument)
// called name.
func (v *TFValue) Blocks(name string) []*TFValue {
	return v.Get(name).List()
}

// List returns the elements of a list; a single present value that is not
// a list is returned as a list of one, as IAM policies allow "Action": "*"
// for ["*"].
func (v *TFValue) List() []*TFValue {
	if !v.Exists() {
		return nil
	}
	switch v.kind {
	case tfList:
		return slices.Clip(v.items) // callers may append
	case tfNodeKind:
		if v.node.IsSeq() {
			items := v.node.Items()
			unks := v.unk.Items()
			out := make([]*TFValue, 0, len(items))
			for i, it := range items {
				if w := tfNode(it, tree.Position{}, v.pmap); w != nil {
					if i < len(unks) {
						w.unk = unks[i]
					}
					out = append(out, w)
				}
			}
			return out
		}
	default:
		// Anything else is a single value, handled below.
	}
	return []*TFValue{v}
}

// Str returns the text of a known string, number or bool.
func (v *TFValue) Str() (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.kind {
	case tfString, tfNumber, tfBool:
		return v.str, true
	case tfNodeKind:
		if !v.node.IsScalar() || v.node.IsNull() {
			return "", false
		}
		s := v.node.Str()
		if strings.Contains(s, tfUnknownMark) {
			return "", false
		}
		return s, true
	default:
		return "", false
	}
}

// Bool returns a known bool; the strings "true" and "false" count, as
// Terraform converts them.
func (v *TFValue) Bool() (value, known bool) {
	if v == nil {
		return false, false
	}
	if v.kind == tfBool {
		return v.b, true
	}
	s, ok := v.Str()
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// True reports whether v is known to be true.
func (v *TFValue) True() bool {
	b, ok := v.Bool()
	return ok && b
}

// False reports whether v is known to be false.
func (v *TFValue) False() bool {
	b, ok := v.Bool()
	return ok && !b
}

// Int returns a known whole number; numeric strings count.
func (v *TFValue) Int() (int64, bool) {
	s, ok := v.Str()
	if !ok || v.kind == tfBool {
		return 0, false
	}
	f, _, err := big.ParseFloat(strings.TrimSpace(s), 10, 64, big.ToNearestEven)
	if err != nil || !f.IsInt() {
		return 0, false
	}
	n, acc := f.Int64()
	if acc != big.Exact {
		return 0, false
	}
	return n, true
}

// Strings returns the known string elements of a list (or a single string)
// with their values.
func (v *TFValue) Strings() []string {
	var out []string
	for _, e := range v.List() {
		if s, ok := e.Str(); ok {
			out = append(out, s)
		}
	}
	return out
}

// JSON decodes a policy document held by v: the argument of
// jsonencode(...), or a string or heredoc holding JSON. Positions point
// into the heredoc where they can be mapped, else at v. It returns nil when
// v holds no readable JSON.
func (v *TFValue) JSON() *TFValue {
	if v == nil {
		return nil
	}
	if v.json != nil {
		return v.json
	}
	if t, ok := v.expr.(*hclsyntax.TemplateExpr); ok && v.file != nil && tfIsHeredoc(v.file.Bytes, t) {
		return tfHeredocJSON(v.file, t)
	}
	s, ok := v.Str()
	if !ok || v.kind == tfBool || v.kind == tfNumber {
		return nil
	}
	at := v.Pos()
	return tfDecodeJSON(s, func(tree.Position) tree.Position { return at })
}

func tfDecodeJSON(s string, pmap func(tree.Position) tree.Position) *TFValue {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return nil
	}
	docs, err := tree.Parse([]byte(s))
	if err != nil || len(docs) == 0 {
		return nil
	}
	return tfNode(docs[0].Root, tree.Position{}, pmap)
}

func tfIsHeredoc(src []byte, t *hclsyntax.TemplateExpr) bool {
	r := t.SrcRange
	if r.Start.Byte < 0 || r.Start.Byte+2 > len(src) {
		return false
	}
	return src[r.Start.Byte] == '<' && src[r.Start.Byte+1] == '<'
}

// tfHeredocJSON decodes the JSON in a heredoc template, with interpolations
// replaced by a marker that reads as unknown, and maps positions in the
// decoded text back to the file line by line.
func tfHeredocJSON(f *TFFile, t *hclsyntax.TemplateExpr) *TFValue {
	type seg struct {
		off int
		lit *hclsyntax.LiteralValueExpr
		rng hcl.Range
	}
	var sb strings.Builder
	segs := make([]seg, 0, len(t.Parts))
	for _, p := range t.Parts {
		s := seg{off: sb.Len(), rng: p.Range()}
		if lit, ok := p.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && lit.Val.IsKnown() && !lit.Val.IsNull() {
			s.lit = lit
			sb.WriteString(lit.Val.AsString())
		} else {
			sb.WriteString(tfUnknownMark)
		}
		segs = append(segs, s)
	}
	text := sb.String()
	lineStarts := []int{0}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			lineStarts = append(lineStarts, i+1)
		}
	}
	fallback := tfHCLPos(t.SrcRange.Start)
	src := f.Bytes
	pmap := func(p tree.Position) tree.Position {
		if p.Line < 1 || p.Line > len(lineStarts) {
			return fallback
		}
		off := lineStarts[p.Line-1] + p.Column - 1
		i := len(segs) - 1
		for i > 0 && segs[i].off > off {
			i--
		}
		if i < 0 {
			return fallback
		}
		s := segs[i]
		if s.lit == nil {
			return tfHCLPos(s.rng.Start)
		}
		val := s.lit.Val.AsString()
		rel := off - s.off
		if rel < 0 || rel > len(val) {
			return fallback
		}
		nl := strings.LastIndexByte(val[:rel], '\n')
		k := strings.Count(val[:rel], "\n")
		col := rel - (nl + 1)
		if k == 0 {
			return tree.Position{Line: s.rng.Start.Line, Column: s.rng.Start.Column + col}
		}
		valLine := val[nl+1:]
		if j := strings.IndexByte(valLine, '\n'); j >= 0 {
			valLine = valLine[:j]
		}
		line := s.rng.Start.Line + k
		srcLine := tfSourceLine(src, line)
		strip := tfLeadingSpace(srcLine) - tfLeadingSpace([]byte(valLine))
		return tree.Position{Line: line, Column: 1 + max(strip, 0) + col}
	}
	return tfDecodeJSON(text, pmap)
}

// tfSourceLine returns line n (1-based) of src without its newline.
func tfSourceLine(src []byte, n int) []byte {
	for l := range bytes.Lines(src) {
		n--
		if n == 0 {
			return bytes.TrimRight(l, "\r\n")
		}
	}
	return nil
}

func tfLeadingSpace(b []byte) int {
	return len(b) - len(bytes.TrimLeft(b, " \t"))
}

// tfHCLBody converts a block body: arguments in source order, then nested
// blocks grouped by type as lists.
func tfHCLBody(f *TFFile, b *hclsyntax.Body, pos, keyPos tree.Position) *TFValue {
	v := &TFValue{kind: tfObject, pos: pos, keyPos: keyPos, file: f}
	attrs := make([]*hclsyntax.Attribute, 0, len(b.Attributes))
	for _, a := range b.Attributes {
		attrs = append(attrs, a)
	}
	slices.SortFunc(attrs, func(x, y *hclsyntax.Attribute) int { return x.NameRange.Start.Byte - y.NameRange.Start.Byte })
	v.fields = make([]tfField, 0, len(attrs)+len(b.Blocks))
	for _, a := range attrs {
		v.fields = append(v.fields, tfField{name: a.Name, v: tfHCLExpr(f, a.Expr, tfHCLPos(a.NameRange.Start), 0)})
	}
	for _, blk := range b.Blocks {
		if blk.Body == nil || blk.Type == "dynamic" {
			continue // a dynamic block's content is known only after apply
		}
		bp := tfHCLPos(blk.TypeRange.Start)
		child := tfHCLBody(f, blk.Body, bp, bp)
		var list *TFValue
		for i := range v.fields {
			if v.fields[i].name == blk.Type && v.fields[i].v.kind == tfList {
				list = v.fields[i].v
			}
		}
		if list == nil {
			list = &TFValue{kind: tfList, pos: bp, keyPos: bp, file: f}
			v.fields = append(v.fields, tfField{name: blk.Type, v: list})
		}
		list.items = append(list.items, child)
	}
	return v
}

// tfMaxExprDepth bounds the structural walk of nested expressions.
const tfMaxExprDepth = 64

// tfHCLExpr converts an argument expression: object and tuple constructors
// structurally, so that known parts of a partly unknown value stay
// readable; other expressions by evaluating them without variables.
func tfHCLExpr(f *TFFile, e hclsyntax.Expression, keyPos tree.Position, depth int) *TFValue {
	pos := tfHCLPos(e.Range().Start)
	v := &TFValue{pos: pos, keyPos: keyPos, expr: e, file: f}
	if depth > tfMaxExprDepth {
		v.kind = tfUnknown
		return v
	}
	switch e := e.(type) {
	case *hclsyntax.ObjectConsExpr:
		v.kind = tfObject
		for _, it := range e.Items {
			name := ""
			if k, ok := it.KeyExpr.(*hclsyntax.ObjectConsKeyExpr); ok && !k.ForceNonLiteral {
				name = hcl.ExprAsKeyword(k.Wrapped)
			}
			if name == "" {
				kv, diags := it.KeyExpr.Value(tfEvalCtx)
				if diags.HasErrors() || !kv.IsKnown() || kv.IsNull() || kv.Type() != cty.String {
					continue
				}
				name = kv.AsString()
			}
			v.fields = append(v.fields, tfField{name: name, v: tfHCLExpr(f, it.ValueExpr, tfHCLPos(it.KeyExpr.StartRange().Start), depth+1)})
		}
		return v
	case *hclsyntax.TupleConsExpr:
		v.kind = tfList
		for _, it := range e.Exprs {
			v.items = append(v.items, tfHCLExpr(f, it, tree.Position{}, depth+1))
		}
		return v
	case *hclsyntax.ParenthesesExpr:
		inner := tfHCLExpr(f, e.Expression, keyPos, depth+1)
		inner.pos = pos
		return inner
	case *hclsyntax.FunctionCallExpr:
		if e.Name == "jsonencode" && len(e.Args) == 1 && !e.ExpandFinal {
			v.json = tfHCLExpr(f, e.Args[0], tree.Position{}, depth+1)
		}
	}
	val, diags := e.Value(tfEvalCtx)
	if diags.HasErrors() {
		v.kind = tfUnknown
		return v
	}
	tfCtyInto(v, val, depth)
	return v
}

// tfCtyInto fills v from an evaluated value; nested values share v's
// position.
func tfCtyInto(v *TFValue, val cty.Value, depth int) {
	switch {
	case val.IsNull():
		v.kind = tfNull
		return
	case !val.IsKnown() || depth > tfMaxExprDepth:
		v.kind = tfUnknown
		return
	}
	ty := val.Type()
	switch {
	case ty == cty.String:
		v.kind, v.str = tfString, val.AsString()
	case ty == cty.Number:
		v.kind, v.str = tfNumber, val.AsBigFloat().Text('f', -1)
	case ty == cty.Bool:
		v.kind, v.b = tfBool, val.True()
		v.str = "false"
		if v.b {
			v.str = "true"
		}
	case ty.IsObjectType() || ty.IsMapType():
		v.kind = tfObject
		for it := val.ElementIterator(); it.Next(); {
			k, e := it.Element()
			c := &TFValue{pos: v.pos, keyPos: v.pos}
			tfCtyInto(c, e, depth+1)
			v.fields = append(v.fields, tfField{name: k.AsString(), v: c})
		}
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		v.kind = tfList
		for it := val.ElementIterator(); it.Next(); {
			_, e := it.Element()
			c := &TFValue{pos: v.pos}
			tfCtyInto(c, e, depth+1)
			v.items = append(v.items, c)
		}
	default:
		v.kind = tfUnknown
	}
}
