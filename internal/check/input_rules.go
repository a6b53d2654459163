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
		var seen map[string]bool // for large mappings; small ones are scanned
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n == nil {
				continue
			}
			if n.Kind == yaml.MappingNode && len(n.Content) > 2 {
				if len(n.Content) > 2*dupScanMax && seen == nil {
					seen = map[string]bool{}
				}
				clear(seen)
				for i := 0; i+1 < len(n.Content); i += 2 {
					k := n.Content[i]
					if !dupCandidate(k) {
						continue
					}
					dup := false
					if len(n.Content) > 2*dupScanMax {
						dup = seen[k.Value]
						seen[k.Value] = true
					} else {
						for j := 0; j < i && !dup; j += 2 {
							dup = dupCandidate(n.Content[j]) && n.Content[j].Value == k.Value
						}
					}
					if dup {
						c.ReportAt(tree.Position{Line: k.Line, Column: k.Column}, Object{}, "key %q is defined twice in this mapping; only one value takes effect", k.Value)
					}
				}
			}
			if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
				stack = append(stack, n.Content...)
			}
		}
	},
}

// dupScanMax is the size up to which a mapping's keys are compared with
// each other rather than through a map, which is faster for the small
// mappings most documents are made of.
const dupScanMax = 16

// dupCandidate reports whether a mapping key takes part in the duplicate
// check: scalar keys other than the merge key.
func dupCandidate(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Tag != "!!merge"
}

func init() { register(ruleDuplicateKey) }
