package check

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// TFFile is a parsed Terraform HCL file.
type TFFile struct {
	Body *hclsyntax.Body
	// Bytes is the source, for slicing expressions.
	Bytes []byte
}

// parseTerraform parses HCL native syntax, keeping ranges.
func parseTerraform(name string, data []byte) (*TFFile, error) {
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
