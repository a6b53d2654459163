package check

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/rules/*.txtar")

// TestRuleFixtures runs every rule on its fixtures. Each rule has
// testdata/rules/<ID>.txtar with files under fail/ and pass/ and a "want"
// file listing "path:line:column" for every finding of that rule in the
// fail/ set. The fail/ and pass/ sets are each checked as one run, so
// consistency rules see all the files of a set together.
func TestRuleFixtures(t *testing.T) {
	for _, r := range Rules() {
		switch r.ID {
		case ruleLoadError.ID, ruleRenderError.ID, rulePolicyError.ID:
			continue // exercised by engine_test.go and the render and rego packages
		}
		t.Run(r.ID, func(t *testing.T) {
			name := filepath.Join("testdata", "rules", r.ID+".txtar")
			ar, err := txtar.ParseFile(name)
			if err != nil {
				t.Fatalf("rule %s (%s) has no fixture: %v", r.ID, r.Name, err)
			}
			dir := t.TempDir()
			var want string
			hasFail, hasPass := false, false
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = string(f.Data)
					continue
				}
				hasFail = hasFail || strings.HasPrefix(f.Name, "fail/")
				hasPass = hasPass || strings.HasPrefix(f.Name, "pass/")
				p := filepath.Join(dir, filepath.FromSlash(f.Name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if !hasFail || !hasPass {
				t.Fatalf("%s needs files under both fail/ and pass/", name)
			}
			got := ruleFindings(t, r, dir, "fail")
			if len(got) == 0 {
				t.Errorf("%s: no finding on the fail/ fixtures", r.ID)
			}
			if pass := ruleFindings(t, r, dir, "pass"); len(pass) > 0 {
				t.Errorf("%s: findings on the pass/ fixtures:\n%s", r.ID, strings.Join(pass, "\n"))
			}
			gotText := strings.Join(got, "\n") + "\n"
			if *update {
				writeWant(t, name, ar, gotText)
				return
			}
			if gotText != want {
				t.Errorf("%s findings (-got +want):\n-%s\n+%s\n(run go test ./internal/check -run TestRuleFixtures -update to accept)", r.ID, gotText, want)
			}
		})
	}
}

// ruleFindings checks dir/sub and returns "path:line:col" for r's findings.
func ruleFindings(t *testing.T, r *Rule, dir, sub string) []string {
	t.Helper()
	res, err := Run(context.Background(), Options{Paths: []string{filepath.Join(dir, sub)}})
	if err != nil {
		t.Fatalf("run %s: %v", sub, err)
	}
	var out []string
	for _, f := range res.Findings {
		if f.RuleID == ruleLoadError.ID {
			t.Errorf("fixture does not parse: %s:%d: %s", f.File, f.Line, f.Message)
		}
		if f.RuleID == r.ID {
			rel := strings.TrimPrefix(f.File, filepath.ToSlash(dir)+"/")
			out = append(out, fmt.Sprintf("%s:%d:%d", rel, f.Line, f.Column))
		}
	}
	slices.Sort(out)
	return out
}

func writeWant(t *testing.T, name string, ar *txtar.Archive, want string) {
	t.Helper()
	found := false
	for i := range ar.Files {
		if ar.Files[i].Name == "want" {
			ar.Files[i].Data = []byte(want)
			found = true
		}
	}
	if !found {
		ar.Files = append(ar.Files, txtar.File{Name: "want", Data: []byte(want)})
	}
	if err := os.WriteFile(name, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRulesComplete guards the rule catalogue itself.
func TestRulesComplete(t *testing.T) {
	for _, r := range Rules() {
		if strings.ToUpper(r.ID) != r.ID || strings.ToLower(r.Name) != r.Name || strings.Contains(r.Name, " ") {
			t.Errorf("rule %s/%s: IDs are upper case, names kebab-case", r.ID, r.Name)
		}
		if r.Document != nil && len(r.Formats) == 0 && r.Family != FamilyInput && r.Family != FamilyPolicy {
			t.Errorf("rule %s: Document hook without Formats never runs", r.ID)
		}
	}
}
