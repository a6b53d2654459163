package rego

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	opa "github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/opsloop/opsloop/internal/check"
)

// DefaultNamespace is the namespace checked when Options names none, as in
// Conftest.
const DefaultNamespace = "main"

// Options configures Load.
type Options struct {
	// Dirs are directories (or single files) searched recursively for
	// .rego files.
	Dirs []string
	// Namespaces are the packages whose rules run, without the "data."
	// prefix; empty means [DefaultNamespace].
	Namespaces []string
	// AllNamespaces runs the rules of every package, like conftest
	// --all-namespaces.
	AllNamespaces bool
	// Data are YAML or JSON files, or directories of them, loaded under
	// data, like conftest --data.
	Data []string
}

// Policies is a compiled policy set. It implements [check.Policy].
type Policies struct {
	query      opa.PreparedEvalQuery
	rules      []rule
	exceptions []string // binding of each namespace's exceptions ("" for none), by namespace index
	namespaces []string
	refs       []string // data reference of each namespace, e.g. "data.main"
}

// rule is one deny, violation or warn rule of one namespace.
type rule struct {
	binding string // query variable that holds [value] or []
	ns      int    // index into Policies.namespaces
	name    string // e.g. "deny_run_as_root"
	id      string // "<namespace>.<rule>"
	title   string
	suffix  string // rule name without its kind prefix, for exceptions
	sev     check.Severity
}

var (
	warningRule = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
	failureRule = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
)

// Load reads, parses and compiles the policies under opts.Dirs and
// prepares the query that Eval runs for each document. A policy that does
// not parse or compile is an error naming its file and line.
func Load(ctx context.Context, opts Options) (*Policies, error) {
	files, err := regoFiles(opts.Dirs)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("rego: no policies (.rego files) found in %s", strings.Join(opts.Dirs, ", "))
	}
	modules := make(map[string]*ast.Module, len(files))
	var errs []error
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("rego: %w", err)
		}
		m, err := parseModule(filepath.ToSlash(name), string(src))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		modules[filepath.ToSlash(name)] = m
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("rego: parse policies: %w", errors.Join(errs...))
	}
	compiler := ast.NewCompiler()
	compiler.Compile(modules)
	if compiler.Failed() {
		return nil, fmt.Errorf("rego: compile policies: %w", compiler.Errors)
	}
	if err := checkHeads(modules); err != nil {
		return nil, fmt.Errorf("rego: %w", err)
	}

	store, err := dataStore(opts.Data)
	if err != nil {
		return nil, err
	}

	p := &Policies{}
	namespaces, refs, exceptions, rules := selectRules(modules, opts)
	p.namespaces, p.refs, p.rules = namespaces, refs, rules
	query := p.buildQuery(exceptions)
	if query == "" {
		return p, nil // nothing to evaluate in the selected namespaces
	}
	pq, err := opa.New(
		opa.Compiler(compiler),
		opa.Store(fileStore{store}),
		opa.Query(query),
		opa.Runtime(runtimeTerm()),
		opa.SetRegoVersion(ast.RegoV1),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("rego: prepare query: %w", err)
	}
	p.query = pq
	return p, nil
}

// regoFiles lists the .rego files under dirs, in a stable order.
func regoFiles(dirs []string) ([]string, error) {
	var out []string
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != dir && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(d.Name(), ".rego") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("rego: %w", err)
		}
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// parseModule parses src as Rego v1 and, failing that, as Rego v0. When
// both fail, the error that comes later in the file is returned: the other
// parser stopped at the first construct of the version it does not speak,
// so the later error is the real one.
func parseModule(name, src string) (*ast.Module, error) {
	m, err1 := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
	if err1 == nil {
		return m, nil
	}
	m, err0 := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV0, ProcessAnnotation: true})
	if err0 == nil {
		return m, nil
	}
	if errorRow(err0) > errorRow(err1) {
		return nil, err0
	}
	return nil, err1
}

func errorRow(err error) int {
	var errs ast.Errors
	if errors.As(err, &errs) && len(errs) > 0 && errs[0].Location != nil {
		return errs[0].Location.Row
	}
	return 0
}

// ruleName returns the name of a rule whose head is a single name
// (deny, deny[msg], deny contains msg), or "".
func ruleName(r *ast.Rule) string {
	ref := r.Head.Ref()
	if len(ref) != 1 {
		return ""
	}
	v, ok := ref[0].Value.(ast.Var)
	if !ok {
		return ""
	}
	return string(v)
}

func isReporting(name string) bool {
	return failureRule.MatchString(name) || warningRule.MatchString(name)
}

// checkHeads rejects deny and warn rules that can only ever be true (deny
// if { ... } in v1, deny { ... } in v0): such a rule reports nothing and
// is always a mistake for "deny contains msg if".
func checkHeads(modules map[string]*ast.Module) error {
	var errs []error
	for _, m := range modules {
		for _, r := range m.Rules {
			name := ruleName(r)
			if !isReporting(name) || r.Head.Key != nil || len(r.Head.Args) > 0 || r.Head.Value == nil {
				continue
			}
			if b, ok := r.Head.Value.Value.(ast.Boolean); ok && bool(b) {
				loc := r.Location
				errs = append(errs, fmt.Errorf("%s:%d: rule %s is a boolean and reports nothing; write %q",
					loc.File, loc.Row, name, name+" contains msg if { ... }"))
			}
		}
	}
	sortErrors(errs)
	return errors.Join(errs...)
}

func sortErrors(errs []error) {
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
}

// selectRules returns the namespaces to check, their data references and
// their reporting rules, ordered by namespace and rule name.
func selectRules(modules map[string]*ast.Module, opts Options) (namespaces, refs []string, exceptions []bool, rules []rule) {
	want := opts.Namespaces
	if len(want) == 0 {
		want = []string{DefaultNamespace}
	}
	byNS := map[string]map[string]bool{}
	pkgRef := map[string]string{}
	noExceptions := map[string]bool{}
	for _, m := range modules {
		ns := strings.TrimPrefix(m.Package.Path.String(), "data.")
		pkgRef[ns] = m.Package.Path.String()
		if !opts.AllNamespaces && !slices.Contains(want, ns) {
			continue
		}
		if byNS[ns] == nil {
			byNS[ns] = map[string]bool{}
		}
		for _, r := range m.Rules {
			name := ruleName(r)
			switch {
			case isReporting(name) && len(r.Head.Args) == 0:
				byNS[ns][name] = true
			case name == "exception" && len(r.Head.Args) > 0:
				noExceptions[ns] = true // a function, not Conftest's exceptions
			}
		}
	}
	for ns, names := range byNS {
		if len(names) > 0 {
			namespaces = append(namespaces, ns)
		}
	}
	sort.Strings(namespaces)
	for i, ns := range namespaces {
		refs = append(refs, pkgRef[ns])
		exceptions = append(exceptions, !noExceptions[ns])
		names := make([]string, 0, len(byNS[ns]))
		for n := range byNS[ns] {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			sev := check.SeverityHigh
			if warningRule.MatchString(n) {
				sev = check.SeverityMedium
			}
			rules = append(rules, rule{
				binding: "r" + strconv.Itoa(len(rules)),
				ns:      i,
				name:    n,
				id:      ns + "." + n,
				title:   humanize(n),
				suffix:  exceptionName(n),
				sev:     sev,
			})
		}
	}
	return namespaces, refs, exceptions, rules
}

// exceptionName is the name an exception uses for a rule, as Conftest
// derives it: the rule name without its deny_, violation_ or warn_ prefix,
// "" for a bare deny, violation or warn.
func exceptionName(rule string) string {
	switch rule {
	case "deny", "violation", "warn":
		return ""
	}
	rule = strings.TrimPrefix(rule, "violation_")
	rule = strings.TrimPrefix(rule, "deny_")
	return strings.TrimPrefix(rule, "warn_")
}

// humanize turns deny_run_as_root into "Deny run as root".
func humanize(rule string) string {
	s := strings.ReplaceAll(rule, "_", " ")
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// buildQuery returns one query that binds each rule's value and each
// namespace's exceptions. Every binding is a comprehension, so a rule that
// is undefined for a document binds an empty array instead of making the
// whole query undefined.
func (p *Policies) buildQuery(exceptions []bool) string {
	if len(p.rules) == 0 {
		return ""
	}
	var b strings.Builder
	p.exceptions = make([]string, len(p.refs))
	for i, ref := range p.refs {
		if !exceptions[i] {
			continue
		}
		p.exceptions[i] = "e" + strconv.Itoa(i)
		fmt.Fprintf(&b, "%s := [x | x := %s.exception]\n", p.exceptions[i], ref)
	}
	for _, r := range p.rules {
		fmt.Fprintf(&b, "%s := [x | x := %s.%s]\n", r.binding, p.refs[r.ns], r.name)
	}
	return b.String()
}

// dataStore loads data files into a store, as conftest --data does.
func dataStore(paths []string) (storage.Store, error) {
	if len(paths) == 0 {
		return inmem.New(), nil
	}
	res, err := loader.NewFileLoader().Filtered(paths, func(_ string, info fs.FileInfo, _ int) bool {
		if info.IsDir() {
			return false
		}
		switch filepath.Ext(info.Name()) {
		case ".yaml", ".yml", ".json":
			return false
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("rego: load data: %w", err)
	}
	return inmem.NewFromObject(res.Documents), nil
}

// runtimeTerm is what opa.runtime() returns to policies: the environment,
// as Conftest provides it.
func runtimeTerm() *ast.Term {
	env := ast.NewObject()
	for _, kv := range os.Environ() {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			env.Insert(ast.StringTerm(k), ast.StringTerm(v))
		}
	}
	return ast.ObjectTerm(ast.Item(ast.StringTerm("env"), ast.NewTerm(env)))
}

// Namespaces returns the namespaces that have rules to evaluate.
func (p *Policies) Namespaces() []string { return slices.Clone(p.namespaces) }

// RuleIDs returns the IDs findings of this set can carry, e.g. "main.deny".
func (p *Policies) RuleIDs() []string {
	out := make([]string, len(p.rules))
	for i, r := range p.rules {
		out[i] = r.id
	}
	return out
}

// Eval evaluates every selected rule against one document. input is the
// document as plain values for YAML and JSON formats; for Terraform files
// and Dockerfiles, where it is nil, Eval builds Conftest's input itself.
func (p *Policies) Eval(ctx context.Context, d *check.Document, input any) ([]check.Finding, error) {
	if len(p.rules) == 0 {
		return nil, nil
	}
	var loc locator
	switch {
	case d.Format == check.FormatTerraform && d.Terraform != nil:
		v, err := terraformInput(d.Terraform)
		if err != nil {
			return nil, err
		}
		input, loc = v, &hclLocator{f: d.Terraform}
	case d.Format == check.FormatDockerfile && d.Dockerfile != nil:
		v, lines := dockerfileInput(d.Dockerfile)
		input, loc = v, dockerLocator(lines)
	case d.Root != nil:
		loc = treeLocator{d.Root}
	}
	value, err := ast.InterfaceToValue(input)
	if err != nil {
		return nil, fmt.Errorf("rego: convert input: %w", err)
	}
	rs, err := p.query.Eval(withFile(ctx, d.Path), opa.EvalParsedInput(value))
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, nil
	}
	bindings := rs[0].Bindings

	var excepted []map[string]bool // by namespace, built on first use
	var out []check.Finding
	for i := range p.rules {
		r := &p.rules[i]
		vals := ruleResults(bindings[r.binding])
		if len(vals) == 0 {
			continue
		}
		if excepted == nil {
			excepted = make([]map[string]bool, len(p.namespaces))
			for ns, b := range p.exceptions {
				if b != "" {
					excepted[ns] = exceptionNames(bindings[b])
				}
			}
		}
		if excepted[r.ns][r.suffix] {
			continue
		}
		for _, v := range vals {
			f, ok, err := r.finding(v, loc)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// ruleResults unwraps a rule binding ([value] or []) into the values the
// rule reports. As in Conftest, a rule whose value is not a collection
// (deny = "x") reports nothing.
func ruleResults(binding any) []any {
	outer, _ := binding.([]any)
	if len(outer) == 0 {
		return nil
	}
	vals, _ := outer[0].([]any)
	return vals
}

// exceptionNames collects the strings in data.<ns>.exception[_][_].
func exceptionNames(binding any) map[string]bool {
	outer, _ := binding.([]any)
	if len(outer) == 0 {
		return nil
	}
	out := map[string]bool{}
	for _, e := range elements(outer[0]) {
		for _, name := range elements(e) {
			if s, ok := name.(string); ok {
				out[s] = true
			}
		}
	}
	return out
}

// elements returns what x[_] iterates over: the items of an array or set,
// or the values of an object.
func elements(x any) []any {
	switch x := x.(type) {
	case []any:
		return x
	case map[string]any:
		out := make([]any, 0, len(x))
		for _, v := range x {
			out = append(out, v)
		}
		return out
	}
	return nil
}

// finding turns one result into a finding. Results that are neither
// strings nor objects are ignored, as Conftest ignores them; an object
// without a string msg is an error, as it is in Conftest.
func (r *rule) finding(v any, loc locator) (check.Finding, bool, error) {
	f := check.Finding{
		RuleID:   r.id,
		RuleName: r.id,
		Severity: r.sev,
		Family:   check.FamilyPolicy,
		Title:    r.title,
	}
	switch v := v.(type) {
	case string:
		f.Message = v
	case map[string]any:
		msg, ok := v["msg"].(string)
		if !ok {
			return f, false, fmt.Errorf("rego: %s: result object has no string \"msg\" field", r.id)
		}
		f.Message = msg
		if s, ok := v["severity"].(string); ok {
			if sev, ok := parseSeverity(s); ok {
				f.Severity = sev
			}
		}
		if s, ok := v["title"].(string); ok && s != "" {
			f.Title = s
		}
		if s, ok := v["remediation"].(string); ok {
			f.Remediation = s
		}
		f.Line, f.Column = position(v, loc)
	default:
		return f, false, nil
	}
	return f, true, nil
}

// parseSeverity accepts opsloop's severity names and the usual synonyms of
// policy libraries.
func parseSeverity(s string) (check.Severity, bool) {
	if sev, err := check.ParseSeverity(s); err == nil {
		return sev, true
	}
	switch strings.ToLower(s) {
	case "error", "failure", "fail", "deny", "violation":
		return check.SeverityHigh, true
	case "warning", "warn", "moderate":
		return check.SeverityMedium, true
	case "note", "notice", "informational":
		return check.SeverityInfo, true
	}
	return 0, false
}

// position reads where a result object says it is: Conftest's _loc, a
// line field, or a path into the input. Zero means the document start.
func position(v map[string]any, loc locator) (line, col int) {
	if l, ok := v["_loc"].(map[string]any); ok {
		if line, ok := toInt(l["line"]); ok && line > 0 {
			col, _ := toInt(l["column"])
			return line, max(col, 1)
		}
	}
	if line, ok := toInt(v["line"]); ok && line > 0 {
		col, _ := toInt(v["column"])
		return line, max(col, 1)
	}
	if loc == nil {
		return 0, 0
	}
	if path := parsePath(v["path"]); len(path) > 0 {
		return loc.locate(path)
	}
	return 0, 0
}

func toInt(x any) (int, bool) {
	switch x := x.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			f, ferr := x.Float64()
			if ferr != nil || f != float64(int64(f)) {
				return 0, false
			}
			n = int64(f)
		}
		return int(n), true
	case float64:
		if x != float64(int64(x)) {
			return 0, false
		}
		return int(x), true
	case int:
		return x, true
	case int64:
		return int(x), true
	}
	return 0, false
}

// Interface guards.
var _ check.Policy = (*Policies)(nil)
