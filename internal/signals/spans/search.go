package spans

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Limits on Query.Limit.
const (
	// DefaultLimit is the number of traces Search returns when Query.Limit
	// is zero.
	DefaultLimit = 20
	// MaxLimit is the most traces Search returns; larger limits are
	// lowered to it.
	MaxLimit = 1000
)

// ErrInvalidQuery is wrapped by the errors Search returns for a query it
// cannot run.
var ErrInvalidQuery = errors.New("invalid query")

// Query selects traces: a trace matches when at least one of its spans
// matches every field that is set. The zero Query matches every trace.
type Query struct {
	// Service and Operation, when set, must equal the span's Service and
	// Name exactly.
	Service, Operation string
	// Status, when set, is "error", "ok" or "unset".
	Status string
	// MinDuration, when positive, is the least duration of the span.
	MinDuration time.Duration
	// Start and End, when not zero, bound the time range the span must
	// overlap: it ends at or after Start and starts at or before End.
	Start, End time.Time
	// Limit is the most traces returned: DefaultLimit when zero, at most
	// MaxLimit.
	Limit int
}

// TraceSummary describes one trace found by [Store.Search].
type TraceSummary struct {
	// TraceID is the lowercase hex trace ID.
	TraceID string `json:"trace_id"`
	// RootService and RootName are the service and name of the root span:
	// the earliest span without a parent, or, when the root has not
	// arrived or was evicted, the earliest span whose parent is not stored.
	RootService string `json:"root_service"`
	RootName    string `json:"root_name"`
	// Start is the earliest span start; Duration runs from it to the
	// latest span end.
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration_ns"`
	// Spans is the number of stored spans, Errors how many of them have
	// status error.
	Spans  int `json:"spans"`
	Errors int `json:"errors"`
	// Services are the services of the stored spans, sorted.
	Services []string `json:"services"`
}

// validate checks q and returns its effective limit.
func (q Query) validate() (limit int, err error) {
	switch q.Status {
	case "", StatusError, StatusOK, StatusUnset:
	default:
		return 0, fmt.Errorf("%w: status %q is not error, ok or unset", ErrInvalidQuery, q.Status)
	}
	if q.MinDuration < 0 {
		return 0, fmt.Errorf("%w: negative minimum duration %v", ErrInvalidQuery, q.MinDuration)
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
	q           Query
	start, end  int64 // Unix nanoseconds; MinInt64 and MaxInt64 when open
	minDuration int64
}

func (m *matcher) match(e *entry) bool {
	q := &m.q
	return (q.Service == "" || e.span.Service == q.Service) &&
		(q.Operation == "" || e.span.Name == q.Operation) &&
		(q.Status == "" || e.span.Status == q.Status) &&
		(m.minDuration <= 0 || e.end-e.start >= m.minDuration) &&
		e.end >= m.start && e.start <= m.end
}

// Search returns summaries of the traces that have at least one span
// matching q, newest (latest trace start) first, at most q's limit of
// them. It returns an error wrapping ErrInvalidQuery for a malformed
// query.
func (s *Store) Search(q Query) ([]TraceSummary, error) {
	limit, err := q.validate()
	if err != nil {
		return nil, err
	}
	m := matcher{q: q, minDuration: int64(q.MinDuration), start: math.MinInt64, end: math.MaxInt64}
	if !q.Start.IsZero() {
		m.start = q.Start.UnixNano()
	}
	if !q.End.IsZero() {
		m.end = q.End.UnixNano()
	}

	type hit struct {
		t     *trace
		start int64
		id    traceKey
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var hits []hit
	for id, t := range s.traces {
		if slices.ContainsFunc(t.spans, m.match) {
			first := t.spans[0].start
			for _, e := range t.spans[1:] {
				first = min(first, e.start)
			}
			hits = append(hits, hit{t: t, start: first, id: id})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.start != b.start {
			return cmp.Compare(b.start, a.start)
		}
		return slices.Compare(a.id[:], b.id[:])
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]TraceSummary, len(hits))
	for i, h := range hits {
		out[i] = summarize(h.t)
	}
	return out, nil
}

// summarize describes the stored spans of t.
func summarize(t *trace) TraceSummary {
	es := slices.Clone(t.spans)
	sortByStart(es)
	var (
		ts       = TraceSummary{TraceID: es[0].span.TraceID, Spans: len(es), Start: es[0].span.Start}
		end      = es[0].end
		root     *entry
		orphan   *entry
		services = make(map[string]struct{})
		ids      = make(map[string]struct{}, len(es))
	)
	for _, e := range es {
		ids[e.span.SpanID] = struct{}{}
	}
	for _, e := range es { // in start order, so the first found is the earliest
		end = max(end, e.end)
		if e.span.Status == StatusError {
			ts.Errors++
		}
		services[e.span.Service] = struct{}{}
		if e.span.ParentSpanID == "" {
			if root == nil {
				root = e
			}
		} else if _, ok := ids[e.span.ParentSpanID]; !ok && orphan == nil {
			orphan = e
		}
	}
	if root == nil {
		root = orphan
	}
	if root == nil { // every span has a stored parent: a cycle
		root = es[0]
	}
	ts.RootService, ts.RootName = root.span.Service, root.span.Name
	ts.Duration = time.Duration(end - es[0].start)
	ts.Services = make([]string, 0, len(services))
	for svc := range services {
		ts.Services = append(ts.Services, svc)
	}
	slices.Sort(ts.Services)
	return ts
}
