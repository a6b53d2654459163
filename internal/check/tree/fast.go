package tree

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// This file is a fast path for the YAML that manifests are written in:
// block mappings and sequences, single-line plain and quoted scalars, flow
// collections and comments. It builds the same yaml.Node trees as yaml.v3
// (kind, style, tag, value, line and column; comments are not attached to
// nodes, only those before a document's first key are kept, as its Header)
// about four times faster with a tenth of the allocations (BenchmarkEach),
// because it reads the text once with no token or event queue between the
// bytes and the nodes.
//
// Anything outside that subset (anchors, aliases, tags, block scalars,
// multi-line plain or quoted scalars, explicit keys, directives, tabs,
// control characters, odd line breaks) makes it give up on the document,
// and [Each] hands the rest of the stream to yaml.v3. It gives up rather
// than guess: every tree it returns must be the one yaml.v3 returns, and
// every input it accepts must be one yaml.v3 accepts. TestFastMatchesYAML
// and FuzzFastMatchesYAML hold it to that.

// maxFastDepth bounds nesting on the fast path; deeper documents go to
// yaml.v3, which has its own limit.
const maxFastDepth = 200

// maxSimpleKey keeps the fast path clear of yaml.v3's limit of 1024
// characters on an implicit key; longer keys go to yaml.v3.
const maxSimpleKey = 1000

// bail is panicked to abandon the fast path; [fastEach] recovers it.
type bail struct{}

type fastParser struct {
	src       string
	pos       int
	line      int // 1-based line of pos
	lineStart int // offset of the first byte of pos's line
	depth     int
	slab      []yaml.Node  // nodes are carved from here
	ptrs      []*yaml.Node // and their Content slices from here
	stack     []*yaml.Node // children of the collections being parsed
}

// fastEach parses the documents of data and hands each to fn, as [Each]
// does. It returns the number of documents handed over and whether it
// reached the end of the stream; when it did not, the caller parses the
// rest with yaml.v3, skipping the first n documents.
func fastEach(data []byte, fn func(Doc)) (n int, ok bool) {
	// CRLF line breaks read as LF ones: no line or column moves, and no
	// value on the fast path can hold a line break.
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	if !fastEligible(data) {
		return 0, false
	}
	p := &fastParser{src: string(data), line: 1}
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bail); !isBail {
				panic(r)
			}
			ok = false
		}
	}()
	for {
		d, more := p.document(n)
		if !more {
			return n, true
		}
		fn(d)
		n++
	}
}

// fastEligible reports whether data is free of what the fast path never
// handles: tabs, carriage returns outside CRLF pairs, control characters, a byte order mark,
// invalid UTF-8, non-printable characters and Unicode line breaks.
func fastEligible(data []byte) bool {
	ascii := true
	for _, c := range data {
		if c < 0x20 && c != '\n' || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		return true
	}
	if !utf8.Valid(data) {
		return false
	}
	for _, r := range string(data) {
		switch {
		case r < 0x80:
		case r == 0x85, r == 0x2028, r == 0x2029, r == 0xfeff:
			return false
		case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000:
		default:
			return false
		}
	}
	return true
}

func (p *fastParser) fail() { panic(bail{}) }

func (p *fastParser) eof() bool { return p.pos >= len(p.src) }

func (p *fastParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

// col is the 0-based byte column of pos; indentation is ASCII spaces, so
// it is also the character column wherever it is compared.
func (p *fastParser) col() int { return p.pos - p.lineStart }

// mark returns the 1-based line and character column of pos.
func (p *fastParser) mark() (line, column int) {
	return p.line, utf8.RuneCountInString(p.src[p.lineStart:p.pos]) + 1
}

func (p *fastParser) newline() {
	p.pos++
	p.line++
	p.lineStart = p.pos
}

// blankAt reports whether the byte at offset i of the source is a space,
// a line break or the end of the input.
func (p *fastParser) blankAt(i int) bool {
	return i >= len(p.src) || p.src[i] == ' ' || p.src[i] == '\n'
}

// docMarker reports whether pos is at "---" or "..." in column 0.
func (p *fastParser) docMarker() bool {
	if p.col() != 0 || p.pos+3 > len(p.src) {
		return false
	}
	s := p.src[p.pos : p.pos+3]
	return (s == "---" || s == "...") && p.blankAt(p.pos+3)
}

// restOfLine skips spaces and a comment to the end of the line; anything
// else there is not for the fast path.
func (p *fastParser) restOfLine() {
	start := p.pos
	for p.peek() == ' ' {
		p.pos++
	}
	if p.eof() || p.peek() == '\n' {
		return
	}
	if p.peek() == '#' && p.pos > start {
		p.skipComment()
		return
	}
	p.fail()
}

func (p *fastParser) skipComment() {
	if i := strings.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
		p.pos += i
	} else {
		p.pos = len(p.src)
	}
}

// skipBlank moves to the first character of the next content line (or the
// end of input) from the end of a line or a line start. When header is not
// nil, comment lines are appended to it.
func (p *fastParser) skipBlank(header *[]string) {
	for !p.eof() {
		c := p.peek()
		switch {
		case c == '\n':
			p.newline()
		case c == ' ':
			p.pos++
		case c == '#' && (p.pos == p.lineStart || p.src[p.pos-1] == ' '):
			start := p.pos
			p.skipComment()
			if header != nil {
				*header = append(*header, p.src[start:p.pos])
			}
		default:
			return
		}
	}
}

func (p *fastParser) alloc(kind yaml.Kind, style yaml.Style, tag, value string, line, column int) *yaml.Node {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]yaml.Node, 0, 64)
	}
	p.slab = append(p.slab, yaml.Node{Kind: kind, Style: style, Tag: tag, Value: value, Line: line, Column: column})
	return &p.slab[len(p.slab)-1]
}

// finish gives n the children pushed on the stack since base, in one
// right-sized slice.
func (p *fastParser) finish(n *yaml.Node, base int) *yaml.Node {
	kids := p.stack[base:]
	if len(kids) > 0 {
		if len(p.ptrs)+len(kids) > cap(p.ptrs) {
			p.ptrs = make([]*yaml.Node, 0, max(256, len(kids)))
		}
		start := len(p.ptrs)
		p.ptrs = append(p.ptrs, kids...)
		n.Content = p.ptrs[start:len(p.ptrs):len(p.ptrs)]
		clear(kids)
	}
	p.stack = p.stack[:base]
	return n
}

// document parses the next document; more is false at the end of the
// stream.
func (p *fastParser) document(index int) (d Doc, more bool) {
	var header []string
	p.skipBlank(&header)
	explicit := false
	var line, column int
	if p.docMarker() {
		if p.src[p.pos] == '.' {
			p.fail()
		}
		explicit = true
		line, column = p.mark()
		p.pos += 3
		p.restOfLine()
		p.skipBlank(&header)
	} else if p.eof() {
		return Doc{}, false
	}
	if !explicit {
		line, column = p.mark()
	}
	doc := p.alloc(yaml.DocumentNode, 0, "", "", line, column)
	var root *yaml.Node
	if p.eof() || p.docMarker() {
		// An empty document holds a null scalar where the next token is.
		// At the end of the input, yaml.v3 puts it on a new line when
		// the last one has no line break.
		l, c := p.mark()
		if p.eof() && p.col() != 0 {
			l, c = l+1, 1
		}
		root = p.alloc(yaml.ScalarNode, 0, "!!null", "", l, c)
	} else {
		if p.peek() == '%' {
			p.fail()
		}
		root = p.node()
		if !p.eof() && !p.docMarker() {
			p.fail()
		}
		if !p.eof() && p.src[p.pos] == '.' {
			p.fail()
		}
	}
	doc.Content = []*yaml.Node{root}
	d = Doc{Index: index, Start: Position{Line: line, Column: column}, Root: Wrap(root)}
	d.Header = strings.Join(header, "\n")
	return d, true
}

// node parses a block node that starts at pos and returns at the first
// character of the next content line (or the end of the input).
func (p *fastParser) node() *yaml.Node {
	p.depth++
	if p.depth > maxFastDepth {
		p.fail()
	}
	defer func() { p.depth-- }()
	c := p.peek()
	switch c {
	case '-':
		if p.blankAt(p.pos + 1) {
			return p.sequence()
		}
	case '[', '{':
		n := p.flow()
		p.restOfLine()
		p.skipBlank(nil)
		return n
	case '"', '\'':
		start, line := p.pos, p.line
		k := p.quoted()
		if p.peek() == ':' && p.blankAt(p.pos+1) {
			p.pos, p.line = start, line
			return p.mapping()
		}
		p.restOfLine()
		p.skipBlank(nil)
		return k
	}
	if !plainStart(p.src, p.pos, false) {
		p.fail()
	}
	if _, key := p.scanPlain(false); key {
		return p.mapping()
	}
	n := p.plain(false)
	p.restOfLine()
	p.skipBlank(nil)
	return n
}

// plainStart reports whether a plain scalar may start at src[i].
func plainStart(src string, i int, flow bool) bool {
	switch src[i] {
	case '-', '?', ':':
		// In a flow collection only '-' may start one.
		if i+1 >= len(src) || flow && src[i] != '-' {
			return false
		}
		next := src[i+1]
		if next == ' ' || next == '\n' {
			return false
		}
		if flow && strings.IndexByte(",[]{}", next) >= 0 {
			return false
		}
		return true
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\n':
		return false
	}
	return true
}

// scanPlain finds the end of the plain scalar at pos without consuming it:
// end is the offset after its last non-space character and key reports
// whether it is followed by ": " (or ":" and the end of the line), making
// it an implicit key. In a flow collection it also ends at ",?[]{}".
func (p *fastParser) scanPlain(flow bool) (end int, key bool) {
	i := p.pos
	end = i
	for i < len(p.src) {
		c := p.src[i]
		switch {
		case c == '\n':
			return end, false
		case c == ' ':
			if i+1 < len(p.src) && p.src[i+1] == '#' {
				return end, false
			}
		case c == ':':
			if p.blankAt(i + 1) {
				return end, true
			}
			end = i + 1
		case flow && strings.IndexByte(",?[]{}", c) >= 0:
			return end, false
		default:
			end = i + 1
		}
		i++
	}
	return end, false
}

// plain consumes a single-line plain scalar.
func (p *fastParser) plain(flow bool) *yaml.Node {
	end, _ := p.scanPlain(flow)
	line, column := p.mark()
	v := intern(p.src[p.pos:end])
	p.pos = end
	tag := plainTag(v)
	if v == "<<" {
		tag = "!!merge"
	}
	return p.alloc(yaml.ScalarNode, 0, tag, v, line, column)
}

// quoted consumes a single-line single- or double-quoted scalar.
func (p *fastParser) quoted() *yaml.Node {
	line, column := p.mark()
	q := p.src[p.pos]
	i := p.pos + 1
	var b []byte // nil until an escape is seen
	start := i
	for {
		if i >= len(p.src) || p.src[i] == '\n' {
			p.fail()
		}
		c := p.src[i]
		if q == '\'' && c == '\'' {
			if i+1 < len(p.src) && p.src[i+1] == '\'' {
				b = append(append(b, p.src[start:i]...), '\'')
				i += 2
				start = i
				continue
			}
			break
		}
		if q == '"' && c == '"' {
			break
		}
		if q == '"' && c == '\\' {
			b = append(b, p.src[start:i]...)
			var n int
			b, n = unescape(b, p.src[i:])
			if n == 0 {
				p.fail()
			}
			i += n
			start = i
			continue
		}
		i++
	}
	var v string
	if b == nil {
		v = intern(p.src[start:i])
	} else {
		v = string(append(b, p.src[start:i]...))
	}
	p.pos = i + 1
	style := yaml.DoubleQuotedStyle
	if q == '\'' {
		style = yaml.SingleQuotedStyle
	}
	return p.alloc(yaml.ScalarNode, style, "!!str", v, line, column)
}

// unescape appends the character that the escape sequence at the start of
// s stands for and returns how many bytes it took; 0 means it is one the
// fast path leaves to yaml.v3.
func unescape(b []byte, s string) ([]byte, int) {
	if len(s) < 2 {
		return b, 0
	}
	switch s[1] {
	case '\\', '"':
		return append(b, s[1]), 2
	case 'n':
		return append(b, '\n'), 2
	case 't':
		return append(b, '\t'), 2
	case 'r':
		return append(b, '\r'), 2
	case 'b':
		return append(b, '\b'), 2
	case 'f':
		return append(b, '\f'), 2
	case 'u':
		if len(s) < 6 {
			return b, 0
		}
		v, err := strconv.ParseUint(s[2:6], 16, 32)
		if err != nil || v >= 0xd800 && v <= 0xdfff {
			return b, 0
		}
		return utf8.AppendRune(b, rune(v)), 6
	}
	return b, 0
}

// key consumes an implicit mapping key and the ':' after it.
func (p *fastParser) key() *yaml.Node {
	start := p.pos
	var k *yaml.Node
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		k = p.quoted()
	case plainStart(p.src, p.pos, false):
		if _, isKey := p.scanPlain(false); !isKey {
			p.fail()
		}
		k = p.plain(false)
		for p.peek() == ' ' {
			p.pos++
		}
	default:
		p.fail()
	}
	if p.pos-start > maxSimpleKey || p.peek() != ':' || !p.blankAt(p.pos+1) {
		p.fail()
	}
	p.pos++
	return k
}

// mapping parses a block mapping whose first key is at pos.
func (p *fastParser) mapping() *yaml.Node {
	line, column := p.mark()
	indent := p.col()
	m := p.alloc(yaml.MappingNode, 0, "!!map", "", line, column)
	base := len(p.stack)
	for {
		k := p.key()
		nl, nc := p.mark() // where an empty value is: right after the ':'
		var v *yaml.Node
		for p.peek() == ' ' {
			p.pos++
		}
		if p.eof() || p.peek() == '\n' || p.peek() == '#' {
			// The value is on the lines below, or empty.
			p.restOfLine()
			p.skipBlank(nil)
			switch {
			case p.eof() || p.docMarker():
				v = p.alloc(yaml.ScalarNode, 0, "!!null", "", nl, nc)
			case p.col() > indent:
				v = p.node()
			case p.col() == indent && p.peek() == '-' && p.blankAt(p.pos+1):
				p.depth++
				v = p.sequence()
				p.depth--
			default:
				v = p.alloc(yaml.ScalarNode, 0, "!!null", "", nl, nc)
			}
		} else {
			v = p.inline()
		}
		p.stack = append(p.stack, k, v)
		switch {
		case p.eof() || p.docMarker(), p.col() < indent:
			return p.finish(m, base)
		case p.col() > indent:
			p.fail()
		}
		if p.peek() == '-' && p.blankAt(p.pos+1) {
			p.fail()
		}
	}
}

// inline parses a mapping value written on the key's line: a scalar or a
// flow collection, which must end the line.
func (p *fastParser) inline() *yaml.Node {
	var v *yaml.Node
	switch p.peek() {
	case '[', '{':
		v = p.flow()
	case '"', '\'':
		v = p.quoted()
	default:
		if !plainStart(p.src, p.pos, false) {
			p.fail()
		}
		if _, key := p.scanPlain(false); key {
			p.fail()
		}
		v = p.plain(false)
	}
	p.restOfLine()
	p.skipBlank(nil)
	return v
}

// sequence parses a block sequence whose first '-' is at pos.
func (p *fastParser) sequence() *yaml.Node {
	line, column := p.mark()
	indent := p.col()
	s := p.alloc(yaml.SequenceNode, 0, "!!seq", "", line, column)
	base := len(p.stack)
	for {
		p.pos++ // the '-'
		nl, nc := p.mark()
		for p.peek() == ' ' {
			p.pos++
		}
		var item *yaml.Node
		if p.eof() || p.peek() == '\n' || p.peek() == '#' && p.src[p.pos-1] == ' ' {
			p.restOfLine()
			p.skipBlank(nil)
			if !p.eof() && !p.docMarker() && p.col() > indent {
				item = p.node()
			} else {
				item = p.alloc(yaml.ScalarNode, 0, "!!null", "", nl, nc)
			}
		} else {
			item = p.node()
		}
		p.stack = append(p.stack, item)
		switch {
		case p.eof() || p.docMarker(), p.col() < indent:
			return p.finish(s, base)
		case p.col() > indent:
			p.fail()
		}
		if p.peek() != '-' || !p.blankAt(p.pos+1) {
			return p.finish(s, base)
		}
	}
}

// flowSpace skips spaces, line breaks and comments inside a flow
// collection.
func (p *fastParser) flowSpace() {
	for !p.eof() {
		switch c := p.peek(); {
		case c == '\n':
			p.newline()
			if p.docMarker() {
				p.fail()
			}
		case c == ' ':
			p.pos++
		case c == '#' && (p.pos == p.lineStart || p.src[p.pos-1] == ' '):
			p.skipComment()
		default:
			return
		}
	}
}

// flow parses a flow sequence or mapping at pos.
func (p *fastParser) flow() *yaml.Node {
	p.depth++
	if p.depth > maxFastDepth {
		p.fail()
	}
	defer func() { p.depth-- }()
	line, column := p.mark()
	open := p.peek()
	p.pos++
	base := len(p.stack)
	if open == '[' {
		s := p.alloc(yaml.SequenceNode, yaml.FlowStyle, "!!seq", "", line, column)
		p.flowSpace()
		if p.peek() == ']' {
			p.pos++
			return s
		}
		for {
			item := p.flowItem()
			p.stack = append(p.stack, item)
			p.flowSpace()
			switch p.peek() {
			case ']':
				p.pos++
				return p.finish(s, base)
			case ',':
				p.pos++
				p.flowSpace()
				if p.peek() == ']' {
					p.fail()
				}
			default:
				p.fail()
			}
		}
	}
	m := p.alloc(yaml.MappingNode, yaml.FlowStyle, "!!map", "", line, column)
	p.flowSpace()
	if p.peek() == '}' {
		p.pos++
		return m
	}
	for {
		keyLine := p.line
		var k *yaml.Node
		switch c := p.peek(); {
		case c == '"' || c == '\'':
			k = p.quoted()
		case !p.eof() && plainStart(p.src, p.pos, true):
			k = p.plain(true)
		default:
			p.fail()
		}
		for p.peek() == ' ' {
			p.pos++
		}
		if p.line != keyLine || p.peek() != ':' {
			p.fail()
		}
		p.pos++
		if k.Style == 0 && !p.blankAt(p.pos) {
			p.fail()
		}
		p.flowSpace()
		if c := p.peek(); c == ',' || c == '}' {
			p.fail()
		}
		v := p.flowItem()
		p.stack = append(p.stack, k, v)
		p.flowSpace()
		switch p.peek() {
		case '}':
			p.pos++
			return p.finish(m, base)
		case ',':
			p.pos++
			p.flowSpace()
			if p.peek() == '}' {
				p.fail()
			}
		default:
			p.fail()
		}
	}
}

// flowItem parses one value inside a flow collection.
func (p *fastParser) flowItem() *yaml.Node {
	var n *yaml.Node
	switch c := p.peek(); {
	case c == '[' || c == '{':
		n = p.flow()
	case c == '"' || c == '\'':
		n = p.quoted()
	case !p.eof() && plainStart(p.src, p.pos, true):
		if _, key := p.scanPlain(true); key {
			p.fail()
		}
		n = p.plain(true)
	default:
		p.fail()
	}
	// A value followed by ':' is an implicit pair, and a plain scalar
	// that goes on after a line break is a multi-line one.
	line := p.line
	p.flowSpace()
	switch c := p.peek(); {
	case c == ':':
		p.fail()
	case p.line != line && c != ',' && c != ']' && c != '}':
		p.fail()
	}
	return n
}

// plainTag returns the tag yaml.v3 resolves a plain scalar to.
func plainTag(s string) string {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return "!!null"
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "!!float"
	}
	switch c := s[0]; {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "!!float"
		}
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		return numberTag(s)
	}
	return "!!str"
}

// numberTag resolves a plain scalar that starts with a sign or a digit:
// a timestamp, an integer in any base yaml.v3 reads, a float, or a string.
func numberTag(s string) string {
	if isTimestamp(s) {
		return "!!timestamp"
	}
	d := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(d, 0, 64); err == nil {
		return "!!int"
	}
	if _, err := strconv.ParseUint(d, 0, 64); err == nil {
		return "!!int"
	}
	if isDecimalFloat(d) {
		if _, err := strconv.ParseFloat(d, 64); err == nil {
			return "!!float"
		}
	}
	for _, prefix := range []struct {
		p    string
		base int
	}{{"0b", 2}, {"0o", 8}} {
		if rest, ok := strings.CutPrefix(d, prefix.p); ok {
			if _, err := strconv.ParseInt(rest, prefix.base, 64); err == nil {
				return "!!int"
			}
			if _, err := strconv.ParseUint(rest, prefix.base, 64); err == nil {
				return "!!int"
			}
		} else if rest, ok := strings.CutPrefix(d, "-"+prefix.p); ok {
			if _, err := strconv.ParseInt("-"+rest, prefix.base, 64); err == nil {
				return "!!int"
			}
		}
	}
	return "!!str"
}

// isDecimalFloat reports whether s is [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?.
func isDecimalFloat(s string) bool {
	digits := func(i int) int {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return j
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return false
		}
		i = j
	} else {
		j := digits(i)
		if j == i {
			return false
		}
		i = j
		if i < len(s) && s[i] == '.' {
			i = digits(i + 1)
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

// timestampLayouts are the timestamp forms yaml.v3 resolves plain scalars
// to !!timestamp with.
var timestampLayouts = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

func isTimestamp(s string) bool {
	if len(s) < 5 || s[4] != '-' {
		return false
	}
	for i := range 4 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// interned holds strings that manifests repeat in nearly every document, so
// the fast path hands out one shared copy instead of allocating each time.
var interned = func() map[string]string {
	m := map[string]string{}
	for _, s := range strings.Fields(`apiVersion kind metadata name namespace labels annotations
		spec template selector matchLabels replicas containers initContainers image imagePullPolicy
		ports containerPort protocol TCP UDP resources limits requests cpu memory env value valueFrom
		volumeMounts mountPath volumes readOnly securityContext runAsNonRoot runAsUser runAsGroup
		privileged allowPrivilegeEscalation readOnlyRootFilesystem capabilities drop add ALL
		livenessProbe readinessProbe startupProbe httpGet path port tcpSocket exec command args
		initialDelaySeconds periodSeconds timeoutSeconds failureThreshold successThreshold
		serviceAccountName automountServiceAccountToken hostNetwork hostPID hostIPC nodeSelector
		tolerations affinity key operator effect data type targetPort app v1 apps/v1 Pod Deployment
		Service ConfigMap Secret StatefulSet DaemonSet Job CronJob Always IfNotPresent Never
		default true false emptyDir configMap secret secretName items rules apiGroups verbs
		subjects roleRef ServiceAccount Role RoleBinding ClusterRole ClusterRoleBinding
		rbac.authorization.k8s.io/v1 batch/v1 networking.k8s.io/v1 Ingress NetworkPolicy
		podSelector policyTypes ingress egress from to hostPath strategy restartPolicy
		terminationGracePeriodSeconds dnsPolicy schedulerName status creationTimestamp
		app.kubernetes.io/name app.kubernetes.io/instance app.kubernetes.io/version
		app.kubernetes.io/component app.kubernetes.io/part-of app.kubernetes.io/managed-by
		seccompProfile RuntimeDefault fsGroup supplementalGroups nginx http https`) {
		m[s] = s
	}
	return m
}()

func intern(s string) string {
	if v, ok := interned[s]; ok {
		return v
	}
	return strings.Clone(s)
}
