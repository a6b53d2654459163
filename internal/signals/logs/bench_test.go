package logs

import (
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// BenchmarkAdd adds batches of 100 log records (each with a short body
// and 4 attributes, under one resource and scope as an SDK sends them) to
// a store with the default budget; it reports records/s. Once the budget
// fills, every batch also evicts.
func BenchmarkAdd(b *testing.B) {
	const perBatch = 100
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	rl.Resource().Attributes().PutStr("host.name", "checkout-7d9f")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range perBatch {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(t0.Add(time.Duration(i) * time.Millisecond)))
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
		lr.Body().SetStr(fmt.Sprintf("GET /api/cart/%d 200 in %dms", i, i%50))
		lr.SetTraceID(traceID(uint64(i + 1)))
		lr.SetSpanID(spanID(uint64(i + 1)))
		lr.Attributes().PutStr("http.request.method", "GET")
		lr.Attributes().PutStr("http.route", "/api/cart/{id}")
		lr.Attributes().PutInt("http.response.status_code", 200)
		lr.Attributes().PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)")
	}
	s := New(Options{Now: func() time.Time { return t0 }})
	b.ReportAllocs()
	for b.Loop() {
		if n, msg := s.Add(ld); n != 0 {
			b.Fatal(msg)
		}
	}
	b.ReportMetric(float64(b.N*perBatch)/b.Elapsed().Seconds(), "records/s")
}
