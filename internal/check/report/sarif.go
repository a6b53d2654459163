package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"

	"github.com/opsloop/opsloop/internal/check"
)

// SARIF 2.1.0 types, only the parts opsloop writes.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Results     []sarifResult     `json:"results"`
		ColumnKind  string            `json:"columnKind"`
		Invocations []sarifInvocation `json:"invocations,omitempty"`
	}
	sarifInvocation struct {
		ExecutionSuccessful bool `json:"executionSuccessful"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string          `json:"id"`
		Name                 string          `json:"name,omitempty"`
		ShortDescription     sarifText       `json:"shortDescription"`
		FullDescription      sarifText       `json:"fullDescription"`
		Help                 sarifHelp       `json:"help"`
		HelpURI              string          `json:"helpUri,omitempty"`
		DefaultConfiguration sarifConfig     `json:"defaultConfiguration"`
		Properties           sarifProperties `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifProperties struct {
		Tags             []string `json:"tags,omitempty"`
		SecuritySeverity string   `json:"security-severity,omitempty"`
		Precision        string   `json:"precision,omitempty"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtLoc `json:"artifactLocation"`
		Region           sarifRegion `json:"region"`
	}
	sarifArtLoc struct {
		URI       string `json:"uri,omitempty"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
		EndLine     int `json:"endLine,omitempty"`
		EndColumn   int `json:"endColumn,omitempty"`
	}
)

const sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// RulesDocURL is where each rule's documentation lives; the anchor is the
// rule ID in lower case.
const RulesDocURL = "https://github.com/opsloop/opsloop/blob/main/docs/rules.md"

// sarifLevel maps severities to SARIF levels: error for high and critical,
// warning for medium, note below.
func sarifLevel(s check.Severity) string {
	switch {
	case s >= check.SeverityHigh:
		return "error"
	case s == check.SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score GitHub code scanning reads from
// rules tagged "security".
func securitySeverity(s check.Severity) string {
	switch s {
	case check.SeverityCritical:
		return "9.5"
	case check.SeverityHigh:
		return "8.0"
	case check.SeverityMedium:
		return "5.5"
	case check.SeverityLow:
		return "3.0"
	default:
		return "1.0"
	}
}

// sarifURI turns a finding path into a relative URI under %SRCROOT%, as
// GitHub code scanning expects.
func sarifURI(p string) string {
	if p == "-" {
		return "stdin"
	}
	p = strings.TrimPrefix(p, "./")
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func writeSARIF(w io.Writer, res *check.Result, meta Meta) error {
	rules := rulesOf(res.Findings)
	index := make(map[string]int, len(rules))
	driver := sarifDriver{
		Name:           "opsloop",
		Version:        meta.Version,
		InformationURI: "https://github.com/opsloop/opsloop",
		Rules:          make([]sarifRule, 0, len(rules)),
	}
	for i, r := range rules {
		index[r.ID] = i
		tags := []string{string(r.Family)}
		props := sarifProperties{Tags: tags, Precision: "high"}
		if r.Family == check.FamilySecurity {
			props.SecuritySeverity = securitySeverity(r.Severity)
		}
		help := r.Remediation
		if help == "" {
			help = r.Title
		}
		name := r.Name
		if name == "" {
			name = r.ID
		}
		sr := sarifRule{
			ID:                   r.ID,
			Name:                 toPascal(name),
			ShortDescription:     sarifText{Text: r.Title},
			FullDescription:      sarifText{Text: r.Rationale},
			Help:                 sarifHelp{Text: help, Markdown: "**" + r.Title + "**\n\n" + r.Rationale + "\n\n" + help},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(r.Severity)},
			Properties:           props,
		}
		if check.LookupRule(r.ID) != nil {
			sr.HelpURI = RulesDocURL + "#" + strings.ToLower(r.ID)
		}
		driver.Rules = append(driver.Rules, sr)
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:        sarifTool{Driver: driver},
			Results:     []sarifResult{},
			ColumnKind:  "unicodeCodePoints",
			Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		}},
	}
	b, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		return err
	}
	// The log is written around its results, which are encoded a block at
	// a time on all cores: a large report is never held in memory whole.
	// `"results": []` can only be the key itself: inside a JSON string its
	// quotes would be escaped.
	const empty = `"results": []`
	cut := bytes.Index(b, []byte(empty))
	if cut < 0 {
		return errors.New("sarif: results key missing from the encoded log")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	fs := res.Findings
	_, _ = bw.Write(b[:cut])
	if len(fs) == 0 {
		_, _ = bw.Write(b[cut:])
		_ = bw.WriteByte('\n')
		return bw.Flush()
	}
	_, _ = bw.WriteString(`"results": [` + "\n")
	const indent = "        " // results sit at depth 4
	err = writeBlocks(bw, len(fs), func(out []byte, i int) []byte {
		r := sarifResultOf(&fs[i], index)
		enc, err := json.MarshalIndent(r, indent, "  ")
		if err != nil {
			// Every field is a string, a number or a map of strings.
			panic(err)
		}
		out = append(append(out, indent...), enc...)
		if i < len(fs)-1 {
			out = append(out, ',')
		}
		return append(out, '\n')
	})
	if err != nil {
		return err
	}
	_, _ = bw.WriteString(indent[:6] + "]")
	_, _ = bw.Write(b[cut+len(empty):])
	_ = bw.WriteByte('\n')
	return bw.Flush()
}

// sarifResultOf converts a finding; index maps rule IDs to their place in
// the driver's rules.
func sarifResultOf(f *check.Finding, index map[string]int) sarifResult {
	region := sarifRegion{StartLine: max(f.Line, 1), StartColumn: max(f.Column, 1)}
	if f.EndLine >= f.Line && f.EndLine > 0 {
		region.EndLine, region.EndColumn = f.EndLine, f.EndColumn
	}
	msg := f.Message
	if o := f.Object.String(); o != "" {
		msg += " [" + o + "]"
	}
	r := sarifResult{
		RuleID:    f.RuleID,
		RuleIndex: index[f.RuleID],
		Level:     sarifLevel(f.Severity),
		Message:   sarifText{Text: msg},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
			ArtifactLocation: sarifArtLoc{URI: sarifURI(f.File), URIBaseID: "%SRCROOT%"},
			Region:           region,
		}}},
		PartialFingerprints: map[string]string{"opsloopFingerprint/v1": f.Fingerprint},
		Properties:          map[string]any{"severity": f.Severity.String()},
	}
	if f.Source != "" {
		r.Properties["source"] = f.Source
	}
	return r
}

// toPascal turns "privileged-container" into "PrivilegedContainer", the
// form SARIF viewers show as a rule name.
func toPascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '-' || r == '_' || r == '.' || r == ' ' || r == '/' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}
