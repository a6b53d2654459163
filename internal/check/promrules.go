package check

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// Prometheus rule rules. They read raw rule files (FormatPromRules) and
// PrometheusRule objects of the Prometheus Operator, whose spec.groups have
// the same shape; one Document hook covers both so that each check has one
// ID whatever the packaging.

// promFormats are the formats Prometheus rule checks read.
var promFormats = []Format{FormatPromRules, FormatKubernetes}

func init() {
	register(
		&Rule{
			ID:       "PROM001",
			Name:     "prom-alert-without-for",
			Title:    "Alert fires without a for duration",
			Severity: SeverityMedium,
			Family:   FamilyObservability,
			Rationale: "An alert without `for` (or with `for: 0s`) fires on the first evaluation that matches, so a single scrape blip or restart pages someone. " +
				"Pages that resolve themselves teach on-call to ignore alerts.",
			Remediation: "Add a pending period that matches how long the condition must hold to matter, e.g. `for: 5m`; keep_firing_for can damp flapping on resolution.",
			Document:    promAlertFor,
			Formats:     promFormats,
		},
		&Rule{
			ID:          "PROM002",
			Name:        "prom-alert-without-severity",
			Title:       "Alert has no severity label",
			Severity:    SeverityLow,
			Family:      FamilyObservability,
			Rationale:   "Alertmanager routes, inhibitions and silences are usually keyed on the severity label; an alert without one falls through to the default route and may page at the wrong hour or never reach anyone.",
			Remediation: "Add `labels: {severity: critical|warning|info}` (or set severity in the group's labels).",
			Document:    promAlertSeverity,
			Formats:     promFormats,
		},
		&Rule{
			ID:          "PROM003",
			Name:        "prom-alert-without-runbook",
			Title:       "Alert has no runbook annotation",
			Severity:    SeverityLow,
			Family:      FamilyObservability,
			Rationale:   "The person paged at night needs to know what to check and how to mitigate; an alert without a runbook link turns every page into an investigation from scratch and lengthens incidents.",
			Remediation: "Add `annotations: {runbook_url: https://runbooks.example.com/<AlertName>}` pointing at a page with diagnosis and mitigation steps.",
			Document:    promAlertRunbook,
			Formats:     promFormats,
		},
		&Rule{
			ID:          "PROM004",
			Name:        "prom-alert-without-summary",
			Title:       "Alert has no summary or description annotation",
			Severity:    SeverityLow,
			Family:      FamilyObservability,
			Rationale:   "Notifications show the summary and description; without them a page carries only the alert name and labels, and responders cannot tell what is affected or how badly.",
			Remediation: "Add `annotations: {summary: \"...\", description: \"... {{ $labels.instance }} ... {{ $value }}\"}`.",
			Document:    promAlertSummary,
			Formats:     promFormats,
		},
		&Rule{
			ID:          "PROM005",
			Name:        "prom-invalid-duration",
			Title:       "Prometheus rule duration is invalid",
			Severity:    SeverityHigh,
			Family:      FamilyObservability,
			Rationale:   "Prometheus refuses to load a rule file with a malformed duration (and the Prometheus Operator rejects the PrometheusRule), so every alert of the file is silently missing until someone notices.",
			Remediation: "Use Prometheus duration syntax: an integer followed by a unit (ms, s, m, h, d, w, y), units in decreasing order, e.g. `5m`, `1h30m`, or `0`.",
			Document:    promInvalidDuration,
			Formats:     promFormats,
		},
		&Rule{
			ID:          "PROM006",
			Name:        "prom-rule-invalid",
			Title:       "Prometheus rule is malformed",
			Severity:    SeverityHigh,
			Family:      FamilyObservability,
			Rationale:   "A rule with an empty expr, with neither or both of alert and record, or a recording rule with alert-only fields makes Prometheus reject the whole rule file, so none of its alerts run.",
			Remediation: "Give every rule exactly one of `alert:` or `record:` and a non-empty `expr:`; recording rules take only record, expr and labels.",
			Document:    promRuleInvalid,
			Formats:     promFormats,
		},
		&Rule{
			ID:          "PROM007",
			Name:        "prom-recording-rule-name",
			Title:       "Recording rule name does not follow level:metric:operations",
			Severity:    SeverityInfo,
			Family:      FamilyObservability,
			Rationale:   "The level:metric:operations convention tells readers at a glance that a series is pre-aggregated, by which labels and with which functions, and keeps recorded series apart from raw ones.",
			Remediation: "Rename the rule to level:metric:operations, e.g. `job:http_requests:rate5m` for `sum by (job) (rate(http_requests_total[5m]))`.",
			Document:    promRecordingName,
			Formats:     promFormats,
		},
	)
}

// promRule is one rule of a rule group.
type promRule struct {
	node  *tree.Node
	group *tree.Node
	obj   Object
	// kind is "alert" or "record", name its value; kind is "" when the
	// rule has neither.
	kind string
	name string
}

// promGroups returns the rule groups of a rule file or PrometheusRule.
func promGroups(d *Document) []*tree.Node {
	switch d.Format {
	case FormatPromRules:
		return d.Root.Get("groups").Items()
	case FormatKubernetes:
		if d.Root.Get("kind").Str() == "PrometheusRule" && strings.HasPrefix(d.Root.Get("apiVersion").Str(), "monitoring.coreos.com/") {
			return d.Root.Get("spec", "groups").Items()
		}
	default:
		// Other formats hold no rule groups.
	}
	return nil
}

// promGroupObject names a rule group for findings in raw rule files; a
// PrometheusRule's findings carry the Kubernetes object instead.
func promGroupObject(d *Document, g *tree.Node) Object {
	if d.Format == FormatKubernetes {
		return Object{}
	}
	return Object{Kind: "RuleGroup", Name: g.Get("name").Str()}
}

// promRules calls fn for every rule of every group, with the suppression
// scope set to the rule so a comment above "- alert:" covers it.
func promRules(c *Context, d *Document, fn func(r *promRule)) {
	for _, g := range promGroups(d) {
		obj := promGroupObject(d, g)
		for _, it := range g.Get("rules").Items() {
			if !it.IsMap() {
				continue
			}
			r := &promRule{node: it, group: g, obj: obj}
			switch {
			case it.Get("alert").Str() != "":
				r.kind, r.name = "alert", it.Get("alert").Str()
			case it.Get("record").Str() != "":
				r.kind, r.name = "record", it.Get("record").Str()
			}
			c.Scope(it.Pos().Line)
			fn(r)
		}
	}
	c.Scope(0)
}

// promAlerts calls fn for every alerting rule.
func promAlerts(c *Context, d *Document, fn func(r *promRule)) {
	promRules(c, d, func(r *promRule) {
		if r.kind == "alert" {
			fn(r)
		}
	})
}

// promConstantExpr reports whether expr is a constant vector such as
// vector(1): a heartbeat alert (Watchdog, DeadMansSnitch) meant to fire
// always, for which a pending period means nothing.
func promConstantExpr(expr string) bool {
	e := strings.TrimSpace(expr)
	if !strings.HasPrefix(e, "vector(") || !strings.HasSuffix(e, ")") {
		return false
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(e[len("vector("):len(e)-1]), 64)
	return err == nil
}

func promAlertFor(c *Context, d *Document) {
	promAlerts(c, d, func(r *promRule) {
		if promConstantExpr(r.node.Get("expr").Str()) {
			return
		}
		f := r.node.Get("for")
		switch {
		case !r.node.Has("for"):
			c.Report(r.node.KeyNode("alert"), r.obj, "alert %q has no for duration, so it fires on a single evaluation that matches", r.name)
		case f.IsNull():
			c.Report(r.node.KeyNode("for"), r.obj, "alert %q has an empty for duration, so it fires on a single evaluation that matches", r.name)
		default:
			if v, ok := promParseDuration(f.Str()); ok && v == 0 {
				c.Report(f, r.obj, "alert %q has for: %s, so it fires on a single evaluation that matches", r.name, f.Str())
			}
		}
	})
}

func promAlertSeverity(c *Context, d *Document) {
	promAlerts(c, d, func(r *promRule) {
		if r.group.Get("labels", "severity").Str() != "" {
			return // Prometheus 3 group labels apply to every rule
		}
		labels := r.node.Get("labels")
		switch {
		case !labels.IsMap():
			at := r.node.KeyNode("labels")
			if at == nil {
				at = r.node.KeyNode("alert")
			}
			c.Report(at, r.obj, "alert %q has no severity label", r.name)
		case !labels.Has("severity"):
			c.Report(r.node.KeyNode("labels"), r.obj, "alert %q has labels but no severity label", r.name)
		case strings.TrimSpace(labels.Get("severity").Str()) == "":
			c.Report(labels.KeyNode("severity"), r.obj, "alert %q has an empty severity label", r.name)
		}
	})
}

// promAnnotation reports an alert that has no non-empty annotation whose
// key passes match.
func promAnnotation(c *Context, r *promRule, match func(key string) bool, what string) {
	ann := r.node.Get("annotations")
	var empty *tree.Node
	for _, p := range ann.Pairs() {
		if !match(strings.ToLower(p.Key)) {
			continue
		}
		if strings.TrimSpace(p.Value.Str()) != "" {
			return
		}
		if empty == nil {
			empty = p.KeyN
		}
	}
	switch {
	case empty != nil:
		c.Report(empty, r.obj, "alert %q has an empty %s annotation", r.name, what)
	case ann.IsMap():
		c.Report(r.node.KeyNode("annotations"), r.obj, "alert %q has annotations but no %s", r.name, what)
	default:
		at := r.node.KeyNode("annotations")
		if at == nil {
			at = r.node.KeyNode("alert")
		}
		c.Report(at, r.obj, "alert %q has no %s annotation", r.name, what)
	}
}

func promAlertRunbook(c *Context, d *Document) {
	promAlerts(c, d, func(r *promRule) {
		promAnnotation(c, r, func(k string) bool { return strings.Contains(k, "runbook") }, "runbook_url")
	})
}

func promAlertSummary(c *Context, d *Document) {
	promAlerts(c, d, func(r *promRule) {
		promAnnotation(c, r, func(k string) bool {
			return k == "summary" || k == "description" || k == "message"
		}, "summary or description")
	})
}

func promInvalidDuration(c *Context, d *Document) {
	for _, g := range promGroups(d) {
		obj := promGroupObject(d, g)
		c.Scope(g.Pos().Line)
		for _, key := range [...]string{"interval", "query_offset"} {
			if v := g.Get(key); !v.IsNull() && !promValidDuration(v) {
				c.Report(v, obj, "group %q: %s %s is not a Prometheus duration", g.Get("name").Str(), key, promText(v))
			}
		}
		for _, it := range g.Get("rules").Items() {
			c.Scope(it.Pos().Line)
			for _, key := range [...]string{"for", "keep_firing_for"} {
				if v := it.Get(key); !v.IsNull() && !promValidDuration(v) {
					c.Report(v, obj, "rule %q: %s %s is not a Prometheus duration", promRuleName(it), key, promText(v))
				}
			}
		}
	}
	c.Scope(0)
}

// promRuleName returns the alert or record name of a rule item.
func promRuleName(it *tree.Node) string {
	if n := it.Get("alert").Str(); n != "" {
		return n
	}
	return it.Get("record").Str()
}

// promText returns the quoted text of a scalar, or a placeholder for a mapping
// or sequence.
func promText(n *tree.Node) string {
	switch {
	case n.IsScalar():
		return strconv.Quote(n.Str())
	case n.IsMap():
		return "<mapping>"
	}
	return "<sequence>"
}

func promValidDuration(n *tree.Node) bool {
	if !n.IsScalar() {
		return false
	}
	_, ok := promParseDuration(n.Str())
	return ok
}

// promDurationUnits are the units of Prometheus durations in the order
// they must appear; "ms" comes before "m" for matching only.
var promDurationUnits = [...]struct {
	name  string
	order int
	d     time.Duration
}{
	{"y", 0, 365 * 24 * time.Hour},
	{"w", 1, 7 * 24 * time.Hour},
	{"d", 2, 24 * time.Hour},
	{"h", 3, time.Hour},
	{"ms", 6, time.Millisecond},
	{"m", 4, time.Minute},
	{"s", 5, time.Second},
}

// promParseDuration parses a Prometheus duration such as "1h30m" or "0":
// integers with units from years down to milliseconds, each at most once
// and in decreasing order.
func promParseDuration(s string) (time.Duration, bool) {
	if s == "0" {
		return 0, true
	}
	if s == "" {
		return 0, false
	}
	var total time.Duration
	last := -1
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, false
		}
		s = s[i:]
		unit := -1
		for j, u := range promDurationUnits {
			if strings.HasPrefix(s, u.name) {
				unit = j
				break
			}
		}
		if unit < 0 || promDurationUnits[unit].order <= last {
			return 0, false
		}
		u := promDurationUnits[unit]
		last = u.order
		s = s[len(u.name):]
		if n > int64(math.MaxInt64/u.d) || total > math.MaxInt64-time.Duration(n)*u.d {
			return 0, false
		}
		total += time.Duration(n) * u.d
	}
	return total, true
}

func promRuleInvalid(c *Context, d *Document) {
	promRules(c, d, func(r *promRule) {
		it := r.node
		alert, record := it.Get("alert").Str() != "", it.Get("record").Str() != ""
		switch {
		case !alert && !record:
			c.Report(it, r.obj, "rule has neither an alert nor a record name")
			return
		case alert && record:
			c.Report(it.KeyNode("record"), r.obj, "rule %q sets both alert and record", it.Get("alert").Str())
			return
		}
		expr := it.Get("expr")
		switch {
		case !it.Has("expr"):
			c.Report(it.KeyNode(r.kind), r.obj, "%s %q has no expr", r.kind, r.name)
		case strings.TrimSpace(expr.Str()) == "" && !expr.IsMap() && !expr.IsSeq():
			at := expr
			if expr.IsNull() {
				at = it.KeyNode("expr")
			}
			c.Report(at, r.obj, "%s %q has an empty expr", r.kind, r.name)
		case !expr.IsScalar():
			c.Report(expr, r.obj, "%s %q has an expr that is not a string", r.kind, r.name)
		}
		if record {
			for _, key := range [...]string{"for", "keep_firing_for", "annotations"} {
				if k := it.KeyNode(key); k != nil {
					c.Report(k, r.obj, "recording rule %q sets %s, which only alerting rules accept", r.name, key)
				}
			}
		}
	})
}

// promLegacyName reports whether s is a metric name in the classic
// character set [a-zA-Z_:][a-zA-Z0-9_:]*.
func promLegacyName(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b == '_' || b == ':' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || i > 0 && b >= '0' && b <= '9' {
			continue
		}
		return false
	}
	return s != ""
}

func promRecordingName(c *Context, d *Document) {
	promRules(c, d, func(r *promRule) {
		if r.kind != "record" {
			return
		}
		n := r.node.Get("record")
		if !promLegacyName(r.name) {
			c.Report(n, r.obj, "recording rule %q is not a classic metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), which older tools and exporters reject", r.name)
			return
		}
		parts := strings.Split(r.name, ":")
		if len(parts) >= 3 && !promHasEmpty(parts) {
			return
		}
		c.Report(n, r.obj, "recording rule %q does not follow level:metric:operations, e.g. job:http_requests:rate5m", r.name)
	})
}

// promHasEmpty reports whether any of ss is empty.
func promHasEmpty(ss []string) bool {
	return slices.Contains(ss, "")
}
