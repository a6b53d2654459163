package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/opsloop/opsloop/internal/check"
)

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var severityColor = map[check.Severity]string{
	check.SeverityCritical: "\x1b[1;35m",
	check.SeverityHigh:     "\x1b[31m",
	check.SeverityMedium:   "\x1b[33m",
	check.SeverityLow:      "\x1b[36m",
	check.SeverityInfo:     "\x1b[2m",
}

// writeText prints findings grouped by file, one per line:
//
//	deploy/web.yaml
//	  21:13  high      K8S001 privileged-container  container "web" runs privileged [Deployment/web]
func writeText(w io.Writer, res *check.Result, meta Meta) error {
	// A bufio.Writer keeps its first write error and Flush returns it, so
	// the single writes below need no checks of their own.
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !meta.Color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	fs := res.Findings
	err := writeBlocks(bw, len(fs), func(b []byte, i int) []byte {
		f := &fs[i]
		if i == 0 || fs[i-1].File != f.File {
			if i > 0 {
				b = append(b, '\n')
			}
			b = append(append(b, paint(ansiBold, f.File)...), '\n')
		}
		pos := fmt.Appendf(nil, "%d:%d", f.Line, f.Column)
		b = fmt.Appendf(b, "  %-7s %s %s", pos, paint(severityColor[f.Severity], fmt.Sprintf("%-8s", f.Severity)), f.RuleID)
		if f.RuleName != "" && f.RuleName != f.RuleID {
			b = append(append(b, ' '), paint(ansiDim, f.RuleName)...)
		}
		b = append(append(b, "  "...), f.Message...)
		if o := f.Object.String(); o != "" {
			b = append(append(b, ' '), paint(ansiDim, "["+o+"]")...)
		}
		return append(b, '\n')
	})
	if err != nil {
		return err
	}
	if len(fs) > 0 {
		_ = bw.WriteByte('\n')
	}
	fmt.Fprintln(bw, summaryLine(res, meta))
	return bw.Flush()
}

// summaryLine reads like "3 findings (1 critical, 2 high) in 4 files, 9
// documents; 2 suppressed".
func summaryLine(res *check.Result, meta Meta) string {
	var b strings.Builder
	n := len(res.Findings)
	fmt.Fprintf(&b, "%d %s", n, plural(n, "finding", "findings"))
	counts := bySeverity(res.Findings)
	var parts []string
	for s := check.SeverityCritical; s >= check.SeverityInfo; s-- {
		if c := counts[s.String()]; c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, s))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, " in %d %s, %d %s", res.Files, plural(res.Files, "file", "files"), res.Documents, plural(res.Documents, "document", "documents"))
	if res.Suppressed > 0 {
		fmt.Fprintf(&b, "; %d suppressed", res.Suppressed)
	}
	if res.Baselined > 0 {
		fmt.Fprintf(&b, "; %d in baseline", res.Baselined)
	}
	if failing := res.Count(meta.FailOn); failing > 0 {
		fmt.Fprintf(&b, "; %d at or above %s: failing", failing, meta.FailOn)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
