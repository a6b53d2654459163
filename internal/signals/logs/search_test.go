package logs

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// searchFixture stores six records, record i at t0+i minutes, each with
// the attribute n=i:
//
//	1: web  INFO   "GET / 200"             trace 1
//	2: api  ERROR  "db timeout after 5s"   trace 1
//	3: api  WARN   "slow query"            trace 2, db.statement=SELECT * FROM Orders
//	4: db   FATAL  "Out of memory"         resource host.name=node-7
//	5: cron (0)    "tick"                  ObservedTimestamp only
//	6: web  DEBUG  "Grüße aus KÖLN"
func searchFixture(t *testing.T) *Store {
	s := New(Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	n := func(i int, more map[string]any) map[string]any {
		m := map[string]any{"n": i}
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	mustAdd(t, s, makeLogs(t,
		spec{Service: "web", Time: at(1), Severity: plog.SeverityNumberInfo, Body: "GET / 200", Trace: 1, Attrs: n(1, nil)},
		spec{Service: "api", Time: at(2), Severity: plog.SeverityNumberError, Body: "db timeout after 5s", Trace: 1, Attrs: n(2, nil)},
		spec{Service: "api", Time: at(3), Severity: plog.SeverityNumberWarn, Body: "slow query", Trace: 2,
			Attrs: n(3, map[string]any{"db.statement": "SELECT * FROM Orders"})},
		spec{Service: "db", Time: at(4), Severity: plog.SeverityNumberFatal, Body: "Out of memory", Attrs: n(4, nil),
			ResAttrs: map[string]any{"host.name": "node-7"}},
		spec{Service: "cron", Observed: at(5), Body: "tick", Attrs: n(5, nil)},
		spec{Service: "web", Time: at(6), Severity: plog.SeverityNumberDebug, Body: "Grüße aus KÖLN", Attrs: n(6, nil)},
	))
	return s
}

// ns turns records into their n attributes, for compact comparisons.
func ns(recs []Record) []int {
	var out []int
	for _, r := range recs {
		i, _ := strconv.Atoi(r.Attributes["n"])
		out = append(out, i)
	}
	return out
}

func TestStore_Search(t *testing.T) {
	s := searchFixture(t)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	for _, tc := range []struct {
		name string
		q    Query
		want []int
	}{
		{"all, newest first", Query{}, []int{6, 5, 4, 3, 2, 1}},
		{"service", Query{Service: "api"}, []int{3, 2}},
		{"service is exact", Query{Service: "AP"}, nil},
		{"severity warn and above", Query{MinSeverity: int(plog.SeverityNumberWarn)}, []int{4, 3, 2}},
		{"severity error and above", Query{MinSeverity: int(plog.SeverityNumberError)}, []int{4, 2}},
		{"severity excludes unspecified", Query{MinSeverity: SeverityTrace}, []int{6, 4, 3, 2, 1}},
		{"severity fatal4", Query{MinSeverity: SeverityFatal4}, nil},
		{"trace ID", Query{TraceID: traceID(1).String()}, []int{2, 1}},
		{"trace ID upper case", Query{TraceID: strings.ToUpper(traceID(2).String())}, []int{3}},
		{"trace ID not stored", Query{TraceID: traceID(9).String()}, nil},
		{"text in body", Query{Text: "TIMEOUT"}, []int{2}},
		{"text in record attribute", Query{Text: "from orders"}, []int{3}},
		{"text in resource attribute", Query{Text: "Node-7"}, []int{4}},
		{"text is not matched on keys", Query{Text: "statement"}, nil},
		{"text unicode case", Query{Text: "grüße aus köln"}, []int{6}},
		{"text across records, service.name included", Query{Text: "o"}, []int{5, 4, 3, 2}}, // not 6: Ö does not fold to o
		{"start", Query{Start: at(3)}, []int{6, 5, 4, 3}},
		{"end", Query{End: at(2)}, []int{2, 1}},
		{"range is inclusive", Query{Start: at(2), End: at(4)}, []int{4, 3, 2}},
		{"range on observed time", Query{Start: at(5), End: at(5)}, []int{5}},
		{"range between records", Query{Start: at(2).Add(time.Second), End: at(3).Add(-time.Second)}, nil},
		{"every field", Query{Service: "api", MinSeverity: 17, TraceID: traceID(1).String(), Text: "timeout", Start: at(1), End: at(2)}, []int{2}},
		{"fields on different records do not match", Query{Service: "web", Text: "timeout"}, nil},
		{"limit", Query{Limit: 2}, []int{6, 5}},
		{"limit with filter", Query{MinSeverity: 13, Limit: 2}, []int{4, 3}},
		{"limit over max", Query{Limit: 5000}, []int{6, 5, 4, 3, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Search(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ns(got), tc.want) {
				t.Errorf("got records %v, want %v", ns(got), tc.want)
			}
		})
	}
}

func TestStore_SearchOrder(t *testing.T) {
	s := New(Options{Now: func() time.Time { return t0 }})
	// Ingested out of time order, with ties broken by arrival (the last
	// ingested is newest).
	for _, sp := range []struct {
		min  int
		body string
	}{{2, "b"}, {0, "x"}, {3, "c"}, {2, "b2"}, {1, "a"}, {0, "x2"}, {2, "b3"}} {
		mustAdd(t, s, makeLogs(t, spec{Time: t0.Add(-time.Hour + time.Duration(sp.min)*time.Minute), Body: sp.body}))
	}
	want := []string{"c", "b3", "b2", "b", "a", "x2", "x"}
	for limit := 1; limit <= len(want)+1; limit++ {
		got, err := s.Search(Query{Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, r := range got {
			bodies = append(bodies, r.Body)
		}
		if w := want[:min(limit, len(want))]; !slices.Equal(bodies, w) {
			t.Errorf("limit %d: got %v, want %v", limit, bodies, w)
		}
	}
}

func TestStore_SearchDefaultLimit(t *testing.T) {
	s := New(Options{Now: func() time.Time { return t0 }})
	var specs []spec
	for i := 1; i <= 150; i++ {
		specs = append(specs, spec{Time: t0.Add(time.Duration(i) * time.Second), Body: fmt.Sprint(i)})
	}
	mustAdd(t, s, makeLogs(t, specs...))
	got, err := s.Search(Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != DefaultLimit || got[0].Body != "150" || got[DefaultLimit-1].Body != "51" {
		t.Errorf("got %d records from %s to %s, want %d from 150 to 51", len(got), got[0].Body, got[len(got)-1].Body, DefaultLimit)
	}
}

func TestStore_SearchInvalid(t *testing.T) {
	s := searchFixture(t)
	for _, q := range []Query{
		{MinSeverity: -1},
		{MinSeverity: SeverityFatal4 + 1},
		{TraceID: "xyz"},
		{TraceID: traceID(1).String()[1:]},
		{TraceID: traceID(1).String() + "00"},
		{TraceID: strings.Repeat("g", 32)},
		{Text: "\xff"},
		{Start: t0.Add(time.Hour), End: t0},
		{Limit: -1},
	} {
		if _, err := s.Search(q); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("Search(%+v) error = %v, want ErrInvalidQuery", q, err)
		}
	}
}

func TestContainsFold(t *testing.T) {
	for _, tc := range []struct {
		s, sub string
		want   bool
	}{
		{"", "", true},
		{"abc", "", true},
		{"", "a", false},
		{"Hello World", "o w", true},
		{"Hello World", "WORLDS", false},
		{"ÄÖÜ", "öü", true},
		{"aÄ", "ä", true},
		{"straße", "STRASSE", false}, // no full case folding
		{"ab", "abc", false},
	} {
		if got := containsFold(tc.s, tc.sub); got != tc.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", tc.s, tc.sub, got, tc.want)
		}
	}
}
