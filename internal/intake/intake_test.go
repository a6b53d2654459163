package intake

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// memSink keeps what it is given. Spans named "bad…" are rejected; while
// hold is non-nil, calls wait on it; err, when set, is returned.
type memSink struct {
	mu     sync.Mutex
	spans  []string
	points int
	logs   []string
	hold   chan struct{}
	err    error
}

func (s *memSink) wait(ctx context.Context) error {
	s.mu.Lock()
	hold, err := s.hold, s.err
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (s *memSink) Traces(ctx context.Context, td ptrace.Traces) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var res Result
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		ss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < ss.Len(); j++ {
			for k := 0; k < ss.At(j).Spans().Len(); k++ {
				sp := ss.At(j).Spans().At(k)
				if strings.HasPrefix(sp.Name(), "bad") {
					res.Rejected++
					res.Message = "span names starting with bad are refused by this sink"
					continue
				}
				s.spans = append(s.spans, sp.Name()+"@"+sp.TraceID().String())
			}
		}
	}
	return res, nil
}

func (s *memSink) Metrics(ctx context.Context, md pmetric.Metrics) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.points += md.DataPointCount()
	return Result{}, nil
}

func (s *memSink) Logs(ctx context.Context, ld plog.Logs) (Result, error) {
	if err := s.wait(ctx); err != nil {
		return Result{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := ld.ResourceLogs()
	for i := 0; i < rl.Len(); i++ {
		sl := rl.At(i).ScopeLogs()
		for j := 0; j < sl.Len(); j++ {
			for k := 0; k < sl.At(j).LogRecords().Len(); k++ {
				s.logs = append(s.logs, sl.At(j).LogRecords().At(k).Body().AsString())
			}
		}
	}
	return Result{}, nil
}

func (s *memSink) spanNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.spans...)
}

type servers struct {
	recv *Receiver
	reg  *prometheus.Registry
	grpc string // host:port
	http string // base URL
}

func startServers(t *testing.T, sink Sink, opts Options) servers {
	t.Helper()
	reg := prometheus.NewRegistry()
	opts.Sink, opts.Registry = sink, reg
	r := New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(r.ServerOptions()...)
	r.RegisterGRPC(gs)
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(gs.Stop)
	hs := httptest.NewServer(r.Handler())
	t.Cleanup(hs.Close)
	return servers{recv: r, reg: reg, grpc: ln.Addr().String(), http: hs.URL}
}

func sdkTracer(t *testing.T, exp sdktrace.SpanExporter) *sdktrace.TracerProvider {
	t.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("checkout"))))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

func TestOTLP_SDKExporters(t *testing.T) {
	sink := &memSink{}
	s := startServers(t, sink, Options{})
	ctx := context.Background()

	gexp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(s.grpc), otlptracegrpc.WithInsecure(), otlptracegrpc.WithCompressor("gzip"))
	if err != nil {
		t.Fatal(err)
	}
	_, span := sdkTracer(t, gexp).Tracer("test").Start(ctx, "grpc-span")
	grpcTrace := span.SpanContext().TraceID().String()
	span.End()

	hexp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(s.http+"/v1/traces"), otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	_, span = sdkTracer(t, hexp).Tracer("test").Start(ctx, "http-span")
	httpTrace := span.SpanContext().TraceID().String()
	span.End()

	got := strings.Join(sink.spanNames(), " ")
	for _, want := range []string{"grpc-span@" + grpcTrace, "http-span@" + httpTrace} {
		if !strings.Contains(got, want) {
			t.Errorf("sink has %q, want %s", got, want)
		}
	}

	mexp, err := otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(s.grpc), otlpmetricgrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(mexp, sdkmetric.WithInterval(time.Hour))))
	c, _ := mp.Meter("test").Int64Counter("requests")
	c.Add(ctx, 3)
	h, _ := mp.Meter("test").Float64Histogram("latency")
	h.Record(ctx, 0.25)
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mp.Shutdown(ctx) }() // exports the cumulative points once more
	sink.mu.Lock()
	points := sink.points
	sink.mu.Unlock()
	if points != 2 {
		t.Errorf("sink has %d data points, want 2", points)
	}
	if v := testutil.ToFloat64(s.recv.items.WithLabelValues("traces", "grpc", "accepted")); v != 1 {
		t.Errorf("accepted grpc spans = %v", v)
	}
	if v := testutil.ToFloat64(s.recv.items.WithLabelValues("traces", "http", "accepted")); v != 1 {
		t.Errorf("accepted http spans = %v", v)
	}
}

// tracesJSON is an OTLP/JSON export request with one good and one bad span.
const tracesJSON = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"payments"}}]},
 "scopeSpans":[{"spans":[
  {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"charge","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"},
  {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","name":"bad-span","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}`

func post(t *testing.T, url, ctype, enc string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func TestHTTP_JSONPartialSuccess(t *testing.T) {
	sink := &memSink{}
	s := startServers(t, sink, Options{})
	for _, enc := range []string{"", "gzip"} {
		body := []byte(tracesJSON)
		if enc == "gzip" {
			body = gz(body)
		}
		resp, b := post(t, s.http+"/v1/traces", "application/json", enc, body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%q: %d %s", enc, resp.StatusCode, b)
		}
		out := ptraceotlp.NewExportResponse()
		if err := out.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		if ps := out.PartialSuccess(); ps.RejectedSpans() != 1 || !strings.Contains(ps.ErrorMessage(), "refused") {
			t.Fatalf("%q: partial success = %d %q", enc, ps.RejectedSpans(), ps.ErrorMessage())
		}
	}
	if got := sink.spanNames(); len(got) != 2 || got[0] != "charge@5b8efff798038103d269b633813fc60c" {
		t.Fatalf("sink = %v", got)
	}
	if v := testutil.ToFloat64(s.recv.items.WithLabelValues("traces", "http", "rejected")); v != 2 {
		t.Errorf("rejected = %v, want 2", v)
	}
	// Logs in JSON reach the sink too.
	resp, b := post(t, s.http+"/v1/logs", "application/json", "", []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"payment declined"},"severityNumber":17}]}]}]}`))
	if resp.StatusCode != 200 || len(sink.logs) != 1 || sink.logs[0] != "payment declined" {
		t.Fatalf("logs: %d %s %v", resp.StatusCode, b, sink.logs)
	}
}

func TestHTTP_Errors(t *testing.T) {
	s := startServers(t, &memSink{}, Options{MaxRequestBytes: 4096})
	for _, tc := range []struct {
		name, ctype, enc string
		body             []byte
		status           int
	}{
		{"text body", "text/plain", "", []byte("hi"), 415},
		{"unknown encoding", "application/x-protobuf", "br", []byte("x"), 415},
		{"garbage protobuf", "application/x-protobuf", "", []byte{0xff, 0xff, 0xff}, 400},
		{"garbage JSON", "application/json", "", []byte(`{"resourceSpans": 7`), 400},
		{"bad gzip", "application/json", "gzip", []byte("not gzip"), 400},
		{"too large", "application/json", "", bytes.Repeat([]byte(" "), 5000), 413},
		{"zip bomb", "application/json", "gzip", gz(bytes.Repeat([]byte(" "), 1<<20)), 413},
	} {
		resp, b := post(t, s.http+"/v1/traces", tc.ctype, tc.enc, tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d (%s), want %d", tc.name, resp.StatusCode, b, tc.status)
		}
	}
	resp, err := http.Get(s.http + "/v1/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	if v := testutil.ToFloat64(s.recv.refused.WithLabelValues("traces", "http", "too_large")); v != 2 {
		t.Errorf("too_large refusals = %v, want 2", v)
	}
}

// TestOverload: with the sink stalled and the in-flight budget taken,
// new requests are refused at once with a retry delay on both transports,
// and counted; after the stall they are accepted again.
func TestOverload(t *testing.T) {
	sink := &memSink{hold: make(chan struct{})}
	s := startServers(t, sink, Options{MaxRequestBytes: 1 << 20, MaxInflightBytes: 1 << 20, AdmitWait: 20 * time.Millisecond, RetryAfter: 2 * time.Second})
	// A chunked request reserves the whole budget while the sink stalls.
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", s.http+"/v1/traces", io.MultiReader(strings.NewReader(tracesJSON)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(s.recv.inflight) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}

	resp, _ := post(t, s.http+"/v1/traces", "application/json", "", []byte(tracesJSON))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("HTTP under overload: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	conn, err := grpc.NewClient(s.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalJSON([]byte(tracesJSON)); err != nil {
		t.Fatal(err)
	}
	_, err = ptraceotlp.NewGRPCClient(conn).Export(context.Background(), req)
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("gRPC under overload: %v", err)
	}
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			retry = ri
		}
	}
	if retry == nil || retry.RetryDelay.AsDuration() != 2*time.Second {
		t.Fatalf("RESOURCE_EXHAUSTED without RetryInfo: %v", st.Details())
	}
	close(sink.hold)
	if code := <-done; code != 200 {
		t.Fatalf("the stalled request ended with %d", code)
	}
	if v := testutil.ToFloat64(s.recv.refused.WithLabelValues("traces", "http", "overloaded")); v != 1 {
		t.Errorf("http overloaded = %v", v)
	}
	if v := testutil.ToFloat64(s.recv.items.WithLabelValues("traces", "grpc", "refused")); v != 2 {
		t.Errorf("grpc refused spans = %v, want 2", v)
	}
	if resp, _ := post(t, s.http+"/v1/traces", "application/json", "", []byte(tracesJSON)); resp.StatusCode != 200 {
		t.Fatalf("after the stall: %d", resp.StatusCode)
	}
	if v := testutil.ToFloat64(s.recv.inflight); v != 0 {
		t.Fatalf("in-flight bytes after all requests = %v", v)
	}
}

func TestSinkFailure(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   codes.Code
	}{
		{ErrOverloaded, 429, codes.ResourceExhausted},
		{errors.New("disk full"), 503, codes.Unavailable},
	} {
		s := startServers(t, &memSink{err: tc.err}, Options{})
		resp, _ := post(t, s.http+"/v1/traces", "application/json", "", []byte(tracesJSON))
		if resp.StatusCode != tc.status || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%v: HTTP %d", tc.err, resp.StatusCode)
		}
		conn, _ := grpc.NewClient(s.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
		req := ptraceotlp.NewExportRequest()
		_ = req.UnmarshalJSON([]byte(tracesJSON))
		_, err := ptraceotlp.NewGRPCClient(conn).Export(context.Background(), req)
		conn.Close()
		if status.Code(err) != tc.code {
			t.Errorf("%v: gRPC %v", tc.err, err)
		}
	}
}

func TestAuthenticateAndUnsupported(t *testing.T) {
	sink := &memSink{}
	s := startServers(t, sink, Options{Authenticate: func(h string) error {
		if h != "Bearer good" {
			return errors.New("bad token")
		}
		return nil
	}})
	resp, _ := post(t, s.http+"/v1/traces", "application/json", "", []byte(tracesJSON))
	if resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", s.http+"/v1/traces", strings.NewReader(tracesJSON))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer good")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("good token: %v %v", resp, err)
	}
	conn, _ := grpc.NewClient(s.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	defer conn.Close()
	er := ptraceotlp.NewExportRequest()
	_ = er.UnmarshalJSON([]byte(tracesJSON))
	if _, err := ptraceotlp.NewGRPCClient(conn).Export(context.Background(), er); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("gRPC without token: %v", err)
	}
	if v := testutil.ToFloat64(s.recv.refused.WithLabelValues("traces", "grpc", "unauthenticated")); v != 1 {
		t.Errorf("grpc unauthenticated = %v", v)
	}

	u := startServers(t, &unsupportedSink{}, Options{})
	resp, _ = post(t, u.http+"/v1/metrics", "application/json", "", []byte(`{"resourceMetrics":[]}`))
	if resp.StatusCode != http.StatusNotImplemented || resp.Header.Get("Retry-After") != "" {
		t.Fatalf("unsupported over HTTP: %d", resp.StatusCode)
	}
}

type unsupportedSink struct{ memSink }

func (*unsupportedSink) Metrics(context.Context, pmetric.Metrics) (Result, error) {
	return Result{}, ErrUnsupported
}
