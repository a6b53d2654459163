package check

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Severity ranks how bad a finding is.
type Severity int

// Severities, lowest first. The zero value is SeverityInfo.
const (
	// SeverityInfo is advice with no direct risk.
	SeverityInfo Severity = iota
	// SeverityLow is a weakness that needs other faults to matter.
	SeverityLow
	// SeverityMedium is a risk worth fixing before the next deploy; the
	// default --fail-on threshold.
	SeverityMedium
	// SeverityHigh is a likely outage or exposure.
	SeverityHigh
	// SeverityCritical is an exposure or outage waiting to happen.
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name of s.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// Family groups rules by what they protect.
type Family string

// Rule families.
const (
	FamilySecurity      Family = "security"
	FamilyReliability   Family = "reliability"
	FamilyObservability Family = "observability"
	FamilyConsistency   Family = "consistency"
	// FamilyInput covers inputs opsloop could not read.
	FamilyInput Family = "input"
	// FamilyPolicy covers findings from custom Rego policies.
	FamilyPolicy Family = "policy"
)

// Object identifies the Kubernetes object, Terraform resource, workflow job
// or Dockerfile stage a finding is about.
type Object struct {
	Kind      string `json:"kind,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// String returns "Kind/namespace/name" with empty parts left out.
func (o Object) String() string {
	parts := make([]string, 0, 3)
	for _, p := range []string{o.Kind, o.Namespace, o.Name} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// Finding is one rule violation at one place.
type Finding struct {
	RuleID      string   `json:"rule_id"`
	RuleName    string   `json:"rule_name"`
	Severity    Severity `json:"severity"`
	Family      Family   `json:"family"`
	Title       string   `json:"title"`
	Message     string   `json:"message"`
	Remediation string   `json:"remediation,omitempty"`
	// File is the path of the file as given on the command line, with
	// forward slashes; "-" for standard input.
	File string `json:"file"`
	// Line and Column are 1-based; EndLine and EndColumn are optional.
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line,omitempty"`
	EndColumn int    `json:"end_column,omitempty"`
	Object    Object `json:"object"`
	// Source is set when File was generated (a rendered Helm template or a
	// Kustomize build) and names the input file the finding traces back to.
	Source string `json:"source,omitempty"`
	// Fingerprint identifies the finding across runs for baselines: it
	// hashes rule, file, object and message but not the line, so edits
	// elsewhere in a file do not make an old finding look new.
	Fingerprint string `json:"fingerprint"`

	// scope is the first line of the object the finding is in, for
	// suppression comments placed above a whole object.
	scope int
}

func (f *Finding) fingerprint() string {
	// Hash "rule\0file\0Kind/namespace/name\0message\0", built in a
	// stack buffer: this runs once per finding.
	var buf [512]byte
	b := append(buf[:0], f.RuleID...)
	b = append(b, 0)
	b = append(b, f.File...)
	b = append(b, 0)
	sep := false
	for _, p := range [...]string{f.Object.Kind, f.Object.Namespace, f.Object.Name} {
		if p == "" {
			continue
		}
		if sep {
			b = append(b, '/')
		}
		b, sep = append(b, p...), true
	}
	b = append(b, 0)
	b = append(b, f.Message...)
	b = append(b, 0)
	sum := sha256.Sum256(b)
	var out [24]byte
	hex.Encode(out[:], sum[:12])
	return string(out[:])
}

// Compare orders findings by file, line, column, rule and message: it
// returns a negative number when a comes first, a positive one when b does.
func Compare(a, b *Finding) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Line, b.Line); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Column, b.Column); c != 0 {
		return c
	}
	if c := strings.Compare(a.RuleID, b.RuleID); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}
