package spans

import (
	"encoding/binary"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// BenchmarkAdd adds batches of 100 spans (10 traces of 10 spans, each
// span with 5 attributes) to a store with the default budget, giving
// every batch fresh trace IDs; it reports spans/s.
func BenchmarkAdd(b *testing.B) {
	const traces, perTrace = 10, 10
	var specs []spec
	for tr := range traces {
		for i := range perTrace {
			specs = append(specs, spec{
				Trace: uint64(tr + 1), ID: uint64(i + 1), Parent: uint64(i),
				Service: "checkout", Name: "GET /api/cart", Kind: ptrace.SpanKindServer,
				Start: t0, Dur: time.Duration(i+1) * time.Millisecond,
				Attrs: map[string]any{
					"http.request.method": "GET", "http.route": "/api/cart",
					"http.response.status_code": 200, "server.address": "checkout.internal",
					"user_agent.original": "Mozilla/5.0 (X11; Linux x86_64)",
				},
			})
		}
	}
	// One resource and scope holding all 100 spans, as an SDK sends them.
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutStr("host.name", "checkout-7d9f")
	out := rs.ScopeSpans().AppendEmpty().Spans()
	from := makeTraces(b, specs...).ResourceSpans()
	for i := range from.Len() {
		from.At(i).ScopeSpans().At(0).Spans().At(0).CopyTo(out.AppendEmpty())
	}
	s := New(Options{Now: func() time.Time { return t0 }})
	var batch uint64
	b.ReportAllocs()
	for b.Loop() {
		batch++
		for i := range out.Len() {
			sp := out.At(i)
			id := sp.TraceID()
			binary.BigEndian.PutUint64(id[:8], batch)
			sp.SetTraceID(id)
		}
		if n, msg := s.Add(td); n != 0 {
			b.Fatal(msg)
		}
	}
	b.ReportMetric(float64(b.N*traces*perTrace)/b.Elapsed().Seconds(), "spans/s")
}
