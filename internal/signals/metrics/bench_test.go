package metrics

import (
	"context"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// BenchmarkAddOTLP appends batches of 1000 gauge data points (100 series,
// 10 points each, 1s apart) and reports points/s. Each iteration moves
// the batch 10s on, as a sender exporting every 10s would.
func BenchmarkAddOTLP(b *testing.B) {
	db, err := Open(context.Background(), Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const series, perSeries = 100, 10
	base := time.Now().Add(-time.Hour)
	batches := make([]pmetric.Metrics, 64)
	gps := make([]pmetric.NumberDataPointSlice, len(batches))
	for k := range batches {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "bench")
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("bench.value")
		m.SetUnit("By")
		gp := m.SetEmptyGauge().DataPoints()
		for s := range series {
			for range perSeries {
				p := gp.AppendEmpty()
				p.Attributes().PutStr("series", strconv.Itoa(s))
				p.SetDoubleValue(float64(s))
			}
		}
		batches[k], gps[k] = md, gp
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % len(batches)
		b.StopTimer()
		gp := gps[k]
		for j := range gp.Len() {
			at := base.Add(time.Duration(i*perSeries+j%perSeries) * time.Second)
			gp.At(j).SetTimestamp(pcommon.NewTimestampFromTime(at))
		}
		b.StartTimer()
		rejected, msg, err := db.AddOTLP(ctx, batches[k])
		if err != nil || rejected != 0 {
			b.Fatalf("AddOTLP = %d, %q, %v", rejected, msg, err)
		}
	}
	b.ReportMetric(float64(b.N*series*perSeries)/b.Elapsed().Seconds(), "points/s")
}
