package check

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// FuzzTerraform parses arbitrary input as Terraform HCL and as a plan, and
// runs every Terraform rule on what parses: nothing may panic, and every
// finding must have a position.
func FuzzTerraform(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "rules", "TF*.txtar"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if strings.HasSuffix(file.Name, ".tf") || strings.HasSuffix(file.Name, ".json") {
				f.Add(file.Data)
			}
		}
	}
	f.Add([]byte("resource \"aws_iam_policy\" \"p\" {\n  policy = <<-EOT\n    {\"Statement\": ${var.s}}\n  EOT\n}\n"))
	f.Add([]byte("resource \"aws_security_group\" \"g\" {\n  ingress = [{ from_port = 0, to_port = 65535, protocol = \"tcp\", cidr_blocks = [\"0.0.0.0/0\"] }]\n}\n"))

	var rules []*Rule
	for _, r := range Rules() {
		if r.Document != nil && (hasFormat(r.Formats, FormatTerraform) || hasFormat(r.Formats, FormatTerraformPlan)) {
			rules = append(rules, r)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var docs []*Document
		if tf, _ := parseTerraform("fuzz.tf", data); tf != nil {
			docs = append(docs, &Document{Path: "fuzz.tf", Format: FormatTerraform, Terraform: tf, Start: tree.Position{Line: 1, Column: 1}})
		}
		if ydocs, _ := tree.Parse(data); len(ydocs) > 0 && ydocs[0].Root != nil {
			// Checked as a plan whatever its shape, to reach odd types.
			docs = append(docs, &Document{Path: "fuzz.json", Format: FormatTerraformPlan, Root: ydocs[0].Root, Start: ydocs[0].Root.Pos()})
		}
		for _, d := range docs {
			c := &Context{Doc: d, emit: func(fd Finding) {
				if fd.Line < 1 || fd.Column < 1 {
					t.Errorf("%s: finding without a position: %+v", fd.RuleID, fd)
				}
			}}
			for _, r := range rules {
				if !hasFormat(r.Formats, d.Format) {
					continue
				}
				c.rule, c.scope = r, 0
				r.Document(c, d)
			}
		}
	})
}
