package spans

import (
	"cmp"
	"container/heap"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Defaults for [Options].
const (
	// DefaultMaxBytes is the default budget for stored spans: 256 MiB.
	DefaultMaxBytes = 256 << 20
	// DefaultMaxAge is how long a span is kept after it ended by default.
	DefaultMaxAge = 24 * time.Hour
)

// Options configures a [Store]. The zero value is usable: every field has
// a default.
type Options struct {
	// MaxBytes is the budget for stored spans, in estimated bytes. When it
	// is exceeded, the spans ingested first are evicted first. Zero or
	// negative means DefaultMaxBytes.
	MaxBytes int64
	// MaxAge is how long a span is kept after its end time. Zero or
	// negative means DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock, for tests. Nil means time.Now.
	Now func() time.Time
}

// Stats describes what a [Store] holds and what it has dropped.
type Stats struct {
	// Spans and Traces are the numbers of spans and traces stored now.
	Spans, Traces int
	// Bytes is the estimated size of the stored spans.
	Bytes int64
	// Evicted is the number of spans evicted (by MaxBytes or MaxAge) since
	// the store was created; Rejected the number refused by Add.
	Evicted, Rejected int64
}

// traceKey and spanKey identify a trace and a span within a trace.
type (
	traceKey [16]byte
	spanKey  struct {
		trace traceKey
		span  [8]byte
	}
)

// entry is one stored span with its places in the store's indexes.
type entry struct {
	span   Span
	key    spanKey
	parent [8]byte // parent span ID; all zero for a root span
	size   int64
	start  int64 // span.Start in Unix nanoseconds, for cheap comparisons
	end    int64 // span.End in Unix nanoseconds

	prev, next *entry // ingestion order (oldest at Store.head)
	heapIdx    int    // position in Store.byEnd
	traceIdx   int    // position in trace.spans
}

// trace is the set of stored spans of one trace, in no particular order.
type trace struct {
	spans []*entry
}

// Store is a bounded in-memory store of spans. Create one with [New].
type Store struct {
	maxBytes int64
	maxAge   time.Duration
	now      func() time.Time

	mu sync.RWMutex // guards the following fields
	// +checklocks:mu
	traces map[traceKey]*trace
	// +checklocks:mu
	spans map[spanKey]*entry
	// +checklocks:mu
	head, tail *entry // ingestion order: head is the oldest
	// +checklocks:mu
	byEnd endHeap // min-heap by end time, for MaxAge
	// +checklocks:mu
	bytes int64
	// +checklocks:mu
	evicted, rejected int64
}

// New returns an empty store configured by opts.
func New(opts Options) *Store {
	s := &Store{
		maxBytes: opts.MaxBytes,
		maxAge:   opts.MaxAge,
		now:      opts.Now,
		traces:   make(map[traceKey]*trace),
		spans:    make(map[spanKey]*entry),
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxBytes
	}
	if s.maxAge <= 0 {
		s.maxAge = DefaultMaxAge
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Add stores the spans of td. A span with an all-zero trace or span ID,
// or that ends before it starts, is rejected and not stored; Add returns
// how many spans were rejected and a message naming the first problem
// (empty when none was), as OTLP's partial_success wants.
//
// A span whose trace and span IDs are already stored is taken as a retry
// and ignored (neither stored again nor rejected). A span already older
// than MaxAge is accepted and evicted at once, and so counted in
// Stats.Evicted. Add does not keep a reference to td.
func (s *Store) Add(td ptrace.Traces) (rejected int64, message string) {
	batch, rejected, message := convert(td)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected += rejected
	for _, e := range batch {
		if _, dup := s.spans[e.key]; dup {
			continue
		}
		s.insertLocked(e)
	}
	s.expireLocked()
	for s.bytes > s.maxBytes && s.head != nil {
		s.removeLocked(s.head)
		s.evicted++
	}
	return rejected, message
}

// Sweep evicts every span whose end time is older than now-MaxAge.
// Callers run it periodically so that an idle store still ages out.
func (s *Store) Sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked()
}

// Stats reports what the store holds now and what it has dropped.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Stats{
		Spans:    len(s.spans),
		Traces:   len(s.traces),
		Bytes:    s.bytes,
		Evicted:  s.evicted,
		Rejected: s.rejected,
	}
}

// Trace returns the stored spans of the trace with the given hex ID (32
// characters, either case), sorted by start time, or nil if the ID is
// malformed or no span of the trace is stored.
func (s *Store) Trace(traceID string) []Span {
	key, ok := parseTraceID(traceID)
	if !ok {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.traces[key]
	if t == nil {
		return nil
	}
	entries := slices.Clone(t.spans)
	sortByStart(entries)
	out := make([]Span, len(entries))
	for i, e := range entries {
		out[i] = e.span
		out[i].Attributes = maps.Clone(e.span.Attributes)
	}
	return out
}

// parseTraceID decodes a 32-character hex trace ID of either case.
func parseTraceID(id string) (traceKey, bool) {
	var k traceKey
	if len(id) != 2*len(k) {
		return k, false
	}
	if _, err := hex.Decode(k[:], []byte(strings.ToLower(id))); err != nil {
		return k, false
	}
	return k, true
}

// sortByStart orders entries by start time, then end time, then span ID,
// so that the order is the same on every call.
func sortByStart(es []*entry) {
	slices.SortFunc(es, func(a, b *entry) int {
		if a.start != b.start {
			return cmp.Compare(a.start, b.start)
		}
		if a.end != b.end {
			return cmp.Compare(a.end, b.end)
		}
		return strings.Compare(a.span.SpanID, b.span.SpanID)
	})
}

// insertLocked adds e to every index.
func (s *Store) insertLocked(e *entry) {
	s.spans[e.key] = e
	t := s.traces[e.key.trace]
	if t == nil {
		t = &trace{}
		s.traces[e.key.trace] = t
	}
	e.traceIdx = len(t.spans)
	t.spans = append(t.spans, e)
	e.prev = s.tail
	if s.tail != nil {
		s.tail.next = e
	} else {
		s.head = e
	}
	s.tail = e
	heap.Push(&s.byEnd, e)
	s.bytes += e.size
}

// removeLocked takes e out of every index.
func (s *Store) removeLocked(e *entry) {
	delete(s.spans, e.key)
	t := s.traces[e.key.trace]
	last := len(t.spans) - 1
	if e.traceIdx != last {
		moved := t.spans[last]
		t.spans[e.traceIdx] = moved
		moved.traceIdx = e.traceIdx
	}
	t.spans[last] = nil
	t.spans = t.spans[:last]
	if len(t.spans) == 0 {
		delete(s.traces, e.key.trace)
	}
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = nil, nil
	heap.Remove(&s.byEnd, e.heapIdx)
	s.bytes -= e.size
}

// expireLocked evicts the spans that ended before now-MaxAge.
func (s *Store) expireLocked() {
	cutoff := s.now().Add(-s.maxAge).UnixNano()
	for len(s.byEnd) > 0 && s.byEnd[0].end < cutoff {
		s.removeLocked(s.byEnd[0])
		s.evicted++
	}
}

// endHeap is a min-heap of entries by end time; each entry knows its
// index so that it can be removed from the middle.
type endHeap []*entry

func (h endHeap) Len() int           { return len(h) }
func (h endHeap) Less(i, j int) bool { return h[i].end < h[j].end }
func (h endHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}

func (h *endHeap) Push(x any) {
	e := x.(*entry)
	e.heapIdx = len(*h)
	*h = append(*h, e)
}

func (h *endHeap) Pop() any {
	old := *h
	n := len(old) - 1
	e := old[n]
	old[n] = nil
	*h = old[:n]
	e.heapIdx = -1
	return e
}
