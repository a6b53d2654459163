package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestDB_QueryAPI(t *testing.T) {
	db := openTest(t, t.TempDir())
	defer db.Close()
	base := testBase()
	mustAdd(t, db, testMetrics(base, 0, 21)) // 0s .. 300s
	at := base.Add(5 * time.Minute)

	t.Run("Rate", func(t *testing.T) {
		code, resp, body := call(t, db, http.MethodGet, "/api/v1/query", url.Values{
			"query": {"rate(http_server_requests_total[1m])"},
			"time":  {unix(at)},
		})
		if code != http.StatusOK {
			t.Fatalf("code %d, body %s", code, body)
		}
		d := decodeQuery(t, resp)
		if d.ResultType != "vector" || len(d.Result) != 1 {
			t.Fatalf("got %s", resp.Data)
		}
		r := d.Result[0]
		want := map[string]string{"job": "checkout", "instance": "pod-1", "http_route": "/cart"}
		for k, v := range want {
			if r.Metric[k] != v {
				t.Errorf("label %s = %q, want %q (metric %v)", k, r.Metric[k], v, r.Metric)
			}
		}
		ts, v := pointValue(t, r.Value)
		if ts != float64(at.Unix()) || !near(v, 1) {
			t.Errorf("got [%v, %v], want [%d, 1]", ts, v, at.Unix())
		}
	})

	t.Run("HistogramQuantilePOST", func(t *testing.T) {
		code, resp, body := call(t, db, http.MethodPost, "/api/v1/query", url.Values{
			"query": {"histogram_quantile(0.99, rate(http_server_duration_seconds_bucket[1m]))"},
			"time":  {at.Format(time.RFC3339)},
		})
		if code != http.StatusOK {
			t.Fatalf("code %d, body %s", code, body)
		}
		d := decodeQuery(t, resp)
		if len(d.Result) != 1 {
			t.Fatalf("got %s", resp.Data)
		}
		if _, v := pointValue(t, d.Result[0].Value); !near(v, 1.9) {
			t.Errorf("p99 = %v, want 1.9", v)
		}
	})

	t.Run("Gauge", func(t *testing.T) {
		_, resp, _ := call(t, db, http.MethodGet, "/api/v1/query", url.Values{
			"query": {"memory_usage_bytes"}, "time": {unix(at)},
		})
		d := decodeQuery(t, resp)
		if len(d.Result) != 1 {
			t.Fatalf("got %s", resp.Data)
		}
		if _, v := pointValue(t, d.Result[0].Value); v != 1024*21 {
			t.Errorf("memory_usage_bytes = %v, want %v", v, 1024*21)
		}
		if got := d.Result[0].Metric["__name__"]; got != "memory_usage_bytes" {
			t.Errorf("__name__ = %q", got)
		}
	})

	t.Run("Scalar", func(t *testing.T) {
		_, resp, _ := call(t, db, http.MethodGet, "/api/v1/query", url.Values{"query": {"1.5"}, "time": {"1000.25"}})
		want := `{"resultType":"scalar","result":[1000.250,"1.5"]}`
		if string(resp.Data) != want {
			t.Errorf("data %s, want %s", resp.Data, want)
		}
	})

	t.Run("Range", func(t *testing.T) {
		code, resp, body := call(t, db, http.MethodGet, "/api/v1/query_range", url.Values{
			"query": {"sum by (job) (rate(http_server_requests_total[1m]))"},
			"start": {unix(base.Add(2 * time.Minute))},
			"end":   {base.Add(5 * time.Minute).Format(time.RFC3339Nano)},
			"step":  {"1m"},
		})
		if code != http.StatusOK {
			t.Fatalf("code %d, body %s", code, body)
		}
		d := decodeQuery(t, resp)
		if d.ResultType != "matrix" || len(d.Result) != 1 {
			t.Fatalf("got %s", resp.Data)
		}
		if got := d.Result[0].Metric; len(got) != 1 || got["job"] != "checkout" {
			t.Errorf("metric %v, want {job=checkout}", got)
		}
		vals := d.Result[0].Values
		if len(vals) != 4 {
			t.Fatalf("%d points, want 4: %v", len(vals), vals)
		}
		for i, p := range vals {
			ts, v := pointValue(t, p)
			if want := float64(base.Add(time.Duration(2+i) * time.Minute).Unix()); ts != want || !near(v, 1) {
				t.Errorf("point %d = [%v, %v], want [%v, 1]", i, ts, v, want)
			}
		}
	})

	t.Run("RangeFloatStep", func(t *testing.T) {
		_, resp, _ := call(t, db, http.MethodPost, "/api/v1/query_range", url.Values{
			"query": {"memory_usage_bytes"},
			"start": {unix(base)}, "end": {unix(base.Add(time.Minute))}, "step": {"15"},
		})
		d := decodeQuery(t, resp)
		if len(d.Result) != 1 || len(d.Result[0].Values) != 5 {
			t.Fatalf("got %s", resp.Data)
		}
	})

	t.Run("Series", func(t *testing.T) {
		_, resp, _ := call(t, db, http.MethodGet, "/api/v1/series", url.Values{
			"match[]": {"http_server_requests_total", `{__name__="memory_usage_bytes"}`},
		})
		if resp.Status != "success" {
			t.Fatalf("%+v", resp)
		}
		var got []map[string]string
		if err := json.Unmarshal(resp.Data, &got); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range got {
			names = append(names, s["__name__"])
			if s["job"] != "checkout" {
				t.Errorf("series %v has no job=checkout", s)
			}
		}
		if want := []string{"http_server_requests_total", "memory_usage_bytes"}; !slices.Equal(names, want) {
			t.Errorf("series names %v, want %v", names, want)
		}
	})

	t.Run("Labels", func(t *testing.T) {
		_, resp, _ := call(t, db, http.MethodPost, "/api/v1/labels", url.Values{})
		var got []string
		if err := json.Unmarshal(resp.Data, &got); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"__name__", "http_route", "instance", "job", "le"} {
			if !slices.Contains(got, want) {
				t.Errorf("labels %v lack %q", got, want)
			}
		}
		if !slices.IsSorted(got) {
			t.Errorf("labels %v not sorted", got)
		}

		_, resp, _ = call(t, db, http.MethodGet, "/api/v1/labels", url.Values{"match[]": {"memory_usage_bytes"}})
		got = nil
		if err := json.Unmarshal(resp.Data, &got); err != nil {
			t.Fatal(err)
		}
		if want := []string{"__name__", "instance", "job"}; !slices.Equal(got, want) {
			t.Errorf("labels of memory_usage_bytes %v, want %v", got, want)
		}
	})

	t.Run("LabelValues", func(t *testing.T) {
		_, resp, _ := call(t, db, http.MethodGet, "/api/v1/label/__name__/values", url.Values{})
		var got []string
		if err := json.Unmarshal(resp.Data, &got); err != nil {
			t.Fatal(err)
		}
		// The names Prometheus's own OTLP receiver gives these metrics.
		want := []string{
			"http_server_duration_seconds_bucket",
			"http_server_duration_seconds_count",
			"http_server_duration_seconds_sum",
			"http_server_requests_total",
			"memory_usage_bytes",
			"target_info",
		}
		if !slices.Equal(got, want) {
			t.Errorf("__name__ values %v, want %v", got, want)
		}

		_, resp, _ = call(t, db, http.MethodGet, "/api/v1/label/le/values", url.Values{})
		got = nil
		if err := json.Unmarshal(resp.Data, &got); err != nil {
			t.Fatal(err)
		}
		if want := []string{"+Inf", "0.1", "0.5", "1", "2"}; !slices.Equal(got, want) {
			t.Errorf("le values %v, want %v", got, want)
		}
	})

	t.Run("TargetInfo", func(t *testing.T) {
		_, resp, _ := call(t, db, http.MethodGet, "/api/v1/query", url.Values{"query": {"target_info"}, "time": {unix(at)}})
		d := decodeQuery(t, resp)
		if len(d.Result) != 1 || d.Result[0].Metric["deployment_environment"] != "test" {
			t.Errorf("target_info = %s, want deployment_environment=test", resp.Data)
		}
	})
}

func TestDB_Restart(t *testing.T) {
	dir := t.TempDir()
	base := testBase()
	db := openTest(t, dir)
	mustAdd(t, db, testMetrics(base, 0, 5))
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db = openTest(t, dir)
	defer db.Close()
	_, resp, _ := call(t, db, http.MethodGet, "/api/v1/query", url.Values{
		"query": {"memory_usage_bytes"}, "time": {unix(base.Add(4 * step))},
	})
	d := decodeQuery(t, resp)
	if len(d.Result) != 1 {
		t.Fatalf("after restart: %s", resp.Data)
	}
	if _, v := pointValue(t, d.Result[0].Value); v != 5*1024 {
		t.Errorf("after restart: memory_usage_bytes = %v, want %v", v, 5*1024)
	}
	// Appending continues where the replayed WAL left off.
	mustAdd(t, db, testMetrics(base, 5, 5))
}

func TestDB_AddOTLP_Rejected(t *testing.T) {
	db := openTest(t, t.TempDir())
	defer db.Close()
	base := testBase()
	mustAdd(t, db, testMetrics(base, 0, 1))
	// 1000 steps later the newest sample is ~4h on, so step 1 is outside
	// the 10m out-of-order window.
	mustAdd(t, db, testMetrics(base, 1000, 1))

	t.Run("OutOfOrderInWindow", func(t *testing.T) {
		// 20 steps (5m) behind the newest sample: inside the window.
		mustAdd(t, db, testMetrics(base, 980, 1))
	})

	t.Run("TooOld", func(t *testing.T) {
		// 100 steps (25m) behind: every sample is refused, and the rest of
		// the batch still goes in.
		md := testMetrics(base, 900, 1)
		m := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().AppendEmpty()
		m.SetName("fresh.gauge")
		p := m.SetEmptyGauge().DataPoints().AppendEmpty()
		p.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(1000 * step)))
		p.SetDoubleValue(7)

		rejected, msg, err := db.AddOTLP(context.Background(), md)
		if err != nil {
			t.Fatal(err)
		}
		// 1 counter sample, 1 gauge sample, 7 histogram samples (5
		// buckets, _sum, _count) and 6 target_info samples: the translator
		// writes target_info from the batch's oldest to its newest time,
		// and only the last ones are inside the window.
		if want := "15 rejected: too old sample (15)"; rejected != 15 || msg != want {
			t.Errorf("got %d, %q; want 15, %q", rejected, msg, want)
		}
		_, resp, _ := call(t, db, http.MethodGet, "/api/v1/query", url.Values{"query": {"fresh_gauge"}, "time": {unix(base.Add(1000 * step))}})
		if d := decodeQuery(t, resp); len(d.Result) != 1 {
			t.Errorf("fresh_gauge not stored: %s", resp.Data)
		}
	})

	t.Run("Delta", func(t *testing.T) {
		md := pmetric.NewMetrics()
		m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("jobs.done")
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		for i := range 3 {
			p := s.DataPoints().AppendEmpty()
			p.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(1000*step + time.Duration(i)*time.Second)))
			p.SetIntValue(1)
		}
		rejected, msg, err := db.AddOTLP(context.Background(), md)
		if err != nil {
			t.Fatal(err)
		}
		if rejected != 3 || !strings.Contains(msg, "jobs.done") {
			t.Errorf("rejected %d, %q; want 3 with the metric named", rejected, msg)
		}
	})

	t.Run("Canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := db.AddOTLP(ctx, testMetrics(base, 1001, 1)); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestOpen_NoDir(t *testing.T) {
	if _, err := Open(context.Background(), Options{}); !errors.Is(err, ErrNoDir) {
		t.Errorf("err = %v, want ErrNoDir", err)
	}
}
