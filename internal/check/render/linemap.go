package render

import (
	"regexp"
	"strconv"
	"strings"
)

// lineKind says what a template line contributes to the output.
type lineKind uint8

const (
	// kindBlank is an empty line, or one inside a define block or a
	// multi-line action: it is never matched.
	kindBlank lineKind = iota
	// kindControl holds only control actions (if, range, end, comments,
	// assignments) and whitespace: it outputs nothing of its own.
	kindControl
	// kindLiteral starts with literal text that output lines can match.
	kindLiteral
	// kindGen starts with an action that outputs text (include, toYaml, a
	// value): the output cannot be matched literally.
	kindGen
)

// tmplLine is what the line mapper knows about one template line.
type tmplLine struct {
	kind lineKind
	// prefix is the literal text the line starts with, through its
	// indentation; suffix the literal text it ends with when it ends with
	// one. A line without actions has its whole text in prefix.
	prefix, suffix string
	hasAction      bool
	// loose means the indentation of prefix may be trimmed by the action
	// before it ("-}}" on the previous line).
	loose bool
	// multi means an action on the line may output several lines.
	multi bool
	// minIndent is the least indentation of the lines a generator outputs.
	minIndent int
}

// span is a range block: lines start..end (0-based), the range and end
// actions included.
type span struct{ start, end int }

// tmplMap is the analysis of one template file.
type tmplMap struct {
	lines  []tmplLine
	ranges []span
}

// indentArg finds the width given to nindent or indent in an action.
var indentArg = regexp.MustCompile(`\bn?indent\s+(\d+)`)

// multiLineFuncs are the template functions whose output commonly spans
// lines.
var multiLineFuncs = []string{"include", "template", "toYaml", "toJson", "toPrettyJson", "toToml", "tpl", "indent", ".Files", "block"}

// analyzeTemplate splits a Helm template into lines and classifies each.
func analyzeTemplate(src string) *tmplMap {
	n := strings.Count(src, "\n") + 1
	m := &tmplMap{lines: make([]tmplLine, n)}
	type item struct {
		lit    string
		action string // the action text with delimiters; "" for a literal
		cont   bool   // the item continues an action from an earlier line
	}
	items := make([][]item, n)
	line := 0
	var stack []int // open blocks: the line of a range, or -1 for others
	defineDepth := 0
	inDefine := make([]bool, n)
	rtrimPrev := false // the previous action ended with "-}}"
	loose := make([]bool, n)
	for i := 0; i < len(src); {
		k := strings.Index(src[i:], "{{")
		lit := src[i:]
		if k >= 0 {
			lit = src[i : i+k]
		}
		for j, piece := range strings.Split(lit, "\n") {
			if j > 0 {
				line++
			}
			if piece != "" {
				if rtrimPrev && len(items[line]) == 0 {
					loose[line] = true
				}
				items[line] = append(items[line], item{lit: piece})
			}
			if defineDepth > 0 {
				inDefine[line] = true
			}
		}
		if k < 0 {
			break
		}
		start := i + k
		end := actionEnd(src, start)
		act := src[start:end]
		body := actionBody(act)
		first := line
		items[line] = append(items[line], item{action: act})
		if defineDepth > 0 {
			inDefine[line] = true
		}
		for nl := strings.Count(act, "\n"); nl > 0; nl-- {
			line++
			items[line] = append(items[line], item{cont: true})
			if defineDepth > 0 {
				inDefine[line] = true
			}
		}
		switch word := firstWord(body); word {
		case "range":
			stack = append(stack, first)
		case "if", "with", "block":
			stack = append(stack, -1)
		case "define":
			stack = append(stack, -2)
			defineDepth++
			inDefine[first] = true
		case "end":
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				switch {
				case top >= 0:
					m.ranges = append(m.ranges, span{top, line})
				case top == -2:
					defineDepth--
					inDefine[line] = true
				}
			}
		}
		rtrimPrev = strings.HasSuffix(act, "-}}")
		i = end
	}

	for ln := range m.lines {
		tl := &m.lines[ln]
		its := items[ln]
		if inDefine[ln] || len(its) == 0 {
			continue
		}
		tl.loose = loose[ln]
		indent := 0
		output := false // an action that outputs text
		for _, it := range its {
			if it.action == "" {
				continue
			}
			tl.hasAction = true
			body := actionBody(it.action)
			if !outputs(body) {
				continue
			}
			output = true
			for _, f := range multiLineFuncs {
				if strings.Contains(body, f) {
					tl.multi = true
				}
			}
			if sm := indentArg.FindStringSubmatch(body); sm != nil {
				if v, err := strconv.Atoi(sm[1]); err == nil {
					indent = v
				}
			}
		}
		first := its[0]
		switch {
		case first.cont:
			// The line continues an action begun above: whatever it
			// outputs belongs to that line.
			tl.kind = kindBlank
			continue
		case first.action == "" && strings.TrimSpace(first.lit) != "":
			tl.kind = kindLiteral
			tl.prefix = first.lit
			if len(its) > 1 && strings.HasPrefix(its[1].action, "{{-") {
				tl.prefix = strings.TrimRight(tl.prefix, " \t")
			}
			if last := its[len(its)-1]; len(its) > 1 && last.action == "" {
				tl.suffix = strings.TrimRight(last.lit, " \t\r")
				if strings.HasSuffix(its[len(its)-2].action, "-}}") {
					tl.suffix = strings.TrimLeft(tl.suffix, " \t")
				}
			}
			if !tl.hasAction {
				tl.prefix = strings.TrimRight(tl.prefix, " \t\r")
			}
			tl.minIndent = indentOf(first.lit) + 1
		case output:
			tl.kind = kindGen
			tl.multi = true
			tl.minIndent = 0
			if first.action == "" {
				tl.minIndent = indentOf(first.lit)
			}
		case tl.hasAction:
			tl.kind = kindControl
			continue
		default:
			continue // whitespace only
		}
		if indent > 0 {
			tl.minIndent = indent
		}
	}
	return m
}

// actionEnd returns the offset just past the action that starts at start.
func actionEnd(src string, start int) int {
	b := start + 2
	rest := strings.TrimLeft(strings.TrimPrefix(src[b:], "-"), " \t\r\n")
	if strings.HasPrefix(rest, "/*") {
		c := strings.Index(src[b:], "*/")
		if c >= 0 {
			b += c + 2
		}
	}
	e := strings.Index(src[b:], "}}")
	if e < 0 {
		return len(src)
	}
	return b + e + 2
}

// actionBody strips the delimiters and trim markers from an action.
func actionBody(act string) string {
	s := strings.TrimPrefix(act, "{{")
	s = strings.TrimSuffix(s, "}}")
	s = strings.TrimPrefix(s, "-")
	s = strings.TrimSuffix(s, "-")
	return strings.TrimSpace(s)
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t\r\n("); i >= 0 {
		return s[:i]
	}
	return s
}

// outputs reports whether an action writes text: control structures,
// comments and variable assignments do not.
func outputs(body string) bool {
	if strings.HasPrefix(body, "/*") || body == "" {
		return false
	}
	switch firstWord(body) {
	case "if", "else", "end", "range", "with", "define", "break", "continue":
		return false
	}
	if strings.HasPrefix(body, "$") {
		if i := strings.IndexAny(body, "=|"); i >= 0 && body[i] == '=' {
			return false // $x := ... or $x = ...
		}
	}
	return true
}

func indentOf(s string) int {
	n := 0
	for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
		n++
	}
	return n
}

// matches reports whether output line r may have come from template line
// tl.
func (tl *tmplLine) matches(r string) bool {
	if tl.kind != kindLiteral {
		return false
	}
	if !tl.hasAction {
		if tl.loose {
			return strings.TrimSpace(r) == strings.TrimSpace(tl.prefix)
		}
		return strings.TrimRight(r, " \t\r") == tl.prefix
	}
	p := tl.prefix
	if tl.loose {
		p = strings.TrimLeft(p, " \t")
		r = strings.TrimLeft(r, " \t")
	}
	if !strings.HasPrefix(r, p) {
		return false
	}
	if tl.suffix != "" && !tl.multi {
		rest := strings.TrimRight(r[len(p):], " \t\r")
		return strings.HasSuffix(rest, tl.suffix)
	}
	return true
}

// searchBudget bounds the template lines compared while mapping one file,
// so that a huge output of a template that matches badly stays linear.
const searchBudget = 20_000_000

// mapTemplateLines maps each line of out, the rendering of template src,
// to the 1-based template line that produced it, 0 where unknown.
//
// It walks the output and the template together. An output line goes to
// the next template line whose literal text it matches (the text before
// and after the actions, with its indentation); lines a generator outputs
// (include, toYaml, tpl, a value holding YAML) go to the generator as long
// as they are indented at least as deep as its nindent; lines of a range
// repeat its body; lines of branches not taken are skipped.
func mapTemplateLines(src, out string) []int {
	m := analyzeTemplate(src)
	outLines := strings.Split(out, "\n")
	if n := len(outLines); n > 0 && outLines[n-1] == "" {
		outLines = outLines[:n-1]
	}
	res := make([]int, len(outLines))
	tl := m.lines
	budget := searchBudget
	search := func(lo, hi int, r string) int {
		for k := max(lo, 0); k < min(hi, len(tl)); k++ {
			budget--
			if tl[k].matches(r) {
				return k
			}
		}
		return -1
	}
	j, gen, last := 0, -1, -1
	for i, r := range outLines {
		if strings.TrimSpace(r) == "" {
			continue
		}
		take := func(k int) {
			res[i] = k + 1
			j, last, gen = k+1, k, -1
			if tl[k].multi {
				gen = k
			}
		}
		ind := indentOf(r)
		// The next literal line, and any generator before it.
		next, firstGen := -1, -1
		for k := j; k < len(tl); k++ {
			if tl[k].kind == kindGen && firstGen < 0 {
				firstGen = k
			}
			if tl[k].kind == kindLiteral {
				next = k
				break
			}
		}
		if next >= 0 && tl[next].matches(r) {
			take(next)
			continue
		}
		if gen >= 0 && ind >= tl[gen].minIndent {
			res[i] = gen + 1
			continue
		}
		if firstGen >= 0 && ind >= tl[firstGen].minIndent {
			res[i] = firstGen + 1
			j, gen = firstGen+1, firstGen
			continue
		}
		if budget <= 0 {
			continue
		}
		// A branch not taken, the next pass of a range, or the text after
		// a range.
		hi := len(tl)
		var rg *span
		for x := range m.ranges {
			s := &m.ranges[x]
			if last > s.start && last < s.end && (rg == nil || s.start > rg.start) {
				rg = s
			}
		}
		if rg != nil {
			hi = rg.end
		}
		k := search(j, hi, r)
		if k < 0 && rg != nil {
			k = search(rg.start+1, min(j, rg.end), r)
			if k < 0 {
				k = search(rg.end+1, len(tl), r)
			}
		}
		if k < 0 {
			for b := min(j, len(tl)) - 1; b >= 0; b-- {
				budget--
				if tl[b].matches(r) {
					k = b
					break
				}
			}
		}
		if k >= 0 {
			take(k)
		}
	}
	return res
}
