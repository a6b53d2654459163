package spans

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// searchFixture stores five traces, trace i starting at t0+i minutes:
//
//	1: web GET /       -> api list (ok, 10ms)
//	2: web GET /       -> api list (error, 300ms)
//	3: web POST /buy   -> api buy (ok, 50ms) -> db query (unset, 2s)
//	4: cron tick       (no children)
//	5: (root missing)  api list (error, 5ms), parent 99 not stored
func searchFixture(t *testing.T) *Store {
	s := New(Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	at := func(i int, ms int) time.Time {
		return t0.Add(time.Duration(i)*time.Minute + time.Duration(ms)*time.Millisecond)
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	mustAdd(t, s, makeTraces(t,
		spec{Trace: 1, ID: 1, Service: "web", Name: "GET /", Kind: ptrace.SpanKindServer, Start: at(1, 0), Dur: ms(20)},
		spec{Trace: 1, ID: 2, Parent: 1, Service: "api", Name: "list", Kind: ptrace.SpanKindServer, Start: at(1, 5), Dur: ms(10), Status: ptrace.StatusCodeOk},
		spec{Trace: 2, ID: 1, Service: "web", Name: "GET /", Kind: ptrace.SpanKindServer, Start: at(2, 0), Dur: ms(400)},
		spec{Trace: 2, ID: 2, Parent: 1, Service: "api", Name: "list", Kind: ptrace.SpanKindServer, Start: at(2, 5), Dur: ms(300), Status: ptrace.StatusCodeError},
		spec{Trace: 3, ID: 1, Service: "web", Name: "POST /buy", Kind: ptrace.SpanKindServer, Start: at(3, 0), Dur: ms(3000)},
		spec{Trace: 3, ID: 2, Parent: 1, Service: "api", Name: "buy", Kind: ptrace.SpanKindServer, Start: at(3, 5), Dur: ms(50), Status: ptrace.StatusCodeOk},
		spec{Trace: 3, ID: 3, Parent: 2, Service: "db", Name: "query", Kind: ptrace.SpanKindClient, Start: at(3, 10), Dur: ms(2000)},
		spec{Trace: 4, ID: 1, Service: "cron", Name: "tick", Kind: ptrace.SpanKindInternal, Start: at(4, 0), Dur: ms(1)},
		spec{Trace: 5, ID: 2, Parent: 99, Service: "api", Name: "list", Kind: ptrace.SpanKindServer, Start: at(5, 0), Dur: ms(5), Status: ptrace.StatusCodeError},
	))
	return s
}

// ids turns summaries into their trace numbers, for compact comparisons.
func ids(sums []TraceSummary) []int {
	var out []int
	for _, ts := range sums {
		for i := range 10 {
			if ts.TraceID == traceID(uint64(i)).String() {
				out = append(out, i)
			}
		}
	}
	return out
}

func TestStore_Search(t *testing.T) {
	s := searchFixture(t)
	for _, tc := range []struct {
		name string
		q    Query
		want []int
	}{
		{"all, newest first", Query{}, []int{5, 4, 3, 2, 1}},
		{"service", Query{Service: "api"}, []int{5, 3, 2, 1}},
		{"service unknown", Query{Service: "nope"}, nil},
		{"operation", Query{Operation: "list"}, []int{5, 2, 1}},
		{"service and operation", Query{Service: "web", Operation: "list"}, nil},
		{"status error", Query{Status: "error"}, []int{5, 2}},
		{"status ok", Query{Status: "ok"}, []int{3, 1}},
		{"status unset", Query{Status: "unset"}, []int{4, 3, 2, 1}},
		{"min duration", Query{MinDuration: 300 * time.Millisecond}, []int{3, 2}},
		{"min duration same span", Query{Service: "api", MinDuration: 100 * time.Millisecond}, []int{2}},
		{"all fields on one span", Query{Service: "api", Operation: "list", Status: "error", MinDuration: 5 * time.Millisecond}, []int{5, 2}},
		{"fields on different spans do not match", Query{Service: "db", Status: "ok"}, nil},
		{"start", Query{Start: t0.Add(3*time.Minute + 2*time.Second)}, []int{5, 4, 3}}, // trace 3's root runs until 3m3s
		{"end", Query{End: t0.Add(2 * time.Minute)}, []int{2, 1}},
		{"range", Query{Start: t0.Add(2 * time.Minute), End: t0.Add(4 * time.Minute)}, []int{4, 3, 2}},
		{"range and service", Query{Service: "api", Start: t0.Add(2 * time.Minute), End: t0.Add(4 * time.Minute)}, []int{3, 2}},
		{"limit", Query{Limit: 2}, []int{5, 4}},
		{"limit over max", Query{Limit: 5000}, []int{5, 4, 3, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Search(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("got traces %v, want %v", ids(got), tc.want)
			}
		})
	}
}

func TestStore_SearchSummary(t *testing.T) {
	s := searchFixture(t)
	got, err := s.Search(Query{Start: t0.Add(3 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	want := []TraceSummary{
		{TraceID: traceID(5).String(), RootService: "api", RootName: "list", Start: t0.Add(5 * time.Minute),
			Duration: 5 * time.Millisecond, Spans: 1, Errors: 1, Services: []string{"api"}},
		{TraceID: traceID(4).String(), RootService: "cron", RootName: "tick", Start: t0.Add(4 * time.Minute),
			Duration: time.Millisecond, Spans: 1, Services: []string{"cron"}},
		{TraceID: traceID(3).String(), RootService: "web", RootName: "POST /buy", Start: t0.Add(3 * time.Minute),
			Duration: 3 * time.Second, Spans: 3, Services: []string{"api", "db", "web"}},
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
}

func TestStore_SearchDefaultLimit(t *testing.T) {
	s := New(Options{Now: func() time.Time { return t0 }})
	for i := 1; i <= 30; i++ {
		mustAdd(t, s, makeTraces(t, spec{Trace: uint64(i), ID: 1, Service: "svc", Name: "op", Start: t0.Add(time.Duration(i) * time.Second), Dur: time.Millisecond}))
	}
	got, err := s.Search(Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != DefaultLimit || got[0].TraceID != traceID(30).String() || got[19].TraceID != traceID(11).String() {
		t.Errorf("got %d traces from %s to %s, want 20 from 30 to 11", len(got), got[0].TraceID, got[len(got)-1].TraceID)
	}
}

func TestStore_SearchInvalid(t *testing.T) {
	s := searchFixture(t)
	for _, q := range []Query{
		{Status: "failed"},
		{Status: "ERROR"},
		{MinDuration: -time.Second},
		{Start: t0.Add(time.Hour), End: t0},
		{Limit: -1},
	} {
		if _, err := s.Search(q); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("Search(%+v) error = %v, want ErrInvalidQuery", q, err)
		}
	}
}
