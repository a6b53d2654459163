package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opsloop/opsloop/internal/signals/logs"
	"github.com/opsloop/opsloop/internal/signals/spans"
)

// RegisterSpans serves the span store: a trace by ID, trace search and the
// service graph, for viewers.
func (s *Server) RegisterSpans(st *spans.Store) {
	s.Handle("GET /api/v1/traces/{traceID}", "viewer", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("traceID")
		if len(id) != 32 || strings.Trim(strings.ToLower(id), "0123456789abcdef") != "" {
			writeError(w, r, http.StatusBadRequest, "bad_parameter", fmt.Sprintf("trace ID %q: want 32 hexadecimal characters", id))
			return
		}
		t := st.Trace(id)
		if t == nil {
			writeError(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("no trace %s in the span store (it keeps recent spans only)", id))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"trace_id": strings.ToLower(id), "spans": t})
	}))
	s.Handle("GET /api/v1/traces", "viewer", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		query := spans.Query{Service: q.Get("service"), Operation: q.Get("operation"), Status: q.Get("status")}
		var err error
		if query.Start, query.End, err = timeRange(q.Get("start"), q.Get("end"), 0); err != nil {
			writeError(w, r, http.StatusBadRequest, "bad_parameter", err.Error())
			return
		}
		if v := q.Get("min_duration"); v != "" {
			if query.MinDuration, err = time.ParseDuration(v); err != nil {
				writeError(w, r, http.StatusBadRequest, "bad_parameter", fmt.Sprintf("min_duration=%q: want a duration such as 250ms", v))
				return
			}
		}
		if v := q.Get("limit"); v != "" {
			if query.Limit, err = strconv.Atoi(v); err != nil {
				writeError(w, r, http.StatusBadRequest, "bad_parameter", fmt.Sprintf("limit=%q: want an integer", v))
				return
			}
		}
		found, err := st.Search(query)
		if errors.Is(err, spans.ErrInvalidQuery) {
			writeError(w, r, http.StatusBadRequest, "bad_parameter", err.Error())
			return
		} else if err != nil {
			s.internalError(w, r, err)
			return
		}
		if found == nil {
			found = []spans.TraceSummary{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"traces": found})
	}))
	s.Handle("GET /api/v1/servicegraph", "viewer", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start, end, err := timeRange(r.URL.Query().Get("start"), r.URL.Query().Get("end"), 15*time.Minute)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "bad_parameter", err.Error())
			return
		}
		g := st.ServiceGraph(start, end)
		if g.Nodes == nil {
			g.Nodes = []spans.Node{}
		}
		if g.Edges == nil {
			g.Edges = []spans.Edge{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"start": start, "end": end, "nodes": g.Nodes, "edges": g.Edges})
	}))
}

// timeRange parses start and end (RFC 3339 or Unix seconds). With a
// non-zero lookback a missing range means the last lookback up to now;
// otherwise a missing side stays open (zero).
func timeRange(startS, endS string, lookback time.Duration) (start, end time.Time, err error) {
	parse := func(name, v string) (time.Time, error) {
		if v == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, nil
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return time.Unix(0, int64(f*1e9)), nil
		}
		return time.Time{}, fmt.Errorf("%s=%q: want RFC 3339 or Unix seconds", name, v)
	}
	if start, err = parse("start", startS); err != nil {
		return
	}
	if end, err = parse("end", endS); err != nil {
		return
	}
	if lookback > 0 {
		if end.IsZero() {
			end = time.Now()
		}
		if start.IsZero() {
			start = end.Add(-lookback)
		}
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		err = fmt.Errorf("end %s is before start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	return
}

// RegisterLogs serves log search for viewers.
func (s *Server) RegisterLogs(st *logs.Store) {
	s.Handle("GET /api/v1/logs", "viewer", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		query := logs.Query{Service: q.Get("service"), TraceID: q.Get("trace_id"), Text: q.Get("q")}
		var err error
		if query.Start, query.End, err = timeRange(q.Get("start"), q.Get("end"), 0); err != nil {
			writeError(w, r, http.StatusBadRequest, "bad_parameter", err.Error())
			return
		}
		for name, dst := range map[string]*int{"min_severity": &query.MinSeverity, "limit": &query.Limit} {
			if v := q.Get(name); v != "" {
				if *dst, err = strconv.Atoi(v); err != nil {
					writeError(w, r, http.StatusBadRequest, "bad_parameter", fmt.Sprintf("%s=%q: want an integer", name, v))
					return
				}
			}
		}
		recs, err := st.Search(query)
		if errors.Is(err, logs.ErrInvalidQuery) {
			writeError(w, r, http.StatusBadRequest, "bad_parameter", err.Error())
			return
		} else if err != nil {
			s.internalError(w, r, err)
			return
		}
		if recs == nil {
			recs = []logs.Record{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"records": recs})
	}))
}

// RegisterPrometheusAPI serves a Prometheus-compatible query API (the
// routes api registers on a mux of its own) to viewers, so that Grafana
// can use opsloop as a Prometheus data source. Queries are reads whatever
// their method, so they are not audited.
func (s *Server) RegisterPrometheusAPI(register func(*http.ServeMux)) {
	inner := http.NewServeMux()
	register(inner)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, path := range []string{"/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels"} {
			s.HandleRead(method+" "+path, "viewer", inner)
		}
	}
	s.HandleRead("GET /api/v1/label/{name}/values", "viewer", inner)
}
