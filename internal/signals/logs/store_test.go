package logs

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

func TestStore_AddRecord(t *testing.T) {
	now := t0.Add(time.Hour)
	s := New(Options{Now: func() time.Time { return now }})
	many := make(map[string]any)
	for i := range 100 {
		many[fmt.Sprintf("k%03d", i)] = i
	}
	longBody := strings.Repeat("é", MaxBody) // 2 bytes a rune: twice the limit
	mustAdd(t, s, makeLogs(t,
		spec{Service: "checkout", Time: t0, Observed: t0.Add(time.Second),
			Severity: plog.SeverityNumberError, SeverityText: "ERROR", Body: "payment failed",
			Trace: 1, Span: 2,
			Attrs:    map[string]any{"retries": 3, "cached": true, "zone": "record"},
			ResAttrs: map[string]any{"zone": "resource", "host.name": "h1"}},
		spec{Observed: t0.Add(2 * time.Second), Body: map[string]any{"msg": "hi", "n": 1}},
		spec{Service: "big", Body: longBody, Attrs: many},
		spec{Service: "long", Attrs: map[string]any{"long": strings.Repeat("ü", 1000)}},
	))
	mustCheck(t, s)

	got, err := s.Search(Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d records, want 4", len(got))
	}
	// Newest first: the two without timestamps got the time of Add, the
	// later ingested first.
	long, big, observed, full := got[0], got[1], got[2], got[3]

	want := Record{
		Time: t0, Service: "checkout", Severity: 17, SeverityText: "ERROR", Body: "payment failed",
		TraceID: traceID(1).String(), SpanID: spanID(2).String(),
		Attributes: map[string]string{
			"retries": "3", "cached": "true", "zone": "record",
			"host.name": "h1", "service.name": "checkout",
		},
	}
	if fmt.Sprint(full) != fmt.Sprint(want) {
		t.Errorf("record\n got %+v\nwant %+v", full, want)
	}
	if observed.Time != t0.Add(2*time.Second) || observed.Service != UnknownService ||
		observed.Body != `{"msg":"hi","n":1}` || observed.Attributes != nil ||
		observed.TraceID != "" || observed.SpanID != "" || observed.Severity != 0 {
		t.Errorf("record with ObservedTimestamp only = %+v", observed)
	}
	if !big.Time.Equal(now) || !long.Time.Equal(now) {
		t.Errorf("records without timestamps at %v and %v, want the time of Add %v", big.Time, long.Time, now)
	}
	if len(big.Body) != MaxBody || big.Body != longBody[:MaxBody] {
		t.Errorf("body cut to %d bytes, want %d on a rune boundary", len(big.Body), MaxBody)
	}
	if big.Attributes[TruncatedAttribute] != "true" || len(big.Attributes) != MaxAttributes {
		t.Errorf("truncated record has marker %q and %d attributes, want \"true\" and %d",
			big.Attributes[TruncatedAttribute], len(big.Attributes), MaxAttributes)
	}
	if _, ok := full.Attributes[TruncatedAttribute]; ok {
		t.Error("short body marked truncated")
	}
	if v := long.Attributes["long"]; len(v) != MaxAttributeValue || !strings.HasPrefix(strings.Repeat("ü", 1000), v) {
		t.Errorf("long value cut to %d bytes, want %d on a rune boundary", len(v), MaxAttributeValue)
	}
	if long.Body != "" {
		t.Errorf("record without body has body %q", long.Body)
	}

	t.Run("odd body cut", func(t *testing.T) {
		s := New(Options{Now: func() time.Time { return t0 }})
		body := "xy" + strings.Repeat("€", MaxBody/3+1) // 2 + 3n bytes: MaxBody falls inside a rune
		mustAdd(t, s, makeLogs(t, spec{Time: t0, Body: body}))
		got, _ := s.Search(Query{})
		if b := got[0].Body; len(b) != MaxBody-2 || !strings.HasPrefix(body, b) || got[0].Attributes[TruncatedAttribute] != "true" {
			t.Errorf("body cut to %d bytes, want %d and marked", len(b), MaxBody-2)
		}
	})

	// Returned records are copies.
	full.Attributes["zone"] = "changed"
	again, _ := s.Search(Query{Service: "checkout"})
	if again[0].Attributes["zone"] != "record" {
		t.Error("modifying a returned record changed the store")
	}
	if st := s.Stats(); st.Records != 4 || st.Bytes <= 0 || st.Evicted != 0 || st.Rejected != 0 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestStore_AddRejects(t *testing.T) {
	s := New(Options{Now: func() time.Time { return t0 }})
	ld := makeLogs(t,
		spec{Service: "a", Time: t0, Body: "ok"},
		spec{Service: "a", Time: t0, Severity: plog.SeverityNumberInfo},             // nothing
		spec{Service: "b", Time: t0, Body: ""},                                      // empty string body
		spec{Service: "c", Time: t0, Attrs: map[string]any{"k": "v"}},               // attributes only: kept
		spec{Service: "d", Time: t0, ResAttrs: map[string]any{"host.name": "h1"}},   // resource attributes do not count
		spec{Service: "e", Time: t0, Body: map[string]any{}, Severity: 1},           // an empty map is a body
		spec{Service: "f", Time: t0, Body: []byte{}, Attrs: map[string]any{"a": 1}}, // kept
	)
	n, msg := s.Add(ld)
	if n != 3 {
		t.Errorf("rejected %d, want 3", n)
	}
	if want := `log record 1 (service "a"): has neither a body nor attributes`; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	if st := s.Stats(); st.Records != 4 || st.Rejected != 3 {
		t.Errorf("Stats = %+v, want 4 records, 3 rejected", st)
	}
	if n, msg := s.Add(makeLogs(t, spec{Time: t0})); n != 1 || msg != `log record 0 (service "unknown_service"): has neither a body nor attributes` {
		t.Errorf("Add = %d, %q", n, msg)
	}
	if n, msg := s.Add(plog.NewLogs()); n != 0 || msg != "" {
		t.Errorf("empty Add = %d, %q", n, msg)
	}
	if st := s.Stats(); st.Rejected != 4 {
		t.Errorf("Rejected = %d, want 4", st.Rejected)
	}
	mustCheck(t, s)
}

func TestStore_EvictBytes(t *testing.T) {
	one := func(i int) plog.Logs {
		return makeLogs(t, spec{Service: "svc", Time: t0.Add(-time.Duration(i) * time.Second), Body: fmt.Sprintf("line %03d", i)})
	}
	probe := New(Options{Now: func() time.Time { return t0 }})
	mustAdd(t, probe, one(1))
	size := probe.Stats().Bytes

	max := size*10 + size/2
	s := New(Options{MaxBytes: max, Now: func() time.Time { return t0 }})
	for i := 1; i <= 25; i++ {
		mustAdd(t, s, one(i))
		mustCheck(t, s)
	}
	st := s.Stats()
	if st.Records != 10 || st.Evicted != 15 || st.Bytes != 10*size {
		t.Errorf("Stats = %+v, want 10 records of %d bytes, 15 evicted", st, size)
	}
	// Times run backwards, so the oldest ingested are the newest by time:
	// eviction goes by arrival, not by time.
	got, _ := s.Search(Query{})
	for i, r := range got {
		if want := fmt.Sprintf("line %03d", 16+i); r.Body != want {
			t.Errorf("record %d is %q, want %q", i, r.Body, want)
		}
	}

	t.Run("one batch over budget", func(t *testing.T) {
		s := New(Options{MaxBytes: max, Now: func() time.Time { return t0 }})
		var specs []spec
		for i := 1; i <= 30; i++ {
			specs = append(specs, spec{Service: "svc", Time: t0, Body: fmt.Sprintf("line %03d", i)})
		}
		mustAdd(t, s, makeLogs(t, specs...))
		mustCheck(t, s)
		got, _ := s.Search(Query{})
		if len(got) != 10 || got[0].Body != "line 030" || got[9].Body != "line 021" {
			t.Errorf("kept %d records, want the last 10", len(got))
		}
	})

	t.Run("record over budget", func(t *testing.T) {
		s := New(Options{MaxBytes: 1000, Now: func() time.Time { return t0 }})
		mustAdd(t, s, makeLogs(t, spec{Time: t0, Body: strings.Repeat("x", 2000)}))
		mustCheck(t, s)
		if st := s.Stats(); st != (Stats{Evicted: 1}) {
			t.Errorf("Stats = %+v, want only 1 evicted", st)
		}
	})
}

func TestStore_EvictAge(t *testing.T) {
	now := t0
	s := New(Options{MaxAge: time.Hour, Now: func() time.Time { return now }})
	add := func(body string, at time.Time) {
		t.Helper()
		mustAdd(t, s, makeLogs(t, spec{Service: "svc", Time: at, Body: body}))
	}
	stored := func(want ...string) {
		t.Helper()
		got, err := s.Search(Query{})
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, r := range got {
			bodies = append(bodies, r.Body)
		}
		if fmt.Sprint(bodies) != fmt.Sprint(want) {
			t.Errorf("stored %v, want %v", bodies, want)
		}
		mustCheck(t, s)
	}

	add("a", now.Add(-30*time.Minute))
	add("b", now.Add(-2*time.Hour)) // already too old: evicted at once
	add("c", now)
	add("d", now.Add(-50*time.Minute))
	mustAdd(t, s, makeLogs(t, spec{Observed: now.Add(-55 * time.Minute), Body: "e"})) // aged by ObservedTimestamp
	stored("c", "a", "d", "e")
	if st := s.Stats(); st.Evicted != 1 {
		t.Errorf("Evicted = %d, want 1", st.Evicted)
	}

	now = now.Add(15 * time.Minute) // d is 65 minutes old, e 70
	s.Sweep()
	stored("c", "a")

	now = now.Add(20 * time.Minute) // a is 65 minutes old; Add evicts it
	add("f", now)
	stored("f", "c")

	now = now.Add(2 * time.Hour)
	s.Sweep()
	stored()
	if st := s.Stats(); st != (Stats{Evicted: 6}) {
		t.Errorf("Stats = %+v, want only 6 evicted", st)
	}
}

func TestNew_Defaults(t *testing.T) {
	s := New(Options{})
	if s.maxBytes != DefaultMaxBytes || s.maxAge != DefaultMaxAge || s.now == nil {
		t.Errorf("defaults not applied: %d %v", s.maxBytes, s.maxAge)
	}
	if DefaultMaxBytes != 128<<20 {
		t.Errorf("DefaultMaxBytes = %d, want 128 MiB", DefaultMaxBytes)
	}
}

// TestStore_Concurrent runs writers and readers together; run it with
// -race.
func TestStore_Concurrent(t *testing.T) {
	var (
		clockMu sync.Mutex
		now     = t0
	)
	s := New(Options{MaxBytes: 100 << 10, MaxAge: time.Minute, Now: func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return now
	}})
	const writers, batches, perBatch = 4, 200, 3
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range batches {
				at := t0.Add(time.Duration(i) * time.Second)
				mustAdd(t, s, makeLogs(t,
					spec{Service: "frontend", Time: at, Severity: plog.SeverityNumberInfo, Body: "GET / 200", Trace: uint64(w*1000 + i)},
					spec{Service: "backend", Time: at, Severity: plog.SeverityNumberError, Body: "query timeout",
						Trace: uint64(w*1000 + i), Attrs: map[string]any{"db": "orders"}},
					spec{Service: "backend", Time: at, Severity: plog.SeverityNumberDebug, Attrs: map[string]any{"pool": "ok"}},
				))
				if i%50 == 0 {
					clockMu.Lock()
					now = now.Add(10 * time.Second)
					clockMu.Unlock()
					s.Sweep()
				}
			}
		})
	}
	for r := range 4 {
		wg.Go(func() {
			for i := range 100 {
				got, err := s.Search(Query{Service: "backend", MinSeverity: 17, Text: "TIMEOUT", Limit: 50})
				if err != nil {
					t.Error(err)
					return
				}
				for _, rec := range got {
					if rec.Severity != 17 || rec.Attributes["db"] != "orders" {
						t.Errorf("unexpected record %+v", rec)
					}
					rec.Attributes["db"] = "mine" // copies may be modified
				}
				if _, err := s.Search(Query{TraceID: traceID(uint64(r*1000 + i)).String()}); err != nil {
					t.Error(err)
				}
				s.Stats()
			}
		})
	}
	wg.Wait()
	mustCheck(t, s)
	if st := s.Stats(); st.Evicted == 0 || st.Records+int(st.Evicted) != writers*batches*perBatch {
		t.Errorf("Stats = %+v, want stored + evicted = %d", st, writers*batches*perBatch)
	}
}
