package spans

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// FuzzAdd decodes arbitrary bytes as an OTLP trace export request and adds
// whatever decodes: nothing may panic, rejections are counted exactly, and
// the store's indexes, byte count and budget stay consistent.
func FuzzAdd(f *testing.F) {
	seed := func(td ptrace.Traces) {
		b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed(makeTraces(f,
		spec{Trace: 1, ID: 1, Service: "a", Name: "root", Kind: ptrace.SpanKindServer, Start: t0, Dur: time.Second},
		spec{Trace: 1, ID: 2, Parent: 1, Service: "a", Name: "call", Kind: ptrace.SpanKindClient, Start: t0, Dur: time.Millisecond,
			Attrs: map[string]any{"peer.service": "b", "n": 1, "list": []any{1, "x"}}},
		spec{Trace: 1, ID: 3, Parent: 2, Service: "b", Name: "serve", Kind: ptrace.SpanKindServer, Start: t0, Dur: time.Millisecond, Status: ptrace.StatusCodeError},
	))
	seed(makeTraces(f, spec{Trace: 2, ID: 1, Name: "backwards", Start: t0, Dur: -time.Second}))
	seed(ptrace.NewTraces())
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00})

	f.Fuzz(func(t *testing.T, data []byte) {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(data); err != nil {
			return
		}
		td := req.Traces()
		s := New(Options{MaxBytes: 16 << 10, MaxAge: 24 * time.Hour, Now: func() time.Time { return t0 }})
		for range 2 { // the second time, every stored span is a duplicate
			rejected, msg := s.Add(td)
			if rejected < 0 || rejected > int64(td.SpanCount()) || (rejected > 0) != (msg != "") {
				t.Fatalf("Add = %d, %q for %d spans", rejected, msg, td.SpanCount())
			}
			if err := s.check(); err != nil {
				t.Fatal(err)
			}
			st := s.Stats()
			if int64(st.Spans)+st.Evicted+st.Rejected > 2*int64(td.SpanCount()) {
				t.Fatalf("Stats %+v accounts for more than the %d spans added", st, td.SpanCount())
			}
		}
		sums, err := s.Search(Query{Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ts := range sums {
			n += ts.Spans
			if got := s.Trace(ts.TraceID); len(got) != ts.Spans {
				t.Fatalf("trace %s: %d spans, summary says %d", ts.TraceID, len(got), ts.Spans)
			}
		}
		if st := s.Stats(); n != st.Spans || len(sums) != st.Traces {
			t.Fatalf("search found %d spans in %d traces, Stats %+v", n, len(sums), st)
		}
		s.ServiceGraph(time.Time{}, time.Time{})
		s.Sweep()
	})
}
