package check

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// Service-mesh rules: retries, timeouts and circuit breaking of Istio
// VirtualServices and DestinationRules and Linkerd ServiceProfiles.

// meshMaxRetryAttempts is the most retries per hop MESH001 accepts.
const meshMaxRetryAttempts = 3

// meshMaxRetryRatio is the largest Linkerd retry budget ratio MESH008
// accepts: retries may add at most half the original load.
const meshMaxRetryRatio = 0.5

func init() {
	register(
		&Rule{
			ID:       "MESH001",
			Name:     "istio-retry-attempts-excessive",
			Title:    "Istio route retries more than 3 times",
			Severity: SeverityMedium,
			Family:   FamilyReliability,
			Rationale: "Retries multiply at every hop: when each of N services in a call chain retries A times, one failing request becomes up to (A+1)^N calls at the bottom. " +
				"High attempt counts turn a brief overload into a retry storm that keeps the backend down.",
			Remediation: "Keep retries.attempts at 3 or fewer (2 is Istio's default), retry only at one layer of the call chain, and bound them with perTryTimeout and timeout, e.g. `retries: {attempts: 2, perTryTimeout: 2s}` with `timeout: 6s`.",
			Kubernetes:  meshRetryAttempts,
		},
		&Rule{
			ID:       "MESH002",
			Name:     "istio-retry-without-per-try-timeout",
			Title:    "Istio route retries without perTryTimeout",
			Severity: SeverityLow,
			Family:   FamilyReliability,
			Rationale: "Without perTryTimeout each try may run until the route timeout (or forever when there is none), so a hung backend consumes the whole budget on the first try and retries never help with slow responses. " +
				"A per-try bound lets the proxy give up on one slow endpoint and try another.",
			Remediation: "Set retries.perTryTimeout below the route timeout, e.g. `retries: {attempts: 2, perTryTimeout: 2s}` with `timeout: 6s`.",
			Kubernetes:  meshRetryPerTry,
		},
		&Rule{
			ID:          "MESH003",
			Name:        "istio-retry-without-timeout",
			Title:       "Istio route retries without an overall timeout",
			Severity:    SeverityMedium,
			Family:      FamilyReliability,
			Rationale:   "Istio sets no route timeout by default, so a retrying route has no upper bound on how long a request may take; callers give up long before the mesh stops retrying, and the retries are wasted load on a backend that is already struggling.",
			Remediation: "Set `timeout` on the HTTP route to the longest a caller will wait, larger than perTryTimeout, e.g. `timeout: 6s` with `retries: {attempts: 2, perTryTimeout: 2s}`.",
			Kubernetes:  meshRetryTimeout,
		},
		&Rule{
			ID:          "MESH004",
			Name:        "istio-per-try-timeout-not-below-timeout",
			Title:       "Istio perTryTimeout is not shorter than the route timeout",
			Severity:    SeverityMedium,
			Family:      FamilyReliability,
			Rationale:   "When a single try may last as long as the whole route timeout, the route times out before the first try does and no retry can ever start: the retry policy only looks like protection.",
			Remediation: "Make perTryTimeout a fraction of the route timeout, e.g. `timeout: 6s` with `retries: {attempts: 2, perTryTimeout: 2s}`.",
			Kubernetes:  meshPerTryVsTimeout,
		},
		&Rule{
			ID:          "MESH005",
			Name:        "istio-destination-rule-no-outlier-detection",
			Title:       "DestinationRule has no outlier detection",
			Severity:    SeverityMedium,
			Family:      FamilyReliability,
			Rationale:   "Outlier detection is Istio's circuit breaker: without it, endpoints that return errors or time out keep receiving their share of traffic, so one bad pod degrades every caller.",
			Remediation: "Add trafficPolicy.outlierDetection (inherited by subsets that do not set their own), e.g. `outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}`.",
			Kubernetes:  meshOutlierDetection,
		},
		&Rule{
			ID:       "MESH006",
			Name:     "istio-destination-rule-no-connection-limits",
			Title:    "DestinationRule sets no connection pool limits",
			Severity: SeverityLow,
			Family:   FamilyReliability,
			Rationale: "Istio's connection pool defaults are effectively unlimited, so a slow backend accumulates unbounded pending requests in every client proxy instead of shedding load early. " +
				"A subset's connectionPool replaces the one of trafficPolicy as a whole, so a subset that only sets timeouts drops the limits.",
			Remediation: "Set limits in trafficPolicy.connectionPool (and in every subset connectionPool), e.g. `connectionPool: {tcp: {maxConnections: 100}, http: {http1MaxPendingRequests: 100, http2MaxRequests: 1000}}`.",
			Kubernetes:  meshConnectionPool,
		},
		&Rule{
			ID:          "MESH007",
			Name:        "linkerd-retry-implicit-budget",
			Title:       "Linkerd ServiceProfile retries without an explicit retry budget",
			Severity:    SeverityLow,
			Family:      FamilyReliability,
			Rationale:   "Retryable routes are bounded only by the retry budget; without spec.retryBudget the proxy silently applies its built-in budget (20% extra load plus 10 retries per second), which nobody reviewed for this service's capacity.",
			Remediation: "Declare the budget next to the routes, e.g. `retryBudget: {retryRatio: 0.2, minRetriesPerSecond: 10, ttl: 10s}`.",
			Kubernetes:  meshLinkerdImplicitBudget,
		},
		&Rule{
			ID:          "MESH008",
			Name:        "linkerd-retry-budget-excessive",
			Title:       "Linkerd retry budget allows more than 50% extra load",
			Severity:    SeverityMedium,
			Family:      FamilyReliability,
			Rationale:   "The retry budget is what stops Linkerd retries from becoming a retry storm; a retryRatio above 0.5 lets retries add more than half the original traffic to a service that is already failing.",
			Remediation: "Lower spec.retryBudget.retryRatio to 0.2 (the Linkerd default) or at most 0.5.",
			Kubernetes:  meshLinkerdBudgetRatio,
		},
		&Rule{
			ID:          "MESH009",
			Name:        "linkerd-retryable-route-without-timeout",
			Title:       "Linkerd retryable route has no timeout",
			Severity:    SeverityLow,
			Family:      FamilyReliability,
			Rationale:   "A ServiceProfile route timeout covers the first try and all retries; without one Linkerd applies a 10s default, so a retryable route keeps retrying for 10s whatever the caller's own deadline is.",
			Remediation: "Set a timeout on every retryable route that matches what callers wait for, e.g. `timeout: 300ms`.",
			Kubernetes:  meshLinkerdRouteTimeout,
		},
	)
}

// meshIstioKind reports whether o is an Istio networking object of kind.
func meshIstioKind(o *K8sObject, kind string) bool {
	return o.Kind == kind && strings.HasPrefix(o.APIVersion, "networking.istio.io/")
}

// meshLinkerdProfile reports whether o is a Linkerd ServiceProfile.
func meshLinkerdProfile(o *K8sObject) bool {
	return o.Kind == "ServiceProfile" && strings.HasPrefix(o.APIVersion, "linkerd.io/")
}

// meshRoute is an Istio HTTP route whose retry policy is in effect.
type meshRoute struct {
	node     *tree.Node
	label    string // `route "name"` or `http[2]`
	retries  *tree.Node
	attempts int64
}

// meshRetryingRoutes returns the HTTP routes of a VirtualService that set
// retries with at least one attempt; Istio disables retries for attempts
// of 0 and ignores them on redirects and direct responses.
func meshRetryingRoutes(o *K8sObject) []meshRoute {
	if !meshIstioKind(o, "VirtualService") {
		return nil
	}
	var out []meshRoute
	for i, r := range o.Root.Get("spec", "http").Items() {
		retries := r.Get("retries")
		if !retries.IsMap() || r.Has("redirect") || r.Has("directResponse") {
			continue
		}
		n, ok := retries.Get("attempts").Int()
		if !ok || n <= 0 {
			continue
		}
		label := fmt.Sprintf("http[%d]", i)
		if name := r.Get("name").Str(); name != "" {
			label = "route " + strconv.Quote(name)
		}
		out = append(out, meshRoute{node: r, label: label, retries: retries, attempts: n})
	}
	return out
}

func meshRetryAttempts(c *Context, o *K8sObject) {
	for _, r := range meshRetryingRoutes(o) {
		if r.attempts <= meshMaxRetryAttempts {
			continue
		}
		tries := r.attempts + 1
		c.Scope(r.node.Pos().Line)
		c.Report(r.retries.Get("attempts"), o.Ref(),
			"VirtualService %q %s retries up to %d times: every retrying hop multiplies load, %d calls per request here and up to %d across 3 such hops",
			o.Name, r.label, r.attempts, tries, meshPow3(tries))
	}
}

// meshPow3 returns n cubed, saturating instead of overflowing.
func meshPow3(n int64) int64 {
	if n > 2_000_000 {
		return math.MaxInt64
	}
	return n * n * n
}

func meshRetryPerTry(c *Context, o *K8sObject) {
	for _, r := range meshRetryingRoutes(o) {
		if !r.retries.Get("perTryTimeout").IsNull() {
			continue
		}
		c.Scope(r.node.Pos().Line)
		c.Report(r.node.KeyNode("retries"), o.Ref(),
			"VirtualService %q %s retries (attempts: %d) without retries.perTryTimeout, so a slow try runs until the route timeout and is never retried",
			o.Name, r.label, r.attempts)
	}
}

func meshRetryTimeout(c *Context, o *K8sObject) {
	for _, r := range meshRetryingRoutes(o) {
		if !r.node.Get("timeout").IsNull() {
			continue
		}
		bound := "no bound at all"
		if r.retries.Get("perTryTimeout").Str() != "" {
			bound = "only perTryTimeout times the number of tries as a bound"
		}
		c.Scope(r.node.Pos().Line)
		c.Report(r.node.KeyNode("retries"), o.Ref(),
			"VirtualService %q %s retries without an overall timeout, leaving %s on how long a request may take",
			o.Name, r.label, bound)
	}
}

func meshPerTryVsTimeout(c *Context, o *K8sObject) {
	for _, r := range meshRetryingRoutes(o) {
		ptNode := r.retries.Get("perTryTimeout")
		toNode := r.node.Get("timeout")
		perTry, err1 := time.ParseDuration(ptNode.Str())
		total, err2 := time.ParseDuration(toNode.Str())
		if err1 != nil || err2 != nil || total <= 0 || perTry < total {
			continue // a timeout of 0s disables it
		}
		c.Scope(r.node.Pos().Line)
		c.Report(ptNode, o.Ref(),
			"VirtualService %q %s has perTryTimeout %s, not shorter than the route timeout %s, so the route times out before any retry can start",
			o.Name, r.label, ptNode.Str(), toNode.Str())
	}
}

// meshWildcardHost reports whether a DestinationRule host is a wildcard
// such as "*.local", used for mesh-wide TLS settings rather than for one
// service's traffic.
func meshWildcardHost(h string) bool {
	return h == "" || strings.HasPrefix(h, "*")
}

// meshPolicyField reports whether a traffic policy sets field (directly or
// in a port-level setting) and whether what it sets passes ok.
func meshPolicyField(tp *tree.Node, field string, ok func(*tree.Node) bool) (set, good bool) {
	if v := tp.Get(field); !v.IsNull() {
		set, good = true, ok(v)
	}
	for _, p := range tp.Get("portLevelSettings").Items() {
		if v := p.Get(field); !v.IsNull() {
			set = true
			good = good || ok(v)
		}
	}
	return set, good
}

// meshDestinationPolicy checks one traffic policy field of a
// DestinationRule the way Istio merges it: a subset that sets the field
// replaces the top-level value, one that does not inherits it.
//
// missing says what is absent ("no outlierDetection"), effect what that
// causes, and weak what is wrong with a value that ok rejects.
func meshDestinationPolicy(c *Context, o *K8sObject, field string, ok func(*tree.Node) bool, missing, effect, weak string) {
	if !meshIstioKind(o, "DestinationRule") {
		return
	}
	spec := o.Root.Get("spec")
	if !spec.IsMap() || meshWildcardHost(spec.Get("host").Str()) {
		return
	}
	host := spec.Get("host").Str()
	top := spec.Get("trafficPolicy")
	topSet, topGood := meshPolicyField(top, field, ok)
	subsets := spec.Get("subsets").Items()
	subsetSets := false
	for _, s := range subsets {
		if set, _ := meshPolicyField(s.Get("trafficPolicy"), field, ok); set {
			subsetSets = true
		}
	}
	switch {
	case topSet && !topGood:
		at := top.KeyNode(field)
		if at == nil { // only port-level settings
			at = top.KeyNode("portLevelSettings")
		}
		c.Report(at, o.Ref(), "DestinationRule %q (host %s) %s, %s", o.Name, host, weak, effect)
	case !topSet && !subsetSets:
		at := spec.KeyNode("trafficPolicy")
		if at == nil {
			at = o.Root.KeyNode("spec")
		}
		c.Report(at, o.Ref(), "DestinationRule %q (host %s) has %s, %s", o.Name, host, missing, effect)
	}
	for _, s := range subsets {
		tp := s.Get("trafficPolicy")
		set, good := meshPolicyField(tp, field, ok)
		name := s.Get("name").Str()
		c.Scope(s.Pos().Line)
		switch {
		case set && !good:
			at := tp.KeyNode(field)
			if at == nil {
				at = tp.KeyNode("portLevelSettings")
			}
			c.Report(at, o.Ref(), "DestinationRule %q subset %q %s, and it replaces the top-level one, %s", o.Name, name, weak, effect)
		case !set && !topSet && subsetSets:
			at := s.Get("name")
			if at == nil {
				at = s
			}
			c.Report(at, o.Ref(), "DestinationRule %q subset %q has %s and none to inherit from trafficPolicy, %s", o.Name, name, missing, effect)
		}
	}
	c.Scope(0)
}

func meshOutlierDetection(c *Context, o *K8sObject) {
	meshDestinationPolicy(c, o, "outlierDetection", func(*tree.Node) bool { return true },
		"no outlierDetection", "so failing endpoints are never ejected", "")
}

// meshHasPoolLimit reports whether a connectionPool sets any limit on
// connections or queued and concurrent requests.
func meshHasPoolLimit(cp *tree.Node) bool {
	return !cp.Get("tcp", "maxConnections").IsNull() ||
		!cp.Get("http", "http1MaxPendingRequests").IsNull() ||
		!cp.Get("http", "http2MaxRequests").IsNull() ||
		!cp.Get("http", "maxRequestsPerConnection").IsNull()
}

func meshConnectionPool(c *Context, o *K8sObject) {
	meshDestinationPolicy(c, o, "connectionPool", meshHasPoolLimit,
		"no connectionPool limits", "so requests to a slow backend queue without bound",
		"sets a connectionPool without maxConnections, http1MaxPendingRequests, http2MaxRequests or maxRequestsPerConnection")
}

// meshRetryableRoutes returns the routes of a ServiceProfile marked
// isRetryable: true.
func meshRetryableRoutes(o *K8sObject) []*tree.Node {
	if !meshLinkerdProfile(o) {
		return nil
	}
	var out []*tree.Node
	for _, r := range o.Root.Get("spec", "routes").Items() {
		if r.Get("isRetryable").True() {
			out = append(out, r)
		}
	}
	return out
}

func meshLinkerdImplicitBudget(c *Context, o *K8sObject) {
	routes := meshRetryableRoutes(o)
	if len(routes) == 0 || !o.Root.Get("spec", "retryBudget").IsNull() {
		return
	}
	c.Report(o.Root.KeyNode("spec"), o.Ref(),
		"ServiceProfile %q has %d retryable route(s) (first %q) but no spec.retryBudget; retries fall back to the proxy's built-in budget of 20%% extra load plus 10 retries/s",
		o.Name, len(routes), routes[0].Get("name").Str())
}

func meshLinkerdBudgetRatio(c *Context, o *K8sObject) {
	if len(meshRetryableRoutes(o)) == 0 {
		return
	}
	n := o.Root.Get("spec", "retryBudget", "retryRatio")
	ratio, err := strconv.ParseFloat(n.Str(), 64)
	if err != nil || ratio <= meshMaxRetryRatio {
		return
	}
	c.Report(n, o.Ref(),
		"ServiceProfile %q retryBudget.retryRatio %s lets retries add %.0f%% to the load of a failing service",
		o.Name, n.Str(), ratio*100)
}

func meshLinkerdRouteTimeout(c *Context, o *K8sObject) {
	for _, r := range meshRetryableRoutes(o) {
		if !r.Get("timeout").IsNull() {
			continue
		}
		at := r.Get("name")
		if at == nil {
			at = r
		}
		c.Scope(r.Pos().Line)
		c.Report(at, o.Ref(),
			"ServiceProfile %q route %q is retryable but sets no timeout, so it retries for Linkerd's 10s default",
			o.Name, r.Get("name").Str())
	}
}
