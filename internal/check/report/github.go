package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/opsloop/opsloop/internal/check"
)

// writeGitHub prints GitHub Actions workflow commands, which the runner
// turns into annotations on the pull request:
//
//	::error file=deploy/web.yaml,line=21,col=13,title=K8S001 privileged-container::container "web" runs privileged
func writeGitHub(w io.Writer, res *check.Result, meta Meta) error {
	bw := bufio.NewWriter(w)
	for i := range res.Findings {
		f := &res.Findings[i]
		level := "notice"
		switch {
		case f.Severity >= check.SeverityHigh:
			level = "error"
		case f.Severity == check.SeverityMedium:
			level = "warning"
		}
		msg := f.Message
		if f.Remediation != "" {
			msg += "\n" + f.Remediation
		}
		fmt.Fprintf(bw, "::%s file=%s,line=%d,col=%d", level, escapeProperty(f.File), f.Line, f.Column)
		if f.EndLine > 0 {
			fmt.Fprintf(bw, ",endLine=%d", f.EndLine)
		}
		fmt.Fprintf(bw, ",title=%s::%s\n", escapeProperty(f.RuleID+" "+f.RuleName), escapeData(msg))
	}
	fmt.Fprintln(bw, summaryLine(res, meta))
	return bw.Flush()
}

// escapeData escapes a workflow command message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
