package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// DefaultMaxFileSize is the largest file read; a larger one is a finding,
// not an out-of-memory.
const DefaultMaxFileSize = 16 << 20

// DefaultNodeBudget bounds how many nodes a document may expand to when a
// policy needs it as plain values (YAML alias bombs).
const DefaultNodeBudget = 1 << 20

// Policy evaluates custom policies (Rego) against one document. It is
// declared here, where it is used; internal/check/rego implements it.
type Policy interface {
	Eval(ctx context.Context, d *Document, input any) ([]Finding, error)
}

// Renderer turns a source directory (a Helm chart or a Kustomize directory)
// into rendered files. Each rendered file names the source file it came
// from, where known.
type Renderer interface {
	// Detect reports whether dir is a source this renderer handles.
	Detect(dir string) bool
	// Render renders dir. An error is reported as a finding on dir.
	Render(ctx context.Context, dir string) ([]Rendered, error)
}

// Rendered is one generated manifest.
type Rendered struct {
	// Path is the file findings are reported in: the template or source
	// file the output came from where known (e.g.
	// "charts/web/templates/deployment.yaml"), else a name for the output.
	Path string
	// Source names what was rendered, e.g. the chart directory.
	Source string
	// Data is the rendered YAML.
	Data []byte
	// Lines maps lines of Data to lines of Path: Lines[i] is the line in
	// Path that produced line i+1 of Data, 0 when unknown. Nil means Data
	// lines are Path lines.
	Lines []int
}

// Options configures a run.
type Options struct {
	// Paths are files and directories to check; "-" reads standard input.
	Paths []string
	// Stdin is read for "-".
	Stdin io.Reader
	// Config is the .opsloop.yaml content; zero means defaults.
	Config Config
	// Baseline hides findings that were present before.
	Baseline *Baseline
	// Policies run on every document after the built-in rules.
	Policies []Policy
	// Renderers expand Helm charts and Kustomize directories.
	Renderers []Renderer
	// Workers is the number of files checked at once; 0 means GOMAXPROCS.
	Workers int
	// MaxFileSize bounds file size; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// Logger receives progress at debug level; nil discards.
	Logger *slog.Logger
}

// Result is the outcome of a run.
type Result struct {
	Findings  []Finding
	Files     int
	Documents int
	// Suppressed counts findings hidden by annotations, comments or
	// disabled rules; Baselined those hidden by the baseline.
	Suppressed int
	Baselined  int
}

// Count returns how many findings are at or above min.
func (r *Result) Count(minimum Severity) int {
	n := 0
	for i := range r.Findings {
		if r.Findings[i].Severity >= minimum {
			n++
		}
	}
	return n
}

// ErrUsage marks errors in how a run was asked for (missing paths, bad
// flags): the CLI exits 2 for them.
var ErrUsage = errors.New("usage")

// unit is one piece of work: a file, a rendered source or standard input.
type unit struct {
	path   string // display path, slash-separated
	osPath string
	render Renderer
	stdin  bool
}

// Run checks every input in opts.Paths and returns the findings.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if len(opts.Paths) == 0 {
		return nil, fmt.Errorf("%w: no paths to check", ErrUsage)
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	e := &engine{opts: opts, log: log, rules: activeRules(opts.Config), index: &Index{}, workers: workers}
	if e.opts.MaxFileSize <= 0 {
		e.opts.MaxFileSize = DefaultMaxFileSize
	}
	for _, p := range opts.Paths {
		if p == "-" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
	}

	units := make(chan unit, workers*4)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var walkErr error
	go func() {
		defer close(units)
		walkErr = e.walk(ctx, units)
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for u := range units {
				if ctx.Err() != nil {
					continue
				}
				e.process(ctx, u)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if walkErr != nil {
		return nil, walkErr
	}
	e.runSetRules()
	res := e.result()
	return res, nil
}

type engine struct {
	opts    Options
	workers int
	log     *slog.Logger
	rules   []*Rule
	index   *Index

	mu         sync.Mutex // guards the following fields
	findings   []Finding
	chunks     [][]Finding // findings of one document each, merged by result
	files      int
	documents  int
	suppressed int
	baselined  int
	directives map[string]directives // file -> ignore comments, for Set rules
}

// walk sends every unit under the paths to out.
func (e *engine) walk(ctx context.Context, out chan<- unit) error {
	send := func(u unit) bool {
		select {
		case out <- u:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, p := range e.opts.Paths {
		if p == "-" {
			if !send(unit{path: "-", stdin: true}) {
				return nil
			}
			continue
		}
		err := filepath.WalkDir(p, func(osPath string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			display := filepath.ToSlash(osPath)
			if e.opts.Config.excluded(display) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if osPath != p && skipDir(d.Name()) {
					return filepath.SkipDir
				}
				for _, r := range e.opts.Renderers {
					if r.Detect(osPath) {
						send(unit{path: display, osPath: osPath, render: r})
						return filepath.SkipDir
					}
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			// Files named on the command line are read whatever their
			// name; files found in a directory only when they look like
			// infrastructure code.
			if osPath != p && !interesting(d.Name()) {
				return nil
			}
			if !send(unit{path: display, osPath: osPath}) {
				return filepath.SkipAll
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("walk %s: %w", p, err)
		}
	}
	return nil
}

func skipDir(name string) bool {
	switch name {
	case ".git", ".hg", ".svn", "node_modules", ".terraform", "vendor", ".venv", "__pycache__":
		return true
	}
	return false
}

// interesting reports whether a file found by walking a directory may be
// infrastructure code.
func interesting(name string) bool {
	lower := strings.ToLower(name)
	switch filepath.Ext(lower) {
	case ".yaml", ".yml", ".json", ".tf", ".dockerfile":
		return true
	}
	return lower == "dockerfile" || strings.HasPrefix(lower, "dockerfile.") || lower == "containerfile"
}

// process reads, parses and checks one unit.
func (e *engine) process(ctx context.Context, u unit) {
	if u.render != nil {
		out, err := u.render.Render(ctx, u.osPath)
		if err != nil {
			file, pos := u.path, tree.Position{}
			var loc interface {
				Location() (file string, line, column int)
			}
			if errors.As(err, &loc) {
				if f, l, c := loc.Location(); f != "" {
					file, pos = f, tree.Position{Line: l, Column: c}
				}
			}
			e.inputError(ruleRenderError, file, pos, err.Error())
			return
		}
		for _, r := range out {
			e.checkFile(ctx, filepath.ToSlash(r.Path), r.Source, r.Data, r.Lines)
		}
		return
	}
	data, err := e.read(u)
	if err != nil {
		e.inputError(ruleLoadError, u.path, tree.Position{}, err.Error())
		return
	}
	e.checkFile(ctx, u.path, "", data, nil)
}

func (e *engine) read(u unit) ([]byte, error) {
	var r io.Reader
	if u.stdin {
		if e.opts.Stdin == nil {
			return nil, errors.New("standard input is not available")
		}
		r = e.opts.Stdin
	} else {
		if data, ok, err := readRegular(u.osPath, e.opts.MaxFileSize); ok {
			return data, err
		}
		f, err := os.Open(u.osPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
		// Size the buffer from the file so that a typical file takes one
		// read and one allocation; a file that grows meanwhile still reads
		// to its end.
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() < e.opts.MaxFileSize {
			return readSized(f, int(fi.Size())+1, e.opts.MaxFileSize)
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, e.opts.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > e.opts.MaxFileSize {
		return nil, tooLarge(e.opts.MaxFileSize)
	}
	return data, nil
}

// readSized reads r to its end into a buffer of size bytes to start with,
// failing once it holds more than limit.
func readSized(r io.Reader, size int, limit int64) ([]byte, error) {
	data := make([]byte, 0, size)
	for {
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if int64(len(data)) > limit {
			return nil, tooLarge(limit)
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

func tooLarge(limit int64) error {
	return fmt.Errorf("file is larger than the limit of %d bytes (set check.max_file_size in .opsloop.yaml)", limit)
}

// inputError records a finding for an input that could not be read.
func (e *engine) inputError(r *Rule, file string, pos tree.Position, msg string) {
	if pos.Line == 0 {
		pos = tree.Position{Line: 1, Column: 1}
	}
	f := newFinding(r, msg)
	f.File, f.Line, f.Column = file, pos.Line, max(pos.Column, 1)
	e.mu.Lock()
	e.files++
	e.mu.Unlock()
	e.add(f, nil, nil, nil)
}

// checkFile parses data and runs every rule on each document in it.
func (e *engine) checkFile(ctx context.Context, name, source string, data []byte, lines []int) {
	dirs := parseDirectives(data)
	e.mu.Lock()
	e.files++
	if len(dirs) > 0 {
		if e.directives == nil {
			e.directives = map[string]directives{}
		}
		e.directives[name] = dirs
	}
	e.mu.Unlock()
	n := 0
	perr := eachDocument(name, data, func(d *Document) {
		if ctx.Err() != nil {
			return
		}
		n++
		d.Source, d.lines = source, lines
		e.checkDoc(ctx, d, dirs, lines)
	})
	e.mu.Lock()
	e.documents += n
	e.mu.Unlock()
	if perr != nil {
		pos, msg := tree.Position{}, perr.Error()
		if se, ok := errors.AsType[*tree.SyntaxError](perr); ok {
			pos, msg = se.Pos, se.Msg
		}
		f := newFinding(ruleLoadError, "cannot parse: "+msg)
		f.File, f.Line, f.Column = name, max(pos.Line, 1), max(pos.Column, 1)
		f.Source = source
		e.add(f, dirs, nil, lines)
	}
}

// checkDoc runs the rules and policies on one document.
func (e *engine) checkDoc(ctx context.Context, d *Document, dirs directives, lines []int) {
	var obj *K8sObject
	var ignores []string
	if d.Format == FormatKubernetes {
		obj = newK8sObject(d.Root)
		ignores = annotationIgnores(obj.Annotations)
		e.index.add(d, obj, ignores)
	}
	// Findings collect in a scratch slice reused across documents; the
	// kept ones are copied out once, at their final size.
	scratch := scratchFindings.Get().(*[]Finding)
	local := (*scratch)[:0]
	defer func() {
		clear(local)
		*scratch = local[:0]
		scratchFindings.Put(scratch)
	}()
	c := &Context{Doc: d, emit: func(f Finding) { local = append(local, f) }}
	for _, r := range e.rules {
		c.rule, c.scope = r, 0
		switch {
		case r.Kubernetes != nil && obj != nil:
			r.Kubernetes(c, obj)
		case r.Document != nil && hasFormat(r.Formats, d.Format):
			r.Document(c, d)
		}
	}
	for _, p := range e.opts.Policies {
		var input any
		if d.Root != nil {
			v, err := d.Root.Value(DefaultNodeBudget)
			if err != nil {
				c.rule, c.scope = ruleLoadError, 0
				c.ReportAt(d.Start, Object{}, "%v", err)
				continue
			}
			input = v
		}
		fs, err := p.Eval(ctx, d, input)
		if err != nil {
			e.log.WarnContext(ctx, "policy evaluation failed", "file", d.Path, "err", err)
			c.rule, c.scope = rulePolicyError, 0
			c.ReportAt(d.Start, Object{}, "policy evaluation failed: %v", err)
			continue
		}
		for _, f := range fs {
			if f.File == "" {
				f.File = d.Path
			}
			if f.Line == 0 {
				f.Line, f.Column = max(d.Start.Line, 1), max(d.Start.Column, 1)
			}
			f.scope = d.Start.Line
			local = append(local, f)
		}
	}
	var header []string
	if d.Root != nil {
		header = parseHeader(d.header)
	}
	if len(local) == 0 {
		return
	}
	all := slices.Concat(ignores, header)
	kept := local[:0]
	suppressed, baselined := 0, 0
	for _, f := range local {
		f.Source = d.Source
		if obj != nil && f.Object == (Object{}) {
			f.Object = obj.Ref()
		}
		switch e.finalize(&f, dirs, all, lines) {
		case outcomeSuppressed:
			suppressed++
		case outcomeBaselined:
			baselined++
		default:
			kept = append(kept, f)
		}
	}
	if len(kept) > 0 {
		kept = slices.Clone(kept)
	}
	e.mu.Lock()
	if len(kept) > 0 {
		e.chunks = append(e.chunks, kept)
	}
	e.suppressed += suppressed
	e.baselined += baselined
	e.mu.Unlock()
}

var scratchFindings = sync.Pool{New: func() any {
	s := make([]Finding, 0, 64)
	return &s
}}

// mapLine translates a line of rendered output to its source line.
func mapLine(lines []int, line int) int {
	if lines == nil || line < 1 {
		return line
	}
	for i := min(line, len(lines)) - 1; i >= 0; i-- {
		if lines[i] > 0 {
			return lines[i]
		}
	}
	return 1
}

var rulePolicyError = &Rule{
	ID:          "OPS003",
	Name:        "policy-error",
	Title:       "Custom policy failed to evaluate",
	Severity:    SeverityHigh,
	Family:      FamilyPolicy,
	Rationale:   "A policy that errors says nothing about the document; treating silence as a pass would hide violations.",
	Remediation: "Fix the policy (opsloop check --policy DIR reports the Rego error) or the input it trips over.",
	Document:    func(*Context, *Document) {},
}

func init() { register(rulePolicyError) }

func hasFormat(fs []Format, f Format) bool {
	return slices.Contains(fs, f)
}

// add applies suppressions, maps rendered lines back to their source
// (lines), applies severity overrides and the baseline, then records f.
func (e *engine) add(f Finding, dirs directives, objIgnores []string, lines []int) {
	out := e.finalize(&f, dirs, objIgnores, lines)
	e.mu.Lock()
	defer e.mu.Unlock()
	switch out {
	case outcomeSuppressed:
		e.suppressed++
	case outcomeBaselined:
		e.baselined++
	case outcomeKept:
		e.findings = append(e.findings, f)
	}
}

// outcome is what the suppressions and the baseline made of a finding.
type outcome int

const (
	outcomeKept outcome = iota
	outcomeSuppressed
	outcomeBaselined
)

// finalize applies suppressions, maps rendered lines back to their source
// (lines), applies severity overrides and fingerprints f. It takes no
// lock.
func (e *engine) finalize(f *Finding, dirs directives, objIgnores []string, lines []int) outcome {
	cfg := &e.opts.Config
	suppressed := cfg.disabled(f.RuleID, f.RuleName) ||
		matchesRule(objIgnores, f.RuleID, f.RuleName) ||
		dirs.suppresses(f)
	f.Line, f.scope = mapLine(lines, f.Line), mapLine(lines, f.scope)
	if sev, ok := cfg.severity(f.RuleID, f.RuleName); ok {
		f.Severity = sev
	}
	f.Fingerprint = f.fingerprint()
	switch {
	case suppressed:
		return outcomeSuppressed
	case e.opts.Baseline.Contains(f):
		return outcomeBaselined
	}
	return outcomeKept
}

func matchesRule(ids []string, id, name string) bool {
	for _, x := range ids {
		if strings.EqualFold(x, id) || strings.EqualFold(x, name) || x == "*" || strings.EqualFold(x, "all") {
			return true
		}
	}
	return false
}

func (e *engine) result() *Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	// Sort pointers, then copy each finding once: swapping the ~250-byte
	// structs themselves costs more than the sort. Each document's chunk
	// is sorted on its own and cut into runs of one file each; the runs
	// are ordered by their first finding, and only where runs of one file
	// overlap (documents of one file, findings of cross-document rules)
	// does that file's share get sorted again.
	n := len(e.findings)
	for _, c := range e.chunks {
		n += len(c)
	}
	if len(e.findings) > 0 {
		e.chunks = append(e.chunks, e.findings)
	}
	ptrs := make([]*Finding, 0, n)
	runs := make([][]*Finding, 0, len(e.chunks))
	for _, c := range e.chunks {
		start := len(ptrs)
		for i := range c {
			ptrs = append(ptrs, &c[i])
		}
		chunk := ptrs[start:]
		slices.SortFunc(chunk, Compare)
		for len(chunk) > 0 {
			i := 1
			for i < len(chunk) && chunk[i].File == chunk[0].File {
				i++
			}
			runs = append(runs, chunk[:i:i])
			chunk = chunk[i:]
		}
	}
	slices.SortFunc(runs, func(a, b []*Finding) int { return Compare(a[0], b[0]) })
	ordered := make([]*Finding, 0, n)
	for i := 0; i < len(runs); {
		j := i + 1
		for j < len(runs) && runs[j][0].File == runs[i][0].File {
			j++
		}
		start := len(ordered)
		for _, r := range runs[i:j] {
			ordered = append(ordered, r...)
		}
		if file := ordered[start:]; j-i > 1 && !slices.IsSortedFunc(file, Compare) {
			slices.SortFunc(file, Compare)
		}
		i = j
	}
	// A Kustomize base reached both on its own and through an overlay
	// yields the same finding twice; keep one.
	ptrs = slices.CompactFunc(ordered, func(a, b *Finding) bool {
		return a.RuleID == b.RuleID && a.File == b.File && a.Line == b.Line && a.Column == b.Column &&
			a.Message == b.Message && a.Object == b.Object
	})
	// The copy reads findings scattered over the chunks: bound by memory
	// latency, so it goes faster on all cores.
	sorted := make([]Finding, len(ptrs))
	var wg sync.WaitGroup
	part := (len(ptrs) + e.workers - 1) / e.workers
	for lo := 0; lo < len(ptrs); lo += part {
		wg.Go(func() {
			for i := lo; i < min(lo+part, len(ptrs)); i++ {
				sorted[i] = *ptrs[i]
			}
		})
	}
	wg.Wait()
	e.findings, e.chunks = sorted, nil
	return &Result{
		Findings:   e.findings,
		Files:      e.files,
		Documents:  e.documents,
		Suppressed: e.suppressed,
		Baselined:  e.baselined,
	}
}

// activeRules returns the rules the config leaves on.
func activeRules(cfg Config) []*Rule {
	all := Rules()
	out := all[:0:0]
	for _, r := range all {
		if r.Kubernetes == nil && r.Document == nil && r.Set == nil {
			continue
		}
		if cfg.disabled(r.ID, r.Name) {
			continue
		}
		out = append(out, r)
	}
	return out
}
