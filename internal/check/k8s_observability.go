package check

import (
	"slices"
	"strconv"
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// Observability rules: whether a workload's traces and metrics reach a
// backend, and whether its pods carry the labels dashboards group by.

// obsOtelInjectPrefix starts the OpenTelemetry Operator annotations that
// inject auto-instrumentation (inject-java, inject-python, inject-sdk...).
const obsOtelInjectPrefix = "instrumentation.opentelemetry.io/inject-"

// obsTracingEnvPrefixes are environment variable prefixes of tracing SDKs and
// agents; any of them set in a container means tracing was thought of.
var obsTracingEnvPrefixes = []string{
	"OTEL_", "JAEGER_", "ZIPKIN_", "DD_TRACE_", "DD_AGENT_HOST", "ELASTIC_APM_", "NEW_RELIC_",
}

var ruleObsNoTracing = &Rule{
	ID:       "K8S200",
	Name:     "no-tracing",
	Title:    "Workload exports no traces",
	Severity: SeverityLow,
	Family:   FamilyObservability,
	Rationale: "Without traces an incident in a request path can only be located by reading the logs of every service it crosses. " +
		"The check looks for OTEL_* (or Jaeger, Zipkin, Datadog, Elastic APM, New Relic) variables, a -javaagent in JAVA_TOOL_OPTIONS, and OpenTelemetry Operator injection annotations; " +
		"DaemonSets (node agents) and containers with envFrom (whose variables cannot be seen) are not judged.",
	Remediation: "Configure the OpenTelemetry SDK through the environment, e.g. env: [{name: OTEL_EXPORTER_OTLP_ENDPOINT, value: http://otel-collector:4317}, {name: OTEL_SERVICE_NAME, value: web}], " +
		"or let the OpenTelemetry Operator inject it with the pod annotation instrumentation.opentelemetry.io/inject-java: \"true\" (or inject-python, inject-nodejs, inject-dotnet, inject-go).",
	Kubernetes: checkObsNoTracing,
}

var ruleObsOtelNoServiceName = &Rule{
	ID:       "K8S201",
	Name:     "otel-missing-service-name",
	Title:    "OpenTelemetry configured without a service name",
	Severity: SeverityLow,
	Family:   FamilyObservability,
	Rationale: "An OpenTelemetry SDK with no service name reports as \"unknown_service\", so the traces and metrics of every such workload pile up under one name " +
		"and cannot be told apart in the backend.",
	Remediation: "Set OTEL_SERVICE_NAME (env: [{name: OTEL_SERVICE_NAME, value: web}]), or add service.name to OTEL_RESOURCE_ATTRIBUTES " +
		"(value: service.name=web,deployment.environment=prod).",
	Kubernetes: checkObsOtelServiceName,
}

var ruleObsOtelDisabled = &Rule{
	ID:       "K8S202",
	Name:     "otel-tracing-disabled",
	Title:    "OpenTelemetry tracing switched off",
	Severity: SeverityMedium,
	Family:   FamilyObservability,
	Rationale: "OTEL_SDK_DISABLED=true, an always_off sampler or a ratio sampler with ratio 0 keep the SDK configured but drop every span: " +
		"dashboards look wired up until the day a trace is needed and none exists. It is usually a debugging setting that reached production.",
	Remediation: "Remove OTEL_SDK_DISABLED, and sample a fraction instead of nothing: OTEL_TRACES_SAMPLER=parentbased_traceidratio with OTEL_TRACES_SAMPLER_ARG=0.1. " +
		"To stop exporting traces on purpose while keeping metrics, set OTEL_TRACES_EXPORTER=none.",
	Kubernetes: checkObsOtelDisabled,
}

var ruleObsNoMetrics = &Rule{
	ID:       "K8S203",
	Name:     "no-metrics-scraping",
	Title:    "Workload metrics are not scraped",
	Severity: SeverityLow,
	Family:   FamilyObservability,
	Rationale: "A service whose metrics nobody collects gives no signal for alerts, SLOs or autoscaling. The check accepts a prometheus.io/scrape annotation on the pod template " +
		"(\"false\" counts as a deliberate choice) or on a Service that selects the pods, Datadog autodiscovery annotations, OTLP metrics export configured in the environment, " +
		"and a ServiceMonitor or PodMonitor (or VictoriaMetrics and Google Managed Prometheus equivalents) in the same run whose selector matches; Jobs and bare Pods are not judged.",
	Remediation: "Add a PodMonitor or ServiceMonitor next to the workload (spec.selector.matchLabels: {app.kubernetes.io/name: web}, podMetricsEndpoints: [{port: metrics}]), " +
		"or annotate the pod template with prometheus.io/scrape: \"true\" and prometheus.io/port: \"9090\". If monitors live in another repository, suppress with opsloop.dev/ignore.",
	Set: checkObsNoMetrics,
}

var ruleObsStandardLabels = &Rule{
	ID:       "K8S204",
	Name:     "missing-standard-labels",
	Title:    "Pod template lacks name or version labels",
	Severity: SeverityLow,
	Family:   FamilyObservability,
	Rationale: "Dashboards, service meshes and log pipelines group pods by their name label and compare releases by their version label; " +
		"without them a regression cannot be tied to the rollout that caused it.",
	Remediation: "Label the pod template: metadata.labels: {app.kubernetes.io/name: web, app.kubernetes.io/version: \"1.4.2\"} (app and version are accepted too).",
	Kubernetes:  checkObsStandardLabels,
}

var ruleObsScrapeNoPort = &Rule{
	ID:       "K8S205",
	Name:     "scrape-without-port",
	Title:    "Scrape annotation without a port",
	Severity: SeverityLow,
	Family:   FamilyObservability,
	Rationale: "With prometheus.io/scrape: \"true\" but no prometheus.io/port annotation and no declared container port, Prometheus's pod discovery has no port to scrape " +
		"and the usual relabelling falls back to port 80, so the target is down or scrapes the wrong server.",
	Remediation: "Add the port: metadata.annotations: {prometheus.io/scrape: \"true\", prometheus.io/port: \"9090\", prometheus.io/path: /metrics}, " +
		"or declare the metrics port in the container (ports: [{name: metrics, containerPort: 9090}]).",
	Kubernetes: checkObsScrapeNoPort,
}

func init() {
	register(ruleObsNoTracing, ruleObsOtelNoServiceName, ruleObsOtelDisabled, ruleObsNoMetrics, ruleObsStandardLabels, ruleObsScrapeNoPort)
}

// obsJudged reports whether o is a long-running workload or a Job,
// the objects observability rules judge.
func obsJudged(o *K8sObject) bool {
	return o.IsLongRunning() || o.Kind == "Job" || o.Kind == "CronJob"
}

// obsContainerName returns the name node of a container, or the container itself
// when it has no name.
func obsContainerName(c *tree.Node) *tree.Node {
	if n := c.Get("name"); n.Exists() {
		return n
	}
	return c
}

// obsOtelInjected reports whether the pod template or the object asks the
// OpenTelemetry Operator to inject instrumentation or a collector sidecar.
func obsOtelInjected(o *K8sObject) bool {
	for _, md := range []*tree.Node{o.PodMeta, o.Metadata} {
		for _, p := range md.Get("annotations").Pairs() {
			if !strings.HasPrefix(p.Key, obsOtelInjectPrefix) && p.Key != "sidecar.opentelemetry.io/inject" {
				continue
			}
			if v := p.Value.Str(); v != "" && !strings.EqualFold(v, "false") {
				return true
			}
		}
	}
	return false
}

func obsTracingEnv(name string, value *tree.Node) bool {
	for _, p := range obsTracingEnvPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	if name == "JAVA_TOOL_OPTIONS" || name == "JAVA_OPTS" {
		return strings.Contains(value.Str(), "-javaagent:")
	}
	return false
}

func checkObsNoTracing(c *Context, o *K8sObject) {
	if !obsJudged(o) || o.Kind == "DaemonSet" || obsOtelInjected(o) {
		return
	}
	if o.PodMeta.Get("labels", "admission.datadoghq.com/enabled").Str() == "true" {
		return
	}
	var first *tree.Node
	for _, ct := range o.Containers {
		if ct.Init {
			continue
		}
		if first == nil {
			first = ct.Node
		}
		if ct.Node.Get("envFrom").Len() > 0 {
			return // variables we cannot see may configure tracing
		}
		for _, e := range ct.Node.Get("env").Items() {
			if obsTracingEnv(e.Get("name").Str(), e.Get("value")) {
				return
			}
		}
	}
	if first == nil {
		return
	}
	c.Report(obsContainerName(first), o.Ref(), "%s %q exports no traces: no container sets OTEL_* variables and the pod template has no %s* annotation",
		o.Kind, o.Name, obsOtelInjectPrefix)
}

// obsEnv finds the env entry named name in container ct.
func obsEnv(ct *tree.Node, name string) *tree.Node {
	for _, e := range ct.Get("env").Items() {
		if e.Get("name").Str() == name {
			return e
		}
	}
	return nil
}

// obsResourceAttr reports whether an OTEL_RESOURCE_ATTRIBUTES value
// (key=value pairs separated by commas) sets key.
func obsResourceAttr(attrs, key string) bool {
	for attrs != "" {
		var kv string
		kv, attrs, _ = strings.Cut(attrs, ",")
		k, _, _ := strings.Cut(kv, "=")
		if strings.TrimSpace(k) == key {
			return true
		}
	}
	return false
}

func checkObsOtelServiceName(c *Context, o *K8sObject) {
	if !o.IsWorkload() || obsOtelInjected(o) {
		return // the operator sets OTEL_SERVICE_NAME itself
	}
	for _, ct := range o.Containers {
		if ct.Init || ct.Node.Get("envFrom").Len() > 0 {
			continue
		}
		otel := false
		for _, e := range ct.Node.Get("env").Items() {
			if strings.HasPrefix(e.Get("name").Str(), "OTEL_") {
				otel = true
				break
			}
		}
		if !otel || strings.EqualFold(obsEnv(ct.Node, "OTEL_SDK_DISABLED").Get("value").Str(), "true") {
			continue
		}
		if sn := obsEnv(ct.Node, "OTEL_SERVICE_NAME"); sn.Get("value").Str() != "" || sn.Has("valueFrom") {
			continue
		}
		at := obsContainerName(ct.Node)
		if ra := obsEnv(ct.Node, "OTEL_RESOURCE_ATTRIBUTES"); ra.Exists() {
			if ra.Has("valueFrom") || obsResourceAttr(ra.Get("value").Str(), "service.name") {
				continue
			}
			if v := ra.Get("value"); v.Exists() {
				at = v
			}
		}
		c.Report(at, o.Ref(), "container %q configures OpenTelemetry but sets no service name (OTEL_SERVICE_NAME or service.name in OTEL_RESOURCE_ATTRIBUTES): its telemetry reports as unknown_service",
			ct.Name)
	}
}

func checkObsOtelDisabled(c *Context, o *K8sObject) {
	if !o.IsWorkload() {
		return
	}
	for _, ct := range o.Containers {
		if ct.Init {
			continue
		}
		if v := obsEnv(ct.Node, "OTEL_SDK_DISABLED").Get("value"); strings.EqualFold(v.Str(), "true") {
			c.Report(v, o.Ref(), "container %q sets OTEL_SDK_DISABLED=true: the OpenTelemetry SDK exports no traces, metrics or logs", ct.Name)
			continue
		}
		sampler := obsEnv(ct.Node, "OTEL_TRACES_SAMPLER").Get("value")
		switch s := strings.ToLower(sampler.Str()); s {
		case "always_off", "parentbased_always_off":
			c.Report(sampler, o.Ref(), "container %q sets OTEL_TRACES_SAMPLER=%s: no span is ever recorded", ct.Name, s)
		case "traceidratio", "parentbased_traceidratio":
			arg := obsEnv(ct.Node, "OTEL_TRACES_SAMPLER_ARG").Get("value")
			if r, err := strconv.ParseFloat(strings.TrimSpace(arg.Str()), 64); err == nil && r <= 0 {
				c.Report(arg, o.Ref(), "container %q samples traces with ratio %s (OTEL_TRACES_SAMPLER_ARG): no span is ever recorded", ct.Name, arg.Str())
			}
		}
	}
}

// obsPodsOf names the pods of o in messages: "pod template of Deployment
// \"web\"", or "Pod \"debug\"" for a bare Pod.
func obsPodsOf(o *K8sObject) string {
	if o.Kind == "Pod" {
		return "Pod " + strconv.Quote(o.Name)
	}
	return "pod template of " + o.Kind + " " + strconv.Quote(o.Name)
}

// obsPodMetaKey returns the key node of o's pod template metadata, or of the
// template itself when the metadata is missing.
func obsPodMetaKey(o *K8sObject) *tree.Node {
	var tpl *tree.Node
	switch o.Kind {
	case "Pod":
		return o.Root.KeyNode("metadata")
	case "PodTemplate":
		tpl = o.Root.Get("template")
		if k := tpl.KeyNode("metadata"); k != nil {
			return k
		}
		return o.Root.KeyNode("template")
	}
	p, ok := workloadKinds[o.Kind]
	if !ok {
		return nil
	}
	tpl = o.Root.Get(p...)
	if k := tpl.KeyNode("metadata"); k != nil {
		return k
	}
	return o.Root.Get(p[:len(p)-1]...).KeyNode(p[len(p)-1])
}

func checkObsStandardLabels(c *Context, o *K8sObject) {
	if !obsJudged(o) || o.PodSpec == nil {
		return
	}
	labels := o.PodMeta.Get("labels")
	name := labels.Has("app.kubernetes.io/name") || labels.Has("app") || labels.Has("k8s-app")
	version := labels.Has("app.kubernetes.io/version") || labels.Has("version")
	if name && version {
		return
	}
	at := o.PodMeta.KeyNode("labels")
	if at == nil {
		at = obsPodMetaKey(o)
	}
	switch {
	case !name && !version:
		c.Report(at, o.Ref(), "%s has neither a name label (app.kubernetes.io/name or app) nor a version label (app.kubernetes.io/version or version)", obsPodsOf(o))
	case !name:
		c.Report(at, o.Ref(), "%s has no name label (app.kubernetes.io/name or app)", obsPodsOf(o))
	default:
		c.Report(at, o.Ref(), "%s has no version label (app.kubernetes.io/version or version)", obsPodsOf(o))
	}
}

func checkObsScrapeNoPort(c *Context, o *K8sObject) {
	if !o.IsWorkload() {
		return
	}
	ann := o.PodMeta.Get("annotations")
	scrape := ann.Get("prometheus.io/scrape")
	if !scrape.True() || ann.Has("prometheus.io/port") {
		return
	}
	for _, ct := range o.Containers {
		if ct.Init && ct.Node.Get("restartPolicy").Str() != "Always" {
			continue // ports of a native sidecar count, of a run-once init container not
		}
		if ct.Node.Get("ports").Len() > 0 {
			return
		}
	}
	c.Report(scrape, o.Ref(), "%s sets prometheus.io/scrape: \"true\" but neither a prometheus.io/port annotation nor any container port says where to scrape", obsPodsOf(o))
}

// Telemetry facts for the index.

// obsMetricsPushed reports whether a container of o exports metrics over
// OTLP: OTEL_METRICS_EXPORTER names otlp, or it is unset (otlp is the
// default) and an OTLP endpoint is configured.
func obsMetricsPushed(o *K8sObject) bool {
	if obsOtelInjected(o) {
		return true
	}
	for _, ct := range o.Containers {
		if ct.Init || strings.EqualFold(obsEnv(ct.Node, "OTEL_SDK_DISABLED").Get("value").Str(), "true") {
			continue
		}
		if e := obsEnv(ct.Node, "OTEL_METRICS_EXPORTER"); e.Exists() {
			if strings.Contains(strings.ToLower(e.Get("value").Str()), "otlp") {
				return true
			}
			continue
		}
		if obsEnv(ct.Node, "OTEL_EXPORTER_OTLP_ENDPOINT").Exists() || obsEnv(ct.Node, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT").Exists() {
			return true
		}
	}
	return false
}

// obsScrapeAnnotation returns the prometheus.io/scrape annotation of md,
// lower-cased, or "true" when Datadog autodiscovery is configured.
func obsScrapeAnnotation(md *tree.Node) string {
	ann := md.Get("annotations")
	if v := ann.Get("prometheus.io/scrape"); v.Exists() {
		return strings.ToLower(v.Str())
	}
	for _, k := range ann.Keys() {
		if strings.HasPrefix(k, "ad.datadoghq.com/") && (strings.HasSuffix(k, ".checks") || strings.HasSuffix(k, ".check_names")) {
			return "true"
		}
	}
	return ""
}

// obsPodMonitorKind reports whether kind selects pods to scrape: the
// Prometheus Operator's, VictoriaMetrics' and Google Managed Prometheus'
// pod monitors.
func obsPodMonitorKind(kind string) bool {
	return kind == "PodMonitor" || kind == "VMPodScrape" || kind == "PodMonitoring" || kind == "ClusterPodMonitoring"
}

// obsServiceMonitorKind reports whether kind selects Services to scrape.
func obsServiceMonitorKind(kind string) bool {
	return kind == "ServiceMonitor" || kind == "VMServiceScrape"
}

// indexTelemetry records the telemetry facts of o in io.
func indexTelemetry(io *IndexedObject, o *K8sObject) {
	switch {
	case o.IsWorkload():
		io.PodMetaPos = obsPodMetaKey(o).Pos()
		io.Scrape = obsScrapeAnnotation(o.PodMeta)
		io.PushesMetrics = obsMetricsPushed(o)
	case o.Kind == "Service":
		io.Scrape = obsScrapeAnnotation(o.Metadata)
	case obsPodMonitorKind(o.Kind) || obsServiceMonitorKind(o.Kind):
		spec := o.Root.Get("spec")
		setSelector(io, spec.Get("selector"))
		io.MatchLabelsPos = spec.Get("selector", "matchLabels").Pos()
		ns := spec.Get("namespaceSelector")
		io.MonitorAnyNamespace = ns.Get("any").True() || o.Kind == "ClusterPodMonitoring"
		io.MonitorNamespaces = ns.Get("matchNames").Strings()
	}
}

// obsMonitorFinds reports whether find, asked with the selector of
// monitor m, answers true for one of the namespaces m watches.
func obsMonitorFinds(m *IndexedObject, find func(ns string, anyNS bool, sel map[string]string) bool) bool {
	switch {
	case m.MonitorAnyNamespace:
		return find("", true, m.Selector)
	case len(m.MonitorNamespaces) > 0:
		for _, ns := range m.MonitorNamespaces {
			if find(ns, false, m.Selector) {
				return true
			}
		}
		return false
	}
	return find(m.Namespace, false, m.Selector)
}

// obsMonitorSelects reports whether monitor m may select an object with
// labels; a selector with matchExpressions is given the benefit of the
// doubt.
func obsMonitorSelects(m *IndexedObject, labels map[string]string) bool {
	return m.SelectorExpr || labelsMatch(m.Selector, labels)
}

// obsMonitors files monitors under the namespaces they watch, so that
// the monitors that may select an object are found from its labels.
type obsMonitors struct {
	byNS  selectorIndex // monitors of the namespaces they watch
	anyNS selectorIndex // monitors of every namespace, under ""
}

func (ms *obsMonitors) add(m *IndexedObject) {
	everything := m.SelectorExpr || len(m.Selector) == 0
	switch {
	case m.MonitorAnyNamespace:
		ms.anyNS.add("", m, m.Selector, everything)
	case len(m.MonitorNamespaces) > 0:
		for i, ns := range m.MonitorNamespaces {
			if !slices.Contains(m.MonitorNamespaces[:i], ns) {
				ms.byNS.add(ns, m, m.Selector, everything)
			}
		}
	default:
		ms.byNS.add(m.Namespace, m, m.Selector, everything)
	}
}

// selects reports whether a monitor that watches namespace ns selects
// an object there with labels.
func (ms *obsMonitors) selects(ns string, labels map[string]string) bool {
	ok := func(m *IndexedObject) bool { return obsMonitorSelects(m, labels) }
	return ms.byNS.any(ns, labels, ok) || ms.anyNS.any("", labels, ok)
}

func checkObsNoMetrics(c *SetContext, ix *Index) {
	var podMons, svcMons obsMonitors
	for _, o := range ix.Objects {
		switch {
		case obsPodMonitorKind(o.Kind):
			podMons.add(o)
		case obsServiceMonitorKind(o.Kind):
			svcMons.add(o)
		}
	}
	// Services that get their pods scraped: annotated, or selected by a
	// ServiceMonitor. They are filed by selector, to be found from the
	// pod labels of a workload.
	var scraped selectorIndex
	for _, s := range ix.OfKind("Service") {
		if len(s.Selector) > 0 && (s.Scrape == "true" || svcMons.selects(s.Namespace, s.Labels)) {
			scraped.add(s.Namespace, s, s.Selector, false)
		}
	}
	for _, w := range ix.Workloads() {
		if !obsLongRunningKind(w.Kind) || w.Scrape != "" || w.PushesMetrics {
			continue
		}
		if podMons.selects(w.Namespace, w.PodLabels) ||
			scraped.any(w.Namespace, w.PodLabels, func(s *IndexedObject) bool { return labelsMatch(s.Selector, w.PodLabels) }) {
			continue
		}
		c.Report(w, w.PodMetaPos, "%s %q exposes no metrics to a scraper: its pod template has no prometheus.io/scrape annotation and no ServiceMonitor or PodMonitor in this run selects it",
			w.Kind, w.Name)
	}
}

// obsLongRunningKind reports whether kind serves continuously.
func obsLongRunningKind(kind string) bool {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "DeploymentConfig":
		return true
	}
	return false
}
