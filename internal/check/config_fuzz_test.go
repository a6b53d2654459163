package check

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseConfig: .opsloop.yaml comes from the repository being checked;
// no content may panic, and whatever parses must validate.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"check:\n  fail_on: high\n  disable: [K8S001]\n  severity: {K8S002: low}\n  exclude: ['a/**']\n",
		"check:\n  policy: [p]\n  namespace: [main]\n  max_file_size: 10\n",
		"check: {}\n", "", "check: [1,2]\n", "check:\n  exclude: ['[']\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed config does not validate: %v", err)
		}
		_ = c.excluded("a/b/c.yaml")
		_ = c.FailSeverity()
	})
}

// FuzzReadBaseline: a baseline is a file from the repository.
func FuzzReadBaseline(f *testing.F) {
	for _, s := range []string{
		`{"findings":[{"fingerprint":"abc"}]}`, `{"findings":[]}`, `{}`, `[]`, `{"findings":[{"rule_id":"x"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(_ *testing.T, data []byte) {
		b, err := ReadBaseline(bytes.NewReader(data))
		if err != nil {
			return
		}
		_ = b.Contains(&Finding{Fingerprint: "abc"})
	})
}

// FuzzDirectives: suppression comments are parsed from every file.
func FuzzDirectives(f *testing.F) {
	f.Add([]byte("a: 1 # opsloop:ignore K8S001 reason\n  - b: 2\n"))
	f.Add([]byte("# opsloop:ignore TF001\nresource \"a\" \"b\" {\n}\n"))
	f.Add([]byte("\t\t// opsloop:ignore ,,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		for _, d := range parseDirectives(data) {
			if d.start < 1 || d.end < d.start || d.end > lines || d.line < 1 || d.line > lines {
				t.Fatalf("directive %+v out of range (%d lines)", d, lines)
			}
		}
	})
}
