package report

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"

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
	head := struct {
		Version int         `json:"version"`
		Tool    JSONTool    `json:"tool"`
		Summary JSONSummary `json:"summary"`
	}{
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
	}
	b, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return err
	}
	// The report is the head object with "findings" appended, written a
	// finding at a time: a large report is never built in memory twice.
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.Write(b[:len(b)-2]) // drop "\n}"
	if len(fs) == 0 {
		_, _ = bw.WriteString(",\n  \"findings\": []\n}\n")
		return bw.Flush()
	}
	_, _ = bw.WriteString(",\n  \"findings\": [\n")
	last := len(fs) - 1
	err = writeBlocks(bw, len(fs), func(b []byte, i int) []byte {
		b = appendFinding(b, &fs[i])
		if i < last {
			b = append(b, ',')
		}
		return append(b, '\n')
	})
	if err != nil {
		return err
	}
	_, _ = bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

// appendFinding encodes f as encoding/json.MarshalIndent would at depth 2,
// without reflection; TestAppendFinding holds the two equal.
func appendFinding(b []byte, f *check.Finding) []byte {
	const in = "      "
	b = append(b, "    {\n"...)
	str := func(key, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		b = append(b, in...)
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `": `...)
		b = appendJSONString(b, v)
		b = append(b, ",\n"...)
	}
	num := func(key string, v int, omitEmpty bool) {
		if omitEmpty && v == 0 {
			return
		}
		b = append(b, in...)
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `": `...)
		b = strconv.AppendInt(b, int64(v), 10)
		b = append(b, ",\n"...)
	}
	str("rule_id", f.RuleID, false)
	str("rule_name", f.RuleName, false)
	str("severity", f.Severity.String(), false)
	str("family", string(f.Family), false)
	str("title", f.Title, false)
	str("message", f.Message, false)
	str("remediation", f.Remediation, true)
	str("file", f.File, false)
	num("line", f.Line, false)
	num("column", f.Column, false)
	num("end_line", f.EndLine, true)
	num("end_column", f.EndColumn, true)
	b = append(b, in...)
	b = append(b, `"object": `...)
	if f.Object == (check.Object{}) {
		b = append(b, "{},\n"...)
	} else {
		b = append(b, "{\n"...)
		first := true
		for _, kv := range [...][2]string{{"kind", f.Object.Kind}, {"name", f.Object.Name}, {"namespace", f.Object.Namespace}} {
			if kv[1] == "" {
				continue
			}
			if !first {
				b = append(b, ",\n"...)
			}
			first = false
			b = append(b, in+"  \""...)
			b = append(b, kv[0]...)
			b = append(b, `": `...)
			b = appendJSONString(b, kv[1])
		}
		b = append(b, "\n"+in+"},\n"...)
	}
	str("source", f.Source, true)
	b = append(b, in...)
	b = append(b, `"fingerprint": `...)
	b = appendJSONString(b, f.Fingerprint)
	b = append(b, "\n    }"...)
	return b
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does (HTML characters, U+2028 and U+2029 included; invalid UTF-8 becomes
// U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
