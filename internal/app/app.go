// Package app wires `opsloop serve` together: configuration, the state
// store, leader election, the HTTP API, and an orderly start and stop. It
// is the one package that imports the others.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/grpc"

	"github.com/opsloop/opsloop/internal/config"
	"github.com/opsloop/opsloop/internal/intake"
	"github.com/opsloop/opsloop/internal/leader"
	"github.com/opsloop/opsloop/internal/signals/logs"
	"github.com/opsloop/opsloop/internal/signals/metrics"
	"github.com/opsloop/opsloop/internal/signals/spans"
	"github.com/opsloop/opsloop/internal/store/stores"
	"github.com/opsloop/opsloop/internal/web"
)

// Options configure Run.
type Options struct {
	Config  config.Config
	Logger  *slog.Logger
	Version string
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// OnListening, when set, is called once every listener is up, with
	// the addresses they are bound to (a ":0" port resolved).
	OnListening func(Addrs)
}

// Addrs are the bound listen addresses.
type Addrs struct {
	HTTP     string
	OTLPGRPC string
	OTLPHTTP string
}

// ErrConfig marks a configuration that cannot run.
var ErrConfig = errors.New("configuration")

// Run serves until ctx is done, then shuts down within the configured
// timeout: the readiness probe fails first, the listeners stop accepting,
// requests in flight finish, the leader lease is released and the store
// is closed.
func Run(ctx context.Context, opts Options) error {
	cfg := opts.Config
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	auth, err := web.NewAuthenticator(cfg.Auth.Tokens, getenv)
	if err != nil {
		return fmt.Errorf("%w: auth: %w", ErrConfig, err)
	}
	if auth.Open() {
		for _, addr := range []string{cfg.HTTP.Addr, cfg.OTLP.GRPCAddr, cfg.OTLP.HTTPAddr} {
			if !config.Loopback(addr) {
				return fmt.Errorf("%w: refusing to listen on %s without any API token: anyone who can reach it could act as admin or write telemetry. "+
					"Add auth.tokens to opsloop.yaml (opsloop token new prints one) or set %s, or listen on 127.0.0.1", ErrConfig, addr, web.EnvTokens)
			}
		}
	}

	st, err := stores.Open(ctx, cfg.Store.URL, cfg.DataDir)
	if err != nil {
		return fmt.Errorf("state store: %w", err)
	}
	defer st.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "opsloop_build_info", Help: "Always 1; the labels say which build is running.",
	}, []string{"version", "goversion"})
	buildInfo.WithLabelValues(opts.Version, runtime.Version()).Set(1)
	isLeader := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "opsloop_leader", Help: "1 while this replica holds the leader lease.",
	})
	reg.MustRegister(buildInfo, isLeader)

	host, _ := os.Hostname()
	el := leader.New(st, "opsloop-leader", fmt.Sprintf("%s/%d/%s", host, os.Getpid(), randomSuffix()), cfg.Store.LeaseTTL, log)
	el.OnChange = func(held bool) {
		if held {
			isLeader.Set(1)
		} else {
			isLeader.Set(0)
		}
	}

	srv := web.New(web.Options{
		Logger: log, Auth: auth, Store: st, Registry: reg, Version: opts.Version,
		MaxRequestBytes: cfg.HTTP.MaxRequestBytes, Leader: el.IsLeader,
	})
	mdb, err := metrics.Open(ctx, metrics.Options{Dir: filepath.Join(cfg.DataDir, "tsdb"), Retention: cfg.Metrics.Retention, Logger: log, Registerer: reg})
	if err != nil {
		return fmt.Errorf("metrics store: %w", err)
	}
	defer mdb.Close()
	srv.RegisterPrometheusAPI(mdb.RegisterAPI)
	spanStore := spans.New(spans.Options{MaxBytes: cfg.Spans.MaxBytes, MaxAge: cfg.Spans.MaxAge})
	logStore := logs.New(logs.Options{MaxBytes: cfg.Logs.MaxBytes, MaxAge: cfg.Logs.MaxAge})
	srv.RegisterSpans(spanStore)
	srv.RegisterLogs(logStore)
	recv := intake.New(intake.Options{
		Sink: &sink{metrics: mdb, spans: spanStore, logs: logStore}, Logger: log, Registry: reg, MaxRequestBytes: cfg.OTLP.MaxRequestBytes,
		Authenticate: func(h string) error {
			p, err := auth.AuthenticateHeader(h)
			if err == nil && !p.Allows("operator") {
				err = fmt.Errorf("writing telemetry needs the operator role; %q has %s", p.Name, p.Role)
			}
			return err
		},
	})

	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	grpcLn, err := net.Listen("tcp", cfg.OTLP.GRPCAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("otlp grpc: %w", err)
	}
	otlpLn, err := net.Listen("tcp", cfg.OTLP.HTTPAddr)
	if err != nil {
		ln.Close()
		grpcLn.Close()
		return fmt.Errorf("otlp http: %w", err)
	}
	gs := grpc.NewServer(recv.ServerOptions()...)
	recv.RegisterGRPC(gs)
	otlpHTTP := newHTTPServer(recv.Handler(), log)
	hs := newHTTPServer(srv.Handler(), log)
	serveErr := make(chan error, 3)
	go func() { serveErr <- hs.Serve(ln) }()
	go func() { serveErr <- gs.Serve(grpcLn) }()
	go func() { serveErr <- otlpHTTP.Serve(otlpLn) }()
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSweep()
	go sweep(sweepCtx, spanStore, logStore)

	elCtx, stopElector := context.WithCancel(context.WithoutCancel(ctx))
	elDone := make(chan struct{})
	go func() { defer close(elDone); el.Run(elCtx) }()

	addrs := Addrs{HTTP: ln.Addr().String(), OTLPGRPC: grpcLn.Addr().String(), OTLPHTTP: otlpLn.Addr().String()}
	log.Info("opsloop serving", "http", addrs.HTTP, "otlp_grpc", addrs.OTLPGRPC, "otlp_http", addrs.OTLPHTTP, "store", st.Kind(), "data_dir", cfg.DataDir,
		"auth", map[bool]string{true: "open (loopback only)", false: "bearer tokens"}[auth.Open()], "version", opts.Version)
	if opts.OnListening != nil {
		opts.OnListening(addrs)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		runErr = fmt.Errorf("a listener stopped: %w", err)
	}

	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	start := time.Now()
	srv.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	// Intake first: requests in flight finish and are stored (they are
	// acknowledged only then); new ones are refused.
	stopped := make(chan struct{})
	go func() { gs.GracefulStop(); close(stopped) }()
	if err := otlpHTTP.Shutdown(sctx); err != nil {
		log.Warn("OTLP/HTTP requests still running at the shutdown deadline were cut off", "err", err)
		_ = otlpHTTP.Close()
	}
	select {
	case <-stopped:
	case <-sctx.Done():
		log.Warn("OTLP/gRPC calls still running at the shutdown deadline were cut off")
		gs.Stop()
	}
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("requests still running at the shutdown deadline were cut off", "err", err)
		_ = hs.Close()
	}
	stopElector()
	select {
	case <-elDone:
	case <-sctx.Done():
	}
	log.Info("stopped", "took", time.Since(start).Round(time.Millisecond).String())
	return runErr
}

// sink stores what intake receives: metrics in the TSDB (committed to its
// WAL before the request is acknowledged), spans and logs in their
// stores.
type sink struct {
	metrics *metrics.DB
	spans   *spans.Store
	logs    *logs.Store
}

func (s *sink) Traces(_ context.Context, td ptrace.Traces) (intake.Result, error) {
	rejected, msg := s.spans.Add(td)
	return intake.Result{Rejected: rejected, Message: msg}, nil
}

func (s *sink) Metrics(ctx context.Context, md pmetric.Metrics) (intake.Result, error) {
	rejected, msg, err := s.metrics.AddOTLP(ctx, md)
	return intake.Result{Rejected: rejected, Message: msg}, err
}

func (s *sink) Logs(_ context.Context, ld plog.Logs) (intake.Result, error) {
	rejected, msg := s.logs.Add(ld)
	return intake.Result{Rejected: rejected, Message: msg}, nil
}

// newHTTPServer returns a server for h with the timeouts every opsloop
// listener uses and its errors in the log.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// sweep evicts aged-out telemetry every 30 seconds until ctx is done.
func sweep(ctx context.Context, st *spans.Store, ls *logs.Store) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st.Sweep()
			ls.Sweep()
		}
	}
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
