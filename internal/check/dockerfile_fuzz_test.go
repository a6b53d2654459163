package check

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// FuzzDockerfile parses arbitrary Dockerfiles and runs every Dockerfile
// rule on them: no panic, and every finding has a position.
func FuzzDockerfile(f *testing.F) {
	ghadockerSeeds(f, "DF*.txtar")
	for _, s := range []string{
		"FROM",
		"FROM a AS\nUSER\nRUN\n",
		"ARG B=${X:-alpine:3}\nFROM ${B}\nRUN <<EOF\ncurl x | sh\nEOF\n",
		"FROM x\nRUN curl a |\\\n  sh\nEXPOSE 20-25/tcp\nENV A\n",
		"FROM x\nONBUILD RUN sudo x\nRUN [\"sh\", \"-c\", \"$(curl x)\"]\nWORKDIR\nADD\n",
		"# escape=`\nFROM x\nRUN a `\n  && sudo b\n",
		"FROM x\nRUN a \"unterminated | sh\nRUN '$(' |\nUSER 0:0\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ghadockerFuzzCheck(t, "Dockerfile", data, FormatDockerfile)
	})
}

// ghadockerSeeds adds every file of the matching rule fixtures as a seed.
func ghadockerSeeds(f *testing.F, pattern string) {
	names, err := filepath.Glob(filepath.Join("testdata", "rules", pattern))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range names {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name != "want" {
				f.Add(file.Data)
			}
		}
	}
}

// ghadockerFuzzCheck parses data as the file name and runs the Document
// rules of format on each document of that format.
func ghadockerFuzzCheck(t *testing.T, name string, data []byte, format Format) {
	docs, _ := parseFile(name, data)
	for _, d := range docs {
		if d.Format != format {
			continue
		}
		var got []Finding
		c := &Context{Doc: d, emit: func(f Finding) { got = append(got, f) }}
		for _, r := range Rules() {
			if r.Document == nil || !hasFormat(r.Formats, format) {
				continue
			}
			c.rule, c.scope = r, 0
			r.Document(c, d)
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, f := range got {
			if f.Line < 1 || f.Column < 1 || f.Line > lines {
				t.Fatalf("%s: finding at %d:%d outside the input of %d lines: %s", f.RuleID, f.Line, f.Column, lines, f.Message)
			}
		}
	}
}
