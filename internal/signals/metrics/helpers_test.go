package metrics

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// step is the interval between the data points built by testMetrics.
const step = 15 * time.Second

// testBase returns the timeline's start: recent, so the TSDB accepts it,
// and on a whole minute, so query times are round.
func testBase() time.Time {
	return time.Now().UTC().Truncate(time.Minute).Add(-30 * time.Minute)
}

// Bucket bounds and per-step bucket increments of the test histogram.
// Every step adds 100 observations: 60 ≤ 0.1, 20 in (0.1, 0.5], 10 in
// (0.5, 1], 10 in (1, 2], so its 0.99 quantile is 1 + 9/10 = 1.9.
var (
	testBounds    = []float64{0.1, 0.5, 1, 2}
	testIncrement = []uint64{60, 20, 10, 10, 0}
)

// testMetrics builds points data points per metric, one every step from
// base, for service "checkout": a monotonic cumulative sum
// "http.server.requests" (unit "1") growing by 1/s, a gauge "memory.usage"
// (unit "By") at 1024*(i+1), and a cumulative histogram
// "http.server.duration" (unit "s") growing by testIncrement per step.
func testMetrics(base time.Time, first, points int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "checkout")
	rm.Resource().Attributes().PutStr("service.instance.id", "pod-1")
	rm.Resource().Attributes().PutStr("deployment.environment", "test")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("test")
	start := pcommon.NewTimestampFromTime(base.Add(-step))

	sum := sm.Metrics().AppendEmpty()
	sum.SetName("http.server.requests")
	sum.SetUnit("1")
	s := sum.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)

	gauge := sm.Metrics().AppendEmpty()
	gauge.SetName("memory.usage")
	gauge.SetUnit("By")
	g := gauge.SetEmptyGauge()

	hist := sm.Metrics().AppendEmpty()
	hist.SetName("http.server.duration")
	hist.SetUnit("s")
	h := hist.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)

	for i := first; i < first+points; i++ {
		ts := pcommon.NewTimestampFromTime(base.Add(time.Duration(i) * step))

		dp := s.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(start)
		dp.SetTimestamp(ts)
		dp.SetDoubleValue(float64(i) * step.Seconds())
		dp.Attributes().PutStr("http.route", "/cart")

		gp := g.DataPoints().AppendEmpty()
		gp.SetTimestamp(ts)
		gp.SetDoubleValue(1024 * float64(i+1))

		hp := h.DataPoints().AppendEmpty()
		hp.SetStartTimestamp(start)
		hp.SetTimestamp(ts)
		hp.Attributes().PutStr("http.route", "/cart")
		hp.ExplicitBounds().FromRaw(testBounds)
		var count uint64
		var sumv float64
		for _, c := range testIncrement {
			hp.BucketCounts().Append(uint64(i) * c)
			count += uint64(i) * c
		}
		sumv = float64(i) * 50
		hp.SetCount(count)
		hp.SetSum(sumv)
	}
	return md
}

func openTest(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func mustAdd(t *testing.T, db *DB, md pmetric.Metrics) {
	t.Helper()
	rejected, msg, err := db.AddOTLP(context.Background(), md)
	if err != nil || rejected != 0 {
		t.Fatalf("AddOTLP = %d, %q, %v; want 0, \"\", nil", rejected, msg, err)
	}
}

// apiResponse is the Prometheus API envelope with data left raw.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Warnings  []string        `json:"warnings"`
}

// call sends a request through a mux with db's API and decodes the
// envelope; POST sends params as a form.
func call(t *testing.T, db *DB, method, path string, params url.Values) (int, apiResponse, string) {
	t.Helper()
	mux := http.NewServeMux()
	db.RegisterAPI(mux)
	var req *http.Request
	if method == http.MethodPost {
		req = httptest.NewRequest(method, path, strings.NewReader(params.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path+"?"+params.Encode(), nil)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	var resp apiResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", method, path, rec.Body.String(), err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return rec.Code, resp, rec.Body.String()
}

// queryData is the data of a query or query_range answer.
type queryData struct {
	ResultType string `json:"resultType"`
	Result     []struct {
		Metric map[string]string `json:"metric"`
		Value  []any             `json:"value"`
		Values [][]any           `json:"values"`
	} `json:"result"`
}

func decodeQuery(t *testing.T, resp apiResponse) queryData {
	t.Helper()
	if resp.Status != "success" {
		t.Fatalf("status %q, error %s: %s", resp.Status, resp.ErrorType, resp.Error)
	}
	var d queryData
	if err := json.Unmarshal(resp.Data, &d); err != nil {
		t.Fatalf("data %s: %v", resp.Data, err)
	}
	return d
}

// pointValue returns a [ts, "value"] pair as numbers.
func pointValue(t *testing.T, p []any) (float64, float64) {
	t.Helper()
	if len(p) != 2 {
		t.Fatalf("point %v: want [ts, value]", p)
	}
	ts, ok := p[0].(float64)
	vs, ok2 := p[1].(string)
	if !ok || !ok2 {
		t.Fatalf("point %v: want [number, string]", p)
	}
	v, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		t.Fatalf("point %v: %v", p, err)
	}
	return ts, v
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
