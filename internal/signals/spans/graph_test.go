package spans

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// graphFixture stores 100 traces, trace i (0..99) starting at t0+i s:
//
//	frontend  GET /checkout        server, root
//	frontend  POST checkout        client, (i+1) ms, error when i%25 == 0
//	checkout  POST /checkout       server
//	checkout  charge               client, 2(i+1) ms
//	payments  Charge               server, error when i%10 == 0
//	checkout  SELECT               client, peer.service=postgres, 1 ms
//	checkout  GET cache            client, server.address=redis:6379, 1 ms
//	checkout  self-call            client -> checkout server (same service: no edge)
func graphFixture(t *testing.T) *Store {
	s := New(Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for i := range 100 {
		tr := uint64(i + 1)
		at := t0.Add(time.Duration(i) * time.Second)
		status := func(fail bool) ptrace.StatusCode {
			if fail {
				return ptrace.StatusCodeError
			}
			return ptrace.StatusCodeUnset
		}
		mustAdd(t, s, makeTraces(t,
			spec{Trace: tr, ID: 1, Service: "frontend", Name: "GET /checkout", Kind: ptrace.SpanKindServer, Start: at, Dur: time.Second},
			spec{Trace: tr, ID: 2, Parent: 1, Service: "frontend", Name: "POST checkout", Kind: ptrace.SpanKindClient, Start: at, Dur: ms(i + 1), Status: status(i%25 == 0)},
			spec{Trace: tr, ID: 3, Parent: 2, Service: "checkout", Name: "POST /checkout", Kind: ptrace.SpanKindServer, Start: at, Dur: ms(i)},
			spec{Trace: tr, ID: 4, Parent: 3, Service: "checkout", Name: "charge", Kind: ptrace.SpanKindClient, Start: at, Dur: ms(2 * (i + 1))},
			spec{Trace: tr, ID: 5, Parent: 4, Service: "payments", Name: "Charge", Kind: ptrace.SpanKindServer, Start: at, Dur: ms(i), Status: status(i%10 == 0)},
			spec{Trace: tr, ID: 6, Parent: 3, Service: "checkout", Name: "SELECT", Kind: ptrace.SpanKindClient, Start: at, Dur: ms(1),
				Attrs: map[string]any{"peer.service": "postgres", "server.address": "db.internal"}},
			spec{Trace: tr, ID: 7, Parent: 3, Service: "checkout", Name: "GET cache", Kind: ptrace.SpanKindClient, Start: at, Dur: ms(1),
				Attrs: map[string]any{"server.address": "redis:6379"}},
			spec{Trace: tr, ID: 8, Parent: 3, Service: "checkout", Name: "self-call", Kind: ptrace.SpanKindClient, Start: at, Dur: ms(1)},
			spec{Trace: tr, ID: 9, Parent: 8, Service: "checkout", Name: "self", Kind: ptrace.SpanKindServer, Start: at, Dur: ms(1)},
		))
	}
	return s
}

func TestStore_ServiceGraph(t *testing.T) {
	s := graphFixture(t)
	g := s.ServiceGraph(t0, t0.Add(100*time.Second))
	wantNodes := []Node{
		{Service: "checkout", Requests: 200}, // POST /checkout and self, 100 each
		{Service: "frontend", Requests: 100},
		{Service: "payments", Requests: 100, Errors: 10},
		{Service: "postgres"},
		{Service: "redis:6379"},
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	wantEdges := []Edge{
		{Client: "checkout", Server: "payments", Requests: 100, Errors: 10, RatePerSecond: 1,
			LatencyP50: ms(100), LatencyP90: ms(180), LatencyP99: ms(198)},
		{Client: "checkout", Server: "postgres", Requests: 100, RatePerSecond: 1,
			LatencyP50: ms(1), LatencyP90: ms(1), LatencyP99: ms(1)},
		{Client: "checkout", Server: "redis:6379", Requests: 100, RatePerSecond: 1,
			LatencyP50: ms(1), LatencyP90: ms(1), LatencyP99: ms(1)},
		{Client: "frontend", Server: "checkout", Requests: 100, Errors: 4, RatePerSecond: 1,
			LatencyP50: ms(50), LatencyP90: ms(90), LatencyP99: ms(99)},
	}
	if got, want := fmt.Sprintf("%+v", g.Nodes), fmt.Sprintf("%+v", wantNodes); got != want {
		t.Errorf("nodes\n got %s\nwant %s", got, want)
	}
	if got, want := edgesString(g.Edges), edgesString(wantEdges); got != want {
		t.Errorf("edges\n got %s\nwant %s", got, want)
	}

	t.Run("window", func(t *testing.T) {
		// Traces 50..59 (i = 50..59) start in [t0+50s, t0+60s).
		g := s.ServiceGraph(t0.Add(50*time.Second), t0.Add(60*time.Second))
		e := findEdge(t, g, "frontend", "checkout")
		if e.Requests != 10 || e.Errors != 1 || e.RatePerSecond != 1 || e.LatencyP50 != ms(55) || e.LatencyP99 != ms(60) {
			t.Errorf("frontend->checkout = %+v", e)
		}
		e = findEdge(t, g, "checkout", "payments")
		if e.Requests != 10 || e.Errors != 1 || e.RatePerSecond != 1 || e.LatencyP50 != ms(110) || e.LatencyP99 != ms(120) {
			t.Errorf("checkout->payments = %+v", e)
		}
		g = s.ServiceGraph(t0.Add(-time.Hour), t0.Add(-time.Minute))
		if len(g.Nodes) != 0 || len(g.Edges) != 0 {
			t.Errorf("empty window gave %+v", g)
		}
	})

	t.Run("longer window lowers the rate", func(t *testing.T) {
		e := findEdge(t, s.ServiceGraph(t0, t0.Add(200*time.Second)), "frontend", "checkout")
		if e.Requests != 100 || e.RatePerSecond != 0.5 {
			t.Errorf("frontend->checkout = %+v, want 100 at 0.5/s", e)
		}
	})

	t.Run("open window has no rate", func(t *testing.T) {
		e := findEdge(t, s.ServiceGraph(time.Time{}, time.Time{}), "frontend", "checkout")
		if e.Requests != 100 || e.RatePerSecond != 0 {
			t.Errorf("frontend->checkout = %+v, want 100 at rate 0", e)
		}
	})
}

func TestStore_ServiceGraphUninstrumentedOnlyWithoutChild(t *testing.T) {
	// A client span whose server child is stored makes an edge to the
	// child's service, not to its peer.service.
	s := New(Options{Now: func() time.Time { return t0 }})
	mustAdd(t, s, makeTraces(t,
		spec{Trace: 1, ID: 1, Service: "a", Name: "call", Kind: ptrace.SpanKindProducer, Start: t0, Dur: time.Millisecond,
			Attrs: map[string]any{"peer.service": "queue"}},
		spec{Trace: 1, ID: 2, Parent: 1, Service: "b", Name: "consume", Kind: ptrace.SpanKindConsumer, Start: t0, Dur: time.Millisecond},
	))
	g := s.ServiceGraph(t0, t0.Add(time.Second))
	if len(g.Edges) != 1 || g.Edges[0].Client != "a" || g.Edges[0].Server != "b" {
		t.Errorf("edges = %+v, want only a->b", g.Edges)
	}
	if fmt.Sprint(g.Nodes) != "[{a 1 0} {b 1 0}]" {
		t.Errorf("nodes = %+v", g.Nodes)
	}
}

func TestPercentile(t *testing.T) {
	for _, tc := range []struct {
		in   []int64
		p    int
		want time.Duration
	}{
		{[]int64{7}, 50, 7},
		{[]int64{7}, 99, 7},
		{[]int64{1, 2}, 50, 1},
		{[]int64{1, 2}, 51, 2},
		{[]int64{1, 2, 3, 4}, 90, 4},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
	} {
		if got := percentile(tc.in, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %d) = %d, want %d", tc.in, tc.p, got, tc.want)
		}
	}
}

func findEdge(t *testing.T, g Graph, client, server string) Edge {
	t.Helper()
	for _, e := range g.Edges {
		if e.Client == client && e.Server == server {
			return e
		}
	}
	t.Fatalf("no edge %s->%s in %+v", client, server, g.Edges)
	return Edge{}
}

func edgesString(es []Edge) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "\n\t%+v", e)
	}
	return b.String()
}
