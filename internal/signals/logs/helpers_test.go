package logs

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// t0 is the start of every test's timeline.
var t0 = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

// spec describes one log record to build with makeLogs. Trace and Span
// are small numbers turned into IDs by traceID and spanID; zero means
// none. Body is set with FromRaw unless it is nil; Time and Observed are
// left zero when zero.
type spec struct {
	Service        string
	Time, Observed time.Time
	Severity       plog.SeverityNumber
	SeverityText   string
	Body           any
	Trace, Span    uint64
	Attrs          map[string]any
	ResAttrs       map[string]any
}

func traceID(n uint64) pcommon.TraceID {
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[8:], n)
	id[0] = 0xAB
	return id
}

func spanID(n uint64) pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], n)
	return id
}

// makeLogs builds OTLP logs, one ResourceLogs per spec so that resource
// attributes can differ.
func makeLogs(t testing.TB, specs ...spec) plog.Logs {
	t.Helper()
	ld := plog.NewLogs()
	for _, sp := range specs {
		rl := ld.ResourceLogs().AppendEmpty()
		res := rl.Resource().Attributes()
		if err := res.FromRaw(sp.ResAttrs); err != nil {
			t.Fatal(err)
		}
		if sp.Service != "" {
			res.PutStr("service.name", sp.Service)
		}
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		if !sp.Time.IsZero() {
			lr.SetTimestamp(pcommon.NewTimestampFromTime(sp.Time))
		}
		if !sp.Observed.IsZero() {
			lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(sp.Observed))
		}
		lr.SetSeverityNumber(sp.Severity)
		lr.SetSeverityText(sp.SeverityText)
		if sp.Body != nil {
			if err := lr.Body().FromRaw(sp.Body); err != nil {
				t.Fatal(err)
			}
		}
		if sp.Trace != 0 {
			lr.SetTraceID(traceID(sp.Trace))
		}
		if sp.Span != 0 {
			lr.SetSpanID(spanID(sp.Span))
		}
		if err := lr.Attributes().FromRaw(sp.Attrs); err != nil {
			t.Fatal(err)
		}
	}
	return ld
}

// mustAdd adds ld and fails the test if anything is rejected.
func mustAdd(t testing.TB, s *Store, ld plog.Logs) {
	t.Helper()
	if n, msg := s.Add(ld); n != 0 {
		t.Fatalf("Add rejected %d: %s", n, msg)
	}
}

// check verifies that the store's indexes agree with one another and with
// its byte count and budget.
func (s *Store) check() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var (
		listed int
		bytes  int64
		prev   *entry
	)
	for e := s.head; e != nil; e = e.next {
		if e.prev != prev {
			return fmt.Errorf("ingestion list broken at record %d", e.seq)
		}
		if prev != nil && prev.seq >= e.seq {
			return fmt.Errorf("ingestion list out of order at record %d", e.seq)
		}
		if e.heapIdx < 0 || e.heapIdx >= len(s.byTime) || s.byTime[e.heapIdx] != e {
			return fmt.Errorf("record %d not in the heap", e.seq)
		}
		if e.time != e.rec.Time.UnixNano() {
			return fmt.Errorf("record %d: time %d, want %d", e.seq, e.time, e.rec.Time.UnixNano())
		}
		prev = e
		listed++
		bytes += e.size
	}
	if prev != s.tail || listed != len(s.byTime) {
		return fmt.Errorf("ingestion list has %d records, heap %d", listed, len(s.byTime))
	}
	for i, e := range s.byTime {
		if e.heapIdx != i {
			return fmt.Errorf("heap index %d, want %d", e.heapIdx, i)
		}
		if i > 0 && s.byTime[(i-1)/2].time > e.time {
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
