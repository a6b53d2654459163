package spans

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Graph is the service graph of a time window: which services called
// which, how often, how often it failed and how long it took.
type Graph struct {
	// Nodes are sorted by Service; every service named by an edge has a
	// node, with zero counts if none of its spans is stored.
	Nodes []Node
	// Edges are sorted by Client, then Server.
	Edges []Edge
}

// Node is one service in a [Graph]: Requests counts its server, consumer
// and root spans that started in the window, Errors those of them with
// status error.
type Node struct {
	Service  string `json:"service"`
	Requests int64  `json:"requests"`
	Errors   int64  `json:"errors"`
}

// Edge is calls from the Client service to the Server service in a
// [Graph]. A call is a client (or producer) span paired with a server (or
// consumer) child span of another service; a client span with no such
// child but with a peer.service (or else server.address) attribute is a
// call to that name, a dependency that sends no spans of its own.
type Edge struct {
	Client string `json:"client"`
	Server string `json:"server"`
	// Requests counts the calls whose client span started in the window;
	// Errors those where either side has status error.
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	// RatePerSecond is Requests over the window's length in seconds; it is
	// zero when the window is open at either end.
	RatePerSecond float64 `json:"rate_per_second"`
	// LatencyP50, LatencyP90 and LatencyP99 are nearest-rank percentiles
	// of the client spans' durations.
	LatencyP50 time.Duration `json:"latency_p50_ns"`
	LatencyP90 time.Duration `json:"latency_p90_ns"`
	LatencyP99 time.Duration `json:"latency_p99_ns"`
}

// Attributes that name the callee of an uninstrumented call.
const (
	attrPeerService   = "peer.service"
	attrServerAddress = "server.address"
)

type edgeKey struct{ client, server string }

type edgeAcc struct {
	requests, errors int64
	latencies        []int64
}

func isServer(e *entry) bool {
	return e.span.Kind == KindServer || e.span.Kind == KindConsumer
}

func isClient(e *entry) bool {
	return e.span.Kind == KindClient || e.span.Kind == KindProducer
}

// ServiceGraph returns the service graph of the spans that started at or
// after start and before end. A zero start or end leaves the window open
// on that side.
func (s *Store) ServiceGraph(start, end time.Time) Graph {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !start.IsZero() {
		lo = start.UnixNano()
	}
	if !end.IsZero() {
		hi = end.UnixNano()
	}
	in := func(e *entry) bool { return e.start >= lo && e.start < hi }

	nodes := make(map[string]*Node)
	node := func(service string) *Node {
		n := nodes[service]
		if n == nil {
			n = &Node{Service: service}
			nodes[service] = n
		}
		return n
	}
	edges := make(map[edgeKey]*edgeAcc)
	call := func(client, server string, latency int64, failed bool) {
		k := edgeKey{client, server}
		a := edges[k]
		if a == nil {
			a = &edgeAcc{}
			edges[k] = a
		}
		a.requests++
		if failed {
			a.errors++
		}
		a.latencies = append(a.latencies, latency)
	}

	s.mu.RLock()
	paired := make(map[*entry]bool)
	for _, t := range s.traces {
		clear(paired)
		for _, e := range t.spans {
			root := e.parent == [8]byte{}
			if in(e) && (root || isServer(e)) {
				n := node(e.span.Service)
				n.Requests++
				if e.span.Status == StatusError {
					n.Errors++
				}
			}
			if root || !isServer(e) {
				continue
			}
			p := s.spans[spanKey{trace: e.key.trace, span: e.parent}]
			if p == nil || !isClient(p) || p.span.Service == e.span.Service {
				continue
			}
			paired[p] = true
			if in(p) {
				call(p.span.Service, e.span.Service, p.end-p.start,
					p.span.Status == StatusError || e.span.Status == StatusError)
			}
		}
		for _, e := range t.spans {
			if !isClient(e) || paired[e] || !in(e) {
				continue
			}
			peer := e.span.Attributes[attrPeerService]
			if peer == "" {
				peer = e.span.Attributes[attrServerAddress]
			}
			if peer != "" {
				call(e.span.Service, peer, e.end-e.start, e.span.Status == StatusError)
			}
		}
	}
	s.mu.RUnlock()

	var seconds float64
	if lo != math.MinInt64 && hi != math.MaxInt64 && hi > lo {
		seconds = time.Duration(hi - lo).Seconds()
	}
	var g Graph
	for k, a := range edges {
		node(k.client)
		node(k.server)
		slices.Sort(a.latencies)
		e := Edge{
			Client:     k.client,
			Server:     k.server,
			Requests:   a.requests,
			Errors:     a.errors,
			LatencyP50: percentile(a.latencies, 50),
			LatencyP90: percentile(a.latencies, 90),
			LatencyP99: percentile(a.latencies, 99),
		}
		if seconds > 0 {
			e.RatePerSecond = float64(a.requests) / seconds
		}
		g.Edges = append(g.Edges, e)
	}
	for _, n := range nodes {
		g.Nodes = append(g.Nodes, *n)
	}
	slices.SortFunc(g.Nodes, func(a, b Node) int { return cmp.Compare(a.Service, b.Service) })
	slices.SortFunc(g.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Client, b.Client), cmp.Compare(a.Server, b.Server))
	})
	return g
}

// percentile returns the nearest-rank p-th percentile of sorted, which
// must not be empty: the smallest value with at least p% of the values at
// or below it.
func percentile(sorted []int64, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	return time.Duration(sorted[max(rank, 1)-1])
}
