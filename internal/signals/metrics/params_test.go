package metrics

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"0", time.Unix(0, 0)},
		{"1700000000", time.Unix(1700000000, 0)},
		{"1700000000.123", time.Unix(1700000000, 123e6)},
		{"1700000000.1234", time.Unix(1700000000, 123e6)},
		{"-1.5", time.Unix(-1, -5e8)},
		{"2026-11-24T10:00:00Z", time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)},
		{"2026-11-24T10:00:00.5+01:00", time.Date(2026, 11, 24, 9, 0, 0, 5e8, time.UTC)},
		{minTimeFormatted, minTime},
		{maxTimeFormatted, maxTime},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTime(tt.in)
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "yesterday", "NaN", "Inf", "1e300", "2026-11-24", "10:00"} {
		t.Run("Bad/"+bad, func(t *testing.T) {
			if got, err := parseTime(bad); err == nil {
				t.Errorf("parseTime(%q) = %v, want error", bad, got)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"15", 15 * time.Second},
		{"0.5", 500 * time.Millisecond},
		{"15s", 15 * time.Second},
		{"1h30m", 90 * time.Minute},
		{"1d", 24 * time.Hour},
		{"100ms", 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDuration(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("parseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "abc", "1e300", "NaN", "5 s", "-"} {
		t.Run("Bad/"+bad, func(t *testing.T) {
			if got, err := parseDuration(bad); err == nil {
				t.Errorf("parseDuration(%q) = %v, want error", bad, got)
			}
		})
	}
}

func TestAPI_Errors(t *testing.T) {
	db := openTest(t, t.TempDir())
	defer db.Close()
	tests := []struct {
		name      string
		method    string
		path      string
		params    url.Values
		code      int
		errorType string
		error     string // exact, or a prefix when it ends in "..."
	}{
		{"BadPromQL", "GET", "/api/v1/query", url.Values{"query": {"rate(x[1m]"}}, 400, "bad_data",
			`invalid parameter "query": 1:11: parse error: unclosed left parenthesis...`},
		{"EmptyQuery", "POST", "/api/v1/query", url.Values{}, 400, "bad_data", `invalid parameter "query": ...`},
		{"BadTime", "GET", "/api/v1/query", url.Values{"query": {"1"}, "time": {"yesterday"}}, 400, "bad_data",
			`invalid parameter "time": cannot parse "yesterday" to a valid timestamp`},
		{"BadTimeout", "GET", "/api/v1/query", url.Values{"query": {"1"}, "timeout": {"soon"}}, 400, "bad_data",
			`invalid parameter "timeout": cannot parse "soon" to a valid duration`},
		{"RangeBadStart", "POST", "/api/v1/query_range", url.Values{"query": {"1"}, "start": {"x"}, "end": {"10"}, "step": {"1"}}, 400, "bad_data",
			`invalid parameter "start": cannot parse "x" to a valid timestamp`},
		{"RangeEndBeforeStart", "GET", "/api/v1/query_range", url.Values{"query": {"1"}, "start": {"10"}, "end": {"5"}, "step": {"1"}}, 400, "bad_data",
			"end timestamp must not be before start time"},
		{"RangeZeroStep", "GET", "/api/v1/query_range", url.Values{"query": {"1"}, "start": {"0"}, "end": {"10"}, "step": {"0"}}, 400, "bad_data",
			"zero or negative query resolution step widths are not accepted. Try a positive integer"},
		{"RangeTooManyPoints", "GET", "/api/v1/query_range", url.Values{"query": {"1"}, "start": {"0"}, "end": {"11001"}, "step": {"1"}}, 400, "bad_data",
			errTooManyPoints.Error()},
		{"SeriesNoMatch", "GET", "/api/v1/series", url.Values{}, 400, "bad_data", "no match[] parameter provided"},
		{"SeriesBadMatch", "POST", "/api/v1/series", url.Values{"match[]": {"up{"}}, 400, "bad_data", `invalid parameter "match[]": ...`},
		{"SeriesEmptyMatcher", "GET", "/api/v1/series", url.Values{"match[]": {`{job=~".*"}`}}, 400, "bad_data",
			"match[] must contain at least one non-empty matcher"},
		{"LabelsBadEnd", "GET", "/api/v1/labels", url.Values{"end": {"x"}}, 400, "bad_data",
			`invalid parameter "end": cannot parse "x" to a valid timestamp`},
		{"LabelValuesBadName", "GET", "/api/v1/label/%ff/values", url.Values{}, 400, "bad_data", `invalid label name: "\xff"`},
		{"Execution", "GET", "/api/v1/query", url.Values{"query": {`label_replace(vector(1), "a", "b", "c", "(")`}}, 422, "execution", "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, resp, body := call(t, db, tt.method, tt.path, tt.params)
			if code != tt.code || resp.Status != "error" || resp.ErrorType != tt.errorType {
				t.Fatalf("got %d %s", code, body)
			}
			if prefix, ok := strings.CutSuffix(tt.error, "..."); ok {
				if !strings.HasPrefix(resp.Error, prefix) {
					t.Errorf("error %q, want prefix %q", resp.Error, prefix)
				}
			} else if resp.Error != tt.error {
				t.Errorf("error %q, want %q", resp.Error, tt.error)
			}
			// Exactly the keys Prometheus sends.
			var keys map[string]json.RawMessage
			if err := json.Unmarshal([]byte(body), &keys); err != nil || len(keys) != 3 {
				t.Errorf("body %s: want status, errorType and error only", body)
			}
		})
	}
}

func TestAPI_MethodNotAllowed(t *testing.T) {
	db := openTest(t, t.TempDir())
	defer db.Close()
	mux := http.NewServeMux()
	db.RegisterAPI(mux)
	req, _ := http.NewRequest(http.MethodDelete, "/api/v1/query", nil)
	_, pattern := mux.Handler(req)
	if pattern != "" {
		t.Errorf("DELETE matched %q", pattern)
	}
}
