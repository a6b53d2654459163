package spans

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// t0 is the start of every test's timeline.
var t0 = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

// spec describes one span to build with makeTraces. Trace, ID and Parent
// are small numbers turned into IDs by traceID and spanID; zero Parent
// means a root span.
type spec struct {
	Trace, ID, Parent uint64
	Service, Name     string
	Kind              ptrace.SpanKind
	Start             time.Time
	Dur               time.Duration
	Status            ptrace.StatusCode
	Attrs             map[string]any
	ResAttrs          map[string]any
}

func traceID(n uint64) pcommon.TraceID {
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[8:], n)
	id[0] = 0xAB // not all zero even for n == 0
	return id
}

func spanID(n uint64) pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], n)
	return id
}

// makeTraces builds OTLP traces, one ResourceSpans per spec so that
// resource attributes can differ.
func makeTraces(t testing.TB, specs ...spec) ptrace.Traces {
	t.Helper()
	td := ptrace.NewTraces()
	for _, sp := range specs {
		rs := td.ResourceSpans().AppendEmpty()
		if sp.Service != "" {
			rs.Resource().Attributes().PutStr("service.name", sp.Service)
		}
		if err := rs.Resource().Attributes().FromRaw(mergeRaw(rs.Resource().Attributes().AsRaw(), sp.ResAttrs)); err != nil {
			t.Fatal(err)
		}
		s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetTraceID(traceID(sp.Trace))
		s.SetSpanID(spanID(sp.ID))
		if sp.Parent != 0 {
			s.SetParentSpanID(spanID(sp.Parent))
		}
		s.SetName(sp.Name)
		s.SetKind(sp.Kind)
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(sp.Start))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(sp.Start.Add(sp.Dur)))
		s.Status().SetCode(sp.Status)
		if sp.Status == ptrace.StatusCodeError {
			s.Status().SetMessage("boom")
		}
		if err := s.Attributes().FromRaw(sp.Attrs); err != nil {
			t.Fatal(err)
		}
	}
	return td
}

func mergeRaw(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// mustAdd adds td and fails the test if anything is rejected.
func mustAdd(t testing.TB, s *Store, td ptrace.Traces) {
	t.Helper()
	if n, msg := s.Add(td); n != 0 {
		t.Fatalf("Add rejected %d: %s", n, msg)
	}
}

// check verifies that the store's indexes agree with one another and with
// its byte count and budget.
func (s *Store) check() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var (
		n     int
		bytes int64
	)
	for k, tr := range s.traces {
		if len(tr.spans) == 0 {
			return fmt.Errorf("trace %x has no spans", k)
		}
		for i, e := range tr.spans {
			if e.traceIdx != i || e.key.trace != k || s.spans[e.key] != e {
				return fmt.Errorf("span %v misindexed in trace", e.key)
			}
			n++
			bytes += e.size
		}
	}
	if n != len(s.spans) || n != len(s.byEnd) {
		return fmt.Errorf("%d spans in traces, %d in map, %d in heap", n, len(s.spans), len(s.byEnd))
	}
	listed := 0
	var prev *entry
	for e := s.head; e != nil; e = e.next {
		if e.prev != prev || s.spans[e.key] != e {
			return fmt.Errorf("ingestion list broken at %v", e.key)
		}
		prev = e
		listed++
	}
	if prev != s.tail || listed != n {
		return fmt.Errorf("ingestion list has %d spans, want %d", listed, n)
	}
	for i, e := range s.byEnd {
		if e.heapIdx != i {
			return fmt.Errorf("heap index %d, want %d", e.heapIdx, i)
		}
		if i > 0 && s.byEnd[(i-1)/2].end > e.end {
			return fmt.Errorf("heap order broken at %d", i)
		}
	}
	if bytes != s.bytes {
		return fmt.Errorf("bytes %d, want %d", s.bytes, bytes)
	}
	if s.bytes > s.maxBytes {
		return fmt.Errorf("bytes %d over budget %d", s.bytes, s.maxBytes)
	}
	return nil
}

func mustCheck(t testing.TB, s *Store) {
	t.Helper()
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
}
