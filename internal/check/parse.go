package check

import (
	"github.com/opsloop/opsloop/internal/check/tree"
)

// parseFile turns the bytes of one file into documents. A parse error is
// returned beside whatever documents were read before it.
func parseFile(name string, data []byte) ([]*Document, error) {
	switch classify(name, data) {
	case rawSkip:
		return nil, nil
	case rawHCL:
		f, err := parseTerraform(name, data)
		if f == nil {
			return nil, err
		}
		return []*Document{{Path: name, Format: FormatTerraform, Terraform: f, Start: tree.Position{Line: 1, Column: 1}}}, err
	case rawDockerfile:
		df, err := parseDockerfile(data)
		if df == nil {
			return nil, err
		}
		return []*Document{{Path: name, Format: FormatDockerfile, Dockerfile: df, Start: tree.Position{Line: 1, Column: 1}}}, err
	}
	ydocs, err := tree.Parse(data)
	out := make([]*Document, 0, len(ydocs))
	for _, yd := range ydocs {
		if yd.Root == nil {
			continue
		}
		// A Kubernetes List holds its objects in items; check each.
		if yd.Root.Get("kind").Str() == "List" || isListKind(yd.Root) {
			for _, it := range yd.Root.Get("items").Items() {
				out = append(out, &Document{
					Path: name, Format: detectYAML(name, it), Index: yd.Index,
					Start: it.Pos(), Root: it, header: yd.Header, src: data,
				})
			}
			continue
		}
		out = append(out, &Document{
			Path: name, Format: detectYAML(name, yd.Root), Index: yd.Index,
			Start: yd.Root.Pos(), Root: yd.Root, header: yd.Header, src: data,
		})
	}
	return out, err
}

// isListKind recognises typed lists such as DeploymentList.
func isListKind(root *tree.Node) bool {
	k := root.Get("kind").Str()
	return len(k) > 4 && k[len(k)-4:] == "List" && root.Get("items").IsSeq() && root.Get("apiVersion").Str() != ""
}
