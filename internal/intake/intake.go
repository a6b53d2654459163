// Package intake receives telemetry: OTLP traces, metrics and logs over
// gRPC and HTTP (protobuf or JSON, optionally gzip-compressed), decoded
// with the OpenTelemetry collector's pdata packages, and handed to a
// [Sink].
//
// # Acknowledgement and backpressure
//
// A request is acknowledged only after the sink has taken it, so nothing
// acknowledged sits in a queue that a crash could lose. What bounds memory
// is admission: every request reserves its size from a budget of in-flight
// bytes before it is read (and more if it decodes larger); a request that
// cannot get its share within AdmitWait is refused with HTTP 429 or gRPC
// RESOURCE_EXHAUSTED and a retry delay, which OTLP exporters honour. Every
// refusal and rejection is counted in the metrics; nothing is dropped
// silently.
//
// # Partial success
//
// A sink may reject some items of a request (for example spans without a
// trace ID); the response then carries OTLP's partial_success with the
// number rejected and why, and the rest is kept.
package intake

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"golang.org/x/sync/semaphore"
)

// Sink stores decoded telemetry. Each call returns once the data is
// stored or rejected; the sink owns the data from then on.
type Sink interface {
	Traces(ctx context.Context, td ptrace.Traces) (Result, error)
	Metrics(ctx context.Context, md pmetric.Metrics) (Result, error)
	Logs(ctx context.Context, ld plog.Logs) (Result, error)
}

// Result is what a sink did not take: the number of items (spans, data
// points or log records) and why.
type Result struct {
	Rejected int64
	Message  string
}

// ErrUnsupported is returned by a sink that does not take a signal at
// all; the client is told so (501 / UNIMPLEMENTED), not to retry.
var ErrUnsupported = errors.New("this signal is not supported")

// ErrOverloaded is returned by a sink that cannot take data right now;
// the client is told to retry later (429 / RESOURCE_EXHAUSTED). Any other
// sink error is answered with 503 / UNAVAILABLE, also retryable.
var ErrOverloaded = errors.New("overloaded")

// Defaults for Options.
const (
	DefaultMaxRequestBytes  = 8 << 20
	DefaultMaxInflightBytes = 64 << 20
	DefaultAdmitWait        = 100 * time.Millisecond
	DefaultRetryAfter       = time.Second
)

// Options configure a Receiver.
type Options struct {
	Sink   Sink
	Logger *slog.Logger
	// Registry receives the intake metrics (none when nil).
	Registry prometheus.Registerer
	// MaxRequestBytes bounds one request after decompression.
	MaxRequestBytes int64
	// MaxInflightBytes is the admission budget shared by all requests.
	MaxInflightBytes int64
	// AdmitWait is how long a request may wait for budget.
	AdmitWait time.Duration
	// RetryAfter is the delay suggested to refused clients.
	RetryAfter time.Duration
	// Authenticate, when set, checks the Authorization header (HTTP) or
	// metadata (gRPC) of every request; an error refuses it (401 /
	// UNAUTHENTICATED).
	Authenticate func(authorization string) error
}

// Receiver serves OTLP over HTTP ([Receiver.Handler]) and gRPC
// ([Receiver.RegisterGRPC]).
type Receiver struct {
	opts   Options
	budget *semaphore.Weighted

	items    *prometheus.CounterVec // by signal, transport, outcome
	refused  *prometheus.CounterVec // requests, by signal, transport, reason
	inflight prometheus.Gauge
	latency  *prometheus.HistogramVec
}

// New returns a Receiver.
func New(opts Options) *Receiver {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxRequestBytes <= 0 {
		opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if opts.MaxInflightBytes <= 0 {
		opts.MaxInflightBytes = DefaultMaxInflightBytes
	}
	if opts.MaxInflightBytes < opts.MaxRequestBytes {
		opts.MaxInflightBytes = opts.MaxRequestBytes
	}
	if opts.AdmitWait <= 0 {
		opts.AdmitWait = DefaultAdmitWait
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	r := &Receiver{opts: opts, budget: semaphore.NewWeighted(opts.MaxInflightBytes)}
	r.items = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "opsloop_intake_items_total",
		Help: "Spans, metric data points and log records received, by signal, transport and outcome (accepted, rejected, refused).",
	}, []string{"signal", "transport", "outcome"})
	r.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "opsloop_intake_refused_requests_total",
		Help: "Export requests refused whole, by signal, transport and reason (overloaded, unavailable, too_large, bad_request, unsupported).",
	}, []string{"signal", "transport", "reason"})
	r.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "opsloop_intake_inflight_bytes",
		Help: "Bytes of export requests admitted and not yet answered.",
	})
	r.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "opsloop_intake_request_duration_seconds",
		Help:    "Time from receiving an export request to answering it, by signal and transport.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"signal", "transport"})
	if opts.Registry != nil {
		opts.Registry.MustRegister(r.items, r.refused, r.inflight, r.latency)
	}
	return r
}

// admit reserves n bytes of the in-flight budget, waiting at most
// AdmitWait. It returns a function that gives them back.
func (r *Receiver) admit(ctx context.Context, n int64) (release func(), ok bool) {
	n = min(max(n, 1), r.opts.MaxInflightBytes)
	if !r.budget.TryAcquire(n) {
		wctx, cancel := context.WithTimeout(ctx, r.opts.AdmitWait)
		defer cancel()
		if r.budget.Acquire(wctx, n) != nil {
			return nil, false
		}
	}
	r.inflight.Add(float64(n))
	return func() {
		r.inflight.Sub(float64(n))
		r.budget.Release(n)
	}, true
}

// signal describes one OTLP signal for the transports.
type signal struct {
	name string // traces, metrics, logs
	path string // the OTLP/HTTP path
}

var (
	sigTraces  = signal{"traces", "/v1/traces"}
	sigMetrics = signal{"metrics", "/v1/metrics"}
	sigLogs    = signal{"logs", "/v1/logs"}
)

// count records the outcome of a request's items.
func (r *Receiver) count(sig signal, transport string, total int64, res Result) {
	rejected := min(max(res.Rejected, 0), total)
	r.items.WithLabelValues(sig.name, transport, "accepted").Add(float64(total - rejected))
	if rejected > 0 {
		r.items.WithLabelValues(sig.name, transport, "rejected").Add(float64(rejected))
	}
}

// refuse records a request refused whole.
func (r *Receiver) refuse(sig signal, transport, reason string, items int64) {
	r.refused.WithLabelValues(sig.name, transport, reason).Inc()
	if items > 0 {
		r.items.WithLabelValues(sig.name, transport, "refused").Add(float64(items))
	}
}
