package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// TestOTLPToAPI sends spans with the OpenTelemetry SDK over both OTLP
// transports to a running server and reads them back through the API:
// the trace by ID, trace search and the service graph.
func TestOTLPToAPI(t *testing.T) {
	a, stop := startAll(t, testConfig(t), map[string]string{})
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	ctx := context.Background()
	provider := func(exp sdktrace.SpanExporter, service string) *sdktrace.TracerProvider {
		return sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service))))
	}
	gexp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(a.OTLPGRPC), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	hexp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL("http://"+a.OTLPHTTP+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	frontend, checkout := provider(gexp, "frontend"), provider(hexp, "checkout")
	defer frontend.Shutdown(ctx)
	defer checkout.Shutdown(ctx)

	// frontend calls checkout: a client span over gRPC, the server span
	// over HTTP, linked by the propagated context.
	cctx, client := frontend.Tracer("t").Start(ctx, "POST /checkout", trace.WithSpanKind(trace.SpanKindClient))
	_, server := checkout.Tracer("t").Start(cctx, "checkout", trace.WithSpanKind(trace.SpanKindServer))
	server.End()
	client.End()
	id := client.SpanContext().TraceID().String()

	var got struct {
		Spans []struct {
			Service, Name, Kind string
		} `json:"spans"`
	}
	getJSON(t, "http://"+a.HTTP+"/api/v1/traces/"+id, &got)
	if len(got.Spans) != 2 {
		t.Fatalf("trace %s has %d spans: %+v", id, len(got.Spans), got)
	}
	var search struct {
		Traces []struct {
			TraceID string `json:"trace_id"`
		} `json:"traces"`
	}
	getJSON(t, "http://"+a.HTTP+"/api/v1/traces?service=checkout", &search)
	if len(search.Traces) != 1 || search.Traces[0].TraceID != id {
		t.Fatalf("search: %+v", search)
	}
	var graph struct {
		Edges []struct {
			Client, Server string
			Requests       int64
		} `json:"edges"`
	}
	getJSON(t, "http://"+a.HTTP+"/api/v1/servicegraph", &graph)
	if len(graph.Edges) != 1 || graph.Edges[0].Client != "frontend" || graph.Edges[0].Server != "checkout" || graph.Edges[0].Requests != 1 {
		t.Fatalf("service graph: %+v", graph)
	}

	// Metrics go into the TSDB under Prometheus's names and answer PromQL.
	now := strconv.FormatInt(time.Now().UnixNano(), 10)
	metricBody := `{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"payments"}}]},"scopeMetrics":[{"metrics":[` +
		`{"name":"queue.depth","gauge":{"dataPoints":[{"timeUnixNano":"` + now + `","asDouble":42}]}}]}]}]}`
	resp, err := http.Post("http://"+a.OTLPHTTP+"/v1/metrics", "application/json", strings.NewReader(metricBody))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	var q struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	getJSON(t, "http://"+a.HTTP+"/api/v1/query?query=queue_depth", &q)
	if q.Status != "success" || len(q.Data.Result) != 1 || q.Data.Result[0].Value[1] != "42" || q.Data.Result[0].Metric["job"] != "payments" {
		t.Fatalf("PromQL: %+v", q)
	}
	// A POST query (as Grafana sends) is a read: answered, and not audited.
	resp, err = http.PostForm("http://"+a.HTTP+"/api/v1/query", map[string][]string{"query": {"queue_depth"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST query: %v %v", resp, err)
	}
	resp.Body.Close()
	var audit struct {
		Records []any `json:"records"`
	}
	getJSON(t, "http://"+a.HTTP+"/api/v1/audit", &audit)
	if len(audit.Records) != 0 {
		t.Fatalf("a query was audited: %+v", audit.Records)
	}

	// Logs are stored and searchable, by text and by trace.
	logBody := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"payments"}}]},"scopeLogs":[{"logRecords":[` +
		`{"timeUnixNano":"` + strconv.FormatInt(time.Now().UnixNano(), 10) + `","severityNumber":17,"severityText":"ERROR","body":{"stringValue":"card declined"},"traceId":"` + id + `"}]}]}]}`
	resp, err = http.Post("http://"+a.OTLPHTTP+"/v1/logs", "application/json", strings.NewReader(logBody))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("logs: %d", resp.StatusCode)
	}
	var found struct {
		Records []struct {
			Service  string `json:"service"`
			Body     string `json:"body"`
			Severity int    `json:"severity"`
		} `json:"records"`
	}
	getJSON(t, "http://"+a.HTTP+"/api/v1/logs?q=DECLINED&min_severity=17&trace_id="+id, &found)
	if len(found.Records) != 1 || found.Records[0].Service != "payments" || found.Records[0].Body != "card declined" {
		t.Fatalf("log search: %+v", found)
	}
	if r, _ := get(t, "http://"+a.HTTP+"/api/v1/logs?min_severity=x", ""); r != 400 {
		t.Fatalf("bad min_severity: %d", r)
	}

	_, body := get(t, "http://"+a.HTTP+"/metrics", "")
	for _, want := range []string{
		`opsloop_intake_items_total{outcome="accepted",signal="traces",transport="grpc"} 1`,
		`opsloop_intake_items_total{outcome="accepted",signal="traces",transport="http"} 1`,
		`opsloop_intake_items_total{outcome="accepted",signal="metrics",transport="http"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
