// Command recall measures how many of the labelled cases of public
// Kubernetes and Dockerfile linter test corpora opsloop's built-in rules
// find. It runs the check engine in-process on each corpus file and prints,
// per corpus, one row per corpus check that maps to opsloop rules, then the
// corpus checks that map to none.
//
// Usage:
//
//	go run ./hack/recall -polaris DIR -kubelinter DIR -kics DIR [-v]
//
// DIR is the root of a checkout of FairwindsOps/polaris, of
// stackrox/kube-linter, or of the github.com/Checkmarx/kics/v2 module.
// Any of the three may be left out. With -v, every missed case and every
// false positive is listed after its table.
//
// The corpora are test data of other projects: this program only reads
// them and keeps no copy of them.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/opsloop/opsloop/internal/check"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("recall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	polaris := fs.String("polaris", "", "root of a FairwindsOps/polaris checkout")
	kubelinter := fs.String("kubelinter", "", "root of a stackrox/kube-linter checkout")
	kics := fs.String("kics", "", "root of the github.com/Checkmarx/kics/v2 module")
	verbose := fs.Bool("v", false, "list every missed case and false positive")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *polaris == "" && *kubelinter == "" && *kics == "" {
		fmt.Fprintln(stderr, "recall: give at least one of -polaris, -kubelinter, -kics")
		return 2
	}
	r := &runner{cache: map[string][]check.Finding{}}
	type corpus struct {
		dir  string
		eval func(string) (*report, error)
	}
	for _, c := range []corpus{{*polaris, r.polaris}, {*kubelinter, r.kubeLinter}, {*kics, r.kics}} {
		if c.dir == "" {
			continue
		}
		rep, err := c.eval(c.dir)
		if err != nil {
			fmt.Fprintln(stderr, "recall:", err)
			return 1
		}
		rep.print(stdout, *verbose)
	}
	return 0
}

// row is the score of one corpus check.
type row struct {
	check string
	rules []string
	// cases are labelled positives, found those opsloop reports, exact
	// those it reports on the labelled line (KICS only).
	cases, found, exact int
	// negatives are labelled negative cases, fps those opsloop flags. For
	// kube-linter, whose fixtures do not label negatives, fps counts
	// findings beyond the labelled ones.
	negatives, fps int
	misses, fpList []string
}

// report is the score of one corpus.
type report struct {
	name       string
	lines      bool // whether the corpus labels lines
	negLabel   string
	rows       []*row
	notCovered []string
}

func (rep *report) row(check string, rules []string) *row {
	for _, r := range rep.rows {
		if r.check == check {
			return r
		}
	}
	r := &row{check: check, rules: rules}
	rep.rows = append(rep.rows, r)
	return r
}

func (rep *report) print(w io.Writer, verbose bool) {
	slices.SortFunc(rep.rows, func(a, b *row) int { return cmp.Compare(a.check, b.check) })
	slices.Sort(rep.notCovered)
	rep.notCovered = slices.Compact(rep.notCovered)
	fmt.Fprintf(w, "## %s\n\n", rep.name)
	head := "| corpus check | opsloop rules | cases | found | missed | " + rep.negLabel + " | FP |"
	sep := "|---|---|--:|--:|--:|--:|--:|"
	if rep.lines {
		head += " exact line |"
		sep += "--:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, sep)
	var t row
	for _, r := range rep.rows {
		t.cases += r.cases
		t.found += r.found
		t.exact += r.exact
		t.negatives += r.negatives
		t.fps += r.fps
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d | %d |", r.check, strings.Join(r.rules, " "), r.cases, r.found, r.cases-r.found, r.negatives, r.fps)
		if rep.lines {
			fmt.Fprintf(w, " %d |", r.exact)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| **total (%d checks)** | | %d | %d | %d | %d | %d |", len(rep.rows), t.cases, t.found, t.cases-t.found, t.negatives, t.fps)
	if rep.lines {
		fmt.Fprintf(w, " %d |", t.exact)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\nRecall on covered checks: %d/%d = %s.", t.found, t.cases, pct(t.found, t.cases))
	if rep.lines {
		fmt.Fprintf(w, " Exact line: %d/%d = %s of cases, %s of found.", t.exact, t.cases, pct(t.exact, t.cases), pct(t.exact, t.found))
	}
	if t.negatives > 0 {
		fmt.Fprintf(w, " False positives: %d/%d %s = %s.", t.fps, t.negatives, rep.negLabel, pct(t.fps, t.negatives))
	} else {
		fmt.Fprintf(w, " Findings beyond the labelled ones: %d.", t.fps)
	}
	fmt.Fprintf(w, "\n\nNot covered (%d): %s\n\n", len(rep.notCovered), strings.Join(rep.notCovered, ", "))
	if !verbose {
		return
	}
	for _, r := range rep.rows {
		for _, m := range r.misses {
			fmt.Fprintf(w, "- MISS %s: %s\n", r.check, m)
		}
		for _, m := range r.fpList {
			fmt.Fprintf(w, "- FP   %s: %s\n", r.check, m)
		}
	}
	fmt.Fprintln(w)
}

func pct(n, d int) string {
	if d == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(100*float64(n)/float64(d), 'f', 1, 64) + "%"
}

// runner runs the engine and remembers the findings per file.
type runner struct {
	cache map[string][]check.Finding
}

// findings checks one file on its own, as a run of its own.
func (r *runner) findings(path string) ([]check.Finding, error) {
	if f, ok := r.cache[path]; ok {
		return f, nil
	}
	res, err := check.Run(context.Background(), check.Options{Paths: []string{path}, Workers: 1})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.cache[path] = res.Findings
	return res.Findings, nil
}

// matching returns the findings of any of rules.
func matching(fs []check.Finding, rules []string) []check.Finding {
	var out []check.Finding
	for _, f := range fs {
		if slices.Contains(rules, f.RuleID) {
			out = append(out, f)
		}
	}
	return out
}

func describe(fs []check.Finding) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s %d:%d %s", f.RuleID, f.Line, f.Column, f.Message))
	}
	return strings.Join(parts, "; ")
}

// polaris scores test/checks/<check>/failure*.yaml (one positive each) and
// success*.yaml (one negative each).
func (r *runner) polaris(root string) (*report, error) {
	rep := &report{name: "Polaris", negLabel: "success cases"}
	dirs, err := os.ReadDir(filepath.Join(root, "test", "checks"))
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		rules, ok := polarisMap[d.Name()]
		if !ok {
			rep.notCovered = append(rep.notCovered, d.Name())
			continue
		}
		row := rep.row(d.Name(), rules)
		files, _ := filepath.Glob(filepath.Join(root, "test", "checks", d.Name(), "*.yaml"))
		for _, file := range files {
			base := filepath.Base(file)
			fail := strings.HasPrefix(base, "failure")
			if !fail && !strings.HasPrefix(base, "success") {
				continue
			}
			fs, err := r.findings(file)
			if err != nil {
				return nil, err
			}
			hits := matching(fs, rules)
			switch {
			case fail:
				row.cases++
				if len(hits) > 0 {
					row.found++
				} else {
					row.misses = append(row.misses, base)
				}
			default:
				row.negatives++
				if len(hits) > 0 {
					row.fps++
					row.fpList = append(row.fpList, base+": "+describe(hits))
				}
			}
		}
	}
	return rep, nil
}

var (
	blTest    = regexp.MustCompile(`(?m)^@test "([^"]+)"`)
	blFixture = regexp.MustCompile(`tmp="([^"]+)"`)
	blInclude = regexp.MustCompile(`--include ([a-z0-9-]+)`)
	blMessage = regexp.MustCompile(`\[\[ "\$\{message\d+\}" (?:==|=~) "([A-Za-z]+): `)
	blCount   = regexp.MustCompile(`\[\[ "\$\{count\}" == "(\d+)" \]\]`)
)

// kubeLinter scores the end-to-end tests of kube-linter: each test lints one
// fixture with one check and lists the kinds of the objects reported. A
// labelled report is found when opsloop reports a mapped rule on an object
// of that kind in the fixture, or, failing that, on any object not matched
// yet (kube-linter reports RBAC findings on bindings, opsloop on roles).
func (r *runner) kubeLinter(root string) (*report, error) {
	rep := &report{name: "kube-linter", negLabel: "unlabelled"}
	data, err := os.ReadFile(filepath.Join(root, "e2etests", "bats-tests.sh"))
	if err != nil {
		return nil, err
	}
	src := string(data)
	starts := blTest.FindAllStringSubmatchIndex(src, -1)
	for i, st := range starts {
		end := len(src)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		body := src[st[0]:end]
		inc := blInclude.FindStringSubmatch(body)
		fix := blFixture.FindStringSubmatch(body)
		if inc == nil || fix == nil {
			continue // template and flag tests
		}
		name := inc[1]
		rules, ok := kubeLinterMap[name]
		if !ok {
			rep.notCovered = append(rep.notCovered, name)
			continue
		}
		var kinds []string
		for _, m := range blMessage.FindAllStringSubmatch(body, -1) {
			kinds = append(kinds, m[1])
		}
		if m := blCount.FindStringSubmatch(body); m != nil {
			n, _ := strconv.Atoi(m[1])
			for len(kinds) < n {
				kinds = append(kinds, "")
			}
		}
		fs, err := r.findings(filepath.Join(root, fix[1]))
		if err != nil {
			return nil, err
		}
		hits := matching(fs, rules)
		used := make([]bool, len(hits))
		take := func(kind string) bool {
			for j, h := range hits {
				if !used[j] && (kind == "" || h.Object.Kind == kind) {
					used[j] = true
					return true
				}
			}
			return false
		}
		row := rep.row(name, rules)
		var missed []string
		for _, k := range kinds {
			row.cases++
			if take(k) {
				row.found++
			} else {
				missed = append(missed, k)
			}
		}
		var still []string
		for _, k := range missed {
			if take("") {
				row.found++
			} else {
				still = append(still, k)
			}
		}
		for _, k := range still {
			row.misses = append(row.misses, fmt.Sprintf("%s: %s object", fix[1], cmp.Or(k, "an")))
		}
		for j, h := range hits {
			if !used[j] {
				row.fps++
				row.fpList = append(row.fpList, fix[1]+": "+describe([]check.Finding{h}))
			}
		}
	}
	return rep, nil
}

// kicsResult is one entry of a KICS positive_expected_result.json.
type kicsResult struct {
	QueryName string `json:"queryName"`
	Line      int    `json:"line"`
	FileName  string `json:"fileName"`
}

// kics scores the Kubernetes and Dockerfile queries of KICS: each expected
// result (file, line) is a positive, each negative* file a negative.
func (r *runner) kics(root string) (*report, error) {
	rep := &report{name: "KICS", lines: true, negLabel: "negative files"}
	for _, platform := range []string{"k8s", "dockerfile"} {
		dirs, err := os.ReadDir(filepath.Join(root, "assets", "queries", platform))
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			if !d.IsDir() {
				continue
			}
			key := platform + "/" + d.Name()
			rules, ok := kicsMap[key]
			if !ok {
				rep.notCovered = append(rep.notCovered, key)
				continue
			}
			if err := r.kicsQuery(rep.row(key, rules), filepath.Join(root, "assets", "queries", platform, d.Name(), "test"), rules); err != nil {
				return nil, err
			}
		}
	}
	return rep, nil
}

func (r *runner) kicsQuery(row *row, dir string, rules []string) error {
	data, err := os.ReadFile(filepath.Join(dir, "positive_expected_result.json"))
	if err != nil {
		return err
	}
	var want []kicsResult
	if err := json.Unmarshal(data, &want); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	positives, _ := filepath.Glob(filepath.Join(dir, "positive*"))
	positives = slices.DeleteFunc(positives, func(p string) bool { return strings.HasSuffix(p, "_expected_result.json") })
	for _, w := range want {
		file := w.FileName
		if file == "" && len(positives) == 1 {
			file = filepath.Base(positives[0])
		}
		fs, err := r.findings(filepath.Join(dir, file))
		if err != nil {
			return err
		}
		hits := matching(fs, rules)
		row.cases++
		if len(hits) == 0 {
			row.misses = append(row.misses, fmt.Sprintf("%s:%d", file, w.Line))
			continue
		}
		row.found++
		if slices.ContainsFunc(hits, func(f check.Finding) bool { return f.Line == w.Line }) {
			row.exact++
		}
	}
	negatives, _ := filepath.Glob(filepath.Join(dir, "negative*"))
	for _, file := range negatives {
		fs, err := r.findings(file)
		if err != nil {
			return err
		}
		row.negatives++
		if hits := matching(fs, rules); len(hits) > 0 {
			row.fps++
			row.fpList = append(row.fpList, filepath.Base(file)+": "+describe(hits))
		}
	}
	return nil
}

// ruleIDs lists every rule ID a mapping names, for a sanity check.
func ruleIDs(ms ...map[string][]string) []string {
	var out []string
	for _, m := range ms {
		for ids := range maps.Values(m) {
			out = append(out, ids...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func init() {
	for _, id := range ruleIDs(polarisMap, kubeLinterMap, kicsMap) {
		if check.LookupRule(id) == nil {
			panic("recall: mapping names unknown rule " + id)
		}
	}
}
