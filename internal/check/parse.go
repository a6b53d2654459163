package check

import (
	"github.com/opsloop/opsloop/internal/check/tree"
)

// parseFile turns the bytes of one file into documents. A parse error is
// returned beside whatever documents were read before it.
func parseFile(name string, data []byte) ([]*Document, error) {
	var out []*Document
	err := eachDocument(name, data, func(d *Document) { out = append(out, d) })
	return out, err
}

// eachDocument parses one file and hands its documents to fn one at a time;
// YAML streams are decoded lazily so a file of many documents never holds
// more than one tree. A parse error is returned after the documents read
// before it.
func eachDocument(name string, data []byte, fn func(*Document)) error {
	switch classify(name, data) {
	case rawSkip:
		return nil
	case rawHCL:
		f, err := parseTerraform(name, data)
		if f != nil {
			fn(&Document{Path: name, Format: FormatTerraform, Terraform: f, Start: tree.Position{Line: 1, Column: 1}})
		}
		return err
	case rawDockerfile:
		df, err := parseDockerfile(data)
		if df != nil {
			fn(&Document{Path: name, Format: FormatDockerfile, Dockerfile: df, Start: tree.Position{Line: 1, Column: 1}})
		}
		return err
	default:
		// rawYAML: decoded below.
	}
	return tree.Each(data, func(yd tree.Doc) {
		if yd.Root == nil {
			return
		}
		// A Kubernetes List holds its objects in items; check each.
		if yd.Root.Get("kind").Str() == "List" || isListKind(yd.Root) {
			for _, it := range yd.Root.Get("items").Items() {
				fn(&Document{
					Path: name, Format: detectYAML(name, it), Index: yd.Index,
					Start: it.Pos(), Root: it, header: yd.Header, src: data,
				})
			}
			return
		}
		fn(&Document{
			Path: name, Format: detectYAML(name, yd.Root), Index: yd.Index,
			Start: yd.Root.Pos(), Root: yd.Root, header: yd.Header, src: data,
		})
	})
}

// isListKind recognises typed lists such as DeploymentList.
func isListKind(root *tree.Node) bool {
	k := root.Get("kind").Str()
	return len(k) > 4 && k[len(k)-4:] == "List" && root.Get("items").IsSeq() && root.Get("apiVersion").Str() != ""
}
