package check

import (
	"bytes"
	"strings"
)

// directiveMarker starts a suppression comment:
//
//	# opsloop:ignore K8S001 runs the CNI plugin, needs the host network
//
// The first word after the marker is a rule ID or name (several may be
// joined with commas); the rest is the reason. A directive suppresses
// findings on its own line and on the line below it; placed above a
// Terraform block, a Dockerfile or before the first key of a YAML document,
// it covers the whole block or document.
const directiveMarker = "opsloop:ignore"

// directives maps a line number to the rule IDs ignored there.
type directives map[int][]string

// parseDirectives finds every suppression comment in a file.
func parseDirectives(data []byte) directives {
	if !bytes.Contains(data, []byte(directiveMarker)) {
		return nil
	}
	d := directives{}
	line := 0
	for l := range bytes.Lines(data) {
		line++
		i := bytes.Index(l, []byte(directiveMarker))
		if i < 0 {
			continue
		}
		before := bytes.TrimSpace(l[:i])
		if !bytes.HasSuffix(before, []byte("#")) && !bytes.HasSuffix(before, []byte("//")) {
			continue
		}
		if ids := directiveIDs(string(l[i+len(directiveMarker):])); len(ids) > 0 {
			d[line] = append(d[line], ids...)
		}
	}
	return d
}

func directiveIDs(rest string) []string {
	f := strings.Fields(rest)
	if len(f) == 0 {
		return nil
	}
	return strings.Split(strings.Trim(f[0], ","), ",")
}

// parseHeader extracts rule IDs from directives in a document header
// comment.
func parseHeader(header string) []string {
	if !strings.Contains(header, directiveMarker) {
		return nil
	}
	var ids []string
	for l := range strings.Lines(header) {
		if i := strings.Index(l, directiveMarker); i >= 0 {
			ids = append(ids, directiveIDs(l[i+len(directiveMarker):])...)
		}
	}
	return ids
}

// suppresses reports whether a directive covers f.
func (d directives) suppresses(f *Finding) bool {
	if len(d) == 0 {
		return false
	}
	for _, line := range []int{f.Line, f.Line - 1, f.scope - 1} {
		if line > 0 && matchesRule(d[line], f.RuleID, f.RuleName) {
			return true
		}
	}
	return false
}
