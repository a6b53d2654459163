package check

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// Rule is one built-in check. Exactly one of the hook fields is set; the
// engine calls it for every input of that shape.
type Rule struct {
	// ID is stable forever, e.g. "K8S001"; suppressions and baselines use it.
	ID string
	// Name is a stable kebab-case alias of ID, accepted wherever ID is.
	Name        string
	Title       string
	Severity    Severity
	Family      Family
	Rationale   string
	Remediation string

	// Kubernetes is called for every Kubernetes object.
	Kubernetes func(c *Context, o *K8sObject)
	// Document is called for every document of the formats listed in
	// Formats (Prometheus rules, OpenTelemetry Collector configs, GitHub
	// Actions workflows, service-mesh objects, Terraform, Dockerfiles).
	Document func(c *Context, d *Document)
	// Formats restricts Document to these formats.
	Formats []Format
	// Set is called once after every file was read, with the index of
	// Kubernetes objects of the run, for consistency rules.
	Set func(c *SetContext, ix *Index)
}

// Context is what a rule sees while it checks one document.
type Context struct {
	Doc   *Document
	rule  *Rule
	emit  func(Finding)
	scope int
}

// Scope sets the first line of the block (a Terraform resource, a workflow
// job, a Dockerfile stage) that following reports belong to: a suppression
// comment on the line above it covers them. Zero resets it to the document.
func (c *Context) Scope(line int) { c.scope = line }

// Report records a finding of the current rule at node at.
func (c *Context) Report(at *tree.Node, obj Object, format string, args ...any) {
	c.ReportAt(at.Pos(), obj, format, args...)
}

// ReportAt records a finding of the current rule at pos. A zero pos is
// replaced by the start of the document.
func (c *Context) ReportAt(pos tree.Position, obj Object, format string, args ...any) {
	if pos.Line == 0 {
		pos = c.Doc.Start
	}
	if pos.Line == 0 {
		pos = tree.Position{Line: 1, Column: 1}
	}
	f := newFinding(c.rule, fmt.Sprintf(format, args...))
	f.File = c.Doc.Path
	f.Line, f.Column = pos.Line, max(pos.Column, 1)
	f.Object = obj
	f.scope = c.Doc.Start.Line
	if c.scope > 0 {
		f.scope = c.scope
	}
	c.emit(f)
}

func newFinding(r *Rule, msg string) Finding {
	return Finding{
		RuleID:      r.ID,
		RuleName:    r.Name,
		Severity:    r.Severity,
		Family:      r.Family,
		Title:       r.Title,
		Message:     msg,
		Remediation: r.Remediation,
	}
}

var (
	registryMu sync.Mutex
	registry   = map[string]*Rule{}
)

// register adds built-in rules; it panics on a duplicate or malformed rule,
// which a test catches before any release.
func register(rules ...*Rule) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, r := range rules {
		if r.ID == "" || r.Name == "" || r.Title == "" || r.Rationale == "" || r.Remediation == "" || r.Family == "" {
			panic("check: incomplete rule " + r.ID + " " + r.Name)
		}
		hooks := 0
		for _, set := range []bool{r.Kubernetes != nil, r.Document != nil, r.Set != nil} {
			if set {
				hooks++
			}
		}
		if hooks != 1 {
			panic("check: rule " + r.ID + " must set exactly one hook")
		}
		if _, dup := registry[r.ID]; dup {
			panic("check: duplicate rule ID " + r.ID)
		}
		for _, o := range registry {
			if o.Name == r.Name {
				panic("check: duplicate rule name " + r.Name)
			}
		}
		registry[r.ID] = r
	}
}

// Rules returns every built-in rule, ordered by ID.
func Rules() []*Rule {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]*Rule, 0, len(registry))
	for _, r := range registry {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LookupRule finds a built-in rule by ID or name, case-insensitively.
func LookupRule(idOrName string) *Rule {
	registryMu.Lock()
	defer registryMu.Unlock()
	if r, ok := registry[strings.ToUpper(idOrName)]; ok {
		return r
	}
	for _, r := range registry {
		if strings.EqualFold(r.Name, idOrName) {
			return r
		}
	}
	return nil
}

// ruleLoadError is the rule behind findings for inputs that cannot be read.
var ruleLoadError = &Rule{
	ID:          "OPS001",
	Name:        "unreadable-input",
	Title:       "Input cannot be parsed",
	Severity:    SeverityHigh,
	Family:      FamilyInput,
	Rationale:   "A file that cannot be parsed cannot be checked, and whatever deploys it will fail or, worse, deploy something other than what was reviewed.",
	Remediation: "Fix the syntax error at the reported position, or exclude the file in .opsloop.yaml if it is not meant to be deployed.",
	Document:    func(*Context, *Document) {},
}

// ruleRenderError is the rule behind findings for Helm charts and
// Kustomize directories that cannot be rendered.
var ruleRenderError = &Rule{
	ID:          "OPS002",
	Name:        "unrenderable-source",
	Title:       "Helm chart or Kustomize directory cannot be rendered",
	Severity:    SeverityHigh,
	Family:      FamilyInput,
	Rationale:   "A chart or kustomization that does not render cannot be deployed as reviewed; the objects it would produce cannot be checked.",
	Remediation: "Run helm template or kustomize build on it, fix the error reported, and pass any required --values file.",
	Document:    func(*Context, *Document) {},
}

func init() {
	register(ruleLoadError, ruleRenderError)
}
