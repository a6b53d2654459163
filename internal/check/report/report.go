// Package report writes the results of opsloop check as text for people,
// JSON for programs, SARIF 2.1.0 for code-scanning services and GitHub
// workflow commands for pull-request annotations.
//
// # Usage
//
//	w, err := report.New("sarif")
//	err = w.Write(os.Stdout, res, report.Meta{Version: "1.0.0"})
//
// The JSON shape is documented in docs/check.md and versioned by its
// "version" field; fields are only ever added.
//
// # Concurrency
//
// Writers hold no state; one may be used from several goroutines.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/opsloop/opsloop/internal/check"
)

// Meta describes the run for reports.
type Meta struct {
	// Version of opsloop.
	Version string
	// FailOn is the threshold of the run.
	FailOn check.Severity
	// Color enables ANSI colour in text output.
	Color bool
}

// Writer renders a result.
type Writer interface {
	Write(w io.Writer, res *check.Result, meta Meta) error
}

// WriterFunc adapts a function to Writer.
type WriterFunc func(w io.Writer, res *check.Result, meta Meta) error

// Write calls f.
func (f WriterFunc) Write(w io.Writer, res *check.Result, meta Meta) error { return f(w, res, meta) }

// Formats lists the names New accepts.
var Formats = []string{"text", "json", "sarif", "github"}

// New returns the writer for a format name.
func New(format string) (Writer, error) {
	switch strings.ToLower(format) {
	case "text", "":
		return WriterFunc(writeText), nil
	case "json":
		return WriterFunc(writeJSON), nil
	case "sarif":
		return WriterFunc(writeSARIF), nil
	case "github":
		return WriterFunc(writeGitHub), nil
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// bySeverity counts findings per severity name.
func bySeverity(fs []check.Finding) map[string]int {
	m := map[string]int{}
	for s := check.SeverityInfo; s <= check.SeverityCritical; s++ {
		m[s.String()] = 0
	}
	for i := range fs {
		m[fs[i].Severity.String()]++
	}
	return m
}

// ruleMeta is what reports say about a rule: built-in rules from the
// catalogue, policy rules from their findings.
type ruleMeta struct {
	ID, Name, Title, Rationale, Remediation string
	Severity                                check.Severity
	Family                                  check.Family
}

// rulesOf returns the rules behind findings, ordered by ID.
func rulesOf(fs []check.Finding) []ruleMeta {
	seen := map[string]bool{}
	var out []ruleMeta
	for i := range fs {
		f := &fs[i]
		if seen[f.RuleID] {
			continue
		}
		seen[f.RuleID] = true
		if r := check.LookupRule(f.RuleID); r != nil {
			out = append(out, ruleMeta{r.ID, r.Name, r.Title, r.Rationale, r.Remediation, r.Severity, r.Family})
			continue
		}
		out = append(out, ruleMeta{f.RuleID, f.RuleName, f.Title, f.Title, f.Remediation, f.Severity, f.Family})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
