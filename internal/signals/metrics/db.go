package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
	otlptranslator "github.com/prometheus/prometheus/storage/remote/otlptranslator/prometheusremotewrite"
	"github.com/prometheus/prometheus/tsdb"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Defaults for [Options] fields left zero.
const (
	// DefaultRetention is how long samples are kept, as in Prometheus.
	DefaultRetention = 15 * 24 * time.Hour
	// DefaultOutOfOrderWindow is how far behind the newest sample of a
	// series a sample may arrive and still be accepted. OTLP senders batch
	// and retry, so some disorder is normal.
	DefaultOutOfOrderWindow = 10 * time.Minute
	// DefaultLookbackDelta is how far back PromQL looks for the latest
	// sample of a series, as in Prometheus.
	DefaultLookbackDelta = 5 * time.Minute
	// DefaultQueryTimeout bounds every query, as Prometheus's
	// --query.timeout does.
	DefaultQueryTimeout = 2 * time.Minute
	// DefaultMaxSamples bounds the samples a single query may hold in
	// memory, as Prometheus's --query.max-samples does.
	DefaultMaxSamples = 50_000_000
)

// Options configures [Open].
type Options struct {
	// Dir is the TSDB directory. It is created if missing. Required.
	Dir string
	// Retention is how long samples are kept; DefaultRetention if zero.
	Retention time.Duration
	// OutOfOrderWindow is how late a sample may be; DefaultOutOfOrderWindow
	// if zero.
	OutOfOrderWindow time.Duration
	// Logger receives the TSDB's and the engine's logs; slog.DiscardHandler
	// if nil.
	Logger *slog.Logger
	// Registerer receives the TSDB's and the engine's own metrics; may be
	// nil.
	Registerer prometheus.Registerer
}

// ErrNoDir is returned by [Open] when Options.Dir is empty.
var ErrNoDir = errors.New("metrics: Options.Dir is required")

// DB is an embedded Prometheus TSDB with a PromQL engine over it.
type DB struct {
	tsdb   *tsdb.DB
	engine *promql.Engine
	logger *slog.Logger

	// converters holds *otlptranslator.PrometheusConverter values; a
	// converter keeps per-call state, so each AddOTLP call takes its own.
	converters sync.Pool
}

// Open opens the TSDB in opts.Dir, creating it if needed, and replays its
// WAL. ctx is not retained.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Dir == "" {
		return nil, ErrNoDir
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.OutOfOrderWindow <= 0 {
		opts.OutOfOrderWindow = DefaultOutOfOrderWindow
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	topts := tsdb.DefaultOptions()
	topts.RetentionDuration = opts.Retention.Milliseconds()
	topts.OutOfOrderTimeWindow = opts.OutOfOrderWindow.Milliseconds()
	tdb, err := tsdb.Open(opts.Dir, logger.With("component", "tsdb"), opts.Registerer, topts, nil)
	if err != nil {
		return nil, fmt.Errorf("metrics: open tsdb in %s: %w", opts.Dir, err)
	}
	engine := promql.NewEngine(promql.EngineOpts{
		Logger:               logger.With("component", "query engine"),
		Reg:                  opts.Registerer,
		MaxSamples:           DefaultMaxSamples,
		Timeout:              DefaultQueryTimeout,
		LookbackDelta:        DefaultLookbackDelta,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
	})
	db := &DB{tsdb: tdb, engine: engine, logger: logger}
	db.converters.New = func() any { return otlptranslator.NewPrometheusConverter(nil) }
	return db, nil
}

// Close closes the engine and the TSDB. Closing the TSDB writes out and
// fsyncs the WAL's current segment, so after a clean Close even a power
// loss keeps every committed sample.
func (db *DB) Close() error {
	return errors.Join(db.engine.Close(), db.tsdb.Close())
}

// Queryable returns the storage that PromQL queries read.
func (db *DB) Queryable() storage.Queryable { return db.tsdb }

// Engine returns the PromQL engine shared by all queries against db: query
// timeout DefaultQueryTimeout, at most DefaultMaxSamples samples, lookback
// DefaultLookbackDelta.
func (db *DB) Engine() *promql.Engine { return db.engine }

// translatorSettings are the settings Prometheus's OTLP receiver uses by
// default (translation strategy UnderscoreEscapingWithSuffixes, no promoted
// resource attributes, no delta temporality, classic histograms).
var translatorSettings = otlptranslator.Settings{
	AddMetricSuffixes: true,
	AllowUTF8:         false,
	LookbackDelta:     DefaultLookbackDelta,
}

// AddOTLP translates md with Prometheus's OTLP translator, appends the
// samples and commits them. Samples the TSDB refuses (out of order, too
// old, duplicate timestamps with other values, invalid labels) and data
// points of metrics the translator refuses (delta temporality, unknown
// type) are counted in rejected, with a summary of the reasons in message,
// and the rest is stored: this is OTLP's partial success. A rejected count
// is in Prometheus samples for refused samples (a histogram data point
// becomes several samples) and in OTLP data points for refused metrics.
//
// err is non-nil only when nothing was stored: ctx ended, or the commit
// failed (for example the WAL could not be written).
func (db *DB) AddOTLP(ctx context.Context, md pmetric.Metrics) (rejected int64, message string, err error) {
	if err := ctx.Err(); err != nil {
		return 0, "", err
	}
	app := &countingAppender{AppenderV2: db.tsdb.AppenderV2(ctx)}
	conv := db.converters.Get().(*otlptranslator.PrometheusConverter)
	conv.Reset(app)
	defer func() {
		conv.Reset(nil)
		db.converters.Put(conv)
	}()

	_, terr := conv.FromMetrics(ctx, md, translatorSettings)
	if cerr := ctx.Err(); cerr != nil {
		_ = app.Rollback()
		return 0, "", cerr
	}
	if err := app.Commit(); err != nil {
		return 0, "", fmt.Errorf("metrics: commit: %w", err)
	}

	unsupported := unsupportedPoints(md)
	if terr != nil {
		n := unsupported
		if n == 0 {
			n = int64(countJoined(terr))
		}
		app.reject(n, "metric refused by the OTLP translator: "+firstLine(terr))
	}
	if app.rejected > 0 {
		db.logger.DebugContext(ctx, "otlp metrics partly rejected", "rejected", app.rejected, "reasons", app.message())
	}
	return app.rejected, app.message(), nil
}

// countingAppender keeps translating past samples the TSDB refuses, and
// counts them, so that one bad sample does not drop the rest of its
// metric.
type countingAppender struct {
	storage.AppenderV2
	rejected int64
	reasons  map[string]int64
}

func (a *countingAppender) Append(ref storage.SeriesRef, ls labels.Labels, st, t int64, v float64, h *histogram.Histogram, fh *histogram.FloatHistogram, opts storage.AppendV2Options) (storage.SeriesRef, error) {
	r, err := a.AppenderV2.Append(ref, ls, st, t, v, h, fh, opts)
	if err == nil {
		return r, nil
	}
	if _, ok := errors.AsType[*storage.AppendPartialError](err); ok {
		// The sample was stored; only exemplars were refused, and OTLP
		// partial success counts data points, not exemplars.
		return r, nil
	}
	a.reject(1, rejectReason(err))
	return r, nil
}

func (a *countingAppender) reject(n int64, reason string) {
	if n <= 0 {
		return
	}
	if a.reasons == nil {
		a.reasons = make(map[string]int64)
	}
	a.rejected += n
	a.reasons[reason] += n
}

// message summarises the reasons, most frequent first, for the OTLP
// partial_success error_message.
func (a *countingAppender) message() string {
	if a.rejected == 0 {
		return ""
	}
	keys := make([]string, 0, len(a.reasons))
	for k := range a.reasons {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y string) int {
		if a.reasons[x] != a.reasons[y] {
			return int(a.reasons[y] - a.reasons[x])
		}
		return strings.Compare(x, y)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d rejected:", a.rejected)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, " %s (%d)", k, a.reasons[k])
	}
	return b.String()
}

// rejectReason names a TSDB append error without the series-specific
// detail, so that reasons group.
func rejectReason(err error) string {
	for _, sentinel := range []error{
		storage.ErrOutOfOrderSample,
		storage.ErrTooOldSample,
		storage.ErrOutOfBounds,
		storage.ErrDuplicateSampleForTimestamp,
		storage.ErrOutOfOrderST,
		storage.ErrSTNewerThanSample,
		storage.ErrNativeHistogramsDisabled,
	} {
		if errors.Is(err, sentinel) {
			return sentinel.Error()
		}
	}
	return firstLine(err)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	const maxLen = 200
	if len(s) > maxLen {
		s = s[:maxLen] + "..."
	}
	return s
}

func countJoined(err error) int {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return len(j.Unwrap())
	}
	return 1
}

// unsupportedPoints counts the data points of metrics that the translator
// refuses with translatorSettings: metrics without a type, and sums and
// histograms whose temporality is not cumulative.
func unsupportedPoints(md pmetric.Metrics) int64 {
	var n int64
	rms := md.ResourceMetrics()
	for i := range rms.Len() {
		sms := rms.At(i).ScopeMetrics()
		for j := range sms.Len() {
			ms := sms.At(j).Metrics()
			for k := range ms.Len() {
				m := ms.At(k)
				switch m.Type() {
				case pmetric.MetricTypeEmpty:
					n++
				case pmetric.MetricTypeSum:
					if m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
						n += int64(m.Sum().DataPoints().Len())
					}
				case pmetric.MetricTypeHistogram:
					if m.Histogram().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
						n += int64(m.Histogram().DataPoints().Len())
					}
				case pmetric.MetricTypeExponentialHistogram:
					if m.ExponentialHistogram().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
						n += int64(m.ExponentialHistogram().DataPoints().Len())
					}
				case pmetric.MetricTypeGauge, pmetric.MetricTypeSummary:
				}
			}
		}
	}
	return n
}
