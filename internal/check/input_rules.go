package check

import (
	"go.yaml.in/yaml/v3"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// yamlFormats are the formats whose documents are YAML or JSON trees.
var yamlFormats = []Format{FormatKubernetes, FormatActions, FormatPromRules, FormatOtelCollector, FormatTerraformPlan, FormatYAML}

var ruleDuplicateKey = &Rule{
	ID:       "OPS004",
	Name:     "duplicate-key",
	Title:    "Mapping has a duplicate key",
	Severity: SeverityMedium,
	Family:   FamilyInput,
	Rationale: "YAML parsers disagree on duplicate keys: some keep the last value silently, kubectl and strict decoders " +
		"reject the file. Either way the reviewed text is not what runs: a second `env:` or `securityContext:` hides the first.",
	Remediation: "Merge the two entries into one key.",
	Formats:     yamlFormats,
	Document: func(c *Context, d *Document) {
		// Walk iteratively without following aliases, so a YAML bomb costs
		// no more than its text.
		stack := []*yaml.Node{d.Root.YAML()}
		seen := map[string]bool{}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n == nil {
				continue
			}
			if n.Kind == yaml.MappingNode && len(n.Content) > 2 {
				clear(seen)
				for i := 0; i+1 < len(n.Content); i += 2 {
					k := n.Content[i]
					if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
						continue
					}
					if seen[k.Value] {
						c.ReportAt(tree.Position{Line: k.Line, Column: k.Column}, Object{}, "key %q is defined twice in this mapping; only one value takes effect", k.Value)
					}
					seen[k.Value] = true
				}
			}
			if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
				stack = append(stack, n.Content...)
			}
		}
	},
}

func init() { register(ruleDuplicateKey) }
