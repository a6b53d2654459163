// Package web serves opsloop's HTTP API and, later, its UI: routing,
// authentication and roles, request IDs, access logs, metrics, JSON errors
// and the audit record of every state-changing request.
//
// Later subsystems add their endpoints with [Server.Handle], naming the
// least role that may call each; everything else (auth, limits, logging,
// auditing) comes with the server.
package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/opsloop/opsloop/internal/store"
)

// OpenAPI is the API description served at /api/v1/openapi.json; docs/
// holds the same file.
//
//go:embed openapi.json
var OpenAPI []byte

// Options configure a Server.
type Options struct {
	Logger *slog.Logger
	Auth   *Authenticator
	Store  store.Store
	// Registry receives the server's metrics and is served at /metrics.
	Registry *prometheus.Registry
	Version  string
	// MaxRequestBytes bounds request bodies (default 1 MiB).
	MaxRequestBytes int64
	// Leader reports whether this replica holds the leader lease; nil
	// means it always does (a single process).
	Leader func() bool
	// Ready reports whether the server can take traffic; /readyz also
	// pings the store.
	Ready func(context.Context) error
}

// Server is the HTTP API.
type Server struct {
	opts     Options
	mux      *http.ServeMux
	started  time.Time
	draining atomic.Bool

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

// New builds a Server with the built-in endpoints.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxRequestBytes <= 0 {
		opts.MaxRequestBytes = 1 << 20
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	s := &Server{opts: opts, mux: http.NewServeMux(), started: time.Now()}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "opsloop_http_requests_total",
		Help: "HTTP requests served, by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "opsloop_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request, by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route"})
	s.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "opsloop_http_requests_in_flight",
		Help: "HTTP requests being served.",
	})
	opts.Registry.MustRegister(s.requests, s.duration, s.inflight)

	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.Handle("GET /metrics", "viewer", promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{Registry: opts.Registry}))
	s.Handle("GET /api/v1/openapi.json", "viewer", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(OpenAPI)
	}))
	s.Handle("GET /api/v1/status", "viewer", http.HandlerFunc(s.status))
	s.Handle("GET /api/v1/whoami", "viewer", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, PrincipalFrom(r.Context()))
	}))
	s.Handle("GET /api/v1/audit", "admin", http.HandlerFunc(s.listAudit))
	s.Handle("GET /api/v1/audit/verify", "admin", http.HandlerFunc(s.verifyAudit))
	s.mux.HandleFunc("/api/", s.noRoute)
	return s
}

// noRoute answers API requests no route takes: 405 with Allow when the
// path exists for other methods, 404 otherwise, both as JSON.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("%s %s: allowed methods are %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	writeError(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("no endpoint %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path))
}

// Handle registers h for pattern (a net/http pattern with a method) for
// callers whose role is at least role. Requests with a method other than
// GET, HEAD and OPTIONS are recorded in the audit trail with who made them.
func (s *Server) Handle(pattern, role string, h http.Handler) {
	s.mux.Handle(pattern, s.authorize(role, true, h))
}

// HandleRead is Handle for endpoints that change nothing whatever their
// method (PromQL queries accept POST): they are not audited.
func (s *Server) HandleRead(pattern, role string, h http.Handler) {
	s.mux.Handle(pattern, s.authorize(role, false, h))
}

// Handler returns the server's handler with every middleware applied.
func (s *Server) Handler() http.Handler {
	return s.observe(s.mux)
}

// Drain makes /readyz fail, so that load balancers stop sending traffic
// while the process shuts down.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	problems := map[string]string{}
	if s.draining.Load() {
		problems["server"] = "shutting down"
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.opts.Store != nil {
		if err := s.opts.Store.Ping(ctx); err != nil {
			problems["store"] = err.Error()
		}
	}
	if s.opts.Ready != nil {
		if err := s.opts.Ready(ctx); err != nil {
			problems["server"] = err.Error()
		}
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "problems": problems})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ready": true})
}

// Status is the body of GET /api/v1/status.
type Status struct {
	Version   string    `json:"version"`
	GoVersion string    `json:"go_version"`
	Started   time.Time `json:"started"`
	Uptime    string    `json:"uptime"`
	Store     string    `json:"store"`
	Leader    bool      `json:"leader"`
}

func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	st := Status{Version: s.opts.Version, Started: s.started.UTC(), Uptime: time.Since(s.started).Round(time.Second).String(), Leader: true}
	if bi, ok := debug.ReadBuildInfo(); ok {
		st.GoVersion = bi.GoVersion
	}
	if s.opts.Store != nil {
		st.Store = s.opts.Store.Kind()
	}
	if s.opts.Leader != nil {
		st.Leader = s.opts.Leader()
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	q := store.AuditQuery{Actor: r.URL.Query().Get("actor")}
	for key, dst := range map[string]*int64{"after": &q.AfterSeq} {
		if v := r.URL.Query().Get(key); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				writeError(w, r, http.StatusBadRequest, "bad_parameter", fmt.Sprintf("%s=%q: want a non-negative integer", key, v))
				return
			}
			*dst = n
		}
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, r, http.StatusBadRequest, "bad_parameter", fmt.Sprintf("limit=%q: want an integer from 1 to 1000", v))
			return
		}
		q.Limit = n
	}
	recs, err := s.opts.Store.ListAudit(r.Context(), q)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if recs == nil {
		recs = []store.AuditRecord{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": recs})
}

func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) {
	bad, err := s.opts.Store.VerifyAudit(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"intact": bad == 0, "first_bad_seq": bad})
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.opts.Logger.ErrorContext(r.Context(), "request failed", "err", err, "request_id", RequestID(r.Context()))
	writeError(w, r, http.StatusInternalServerError, "internal", "the server failed to handle the request; the log has details under request_id")
}

// APIError is the body of every error response.
type APIError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	writeJSON(w, status, APIError{Code: code, Message: msg, RequestID: RequestID(r.Context())})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		b, status = []byte(`{"code":"internal","message":"response could not be encoded"}`), http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// errTooLarge is what a body read returns past MaxRequestBytes.
var errTooLarge *http.MaxBytesError

// DecodeJSON decodes a request body strictly into v, writing the error
// response itself and returning false when the body is not acceptable.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.As(err, &errTooLarge) {
			writeError(w, r, http.StatusRequestEntityTooLarge, "too_large", err.Error())
			return false
		}
		writeError(w, r, http.StatusBadRequest, "bad_json", "request body: "+err.Error())
		return false
	}
	if dec.More() {
		writeError(w, r, http.StatusBadRequest, "bad_json", "request body: more than one JSON value")
		return false
	}
	return true
}
