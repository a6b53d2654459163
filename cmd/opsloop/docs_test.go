package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/opsloop/opsloop/internal/check"
	"github.com/opsloop/opsloop/internal/check/report"
)

// TestRulesDocUpToDate keeps docs/rules.md equal to what the rule
// definitions generate.
func TestRulesDocUpToDate(t *testing.T) {
	var buf bytes.Buffer
	if err := report.RulesMarkdown(&buf, check.Rules()); err != nil {
		t.Fatal(err)
	}
	const path = "../../docs/rules.md"
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("docs/rules.md is out of date with the rule definitions.\nHint: run `make docs`.")
	}
}

// TestRuleCatalogueSize holds the bar of at least 90 built-in
// rules, every one with a fixture (TestRuleFixtures checks those).
func TestRuleCatalogueSize(t *testing.T) {
	n := 0
	for _, r := range check.Rules() {
		if r.Family != check.FamilyInput && r.Family != check.FamilyPolicy {
			n++
		}
	}
	if n < 90 {
		t.Errorf("%d built-in rules, want at least 90", n)
	}
}
