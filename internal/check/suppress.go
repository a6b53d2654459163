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
// joined with commas); the rest is the reason. A directive on a line of its
// own covers the line below it and the indented block that line opens (a
// list item, a mapping, a Terraform block); a directive at the end of a
// line covers that line and the block it opens. Placed on the line above a
// Terraform block, a workflow job, a Dockerfile FROM or before the first key
// of a YAML document, it covers the whole block, stage or document.
const directiveMarker = "opsloop:ignore"

// directive is one suppression comment and the lines it covers.
type directive struct {
	line       int // where the comment is
	start, end int // covered lines, inclusive
	ids        []string
}

// directives are the suppression comments of one file.
type directives []directive

// parseDirectives finds every suppression comment in a file and works out
// the lines each covers from indentation.
func parseDirectives(data []byte) directives {
	if !bytes.Contains(data, []byte(directiveMarker)) {
		return nil
	}
	var lines [][]byte
	for l := range bytes.Lines(data) {
		lines = append(lines, l)
	}
	var d directives
	for i, l := range lines {
		pre, rest, found := bytes.Cut(l, []byte(directiveMarker))
		if !found {
			continue
		}
		before := bytes.TrimSpace(pre)
		if !bytes.HasSuffix(before, []byte("#")) && !bytes.HasSuffix(before, []byte("//")) {
			continue
		}
		ids := directiveIDs(string(rest))
		if len(ids) == 0 {
			continue
		}
		target := i
		if isCommentOnly(before) {
			// The block this comment stands above: the next line with code.
			target = -1
			for k := i + 1; k < len(lines); k++ {
				t := bytes.TrimSpace(lines[k])
				if len(t) > 0 && t[0] != '#' && !bytes.HasPrefix(t, []byte("//")) {
					target = k
					break
				}
			}
			if target < 0 {
				continue
			}
		}
		end := blockEnd(lines, target)
		d = append(d, directive{line: i + 1, start: min(i, target) + 1, end: end + 1, ids: ids})
	}
	return d
}

// isCommentOnly reports whether the text before the marker is just the
// comment leader.
func isCommentOnly(before []byte) bool {
	return string(before) == "#" || string(before) == "//" || bytes.HasSuffix(before, []byte("##"))
}

// blockEnd returns the last line (0-based) of the indented block opened by
// line start: following lines indented deeper than it, with blank lines and
// comments in between. A YAML list item's "- " counts as indentation, so the
// block of "- name: x" takes in its sibling keys; a closing bracket at the
// opening line's indentation ends a Terraform or JSON block and belongs to
// it.
func blockEnd(lines [][]byte, start int) int {
	open := indent(lines[start])
	base := open
	if t := bytes.TrimLeft(lines[start], " \t"); bytes.HasPrefix(t, []byte("- ")) {
		base = open + 1
	}
	end := start
	for k := start + 1; k < len(lines); k++ {
		t := bytes.TrimSpace(lines[k])
		if len(t) == 0 || t[0] == '#' || bytes.HasPrefix(t, []byte("//")) {
			continue
		}
		in := indent(lines[k])
		if in > base {
			end = k
			continue
		}
		if in == open && (t[0] == '}' || t[0] == ']' || t[0] == ')') {
			end = k
		}
		break
	}
	return end
}

func indent(l []byte) int {
	n := 0
	for _, c := range l {
		switch c {
		case ' ':
			n++
		case '\t':
			n += 8 - n%8
		default:
			return n
		}
	}
	return n
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
		if _, rest, ok := strings.Cut(l, directiveMarker); ok {
			ids = append(ids, directiveIDs(rest)...)
		}
	}
	return ids
}

// suppresses reports whether a directive covers f. Lines are those of the
// parsed file (rendered output for charts), before any mapping.
func (d directives) suppresses(f *Finding) bool {
	for i := range d {
		x := &d[i]
		if !matchesRule(x.ids, f.RuleID, f.RuleName) {
			continue
		}
		if (f.Line >= x.start && f.Line <= x.end) || (f.scope > 0 && f.scope-1 == x.line) {
			return true
		}
	}
	return false
}
