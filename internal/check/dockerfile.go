package check

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// DockerfileAST is a parsed Dockerfile: the BuildKit syntax tree and a
// small instruction model over it that rules read.
type DockerfileAST struct {
	// Root's children are the instructions, each with StartLine and
	// EndLine.
	Root *parser.Node
	// Lines are the source lines without line endings; Lines[0] is line 1.
	Lines []string
	// Args are the ARG instructions before the first FROM, whose defaults
	// FROM lines may use.
	Args []*DockerInstruction
	// Stages are the build stages in order; the last one is the image.
	Stages []*DockerStage
}

// DockerStage is one FROM and the instructions up to the next FROM.
type DockerStage struct {
	// Index is the 0-based position of the stage.
	Index int
	// From is the FROM instruction.
	From *DockerInstruction
	// Image is the base image as written, e.g. "golang:1.26" or "${BASE}".
	Image string
	// Name is the alias after AS, lower-cased as BuildKit compares it; ""
	// when the stage has none.
	Name string
	// Platform is the value of --platform, if any.
	Platform string
	// Instructions are the instructions after FROM, in order.
	Instructions []*DockerInstruction
}

// DockerInstruction is one instruction of a Dockerfile.
type DockerInstruction struct {
	// Cmd is the lower-case instruction keyword: "run", "copy", ...
	Cmd string
	// Args are the arguments as the parser split them: one element holding
	// the whole command for the shell form of RUN, CMD and ENTRYPOINT; the
	// array elements for the JSON form; key, value and separator triples
	// for ENV and LABEL.
	Args []string
	// Flags are the --flag=value options before the arguments.
	Flags []string
	// JSON is true for the exec (JSON array) form.
	JSON bool
	// Original is the instruction text with line continuations joined.
	Original string
	// StartLine and EndLine are the 1-based lines the instruction spans,
	// heredoc bodies included.
	StartLine, EndLine int
	// Heredocs are the here-documents attached to the instruction.
	Heredocs []parser.Heredoc
	// Node is the parser node.
	Node *parser.Node
}

// parseDockerfile parses with the BuildKit parser, which keeps lines, and
// builds the stage model.
func parseDockerfile(data []byte) (*DockerfileAST, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		pos := tree.Position{Line: 1, Column: 1}
		var le *parser.LocationError
		if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
			pos.Line = max(le.Locations[0][0].Start.Line, 1)
		}
		return nil, &tree.SyntaxError{Pos: pos, Msg: err.Error()}
	}
	df := &DockerfileAST{Root: res.AST, Lines: dfSplitLines(data)}
	var cur *DockerStage
	for _, n := range res.AST.Children {
		in := newDockerInstruction(n)
		switch {
		case in.Cmd == "from":
			cur = &DockerStage{Index: len(df.Stages), From: in, Platform: dfFlagValue(in.Flags, "platform")}
			if len(in.Args) > 0 {
				cur.Image = in.Args[0]
			}
			if len(in.Args) > 2 && strings.EqualFold(in.Args[1], "as") {
				cur.Name = strings.ToLower(in.Args[2])
			}
			df.Stages = append(df.Stages, cur)
		case cur == nil:
			if in.Cmd == "arg" {
				df.Args = append(df.Args, in)
			}
		default:
			cur.Instructions = append(cur.Instructions, in)
		}
	}
	return df, nil
}

func newDockerInstruction(n *parser.Node) *DockerInstruction {
	in := &DockerInstruction{
		Cmd:       strings.ToLower(n.Value),
		Flags:     n.Flags,
		JSON:      n.Attributes["json"],
		Original:  n.Original,
		StartLine: n.StartLine,
		EndLine:   n.EndLine,
		Heredocs:  n.Heredocs,
		Node:      n,
	}
	for a := n.Next; a != nil; a = a.Next {
		in.Args = append(in.Args, a.Value)
	}
	return in
}

// dfSplitLines splits data into lines the way the BuildKit parser counts
// them, without line endings.
func dfSplitLines(data []byte) []string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	s := string(data)
	lines := strings.Split(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// dfFlagValue returns the value of --name=value among flags.
func dfFlagValue(flags []string, name string) string {
	for _, f := range flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// Final returns the last stage, the one that becomes the image, or nil for
// a Dockerfile without FROM.
func (df *DockerfileAST) Final() *DockerStage {
	if df == nil || len(df.Stages) == 0 {
		return nil
	}
	return df.Stages[len(df.Stages)-1]
}

// Stage returns the stage an image reference names: an earlier stage's
// alias or, as BuildKit allows, its index. It returns nil when ref names an
// image.
func (df *DockerfileAST) Stage(ref string, before int) *DockerStage {
	ref = strings.ToLower(ref)
	for _, s := range df.Stages[:min(before, len(df.Stages))] {
		if s.Name != "" && s.Name == ref {
			return s
		}
	}
	return nil
}

// Base returns the earlier stage s is built FROM, or nil when s starts
// from an image.
func (df *DockerfileAST) Base(s *DockerStage) *DockerStage {
	return df.Stage(s.Image, s.Index)
}

// Lineage returns s and the stages it is built upon, s first: the stages
// whose files end up in the image of s.
func (df *DockerfileAST) Lineage(s *DockerStage) []*DockerStage {
	var out []*DockerStage
	for s != nil && len(out) <= len(df.Stages) {
		out = append(out, s)
		s = df.Base(s)
	}
	return out
}

// ResolveImage substitutes the defaults of global ARGs into the image of
// s. ok is false when a variable has no default, so the image is only
// known at build time.
func (df *DockerfileAST) ResolveImage(s *DockerStage) (image string, ok bool) {
	image = s.Image
	if !strings.Contains(image, "$") {
		return image, true
	}
	vars := map[string]string{}
	for _, a := range df.Args {
		for _, w := range a.Args {
			k, v, has := strings.Cut(w, "=")
			if has {
				vars[k] = dfUnquote(v)
			} else if _, seen := vars[k]; !seen {
				vars[k] = ""
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(image); i++ {
		if image[i] != '$' {
			b.WriteByte(image[i])
			continue
		}
		name, def, end := dfShellVar(image[i+1:])
		if name == "" {
			return image, false
		}
		v := vars[name]
		if v == "" {
			v = def
		}
		if v == "" {
			return image, false
		}
		b.WriteString(v)
		i += end
	}
	return b.String(), true
}

// dfShellVar reads a variable reference after '$': NAME or {NAME} or
// {NAME:-default}. It returns the name, the default and the bytes read.
func dfShellVar(s string) (name, def string, n int) {
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return "", "", 0
		}
		inner := s[1:end]
		if i := strings.IndexAny(inner, ":-+?"); i >= 0 {
			name = inner[:i]
			rest := strings.TrimPrefix(inner[i:], ":")
			if v, ok := strings.CutPrefix(rest, "-"); ok {
				def = v
			}
		} else {
			name = inner
		}
		return name, def, end + 1
	}
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return s[:i], "", i
}

func dfUnquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// Script returns the text a RUN instruction executes: the shell command,
// the exec-form array joined by spaces, followed by any heredoc bodies.
func (in *DockerInstruction) Script() string {
	s := strings.Join(in.Args, " ")
	if len(in.Heredocs) == 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s)
	for _, h := range in.Heredocs {
		b.WriteByte('\n')
		b.WriteString(h.Content)
	}
	return b.String()
}

// Pos returns where token first occurs in the instruction's source lines,
// after the instruction keyword; see [DockerfileAST.PosN].
func (df *DockerfileAST) Pos(in *DockerInstruction, token string) tree.Position {
	return df.PosN(in, token, 0)
}

// PosN returns the position of the n-th (0-based) whole-word occurrence of
// token in the source lines of in, skipping the keyword and comment lines
// between continuations. When the token cannot be found it returns the
// start of the instruction, so a finding always has a position.
func (df *DockerfileAST) PosN(in *DockerInstruction, token string, n int) tree.Position {
	start := tree.Position{Line: max(in.StartLine, 1), Column: 1}
	if df == nil {
		return start
	}
	if l := in.StartLine - 1; l >= 0 && l < len(df.Lines) {
		start.Column = 1 + utf8.RuneCountInString(df.Lines[l][:len(df.Lines[l])-len(strings.TrimLeft(df.Lines[l], " \t"))])
	}
	if token == "" {
		return start
	}
	heredoc := len(in.Heredocs) > 0
	for ln := in.StartLine; ln <= in.EndLine && ln >= 1 && ln <= len(df.Lines); ln++ {
		line := df.Lines[ln-1]
		from := 0
		if ln == in.StartLine {
			from = dfSkipFlags(line, len(line)-len(strings.TrimLeft(line, " \t"))+len(in.Node.Value))
		} else if !heredoc && strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for from < len(line) {
			i := strings.Index(line[from:], token)
			if i < 0 {
				break
			}
			i += from
			if dfWordAt(line, i, len(token)) {
				if n == 0 {
					return tree.Position{Line: ln, Column: 1 + utf8.RuneCountInString(line[:i])}
				}
				n--
			}
			from = i + len(token)
		}
	}
	return start
}

// dfSkipFlags returns the offset in line after the --flag=value options
// that follow offset i.
func dfSkipFlags(line string, i int) int {
	for i < len(line) {
		j := i
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if !strings.HasPrefix(line[j:], "--") {
			return i
		}
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		i = j
	}
	return min(i, len(line))
}

// dfWordAt reports whether s[i:i+n] stands alone: not preceded or followed
// by a letter, digit, '_' or '-'.
func dfWordAt(s string, i, n int) bool {
	isWord := func(c byte) bool {
		return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	if i > 0 && isWord(s[i-1]) && isWord(s[i]) {
		return false
	}
	if e := i + n; e < len(s) && isWord(s[e]) && isWord(s[e-1]) {
		return false
	}
	return true
}

// dfWordIndex counts the whole-word occurrences of token in s before byte
// offset at, to find the same occurrence again with PosN.
func dfWordIndex(s, token string, at int) int {
	n := 0
	for from := 0; from < at; {
		i := strings.Index(s[from:], token)
		if i < 0 || from+i >= at {
			break
		}
		if dfWordAt(s, from+i, len(token)) {
			n++
		}
		from += i + len(token)
	}
	return n
}
