package report

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/xeipuuv/gojsonschema"

	"github.com/opsloop/opsloop/internal/check"
)

func sampleResult() *check.Result {
	return &check.Result{
		Files: 3, Documents: 4,
		Findings: []check.Finding{
			{
				RuleID: "OPS001", RuleName: "unreadable-input", Severity: check.SeverityHigh, Family: check.FamilyInput,
				Title: "Input cannot be parsed", Message: "cannot parse: bad", File: "deploy/my app.yaml", Line: 4, Column: 7, Fingerprint: "aa",
			},
			{
				RuleID: "main.deny", RuleName: "deny", Severity: check.SeverityCritical, Family: check.FamilyPolicy,
				Title: "deny", Message: "containers must not run as root", File: "-", Line: 1, Column: 1, Fingerprint: "bb",
				Object: check.Object{Kind: "Deployment", Name: "web"},
			},
			{
				RuleID: "OPS003", RuleName: "policy-error", Severity: check.SeverityMedium, Family: check.FamilyPolicy,
				Title: "t", Message: "m", File: "./x/y.tf", Line: 9, Column: 2, EndLine: 9, EndColumn: 8, Fingerprint: "cc",
			},
			{
				RuleID: "OPS002", RuleName: "unrenderable-source", Severity: check.SeverityLow, Family: check.FamilyInput,
				Title: "t", Message: "m", File: "charts/web/templates/d.yaml", Line: 3, Column: 1, Fingerprint: "dd", Source: "charts/web",
			},
		},
	}
}

// sarifSchema returns the OASIS SARIF 2.1.0 schema that the go-sarif module
// carries, read from the module cache.
func sarifSchemaText(t *testing.T) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-m", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3").Output()
	if err != nil {
		t.Fatalf("locate go-sarif module: %v", err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "pkg", "report", "v210", "sarif", "schema.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range gd.Specs {
			vs, ok := s.(*ast.ValueSpec)
			if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "schema" {
				continue
			}
			lit := vs.Values[0].(*ast.BasicLit)
			text, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			return text
		}
	}
	t.Fatal("schema constant not found in go-sarif")
	return ""
}

// TestSARIF_ValidAgainstSchema validates the raw output against the
// OASIS SARIF 2.1.0 JSON schema.
func TestSARIF_ValidAgainstSchema(t *testing.T) {
	var buf bytes.Buffer
	if err := writeSARIF(&buf, sampleResult(), Meta{Version: "1.2.3", FailOn: check.SeverityMedium}); err != nil {
		t.Fatal(err)
	}
	res, err := gojsonschema.Validate(gojsonschema.NewStringLoader(sarifSchemaText(t)), gojsonschema.NewBytesLoader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Valid() {
		for _, e := range res.Errors() {
			t.Error(e.String())
		}
	}
	// The validator is live: a wrong level must fail it.
	bad := bytes.Replace(buf.Bytes(), []byte(`"level": "error"`), []byte(`"level": "severe"`), 1)
	res, err = gojsonschema.Validate(gojsonschema.NewStringLoader(sarifSchemaText(t)), gojsonschema.NewBytesLoader(bad))
	if err != nil || res.Valid() {
		t.Errorf("schema accepted level severe (err %v)", err)
	}
	// And it loads with a SARIF library.
	if _, err := sarif.FromBytes(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}

func TestSARIF_LevelsRegionsURIs(t *testing.T) {
	var buf bytes.Buffer
	if err := writeSARIF(&buf, sampleResult(), Meta{Version: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	rs := log.Runs[0].Results
	want := []struct {
		level, uri string
		line, col  int
	}{
		{"error", "deploy/my%20app.yaml", 4, 7},
		{"error", "stdin", 1, 1},
		{"warning", "x/y.tf", 9, 2},
		{"note", "charts/web/templates/d.yaml", 3, 1},
	}
	for i, w := range want {
		r := rs[i]
		loc := r.Locations[0].PhysicalLocation
		if r.Level != w.level || loc.ArtifactLocation.URI != w.uri || loc.Region.StartLine != w.line || loc.Region.StartColumn != w.col {
			t.Errorf("result %d: level %s uri %s at %d:%d; want %+v", i, r.Level, loc.ArtifactLocation.URI, loc.Region.StartLine, loc.Region.StartColumn, w)
		}
		if log.Runs[0].Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex points at %s, not %s", i, log.Runs[0].Tool.Driver.Rules[r.RuleIndex].ID, r.RuleID)
		}
	}
}

func TestGitHub_Annotations(t *testing.T) {
	var buf bytes.Buffer
	if err := writeGitHub(&buf, sampleResult(), Meta{FailOn: check.SeverityMedium}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"::error file=deploy/my app.yaml,line=4,col=7,title=OPS001 unreadable-input::cannot parse: bad\n",
		"::warning file=./x/y.tf,line=9,col=2,endLine=9,title=OPS003 policy-error::m\n",
		"::notice file=charts/web/templates/d.yaml,line=3,col=1,",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestJSON_Shape(t *testing.T) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, sampleResult(), Meta{Version: "1.2.3", FailOn: check.SeverityHigh}); err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	sum := rep["summary"].(map[string]any)
	if rep["version"].(float64) != 1 || sum["findings"].(float64) != 4 || sum["failed"] != true || sum["fail_on"] != "high" {
		t.Errorf("summary: %v", sum)
	}
	f0 := rep["findings"].([]any)[0].(map[string]any)
	for _, k := range []string{"rule_id", "rule_name", "severity", "family", "title", "message", "file", "line", "column", "object", "fingerprint"} {
		if _, ok := f0[k]; !ok {
			t.Errorf("finding lacks %q: %v", k, f0)
		}
	}
	// A report is a baseline.
	b, err := check.ReadBaseline(bytes.NewReader(buf.Bytes()))
	if err != nil || b.Len() != 4 {
		t.Errorf("baseline from report: %v, %d", err, b.Len())
	}
}

func TestText_Grouped(t *testing.T) {
	var buf bytes.Buffer
	if err := writeText(&buf, sampleResult(), Meta{FailOn: check.SeverityMedium}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "deploy/my app.yaml\n  4:7     high     OPS001 unreadable-input  cannot parse: bad\n") {
		t.Errorf("text:\n%s", out)
	}
	if !strings.Contains(out, "4 findings (1 critical, 1 high, 1 medium, 1 low) in 3 files, 4 documents; 3 at or above medium: failing") {
		t.Errorf("summary:\n%s", out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour without Meta.Color")
	}
}

// TestAppendFinding holds the hand-written JSON encoder equal to
// encoding/json's indented output, escapes included.
func TestAppendFinding(t *testing.T) {
	odd := "quote\" back\\ nl\n tab\t ctl\x01 html<>& ls\u2028 bad\xff ünï"
	for i, f := range append(sampleResult().Findings,
		check.Finding{RuleID: odd, Message: odd, File: odd, Object: check.Object{Name: odd}, Source: odd, Remediation: odd, EndLine: 3, EndColumn: 9},
		check.Finding{},
	) {
		want, err := json.MarshalIndent(f, "    ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got := appendFinding(nil, &f)
		if string(got) != "    "+string(want) {
			t.Errorf("finding %d:\ngot  %s\nwant     %s", i, got, want)
		}
	}
}

func TestJSON_EmptyAndValid(t *testing.T) {
	for _, res := range []*check.Result{{}, sampleResult()} {
		var buf bytes.Buffer
		if err := writeJSON(&buf, res, Meta{}); err != nil {
			t.Fatal(err)
		}
		var rep JSONReport
		if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, buf.String())
		}
		if len(rep.Findings) != len(res.Findings) || rep.Summary.Findings != len(res.Findings) {
			t.Errorf("findings %d, want %d", len(rep.Findings), len(res.Findings))
		}
		if !json.Valid(buf.Bytes()) || !strings.Contains(buf.String(), `"findings": [`) {
			t.Errorf("shape:\n%s", buf.String())
		}
	}
}
