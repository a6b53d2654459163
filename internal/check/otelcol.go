package check

import (
	"net"
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// OpenTelemetry Collector rules. They read collector config files
// (FormatOtelCollector) and the spec.config mapping of
// OpenTelemetryCollector objects (opentelemetry.io/v1beta1), which has the
// same shape.

// otelFormats are the formats OpenTelemetry Collector checks read.
var otelFormats = []Format{FormatOtelCollector, FormatKubernetes}

func init() {
	register(
		&Rule{
			ID:       "OTEL001",
			Name:     "otel-pipeline-without-memory-limiter",
			Title:    "Collector pipeline has no memory_limiter processor",
			Severity: SeverityHigh,
			Family:   FamilyObservability,
			Rationale: "Without memory_limiter the collector accepts data faster than it can export during a backend outage or a traffic spike, buffers it in memory and is OOM-killed, losing everything in flight from every sender at once. " +
				"The limiter refuses data early so that senders back off and retry.",
			Remediation: "Add memory_limiter as the first processor of every pipeline that receives external data, e.g. `processors: {memory_limiter: {check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20}}` and `processors: [memory_limiter, batch]`.",
			Document:    otelMemoryLimiter,
			Formats:     otelFormats,
		},
		&Rule{
			ID:          "OTEL002",
			Name:        "otel-memory-limiter-not-first",
			Title:       "memory_limiter is not the first processor",
			Severity:    SeverityMedium,
			Family:      FamilyObservability,
			Rationale:   "Processors before memory_limiter run and allocate for data the limiter is about to refuse, and a batch processor before it holds memory the limiter cannot see; the limiter only protects the collector when it is first.",
			Remediation: "Move memory_limiter to the front of the pipeline's processors, e.g. `processors: [memory_limiter, k8sattributes, batch]`.",
			Document:    otelMemoryLimiterFirst,
			Formats:     otelFormats,
		},
		&Rule{
			ID:          "OTEL003",
			Name:        "otel-pipeline-without-batching",
			Title:       "Collector pipeline neither batches nor uses exporter batching",
			Severity:    SeverityMedium,
			Family:      FamilyObservability,
			Rationale:   "Exporting every incoming request on its own multiplies the number of outgoing calls and their overhead; backends throttle and the collector falls behind under load.",
			Remediation: "Add the batch processor after memory_limiter (`processors: [memory_limiter, batch]`), or enable batching in each exporter's queue (`sending_queue: {batch: {}}`) on collectors that support it.",
			Document:    otelBatching,
			Formats:     otelFormats,
		},
		&Rule{
			ID:          "OTEL004",
			Name:        "otel-debug-exporter",
			Title:       "Collector pipeline exports to the debug or logging exporter",
			Severity:    SeverityLow,
			Family:      FamilyObservability,
			Rationale:   "The debug exporter writes telemetry to the collector's own log, which costs CPU and log volume in production and can leak attributes into log storage; the older logging exporter has been removed from current collectors, which then fail to start.",
			Remediation: "Remove debug (or logging) from production pipelines; keep it in a separate development config.",
			Document:    otelDebugExporter,
			Formats:     otelFormats,
		},
		&Rule{
			ID:          "OTEL005",
			Name:        "otel-receiver-binds-all-interfaces",
			Title:       "Collector receiver listens on all interfaces",
			Severity:    SeverityLow,
			Family:      FamilySecurity,
			Rationale:   "A receiver bound to 0.0.0.0 (or with no host) accepts telemetry from every network the host is attached to, letting anyone who can reach it inject or flood data; collectors since v0.104 default to localhost for this reason.",
			Remediation: "Bind to the address that should receive data, e.g. `endpoint: ${env:MY_POD_IP}:4317` in Kubernetes or `localhost:4317` for a local agent, and restrict access with network policy.",
			Document:    otelBindAll,
			Formats:     otelFormats,
		},
		&Rule{
			ID:          "OTEL006",
			Name:        "otel-undefined-component",
			Title:       "Collector pipeline references an undefined component",
			Severity:    SeverityHigh,
			Family:      FamilyObservability,
			Rationale:   "The collector refuses to start when a pipeline or service.extensions names a component that is not configured, or a connector that is not used on both sides; a rollout with such a config crash-loops and drops all telemetry.",
			Remediation: "Define the component under its top-level section (receivers, processors, exporters, connectors, extensions) with the same type/name ID, or remove the reference; use each connector as an exporter of one pipeline and a receiver of another.",
			Document:    otelUndefined,
			Formats:     otelFormats,
		},
		&Rule{
			ID:          "OTEL007",
			Name:        "otel-unused-component",
			Title:       "Collector component is defined but unused",
			Severity:    SeverityInfo,
			Family:      FamilyObservability,
			Rationale:   "Components that no pipeline (or service.extensions) uses are never started; they usually mean an intended receiver or exporter is not wired in and telemetry is not going where the config suggests.",
			Remediation: "Add the component to a pipeline (or service.extensions), or delete its definition.",
			Document:    otelUnused,
			Formats:     otelFormats,
		},
		&Rule{
			ID:          "OTEL008",
			Name:        "otel-pipeline-invalid",
			Title:       "Collector pipeline has no receivers, no exporters or an unknown signal",
			Severity:    SeverityHigh,
			Family:      FamilyObservability,
			Rationale:   "The collector refuses to start when a pipeline has no receiver or no exporter, or when its ID does not start with a known signal (traces, metrics, logs, profiles).",
			Remediation: "Name pipelines <signal>[/<name>], e.g. `traces/tail`, and give each at least one receiver and one exporter.",
			Document:    otelPipelineInvalid,
			Formats:     otelFormats,
		},
	)
}

// otelConfig returns the collector configuration in d, or nil.
func otelConfig(d *Document) *tree.Node {
	switch d.Format {
	case FormatOtelCollector:
		return d.Root
	case FormatKubernetes:
		if d.Root.Get("kind").Str() == "OpenTelemetryCollector" && strings.HasPrefix(d.Root.Get("apiVersion").Str(), "opentelemetry.io/") {
			if cfg := d.Root.Get("spec", "config"); cfg.Get("service", "pipelines").IsMap() {
				return cfg
			}
		}
	default:
		// Other formats hold no collector configuration.
	}
	return nil
}

// otelObject names a pipeline or component for findings in config files;
// an OpenTelemetryCollector's findings carry the Kubernetes object.
func otelObject(d *Document, kind, id string) Object {
	if d.Format == FormatKubernetes {
		return Object{}
	}
	return Object{Kind: kind, Name: id}
}

// otelPipeline is one entry of service.pipelines.
type otelPipeline struct {
	id     string
	signal string
	key    *tree.Node
	node   *tree.Node
}

func otelPipelines(cfg *tree.Node) []otelPipeline {
	pairs := cfg.Get("service", "pipelines").Pairs()
	out := make([]otelPipeline, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, otelPipeline{id: p.Key, signal: otelType(p.Key), key: p.KeyN, node: p.Value})
	}
	return out
}

// otelType returns the type part of a component or pipeline ID
// "type[/name]".
func otelType(id string) string {
	typ, _, _ := strings.Cut(id, "/")
	return typ
}

// otelSignal reports whether s is a pipeline signal the collector knows.
func otelSignal(s string) bool {
	switch s {
	case "traces", "metrics", "logs", "profiles":
		return true
	}
	return false
}

// at returns the pipeline's list key named field, or the pipeline key
// when the list is missing: where a missing entry belongs.
func (p *otelPipeline) at(field string) *tree.Node {
	if k := p.node.KeyNode(field); k != nil {
		return k
	}
	return p.key
}

// connectorFed reports whether every receiver of p is a connector: such a
// pipeline gets data already admitted by an upstream pipeline.
func (p *otelPipeline) connectorFed(cfg *tree.Node) bool {
	recv := p.node.Get("receivers").Items()
	if len(recv) == 0 {
		return false
	}
	conns := cfg.Get("connectors")
	for _, r := range recv {
		if !conns.Has(r.Str()) {
			return false
		}
	}
	return true
}

func otelMemoryLimiter(c *Context, d *Document) {
	cfg := otelConfig(d)
	for _, p := range otelPipelines(cfg) {
		if !otelSignal(p.signal) || p.connectorFed(cfg) {
			continue
		}
		found := false
		for _, it := range p.node.Get("processors").Items() {
			if otelType(it.Str()) == "memory_limiter" {
				found = true
				break
			}
		}
		if !found {
			c.Scope(p.key.Pos().Line)
			c.Report(p.at("processors"), otelObject(d, "Pipeline", p.id),
				"pipeline %q has no memory_limiter processor, so the collector buffers without bound and is OOM-killed under load", p.id)
		}
	}
}

func otelMemoryLimiterFirst(c *Context, d *Document) {
	for _, p := range otelPipelines(otelConfig(d)) {
		procs := p.node.Get("processors").Items()
		for i, it := range procs {
			if otelType(it.Str()) != "memory_limiter" {
				continue
			}
			if i > 0 {
				c.Scope(p.key.Pos().Line)
				c.Report(it, otelObject(d, "Pipeline", p.id),
					"pipeline %q runs %q before %s; memory_limiter must be the first processor to protect the collector",
					p.id, procs[0].Str(), it.Str())
			}
			break
		}
	}
}

// otelExporterBatches reports whether an exporter batches on its own:
// sending_queue.batch of the exporter helper, or the earlier experimental
// batcher.enabled.
func otelExporterBatches(e *tree.Node) bool {
	if q := e.Get("sending_queue"); q.IsMap() {
		if on, ok := q.Get("enabled").Bool(); (!ok || on) && q.Get("batch").IsMap() {
			return true
		}
	}
	return e.Get("batcher", "enabled").True()
}

func otelBatching(c *Context, d *Document) {
	cfg := otelConfig(d)
	conns, exporters := cfg.Get("connectors"), cfg.Get("exporters")
	for _, p := range otelPipelines(cfg) {
		switch p.signal {
		case "traces", "metrics", "logs":
		default:
			continue
		}
		batched := false
		for _, it := range p.node.Get("processors").Items() {
			if otelType(it.Str()) == "batch" {
				batched = true
				break
			}
		}
		if batched {
			continue
		}
		var unbatched []string
		external := 0
		for _, it := range p.node.Get("exporters").Items() {
			id := it.Str()
			if conns.Has(id) {
				continue // a connector hands data to another pipeline
			}
			switch otelType(id) {
			case "debug", "logging", "nop":
				continue // nothing is sent over the network
			}
			external++
			if !otelExporterBatches(exporters.Get(id)) {
				unbatched = append(unbatched, id)
			}
		}
		if external == 0 || len(unbatched) == 0 {
			continue
		}
		c.Scope(p.key.Pos().Line)
		c.Report(p.at("processors"), otelObject(d, "Pipeline", p.id),
			"pipeline %q has no batch processor and exporter %q does not batch (sending_queue.batch), so every request is exported on its own",
			p.id, unbatched[0])
	}
}

func otelDebugExporter(c *Context, d *Document) {
	for _, p := range otelPipelines(otelConfig(d)) {
		for _, it := range p.node.Get("exporters").Items() {
			switch otelType(it.Str()) {
			case "debug":
				c.Scope(p.key.Pos().Line)
				c.Report(it, otelObject(d, "Pipeline", p.id),
					"pipeline %q exports to %q, which writes telemetry to the collector's own log", p.id, it.Str())
			case "logging":
				c.Scope(p.key.Pos().Line)
				c.Report(it, otelObject(d, "Pipeline", p.id),
					"pipeline %q exports to %q, which writes telemetry to the collector's log and was removed from current collectors (use debug in development only)", p.id, it.Str())
			}
		}
	}
}

// otelProtocolReceivers are receiver types that listen on
// protocols.<name>.endpoint; otelEndpointReceivers listen on endpoint.
// Other receivers use endpoint for the address they scrape or connect to.
var (
	otelProtocolReceivers = map[string]bool{"otlp": true, "jaeger": true, "skywalking": true, "loki": true}
	otelEndpointReceivers = map[string]bool{
		"zipkin": true, "opencensus": true, "fluentforward": true, "statsd": true, "carbon": true,
		"influxdb": true, "splunk_hec": true, "signalfx": true, "sapm": true, "datadog": true,
		"awsxray": true, "collectd": true, "webhookevent": true,
	}
)

// otelBindsAll reports whether a listen address binds every interface: an
// unspecified IP or an empty host. Addresses built from environment
// variables are left alone.
func otelBindsAll(ep string) bool {
	if ep == "" || strings.Contains(ep, "${") {
		return false
	}
	host, _, err := net.SplitHostPort(ep)
	if err != nil {
		host = strings.Trim(ep, "[]")
	}
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

func otelBindAll(c *Context, d *Document) {
	cfg := otelConfig(d)
	receivers := cfg.Get("receivers")
	var seen map[string]bool
	for _, p := range otelPipelines(cfg) {
		for _, it := range p.node.Get("receivers").Items() {
			id := it.Str()
			if seen[id] {
				continue
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[id] = true
			r := receivers.Get(id)
			typ := otelType(id)
			c.Scope(receivers.KeyNode(id).Pos().Line)
			switch {
			case otelProtocolReceivers[typ]:
				for _, proto := range r.Get("protocols").Pairs() {
					ep := proto.Value.Get("endpoint")
					if otelBindsAll(ep.Str()) {
						c.Report(ep, otelObject(d, "Receiver", id),
							"receiver %q (%s) listens on %s, all network interfaces", id, proto.Key, ep.Str())
					}
				}
			case otelEndpointReceivers[typ]:
				if ep := r.Get("endpoint"); otelBindsAll(ep.Str()) {
					c.Report(ep, otelObject(d, "Receiver", id),
						"receiver %q listens on %s, all network interfaces", id, ep.Str())
				}
			}
		}
	}
}

// otelUse records where connectors are used.
type otelUse struct {
	asExporter, asReceiver []*tree.Node
}

func otelUndefined(c *Context, d *Document) {
	cfg := otelConfig(d)
	if cfg == nil {
		return
	}
	conns := cfg.Get("connectors")
	var connUse map[string]*otelUse
	use := func(id string) *otelUse {
		if connUse == nil {
			connUse = map[string]*otelUse{}
		}
		u := connUse[id]
		if u == nil {
			u = &otelUse{}
			connUse[id] = u
		}
		return u
	}
	for _, p := range otelPipelines(cfg) {
		obj := otelObject(d, "Pipeline", p.id)
		c.Scope(p.key.Pos().Line)
		for _, list := range [...]string{"receivers", "processors", "exporters"} {
			section := cfg.Get(list)
			// A config split over several --config files may define a
			// whole section elsewhere; judge only sections present here.
			present := cfg.Has(list)
			for _, it := range p.node.Get(list).Items() {
				id := it.Str()
				switch {
				case list != "processors" && conns.Has(id):
					if list == "exporters" {
						use(id).asExporter = append(use(id).asExporter, it)
					} else {
						use(id).asReceiver = append(use(id).asReceiver, it)
					}
				case present && !section.Has(id):
					c.Report(it, obj, "pipeline %q uses %s %q, which is not defined under %s; the collector will not start",
						p.id, strings.TrimSuffix(list, "s"), id, list)
				}
			}
		}
	}
	for _, p := range otelPipelines(cfg) {
		c.Scope(p.key.Pos().Line)
		for _, list := range [...]string{"receivers", "exporters"} {
			for _, it := range p.node.Get(list).Items() {
				u := connUse[it.Str()]
				switch {
				case u == nil:
				case list == "exporters" && len(u.asReceiver) == 0:
					c.Report(it, otelObject(d, "Pipeline", p.id),
						"pipeline %q exports to connector %q, but no pipeline receives from it; the collector will not start", p.id, it.Str())
				case list == "receivers" && len(u.asExporter) == 0:
					c.Report(it, otelObject(d, "Pipeline", p.id),
						"pipeline %q receives from connector %q, but no pipeline exports to it; the collector will not start", p.id, it.Str())
				}
			}
		}
	}
	c.Scope(0)
	if exts := cfg.Get("extensions"); cfg.Has("extensions") {
		for _, it := range cfg.Get("service", "extensions").Items() {
			if !exts.Has(it.Str()) {
				c.Report(it, otelObject(d, "Extension", it.Str()),
					"service.extensions lists %q, which is not defined under extensions; the collector will not start", it.Str())
			}
		}
	}
}

func otelUnused(c *Context, d *Document) {
	cfg := otelConfig(d)
	if cfg == nil {
		return
	}
	used := map[string]bool{} // "section/id"
	for _, p := range otelPipelines(cfg) {
		for _, list := range [...]string{"receivers", "processors", "exporters"} {
			for _, it := range p.node.Get(list).Items() {
				used[list+"/"+it.Str()] = true
				if list != "processors" {
					used["connectors/"+it.Str()] = true
				}
			}
		}
	}
	for _, it := range cfg.Get("service", "extensions").Items() {
		used["extensions/"+it.Str()] = true
	}
	for _, section := range [...]string{"receivers", "processors", "exporters", "connectors", "extensions"} {
		kind := strings.TrimSuffix(section, "s")
		for _, p := range cfg.Get(section).Pairs() {
			if used[section+"/"+p.Key] {
				continue
			}
			where := "any pipeline"
			if section == "extensions" {
				where = "service.extensions"
			}
			c.Report(p.KeyN, otelObject(d, strings.ToUpper(kind[:1])+kind[1:], p.Key),
				"%s %q is defined but not used in %s, so it never starts", kind, p.Key, where)
		}
	}
}

func otelPipelineInvalid(c *Context, d *Document) {
	for _, p := range otelPipelines(otelConfig(d)) {
		obj := otelObject(d, "Pipeline", p.id)
		c.Scope(p.key.Pos().Line)
		if !otelSignal(p.signal) {
			c.Report(p.key, obj, "pipeline %q has unknown signal %q (want traces, metrics, logs or profiles); the collector will not start", p.id, p.signal)
			continue
		}
		for _, list := range [...]string{"receivers", "exporters"} {
			if p.node.Get(list).Len() == 0 {
				c.Report(p.at(list), obj, "pipeline %q has no %s; the collector will not start", p.id, list)
			}
		}
	}
}
