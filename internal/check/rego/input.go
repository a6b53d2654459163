package rego

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/zclconf/go-cty/cty"
	ctyconvert "github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/opsloop/opsloop/internal/check"
)

// Input returns the value policies see as input for d: the given value for
// YAML and JSON documents, and Conftest's shapes for Terraform files and
// Dockerfiles (see the package documentation).
func Input(d *check.Document, value any) (any, error) {
	switch {
	case d.Format == check.FormatTerraform && d.Terraform != nil:
		return terraformInput(d.Terraform)
	case d.Format == check.FormatDockerfile && d.Dockerfile != nil:
		v, _ := dockerfileInput(d.Dockerfile)
		return v, nil
	}
	return value, nil
}

// terraformInput converts a Terraform file as hcl2json (and so Conftest's
// hcl2 parser) does: a block becomes type → label → ... → [body, ...];
// attributes whose expression is a literal, a string template without
// interpolation, a tuple or an object keep their values, and any other
// expression becomes its source text wrapped in "${...}".
func terraformInput(f *check.TFFile) (map[string]any, error) {
	c := hclConverter{src: f.Bytes}
	return c.body(f.Body)
}

type hclConverter struct {
	src []byte
}

func (c *hclConverter) body(b *hclsyntax.Body) (map[string]any, error) {
	out := make(map[string]any, len(b.Attributes)+len(b.Blocks))
	for _, blk := range b.Blocks {
		if err := c.block(blk, out); err != nil {
			return nil, err
		}
	}
	for name, attr := range b.Attributes {
		v, err := c.expr(attr.Expr)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	return out, nil
}

func (c *hclConverter) block(blk *hclsyntax.Block, out map[string]any) error {
	key := blk.Type
	for _, label := range blk.Labels {
		next, ok := out[key]
		if !ok {
			m := map[string]any{}
			out[key] = m
			out = m
		} else if out, ok = next.(map[string]any); !ok {
			return fmt.Errorf("rego: cannot convert block %s %s: a block of the same type has fewer labels",
				blk.Type, strings.Join(blk.Labels, " "))
		}
		key = label
	}
	v, err := c.body(blk.Body)
	if err != nil {
		return err
	}
	switch cur := out[key].(type) {
	case nil:
		out[key] = []any{v}
	case []any:
		out[key] = append(cur, v)
	default:
		return fmt.Errorf("rego: cannot convert %q blocks: blocks with and without labels", key)
	}
	return nil
}

func (c *hclConverter) expr(e hclsyntax.Expression) (any, error) {
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		return ctyValue(e.Val)
	case *hclsyntax.UnaryOpExpr:
		if _, lit := e.Val.(*hclsyntax.LiteralValueExpr); !lit {
			return c.wrap(e), nil
		}
		v, diags := e.Value(nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("rego: %s", diags.Error())
		}
		return ctyValue(v)
	case *hclsyntax.TemplateExpr:
		return c.template(e)
	case *hclsyntax.TemplateWrapExpr:
		return c.expr(e.Wrapped)
	case *hclsyntax.TupleConsExpr:
		list := make([]any, 0, len(e.Exprs))
		for _, x := range e.Exprs {
			v, err := c.expr(x)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case *hclsyntax.ObjectConsExpr:
		m := make(map[string]any, len(e.Items))
		for _, it := range e.Items {
			k, err := c.key(it.KeyExpr)
			if err != nil {
				return nil, err
			}
			if m[k], err = c.expr(it.ValueExpr); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	return c.wrap(e), nil
}

// ctyValue converts a literal as encoding/json would decode its JSON form;
// numbers keep their exact digits.
func ctyValue(v cty.Value) (any, error) {
	switch {
	case v.IsNull():
		return nil, nil
	case !v.IsKnown():
		return nil, nil
	case v.Type() == cty.Number:
		return json.Number(v.AsBigFloat().Text('f', -1)), nil
	case v.Type() == cty.Bool:
		return v.True(), nil
	case v.Type() == cty.String:
		return v.AsString(), nil
	}
	b, err := json.Marshal(ctyjson.SimpleJSONValue{Value: v})
	if err != nil {
		return nil, fmt.Errorf("rego: convert HCL value: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("rego: convert HCL value: %w", err)
	}
	return out, nil
}

// escapeLiteral keeps literal "${" and "%{" from reading as interpolation.
func escapeLiteral(s string) string {
	s = strings.ReplaceAll(s, "${", "$${")
	return strings.ReplaceAll(s, "%{", "%%{")
}

func (c *hclConverter) template(t *hclsyntax.TemplateExpr) (string, error) {
	if t.IsStringLiteral() {
		v, diags := t.Value(nil)
		if diags.HasErrors() {
			return "", fmt.Errorf("rego: %s", diags.Error())
		}
		return escapeLiteral(v.AsString()), nil
	}
	var b strings.Builder
	for _, part := range t.Parts {
		s, err := c.part(part)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// part converts one part of a string template back to template text.
func (c *hclConverter) part(e hclsyntax.Expression) (string, error) {
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		if e.Val.IsNull() {
			return "null", nil
		}
		s, err := ctyconvert.Convert(e.Val, cty.String)
		if err != nil {
			return "", fmt.Errorf("rego: %w", err)
		}
		return escapeLiteral(s.AsString()), nil
	case *hclsyntax.TemplateExpr:
		return c.template(e)
	case *hclsyntax.TemplateWrapExpr:
		return c.part(e.Wrapped)
	case *hclsyntax.ConditionalExpr:
		var b strings.Builder
		b.WriteString("%{if ")
		b.WriteString(c.source(e.Condition.Range()))
		b.WriteString("}")
		t, err := c.part(e.TrueResult)
		if err != nil {
			return "", err
		}
		b.WriteString(t)
		if f, _ := c.part(e.FalseResult); f != "" {
			b.WriteString("%{else}")
			b.WriteString(f)
		}
		b.WriteString("%{endif}")
		return b.String(), nil
	case *hclsyntax.TemplateJoinExpr:
		fe, ok := e.Tuple.(*hclsyntax.ForExpr)
		if !ok {
			return c.wrap(e), nil
		}
		var b strings.Builder
		b.WriteString("%{for ")
		if fe.KeyVar != "" {
			b.WriteString(fe.KeyVar)
			b.WriteString(", ")
		}
		b.WriteString(fe.ValVar)
		b.WriteString(" in ")
		b.WriteString(c.source(fe.CollExpr.Range()))
		b.WriteString("}")
		s, err := c.part(fe.ValExpr)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
		b.WriteString("%{endfor}")
		return b.String(), nil
	}
	return c.wrap(e), nil
}

// key converts an object key: a bare name is its text, anything else a
// template part.
func (c *hclConverter) key(e hclsyntax.Expression) (string, error) {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		e = k.Wrapped
		if _, trav := e.(*hclsyntax.ScopeTraversalExpr); trav {
			return c.source(e.Range()), nil
		}
	}
	return c.part(e)
}

func (c *hclConverter) wrap(e hclsyntax.Expression) string {
	return "${" + c.source(e.Range()) + "}"
}

// source returns the text of r. Like hcl2json it takes in a closing
// parenthesis right after the range, which some expression ranges leave
// out.
func (c *hclConverter) source(r hcl.Range) string {
	start, end := r.Start.Byte, r.End.Byte
	if start < 0 || end > len(c.src) || start > end {
		return ""
	}
	if end < len(c.src) && c.src[end] == ')' {
		end++
	}
	return string(c.src[start:end])
}

// dockerfileInput converts a Dockerfile to Conftest's input: one object
// per instruction, each preceded by one per comment above it. lines holds
// the line of each element, for locating results.
func dockerfileInput(df *check.DockerfileAST) (cmds []any, lines []int) {
	if df.Root == nil {
		return []any{}, nil
	}
	cmds = make([]any, 0, len(df.Root.Children))
	stages := 0
	for _, child := range df.Root.Children {
		cmd := strings.ToLower(child.Value)
		if cmd == "from" {
			stages++
		}
		stage := max(stages-1, 0)
		for _, comment := range child.PrevComment {
			cmds = append(cmds, map[string]any{
				"Cmd": "comment", "SubCmd": "", "JSON": false, "Flags": nil,
				"Value": []any{comment}, "Stage": stage,
			})
			lines = append(lines, child.StartLine)
		}
		c := map[string]any{
			"Cmd":    cmd,
			"SubCmd": "",
			"Flags":  stringList(child.Flags),
			"Stage":  stage,
		}
		node := child
		if child.Next != nil && len(child.Next.Children) > 0 {
			node = child.Next.Children[0]
			c["SubCmd"] = node.Value
		}
		c["JSON"] = node.Attributes["json"]
		c["Value"] = values(node)
		cmds = append(cmds, c)
		lines = append(lines, child.StartLine)
	}
	return cmds, lines
}

// stringList is s as JSON would carry it: null when nil.
func stringList(s []string) any {
	if s == nil {
		return nil
	}
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func values(n *parser.Node) any {
	var out []any
	for v := n.Next; v != nil; v = v.Next {
		out = append(out, v.Value)
	}
	if out == nil {
		return nil
	}
	return out
}
