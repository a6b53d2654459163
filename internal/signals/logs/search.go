package logs

import (
	"container/heap"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on Query.Limit.
const (
	// DefaultLimit is the number of records Search returns when
	// Query.Limit is zero.
	DefaultLimit = 100
	// MaxLimit is the most records Search returns; larger limits are
	// lowered to it.
	MaxLimit = 1000
)

// Bounds of OTLP severity numbers, for Query.MinSeverity.
const (
	// SeverityTrace is the lowest OTLP severity number (TRACE).
	SeverityTrace = 1
	// SeverityFatal4 is the highest OTLP severity number (FATAL4).
	SeverityFatal4 = 24
)

// ErrInvalidQuery is wrapped by the errors Search returns for a query it
// cannot run.
var ErrInvalidQuery = errors.New("invalid query")

// Query selects records: a record matches when it matches every field
// that is set. The zero Query matches every record.
type Query struct {
	// Service, when set, must equal the record's Service exactly.
	Service string
	// MinSeverity, when not zero, is the least OTLP severity number
	// (SeverityTrace to SeverityFatal4) of the record; records of
	// unspecified severity (0) do not match it.
	MinSeverity int
	// TraceID, when set, is a 32-character hex trace ID of either case
	// that the record must carry.
	TraceID string
	// Text, when set, must occur in the record's body or in one of its
	// attribute values, ignoring case.
	Text string
	// Start and End, when not zero, bound the record's time, both
	// inclusive.
	Start, End time.Time
	// Limit is the most records returned: DefaultLimit when zero, at most
	// MaxLimit.
	Limit int
}

// validate checks q and returns its effective limit.
func (q Query) validate() (limit int, err error) {
	if q.MinSeverity < 0 || q.MinSeverity > SeverityFatal4 {
		return 0, fmt.Errorf("%w: minimum severity %d is not between %d and %d",
			ErrInvalidQuery, q.MinSeverity, SeverityTrace, SeverityFatal4)
	}
	if q.TraceID != "" {
		if _, err := hex.DecodeString(q.TraceID); err != nil || len(q.TraceID) != 32 {
			return 0, fmt.Errorf("%w: trace ID %q is not 32 hex digits", ErrInvalidQuery, q.TraceID)
		}
	}
	if !utf8.ValidString(q.Text) {
		return 0, fmt.Errorf("%w: text is not valid UTF-8", ErrInvalidQuery)
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return 0, fmt.Errorf("%w: end %v is before start %v", ErrInvalidQuery, q.End, q.Start)
	}
	switch {
	case q.Limit < 0:
		return 0, fmt.Errorf("%w: negative limit %d", ErrInvalidQuery, q.Limit)
	case q.Limit == 0:
		return DefaultLimit, nil
	case q.Limit > MaxLimit:
		return MaxLimit, nil
	}
	return q.Limit, nil
}

// matcher is a Query compiled for matching entries.
type matcher struct {
	q          Query // TraceID lowercased
	start, end int64 // Unix nanoseconds; MinInt64 and MaxInt64 when open
}

func (m *matcher) match(e *entry) bool {
	q := &m.q
	r := &e.rec
	if e.time < m.start || e.time > m.end ||
		(q.Service != "" && r.Service != q.Service) ||
		(q.MinSeverity > 0 && r.Severity < q.MinSeverity) ||
		(q.TraceID != "" && r.TraceID != q.TraceID) {
		return false
	}
	if q.Text == "" || containsFold(r.Body, q.Text) {
		return true
	}
	for _, v := range r.Attributes {
		if containsFold(v, q.Text) {
			return true
		}
	}
	return false
}

// containsFold reports whether sub occurs in s under Unicode simple case
// folding, comparing windows of len(sub) bytes of s; a rune whose folded
// form has a different UTF-8 length (the Kelvin sign and k, say) does not
// match.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if utf8.RuneStart(s[i]) && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// Search returns the records matching q, newest (latest time; for equal
// times, last ingested) first, at most q's limit of them. It returns an
// error wrapping ErrInvalidQuery for a malformed query.
func (s *Store) Search(q Query) ([]Record, error) {
	limit, err := q.validate()
	if err != nil {
		return nil, err
	}
	q.TraceID = strings.ToLower(q.TraceID)
	m := matcher{q: q, start: math.MinInt64, end: math.MaxInt64}
	if !q.Start.IsZero() {
		m.start = q.Start.UnixNano()
	}
	if !q.End.IsZero() {
		m.end = q.End.UnixNano()
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	top := make(newest, 0, min(limit, len(s.byTime)))
	for _, e := range s.byTime {
		if len(top) == limit && !newer(e, top[0]) {
			continue // cheaper than matching: it would not make the cut
		}
		if !m.match(e) {
			continue
		}
		if len(top) < limit {
			heap.Push(&top, e)
		} else {
			top[0] = e
			heap.Fix(&top, 0)
		}
	}
	slices.SortFunc(top, func(a, b *entry) int {
		if newer(a, b) {
			return -1
		}
		return 1
	})
	out := make([]Record, len(top))
	for i, e := range top {
		out[i] = e.rec
		out[i].Attributes = maps.Clone(e.rec.Attributes)
	}
	return out, nil
}

// newer reports whether a sorts before b in Search results.
func newer(a, b *entry) bool {
	if a.time != b.time {
		return a.time > b.time
	}
	return a.seq > b.seq
}

// newest is a min-heap of the newest entries found so far: its root is
// the oldest of them, the first to drop out when a newer one is found.
type newest []*entry

func (h newest) Len() int           { return len(h) }
func (h newest) Less(i, j int) bool { return newer(h[j], h[i]) }
func (h newest) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *newest) Push(x any)        { *h = append(*h, x.(*entry)) }
func (h *newest) Pop() any {
	old := *h
	n := len(old) - 1
	e := old[n]
	old[n] = nil
	*h = old[:n]
	return e
}
