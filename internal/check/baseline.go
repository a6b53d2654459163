package check

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// maxBaselineSize bounds a baseline file.
const maxBaselineSize = 256 << 20

// Baseline is the set of findings a team has accepted: a JSON report from
// an earlier `opsloop check --format json` run. Findings are matched by
// fingerprint, which ignores line numbers, so moving code does not bring an
// accepted finding back while a new instance of the same rule still shows.
type Baseline struct {
	fingerprints map[string]struct{}
}

// ReadBaseline parses a JSON report.
func ReadBaseline(r io.Reader) (*Baseline, error) {
	var rep struct {
		Findings []struct {
			Fingerprint string `json:"fingerprint"`
		} `json:"findings"`
	}
	dec := json.NewDecoder(io.LimitReader(r, maxBaselineSize))
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("baseline: %w (want a report written by opsloop check --format json)", err)
	}
	b := &Baseline{fingerprints: make(map[string]struct{}, len(rep.Findings))}
	for i, f := range rep.Findings {
		if f.Fingerprint == "" {
			return nil, fmt.Errorf("baseline: finding %d has no fingerprint", i)
		}
		b.fingerprints[f.Fingerprint] = struct{}{}
	}
	return b, nil
}

// LoadBaseline reads a baseline file.
func LoadBaseline(name string) (*Baseline, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := ReadBaseline(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// Contains reports whether f was in the baseline. A nil Baseline contains
// nothing.
func (b *Baseline) Contains(f *Finding) bool {
	if b == nil {
		return false
	}
	_, ok := b.fingerprints[f.Fingerprint]
	return ok
}

// Len returns the number of accepted findings.
func (b *Baseline) Len() int {
	if b == nil {
		return 0
	}
	return len(b.fingerprints)
}
