package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"
)

// errorType is the Prometheus API's errorType field.
type errorType string

// The error types this API answers with, and their HTTP status codes, as
// in Prometheus's web/api/v1.
const (
	errorBadData   errorType = "bad_data"  // 400
	errorExecution errorType = "execution" // 422
	errorCanceled  errorType = "canceled"  // 503
	errorTimeout   errorType = "timeout"   // 503
	errorInternal  errorType = "internal"  // 500
)

func (t errorType) status() int {
	switch t {
	case errorBadData:
		return http.StatusBadRequest
	case errorExecution:
		return http.StatusUnprocessableEntity
	case errorCanceled, errorTimeout:
		return http.StatusServiceUnavailable
	case errorInternal:
		return http.StatusInternalServerError
	}
	return http.StatusInternalServerError
}

// apiError is an error with the errorType the API reports it as.
type apiError struct {
	typ errorType
	err error
}

func (e *apiError) Error() string { return e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

func badData(err error) *apiError { return &apiError{errorBadData, err} }

// maxWarnings and maxInfos bound the annotations a response carries, as
// Prometheus does.
const maxWarnings, maxInfos = 10, 10

// RegisterAPI registers the Prometheus HTTP query API subset on mux, for
// both GET and POST (form-encoded) requests:
//
//	/api/v1/query              query, time, timeout
//	/api/v1/query_range        query, start, end, step, timeout
//	/api/v1/series             match[] (required), start, end
//	/api/v1/labels             match[], start, end
//	/api/v1/label/{name}/values  match[], start, end (GET only, as in Prometheus)
//
// Responses are the JSON Prometheus answers with, so Grafana can use the
// server as a Prometheus data source.
func (db *DB) RegisterAPI(mux *http.ServeMux) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		mux.Handle(method+" /api/v1/query", db.apiHandler(db.query))
		mux.Handle(method+" /api/v1/query_range", db.apiHandler(db.queryRange))
		mux.Handle(method+" /api/v1/series", db.apiHandler(db.series))
		mux.Handle(method+" /api/v1/labels", db.apiHandler(db.labelNames))
	}
	mux.Handle("GET /api/v1/label/{name}/values", db.apiHandler(db.labelValues))
}

// apiResult is a successful answer: data is already-encoded JSON.
type apiResult struct {
	data     []byte
	warnings annotations.Annotations
	query    string
}

type apiFunc func(r *http.Request) (apiResult, error)

func (db *DB) apiHandler(f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			writeError(w, badData(fmt.Errorf("error parsing form values: %w", err)))
			return
		}
		res, err := f(r)
		if err != nil {
			if ae, ok := errors.AsType[*apiError](err); ok && ae.typ == errorInternal {
				db.logger.ErrorContext(r.Context(), "query api", "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
			return
		}
		b := make([]byte, 0, len(res.data)+64)
		b = append(b, `{"status":"success","data":`...)
		b = append(b, res.data...)
		warnings, infos := res.warnings.AsStrings(res.query, maxWarnings, maxInfos)
		b = appendStrings(b, "warnings", warnings)
		b = appendStrings(b, "infos", infos)
		b = append(b, '}')
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
	})
}

func appendStrings(b []byte, key string, ss []string) []byte {
	if len(ss) == 0 {
		return b
	}
	b = append(b, ',')
	b = appendString(b, key)
	b = append(b, ':', '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func writeError(w http.ResponseWriter, err error) {
	typ := errorInternal
	if ae, ok := errors.AsType[*apiError](err); ok {
		typ = ae.typ
	}
	body, _ := json.Marshal(struct {
		Status    string    `json:"status"`
		ErrorType errorType `json:"errorType"`
		Error     string    `json:"error"`
	}{"error", typ, err.Error()})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(typ.status())
	_, _ = w.Write(body)
}

// queryError maps a PromQL execution error to its API error type, as
// Prometheus does.
func queryError(err error) *apiError {
	if errors.Is(err, context.Canceled) {
		return &apiError{errorCanceled, err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &apiError{errorTimeout, err}
	}
	switch err.(type) {
	case promql.ErrQueryCanceled:
		return &apiError{errorCanceled, err}
	case promql.ErrQueryTimeout:
		return &apiError{errorTimeout, err}
	case promql.ErrStorage:
		return &apiError{errorInternal, err}
	}
	return &apiError{errorExecution, err}
}

// withTimeout applies the request's timeout parameter, if any.
func withTimeout(r *http.Request) (context.Context, context.CancelFunc, error) {
	ctx := r.Context()
	s := r.FormValue("timeout")
	if s == "" {
		return ctx, func() {}, nil
	}
	d, err := parseDuration(s)
	if err != nil {
		return nil, nil, badData(paramError("timeout", err))
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, nil
}

func (db *DB) query(r *http.Request) (apiResult, error) {
	ts := time.Now()
	if s := r.FormValue("time"); s != "" {
		var err error
		if ts, err = parseTime(s); err != nil {
			return apiResult{}, badData(paramError("time", err))
		}
	}
	ctx, cancel, err := withTimeout(r)
	if err != nil {
		return apiResult{}, err
	}
	defer cancel()
	qs := r.FormValue("query")
	qry, err := db.engine.NewInstantQuery(ctx, db.tsdb, nil, qs, ts)
	if err != nil {
		return apiResult{}, queryCreateError(err)
	}
	return execute(ctx, qry, qs)
}

func (db *DB) queryRange(r *http.Request) (apiResult, error) {
	p, err := parseRange(r.FormValue("start"), r.FormValue("end"), r.FormValue("step"))
	if err != nil {
		return apiResult{}, badData(err)
	}
	ctx, cancel, err := withTimeout(r)
	if err != nil {
		return apiResult{}, err
	}
	defer cancel()
	qs := r.FormValue("query")
	qry, err := db.engine.NewRangeQuery(ctx, db.tsdb, nil, qs, p.start, p.end, p.step)
	if err != nil {
		return apiResult{}, queryCreateError(err)
	}
	return execute(ctx, qry, qs)
}

// queryCreateError maps an error from creating a query: a parse error is
// the client's, anything else (the engine was closed, the context ended
// while queued) is not.
func queryCreateError(err error) error {
	if _, ok := errors.AsType[parser.ParseErrors](err); ok {
		return badData(paramError("query", err))
	}
	if _, ok := errors.AsType[*parser.ParseErr](err); ok {
		return badData(paramError("query", err))
	}
	return queryError(err)
}

func execute(ctx context.Context, qry promql.Query, qs string) (apiResult, error) {
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return apiResult{}, queryError(res.Err)
	}
	return apiResult{data: appendResult(nil, res.Value), warnings: res.Warnings, query: qs}, nil
}

// timeBounds parses optional start and end, defaulting to all time.
func timeBounds(r *http.Request) (start, end time.Time, err error) {
	start, end = minTime, maxTime
	if s := r.FormValue("start"); s != "" {
		if start, err = parseTime(s); err != nil {
			return start, end, badData(paramError("start", err))
		}
	}
	if s := r.FormValue("end"); s != "" {
		if end, err = parseTime(s); err != nil {
			return start, end, badData(paramError("end", err))
		}
	}
	if end.Before(start) {
		return start, end, badData(errors.New("end timestamp must not be before start time"))
	}
	return start, end, nil
}

func parseMatchers(r *http.Request) ([][]*labels.Matcher, error) {
	p := parser.NewParser(parser.Options{})
	var sets [][]*labels.Matcher
	for _, s := range r.Form["match[]"] {
		ms, err := p.ParseMetricSelector(s)
		if err != nil {
			return nil, badData(paramError("match[]", err))
		}
		if !matchesSomething(ms) {
			return nil, badData(errors.New("match[] must contain at least one non-empty matcher"))
		}
		sets = append(sets, ms)
	}
	return sets, nil
}

// matchesSomething reports whether a selector has a matcher that does not
// match the empty string; Prometheus refuses selectors that would select
// every series.
func matchesSomething(ms []*labels.Matcher) bool {
	for _, m := range ms {
		if !m.Matches("") {
			return true
		}
	}
	return false
}

func (db *DB) querier(r *http.Request) (storage.Querier, time.Time, time.Time, error) {
	start, end, err := timeBounds(r)
	if err != nil {
		return nil, start, end, err
	}
	q, err := db.tsdb.Querier(timestamp(start), timestamp(end))
	if err != nil {
		return nil, start, end, &apiError{errorInternal, err}
	}
	return q, start, end, nil
}

func timestamp(t time.Time) int64 { return t.UnixMilli() }

func (db *DB) series(r *http.Request) (apiResult, error) {
	if len(r.Form["match[]"]) == 0 {
		return apiResult{}, badData(errors.New("no match[] parameter provided"))
	}
	sets, err := parseMatchers(r)
	if err != nil {
		return apiResult{}, err
	}
	q, start, end, err := db.querier(r)
	if err != nil {
		return apiResult{}, err
	}
	defer q.Close()
	hints := &storage.SelectHints{Start: timestamp(start), End: timestamp(end), Func: "series"}
	var ss []storage.SeriesSet
	for _, ms := range sets {
		ss = append(ss, q.Select(r.Context(), true, hints, ms...))
	}
	set := storage.NewMergeSeriesSet(ss, 0, storage.ChainedSeriesMerge)
	b := []byte{'['}
	n := 0
	for set.Next() {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = appendLabels(b, set.At().Labels())
	}
	if err := set.Err(); err != nil {
		return apiResult{}, queryError(err)
	}
	b = append(b, ']')
	return apiResult{data: b, warnings: set.Warnings()}, nil
}

func (db *DB) labelNames(r *http.Request) (apiResult, error) {
	sets, err := parseMatchers(r)
	if err != nil {
		return apiResult{}, err
	}
	q, _, _, err := db.querier(r)
	if err != nil {
		return apiResult{}, err
	}
	defer q.Close()
	return collectStrings(sets, func(ms []*labels.Matcher) ([]string, annotations.Annotations, error) {
		return q.LabelNames(r.Context(), &storage.LabelHints{}, ms...)
	})
}

func (db *DB) labelValues(r *http.Request) (apiResult, error) {
	name := r.PathValue("name")
	if !model.UTF8Validation.IsValidLabelName(name) {
		return apiResult{}, badData(fmt.Errorf("invalid label name: %q", name))
	}
	sets, err := parseMatchers(r)
	if err != nil {
		return apiResult{}, err
	}
	q, _, _, err := db.querier(r)
	if err != nil {
		return apiResult{}, err
	}
	defer q.Close()
	return collectStrings(sets, func(ms []*labels.Matcher) ([]string, annotations.Annotations, error) {
		return q.LabelValues(r.Context(), name, &storage.LabelHints{}, ms...)
	})
}

// collectStrings runs get once per match[] set (once with no matchers if
// there are none) and answers the sorted union as a JSON array.
func collectStrings(sets [][]*labels.Matcher, get func([]*labels.Matcher) ([]string, annotations.Annotations, error)) (apiResult, error) {
	if len(sets) == 0 {
		sets = [][]*labels.Matcher{nil}
	}
	var all []string
	var warnings annotations.Annotations
	for _, ms := range sets {
		vals, ws, err := get(ms)
		if err != nil {
			return apiResult{}, queryError(err)
		}
		warnings.Merge(ws)
		all = append(all, vals...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	b := []byte{'['}
	for i, s := range all {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	b = append(b, ']')
	return apiResult{data: b, warnings: warnings}, nil
}
