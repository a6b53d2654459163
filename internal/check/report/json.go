package report

import (
	"encoding/json"
	"io"

	"github.com/opsloop/opsloop/internal/check"
)

// JSONVersion is the version of the JSON report shape. Fields are only
// added within a version.
const JSONVersion = 1

// JSONReport is the document `opsloop check --format json` prints; it is
// also the baseline format.
type JSONReport struct {
	Version  int             `json:"version"`
	Tool     JSONTool        `json:"tool"`
	Summary  JSONSummary     `json:"summary"`
	Findings []check.Finding `json:"findings"`
}

// JSONTool names the producer.
type JSONTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONSummary counts what the run saw.
type JSONSummary struct {
	Files      int            `json:"files"`
	Documents  int            `json:"documents"`
	Findings   int            `json:"findings"`
	Suppressed int            `json:"suppressed"`
	Baselined  int            `json:"baselined"`
	BySeverity map[string]int `json:"by_severity"`
	FailOn     string         `json:"fail_on"`
	Failed     bool           `json:"failed"`
}

func writeJSON(w io.Writer, res *check.Result, meta Meta) error {
	fs := res.Findings
	if fs == nil {
		fs = []check.Finding{}
	}
	rep := JSONReport{
		Version: JSONVersion,
		Tool:    JSONTool{Name: "opsloop", Version: meta.Version},
		Summary: JSONSummary{
			Files:      res.Files,
			Documents:  res.Documents,
			Findings:   len(fs),
			Suppressed: res.Suppressed,
			Baselined:  res.Baselined,
			BySeverity: bySeverity(fs),
			FailOn:     meta.FailOn.String(),
			Failed:     res.Count(meta.FailOn) > 0,
		},
		Findings: fs,
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
