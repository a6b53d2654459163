package check

import (
	"path"
	"slices"
	"strings"
)

// shellCmd is one simple command of a RUN script, as far as a linter
// needs to know it: no expansion, quotes kept in words.
type shellCmd struct {
	// text is the command as written; off is where it starts in the
	// script.
	text string
	off  int
	// words are the words of the command after leading variable
	// assignments and wrappers (sudo, env, exec, ...).
	words []string
	// argv0 is the base name of the program, quotes removed; argOff is
	// where its word starts in the script.
	argv0  string
	argOff int
	// sudo is true when the command runs under sudo; sudoOff is where the
	// sudo word starts in the script.
	sudo    bool
	sudoOff int
	// piped is true when the previous command's output is piped into
	// this one.
	piped bool
}

// splitShell splits a shell script into simple commands at newlines, ';',
// '&', '&&', '||', '|' and subshell parentheses outside quotes. Command
// substitutions $(...) and process substitutions <(...) stay inside the
// command that contains them.
func splitShell(s string) []shellCmd {
	var out []shellCmd
	start, depth := 0, 0
	var quote byte
	piped := false
	flush := func(end int, nextPiped bool) {
		if c, ok := newShellCmd(s, start, end, piped); ok {
			out = append(out, c)
		}
		piped = nextPiped
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == '\\' && quote == '"' {
				i++
			} else if ch == quote {
				quote = 0
			}
			continue
		case ch == '\\':
			i++
			continue
		case ch == '\'' || ch == '"':
			quote = ch
			continue
		case ch == '(' && i > 0 && (s[i-1] == '$' || s[i-1] == '<'):
			depth++
			continue
		case ch == ')' && depth > 0:
			depth--
			continue
		case depth > 0:
			continue
		case ch == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == '\n'):
			// A comment runs to the end of the line.
			flush(i, false)
			for i < len(s) && s[i] != '\n' {
				i++
			}
			start = i + 1
			continue
		}
		switch ch {
		case '\n', ';', '(', ')':
			flush(i, false)
			start = i + 1
		case '&':
			if i > 0 && (s[i-1] == '>' || s[i-1] == '<') || i+1 < len(s) && s[i+1] == '>' {
				continue // a redirection: >&2, &>file
			}
			flush(i, false)
			if i+1 < len(s) && s[i+1] == '&' {
				i++
			}
			start = i + 1
		case '|':
			if i+1 < len(s) && s[i+1] == '|' {
				flush(i, false)
				i++
			} else {
				flush(i, true)
			}
			start = i + 1
		}
	}
	flush(len(s), false)
	return out
}

func newShellCmd(s string, start, end int, piped bool) (shellCmd, bool) {
	if start >= end || start >= len(s) {
		return shellCmd{}, false
	}
	c := shellCmd{text: s[start:end], off: start, piped: piped}
	offs := shFieldOffsets(c.text)
	i := 0
	for i < len(offs) {
		w := c.text[offs[i]:]
		w = w[:shFieldEnd(w)]
		switch {
		case shIsAssignment(w):
			i++
			continue
		case w == "sudo":
			c.sudo, c.sudoOff = true, start+offs[i]
			i++
			for i < len(offs) && strings.HasPrefix(c.text[offs[i]:], "-") {
				opt := c.text[offs[i]:]
				opt = opt[:shFieldEnd(opt)]
				i++
				if (opt == "-u" || opt == "-g") && i < len(offs) {
					i++
				}
			}
			continue
		case w == "env" || w == "exec" || w == "time" || w == "nohup" || w == "command":
			i++
			continue
		}
		break
	}
	for _, o := range offs[i:] {
		w := c.text[o:]
		c.words = append(c.words, w[:shFieldEnd(w)])
	}
	if len(c.words) == 0 {
		return c, c.sudo
	}
	c.argOff = start + offs[i]
	c.argv0 = path.Base(strings.Trim(c.words[0], `"'`))
	return c, true
}

// shFieldOffsets returns where each whitespace-separated field of s starts.
func shFieldOffsets(s string) []int {
	var offs []int
	in := false
	for i := 0; i < len(s); i++ {
		sp := s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'
		if !sp && !in {
			offs = append(offs, i)
		}
		in = !sp
	}
	return offs
}

func shFieldEnd(s string) int {
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		return i
	}
	return len(s)
}

// shIsAssignment reports whether w is a NAME=value prefix of a command.
func shIsAssignment(w string) bool {
	eq := strings.IndexByte(w, '=')
	if eq <= 0 {
		return false
	}
	for i := range eq {
		c := w[i]
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// hasWord reports whether any word of c equals one of ws, quotes removed.
func (c *shellCmd) hasWord(ws ...string) bool {
	for _, w := range c.words {
		if slices.Contains(ws, strings.Trim(w, `"'`)) {
			return true
		}
	}
	return false
}

// shShells are the programs that run a script read from standard input.
var shShells = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ash": true, "ksh": true, "fish": true}
