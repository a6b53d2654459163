package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opsloop/opsloop/internal/store"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyTraceID
	keyPrincipal
	keyActor // *Principal that authorize fills in, for the access log
)

// RequestID returns the ID of the request ctx belongs to.
func RequestID(ctx context.Context) string { s, _ := ctx.Value(keyRequestID).(string); return s }

// TraceID returns the W3C trace ID of the request ctx belongs to.
func TraceID(ctx context.Context) string { s, _ := ctx.Value(keyTraceID).(string); return s }

// PrincipalFrom returns who made the request ctx belongs to.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(keyPrincipal).(Principal)
	return p
}

// requestIDPattern keeps client-chosen request IDs short and printable.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// traceparent is the W3C Trace Context header: version-traceid-spanid-flags.
var traceparent = regexp.MustCompile(`^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$`)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter records the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives every request an ID and a trace ID, bounds its body,
// recovers panics, and logs and counts it.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !requestIDPattern.MatchString(id) {
			id = randomHex(8)
		}
		trace := ""
		if m := traceparent.FindStringSubmatch(r.Header.Get("Traceparent")); m != nil && m[1] != "00000000000000000000000000000000" {
			trace = m[1]
		} else {
			trace = randomHex(16)
		}
		w.Header().Set("X-Request-ID", id)
		actor := new(Principal)
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		ctx = context.WithValue(ctx, keyTraceID, trace)
		ctx = context.WithValue(ctx, keyActor, actor)
		r = r.WithContext(ctx)
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxRequestBytes)
		sw := &statusWriter{ResponseWriter: w}
		s.inflight.Inc()
		defer func() {
			s.inflight.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.opts.Logger.ErrorContext(ctx, "handler panicked", "panic", fmt.Sprint(p), "request_id", id, "trace_id", trace)
				if sw.status == 0 {
					writeError(sw, r, http.StatusInternalServerError, "internal", "the server failed to handle the request; the log has details under request_id")
				}
			}
			pattern := r.Pattern
			if pattern == "" {
				pattern = "unmatched"
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			s.requests.WithLabelValues(pattern, r.Method, strconv.Itoa(sw.status)).Inc()
			s.duration.WithLabelValues(pattern).Observe(d.Seconds())
			s.opts.Logger.LogAttrs(ctx, levelFor(sw.status, pattern), "http request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", pattern),
				slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes), slog.Duration("duration", d),
				slog.String("actor", actor.Name), slog.String("remote", r.RemoteAddr),
				slog.String("request_id", id), slog.String("trace_id", trace))
		}()
		next.ServeHTTP(sw, r)
	})
}

// levelFor keeps probes and scrapes out of the info log and raises
// failures.
func levelFor(status int, pattern string) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case pattern == "GET /healthz" || pattern == "GET /readyz" || pattern == "GET /metrics":
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// authorize authenticates the caller, checks its role and records
// state-changing requests in the audit trail.
func (s *Server) authorize(role string, audited bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.opts.Auth.Authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="opsloop"`)
			writeError(w, r, http.StatusUnauthorized, "unauthorized", err.Error())
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), keyPrincipal, p))
		if slot, ok := r.Context().Value(keyActor).(*Principal); ok {
			*slot = p
		}
		safe := !audited || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
		if !p.Allows(role) {
			writeError(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("%s %s needs the %s role; %q has %s", r.Method, r.Pattern, role, p.Name, p.Role))
			if !safe {
				s.audit(r, p, http.StatusForbidden) // a refused attempt is worth a record too
			}
			return
		}
		if safe {
			next.ServeHTTP(w, r)
			return
		}
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		next.ServeHTTP(sw, r)
		s.audit(r, p, sw.status)
	})
}

// auditText makes a client-supplied string fit an audit field: valid
// UTF-8, no NUL, at most store.MaxFieldLen bytes (cut on a rune boundary).
func auditText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= store.MaxFieldLen {
		return s
	}
	cut := store.MaxFieldLen - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// audit appends the record of a state-changing request. It runs after the
// handler, so the record has the outcome; a failure to record is logged
// loudly but cannot undo what the handler did.
func (s *Server) audit(r *http.Request, p Principal, status int) {
	if s.opts.Store == nil {
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	detail, _ := json.Marshal(map[string]string{"remote": r.RemoteAddr, "user_agent": auditText(r.UserAgent()), "trace_id": TraceID(r.Context())})
	rec := store.AuditRecord{
		Actor: p.Name, Role: p.Role, Action: r.Pattern, Target: auditText(r.URL.Path),
		RequestID: RequestID(r.Context()), Status: status, Detail: string(detail),
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if _, err := s.opts.Store.AppendAudit(ctx, rec); err != nil {
		s.opts.Logger.ErrorContext(ctx, "audit record not written", "err", err, "actor", p.Name, "action", rec.Action, "request_id", rec.RequestID)
	}
}
