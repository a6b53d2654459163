package spans

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestStore_AddTrace(t *testing.T) {
	s := New(Options{Now: func() time.Time { return t0 }})
	many := make(map[string]any)
	for i := range 100 {
		many[fmt.Sprintf("k%03d", i)] = i
	}
	td := makeTraces(t,
		// Out of start order on purpose; the child arrives before its root.
		spec{Trace: 1, ID: 2, Parent: 1, Service: "checkout", Name: "charge", Kind: ptrace.SpanKindClient,
			Start: t0.Add(20 * time.Millisecond), Dur: 30 * time.Millisecond, Status: ptrace.StatusCodeError,
			Attrs:    map[string]any{"peer.service": "payments", "retries": 3, "cached": true, "zone": "span"},
			ResAttrs: map[string]any{"zone": "resource", "host.name": "h1"}},
		spec{Trace: 1, ID: 1, Service: "checkout", Name: "POST /checkout", Kind: ptrace.SpanKindServer,
			Start: t0, Dur: 100 * time.Millisecond, Status: ptrace.StatusCodeOk},
		spec{Trace: 1, ID: 3, Parent: 1, Name: "noname", Kind: ptrace.SpanKindInternal,
			Start: t0.Add(10 * time.Millisecond), Dur: time.Millisecond,
			Attrs: map[string]any{"long": strings.Repeat("é", 1000)}},
		spec{Trace: 2, ID: 1, Service: "big", Name: "many", Start: t0, Dur: time.Second, Attrs: many},
	)
	mustAdd(t, s, td)
	mustCheck(t, s)

	got := s.Trace(strings.ToUpper(traceID(1).String()))
	if len(got) != 3 {
		t.Fatalf("got %d spans, want 3", len(got))
	}
	for i, want := range []string{"POST /checkout", "noname", "charge"} {
		if got[i].Name != want {
			t.Errorf("span %d is %q, want %q (sorted by start)", i, got[i].Name, want)
		}
	}
	root, internal, client := got[0], got[1], got[2]
	if root.ParentSpanID != "" || root.Kind != KindServer || root.Status != StatusOK ||
		fmt.Sprint(root.Attributes) != "map[service.name:checkout]" {
		t.Errorf("root = %+v", root)
	}
	want := Span{
		TraceID: traceID(1).String(), SpanID: spanID(2).String(), ParentSpanID: spanID(1).String(),
		Service: "checkout", Name: "charge", Kind: KindClient,
		Start: t0.Add(20 * time.Millisecond), End: t0.Add(50 * time.Millisecond),
		Status: StatusError, StatusMessage: "boom",
		Attributes: map[string]string{
			"peer.service": "payments", "retries": "3", "cached": "true",
			"zone": "span", "host.name": "h1", "service.name": "checkout",
		},
	}
	if fmt.Sprint(client) != fmt.Sprint(want) {
		t.Errorf("client span\n got %+v\nwant %+v", client, want)
	}
	if client.Duration() != 30*time.Millisecond {
		t.Errorf("Duration = %v", client.Duration())
	}
	if internal.Service != UnknownService || internal.Kind != KindInternal || internal.Status != StatusUnset {
		t.Errorf("internal = %+v", internal)
	}
	if v := internal.Attributes["long"]; len(v) != 1024 || !strings.HasPrefix(strings.Repeat("é", 512), v) {
		t.Errorf("long value cut to %d bytes, want 1024 on a rune boundary", len(v))
	}
	if n := len(s.Trace(traceID(2).String())[0].Attributes); n != MaxAttributes {
		t.Errorf("%d attributes kept, want %d", n, MaxAttributes)
	}

	// Returned spans are copies.
	client.Attributes["zone"] = "changed"
	if s.Trace(traceID(1).String())[2].Attributes["zone"] != "span" {
		t.Error("modifying a returned span changed the store")
	}

	for _, id := range []string{traceID(9).String(), "", "xyz", strings.Repeat("g", 32), traceID(1).String() + "00"} {
		if got := s.Trace(id); got != nil {
			t.Errorf("Trace(%q) = %d spans, want nil", id, len(got))
		}
	}

	// A retried batch is ignored, not stored twice.
	before := s.Stats()
	mustAdd(t, s, td)
	if after := s.Stats(); after != before {
		t.Errorf("after retry Stats = %+v, want %+v", after, before)
	}
	if st := s.Stats(); st.Spans != 4 || st.Traces != 2 || st.Bytes <= 0 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestStore_AddRejects(t *testing.T) {
	s := New(Options{Now: func() time.Time { return t0 }})
	td := makeTraces(t,
		spec{Trace: 1, ID: 1, Service: "a", Name: "ok", Start: t0, Dur: time.Second},
		spec{Trace: 1, ID: 2, Service: "a", Name: "backwards", Start: t0, Dur: -time.Second},
		spec{Trace: 1, ID: 3, Service: "a", Name: "ok2", Start: t0, Dur: 0},
	)
	zeroTrace := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	zeroTrace.SetName("no-trace")
	zeroTrace.SetSpanID(spanID(4))
	zeroSpan := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty()
	zeroSpan.SetName("no-span")
	zeroSpan.SetTraceID(traceID(1))

	n, msg := s.Add(td)
	if n != 3 {
		t.Errorf("rejected %d, want 3", n)
	}
	// The span without an ID sits in the first resource, so it is the
	// first problem found.
	if want := `span "no-span": span ID is all zero`; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	if got := len(s.Trace(traceID(1).String())); got != 2 {
		t.Errorf("%d spans stored, want 2", got)
	}

	for _, tc := range []struct {
		name, want string
		sp         ptrace.Span
	}{
		{"zero trace ID", `span "no-trace": trace ID is all zero`, zeroTrace},
		{"zero span ID", `span "no-span": span ID is all zero`, zeroSpan},
		{"end before start", `span "backwards": end time is before start time`, td.ResourceSpans().At(1).ScopeSpans().At(0).Spans().At(0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			one := ptrace.NewTraces()
			tc.sp.CopyTo(one.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty())
			n, msg := s.Add(one)
			if n != 1 || msg != tc.want {
				t.Errorf("Add = %d, %q; want 1, %q", n, msg, tc.want)
			}
		})
	}
	if st := s.Stats(); st.Rejected != 6 || st.Spans != 2 {
		t.Errorf("Stats = %+v, want 6 rejected, 2 spans", st)
	}
	if n, msg := s.Add(ptrace.NewTraces()); n != 0 || msg != "" {
		t.Errorf("empty Add = %d, %q", n, msg)
	}
	mustCheck(t, s)
}

func TestStore_EvictBytes(t *testing.T) {
	one := func(i int) ptrace.Traces {
		return makeTraces(t, spec{Trace: uint64(i), ID: 1, Service: "svc", Name: "op",
			Start: t0.Add(time.Duration(i) * time.Second), Dur: time.Millisecond})
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
	if st.Spans != 10 || st.Traces != 10 || st.Evicted != 15 || st.Bytes > max || st.Bytes != 10*size {
		t.Errorf("Stats = %+v, want 10 spans of %d bytes, 15 evicted", st, size)
	}
	for i := 1; i <= 25; i++ {
		if got, want := s.Trace(traceID(uint64(i)).String()) != nil, i > 15; got != want {
			t.Errorf("trace %d stored = %v, want %v (oldest ingested evicted first)", i, got, want)
		}
	}

	t.Run("one batch over budget", func(t *testing.T) {
		s := New(Options{MaxBytes: max, Now: func() time.Time { return t0 }})
		var specs []spec
		for i := 1; i <= 30; i++ {
			specs = append(specs, spec{Trace: 7, ID: uint64(i), Service: "svc", Name: "op", Start: t0, Dur: time.Millisecond})
		}
		mustAdd(t, s, makeTraces(t, specs...))
		mustCheck(t, s)
		got := s.Trace(traceID(7).String())
		if len(got) != 10 {
			t.Errorf("kept %d spans, want the last 10", len(got))
		}
		for _, sp := range got {
			if sp.SpanID < spanID(21).String() {
				t.Errorf("kept early span %s", sp.SpanID)
			}
		}
	})
}

func TestStore_EvictAge(t *testing.T) {
	now := t0
	s := New(Options{MaxAge: time.Hour, Now: func() time.Time { return now }})
	add := func(trace uint64, end time.Time) {
		t.Helper()
		mustAdd(t, s, makeTraces(t, spec{Trace: trace, ID: 1, Service: "svc", Name: "op", Start: end.Add(-time.Second), Dur: time.Second}))
	}
	stored := func(traces ...uint64) {
		t.Helper()
		var got []uint64
		for i := uint64(1); i <= 9; i++ {
			if s.Trace(traceID(i).String()) != nil {
				got = append(got, i)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(traces) {
			t.Errorf("stored traces %v, want %v", got, traces)
		}
		mustCheck(t, s)
	}

	add(1, now.Add(-30*time.Minute))
	add(2, now.Add(-2*time.Hour)) // already too old: evicted at once
	add(3, now)
	add(4, now.Add(-50*time.Minute))
	stored(1, 3, 4)
	if st := s.Stats(); st.Evicted != 1 {
		t.Errorf("Evicted = %d, want 1", st.Evicted)
	}

	now = now.Add(15 * time.Minute) // trace 4 is now 65 minutes old
	s.Sweep()
	stored(1, 3)

	now = now.Add(20 * time.Minute) // trace 1 is 65 minutes old; Add evicts it
	add(5, now)
	stored(3, 5)

	now = now.Add(2 * time.Hour)
	s.Sweep()
	stored()
	if st := s.Stats(); st != (Stats{Evicted: 5}) {
		t.Errorf("Stats = %+v, want only 5 evicted", st)
	}
}

func TestNew_Defaults(t *testing.T) {
	s := New(Options{})
	if s.maxBytes != DefaultMaxBytes || s.maxAge != DefaultMaxAge || s.now == nil {
		t.Errorf("defaults not applied: %d %v", s.maxBytes, s.maxAge)
	}
}

// TestStore_Concurrent runs writers and readers together; run it with
// -race.
func TestStore_Concurrent(t *testing.T) {
	var (
		clockMu sync.Mutex
		now     = t0
	)
	s := New(Options{MaxBytes: 200 << 10, MaxAge: time.Minute, Now: func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return now
	}})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				tr := uint64(w*1000 + i)
				start := t0.Add(time.Duration(i) * time.Second)
				mustAdd(t, s, makeTraces(t,
					spec{Trace: tr, ID: 1, Service: "frontend", Name: "GET /", Kind: ptrace.SpanKindServer, Start: start, Dur: 20 * time.Millisecond},
					spec{Trace: tr, ID: 2, Parent: 1, Service: "frontend", Name: "call", Kind: ptrace.SpanKindClient, Start: start, Dur: 10 * time.Millisecond},
					spec{Trace: tr, ID: 3, Parent: 2, Service: "backend", Name: "handle", Kind: ptrace.SpanKindServer, Start: start, Dur: 5 * time.Millisecond, Status: ptrace.StatusCodeError},
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
				if _, err := s.Search(Query{Service: "backend", Status: "error", Limit: 50}); err != nil {
					t.Error(err)
					return
				}
				s.Trace(traceID(uint64(r*1000 + i)).String())
				g := s.ServiceGraph(time.Time{}, time.Time{})
				for _, e := range g.Edges {
					if e.Requests != e.Errors {
						t.Errorf("edge %+v: every call failed", e)
					}
				}
				s.Stats()
			}
		})
	}
	wg.Wait()
	mustCheck(t, s)
	if st := s.Stats(); st.Evicted == 0 || st.Spans+int(st.Evicted) != 4*200*3 {
		t.Errorf("Stats = %+v, want stored + evicted = %d", st, 4*200*3)
	}
}
