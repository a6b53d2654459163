package metrics

import (
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestAppendTimestamp(t *testing.T) {
	tests := []struct {
		ms   int64
		want string
	}{
		{0, "0"},
		{1000, "1"},
		{1500, "1.500"},
		{1001, "1.001"},
		{1010, "1.010"},
		{-1500, "-1.500"},
		{1700000000123, "1700000000.123"},
	}
	for _, tt := range tests {
		if got := string(appendTimestamp(nil, tt.ms)); got != tt.want {
			t.Errorf("appendTimestamp(%d) = %s, want %s", tt.ms, got, tt.want)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1, "1"}, {0.1, "0.1"}, {-2.5e-7, "-2.5e-07"}, {1e-6, "0.000001"}, {1e20, "100000000000000000000"}, {1e21, "1e+21"}, {0, "0"},
		{math.Inf(1), "+Inf"}, {math.Inf(-1), "-Inf"}, {math.NaN(), "NaN"},
	}
	for _, tt := range tests {
		if got := string(appendFloat(nil, tt.f)); got != tt.want {
			t.Errorf("appendFloat(%v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

// TestQuery_NativeHistogram sends an OTLP exponential histogram, which
// Prometheus stores as a native histogram, and checks the answer's
// "histogram" form.
func TestQuery_NativeHistogram(t *testing.T) {
	db := openTest(t, t.TempDir())
	defer db.Close()
	at := testBase()

	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "checkout")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("rpc.duration")
	m.SetUnit("s")
	eh := m.SetEmptyExponentialHistogram()
	eh.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	p := eh.DataPoints().AppendEmpty()
	p.SetTimestamp(pcommon.NewTimestampFromTime(at))
	p.SetScale(0) // bucket i is (2^i, 2^(i+1)]
	p.SetCount(5)
	p.SetSum(10)
	p.SetZeroCount(1)
	p.Positive().SetOffset(1)
	p.Positive().BucketCounts().FromRaw([]uint64{3, 1}) // (2,4]: 3, (4,8]: 1
	mustAdd(t, db, md)

	_, resp, body := call(t, db, http.MethodGet, "/api/v1/query", url.Values{
		"query": {"rpc_duration_seconds"}, "time": {at.Add(time.Second).Format(time.RFC3339)},
	})
	if resp.Status != "success" {
		t.Fatalf("%s", body)
	}
	ts := at.Add(time.Second).Unix()
	want := `{"resultType":"vector","result":[{"metric":{"__name__":"rpc_duration_seconds","job":"checkout"},` +
		`"histogram":[` + itoa(ts) + `,{"count":"5","sum":"10","buckets":[` +
		`[3,"-1e-128","1e-128","1"],[0,"2","4","3"],[0,"4","8","1"]]}]}]}`
	// The zero bucket's bounds are ± the translator's zero threshold,
	// 1e-128, in exponent notation as Prometheus writes small values.
	if string(resp.Data) != want {
		t.Errorf("data\n%s\nwant\n%s", resp.Data, want)
	}
}

func itoa(n int64) string { return string(appendTimestamp(nil, n*1000)) }
