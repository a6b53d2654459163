package check

import (
	"strconv"
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// This file holds the Kubernetes reliability rules (K8S100..K8S149) that
// judge one object at a time. The rules that compare objects (replicas
// against autoscalers and disruption budgets) are in
// k8s_reliability_set.go.

// Kubernetes defaults of a probe, used when a field is left out.
const (
	defaultProbePeriod    = 10
	defaultProbeThreshold = 3
)

var (
	ruleLivenessMissing = &Rule{
		ID:        "K8S100",
		Name:      "liveness-probe-missing",
		Title:     "Container has no liveness probe",
		Severity:  SeverityLow,
		Family:    FamilyReliability,
		Rationale: "Without a liveness probe the kubelet only restarts a container that exits; one that deadlocks or hangs keeps its place and serves errors until someone deletes the pod. A wrong liveness probe is worse than none, which is why this is low.",
		Remediation: "Add a cheap livenessProbe that checks only the process itself, never its dependencies, and gives up later than the readiness probe, e.g. " +
			"livenessProbe: {httpGet: {path: /livez, port: http}, periodSeconds: 10, failureThreshold: 6}.",
		Kubernetes: checkLivenessMissing,
	}
	ruleReadinessMissing = &Rule{
		ID:        "K8S101",
		Name:      "readiness-probe-missing",
		Title:     "Container has no readiness probe",
		Severity:  SeverityMedium,
		Family:    FamilyReliability,
		Rationale: "Without a readiness probe a pod receives Service traffic and counts as available the moment its containers start, before the application listens; every rollout and restart then drops requests, and a rolling update moves on even when the new version never becomes healthy.",
		Remediation: "Add a readinessProbe that answers only when the container can serve, e.g. " +
			"readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 5, failureThreshold: 3}.",
		Kubernetes: checkReadinessMissing,
	}
	ruleProbesIdentical = &Rule{
		ID:        "K8S102",
		Name:      "liveness-same-as-readiness",
		Title:     "Liveness probe repeats the readiness probe and gives up no later",
		Severity:  SeverityMedium,
		Family:    FamilyReliability,
		Rationale: "When the liveness probe runs the same check as the readiness probe and tolerates failures no longer, anything that makes the pod unready (a slow database, a saturated thread pool) also gets it killed: instead of being drained from the Service until it recovers, every replica restarts at once and the outage grows.",
		Remediation: "Point the liveness probe at a check of the process alone (e.g. /livez instead of /readyz), or at least let it fail for longer than the readiness probe: " +
			"failureThreshold*periodSeconds of livenessProbe greater than that of readinessProbe.",
		Kubernetes: checkProbesIdentical,
	}
	ruleCPURequestMissing = &Rule{
		ID:        "K8S103",
		Name:      "cpu-request-missing",
		Title:     "Container has no CPU request",
		Severity:  SeverityMedium,
		Family:    FamilyReliability,
		Rationale: "The scheduler places pods by their requests; a container without a CPU request is placed as if it needed none and gets the smallest share of CPU when the node is busy, so it slows to a crawl under contention. CPU-based autoscaling cannot compute utilization for it either. A CPU limit alone counts, since Kubernetes then copies it into the request.",
		Remediation: "Set resources.requests.cpu to what the container needs at normal load, e.g. resources: {requests: {cpu: 250m, memory: 256Mi}}. " +
			"If a LimitRange in the namespace sets defaults, suppress this rule for the namespace's manifests.",
		Kubernetes: checkCPURequest,
	}
	ruleMemoryRequestMissing = &Rule{
		ID:        "K8S104",
		Name:      "memory-request-missing",
		Title:     "Container has no memory request",
		Severity:  SeverityMedium,
		Family:    FamilyReliability,
		Rationale: "A container without a memory request is scheduled as if it used no memory, so nodes get overcommitted, and under memory pressure its pod is among the first evicted. A memory limit alone counts, since Kubernetes then copies it into the request.",
		Remediation: "Set resources.requests.memory to the container's working set at normal load, e.g. resources: {requests: {memory: 256Mi}}. " +
			"If a LimitRange in the namespace sets defaults, suppress this rule for the namespace's manifests.",
		Kubernetes: checkMemoryRequest,
	}
	ruleMemoryLimitMissing = &Rule{
		ID:          "K8S105",
		Name:        "memory-limit-missing",
		Title:       "Container has no memory limit",
		Severity:    SeverityMedium,
		Family:      FamilyReliability,
		Rationale:   "Without a memory limit a leaking container grows until the node runs out of memory, and the kernel's OOM killer then takes down other pods on the node too. A limit confines the damage to the container that leaks. (CPU limits are deliberately not required: they throttle, they do not protect neighbours.)",
		Remediation: "Set resources.limits.memory, usually equal to the memory request so the pod cannot be overcommitted, e.g. resources: {requests: {memory: 256Mi}, limits: {memory: 256Mi}}.",
		Kubernetes:  checkMemoryLimit,
	}
	rulePDBBlocks = &Rule{
		ID:          "K8S108",
		Name:        "pdb-blocks-eviction",
		Title:       "PodDisruptionBudget never allows an eviction",
		Severity:    SeverityMedium,
		Family:      FamilyReliability,
		Rationale:   "A budget of maxUnavailable 0 or minAvailable 100% forbids every voluntary eviction, so node drains, cluster upgrades and autoscaler scale-downs hang on its pods until someone deletes the budget by hand; the pods gain no protection against involuntary failures in return.",
		Remediation: "Allow at least one pod to be evicted: spec: {maxUnavailable: 1} (or a minAvailable below the replica count), with enough replicas that losing one is harmless.",
		Kubernetes:  checkPDBBlocks,
	}
	ruleRolloutAllUnavailable = &Rule{
		ID:          "K8S113",
		Name:        "rollout-takes-all-down",
		Title:       "Rolling update may take every replica down at once",
		Severity:    SeverityHigh,
		Family:      FamilyReliability,
		Rationale:   "A rolling update whose maxUnavailable is 100% or at least the replica count may stop every old pod before any new one is ready: each rollout is then a full outage, and a broken image leaves nothing serving.",
		Remediation: "Lower maxUnavailable (e.g. 25% or 1) and let maxSurge add new pods first: strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 25%}}.",
		Kubernetes:  checkRolloutAllUnavailable,
	}
	ruleRecreateStrategy = &Rule{
		ID:          "K8S114",
		Name:        "recreate-strategy-multi-replica",
		Title:       "Multi-replica Deployment uses the Recreate strategy",
		Severity:    SeverityLow,
		Family:      FamilyReliability,
		Rationale:   "The Recreate strategy stops every pod before starting the new ones, so each rollout is an outage for a workload that otherwise has replicas to spare. It is right only when two versions must never run together (a single writer, a ReadWriteOnce volume).",
		Remediation: "Use strategy: {type: RollingUpdate}; keep Recreate only where two versions must not overlap, and suppress this finding there with the reason.",
		Kubernetes:  checkRecreateStrategy,
	}
	ruleJobUnbounded = &Rule{
		ID:          "K8S116",
		Name:        "job-without-deadline",
		Title:       "Job sets neither backoffLimit nor activeDeadlineSeconds",
		Severity:    SeverityLow,
		Family:      FamilyReliability,
		Rationale:   "A Job with neither an explicit backoffLimit nor an activeDeadlineSeconds relies on the defaults: six retries with growing back-off and no time limit at all, so a hung pod runs, and holds its resources, forever, and nobody learns that the run never finished.",
		Remediation: "Bound the Job: spec: {backoffLimit: 3, activeDeadlineSeconds: 3600} (for a CronJob, under spec.jobTemplate.spec).",
		Kubernetes:  checkJobUnbounded,
	}
	ruleCronConcurrency = &Rule{
		ID:          "K8S117",
		Name:        "cronjob-concurrency-policy-unset",
		Title:       "CronJob leaves concurrencyPolicy at Allow",
		Severity:    SeverityLow,
		Family:      FamilyReliability,
		Rationale:   "The default concurrencyPolicy, Allow, starts a new run even when the previous one has not finished; a run that slows down then piles up copies of itself that compete for the same data and resources.",
		Remediation: "Set spec.concurrencyPolicy: Forbid (skip a run while one is active) or Replace; write concurrencyPolicy: Allow explicitly if overlapping runs are intended.",
		Kubernetes:  checkCronConcurrency,
	}
	ruleCronStartingDeadline = &Rule{
		ID:          "K8S118",
		Name:        "cronjob-starting-deadline",
		Title:       "CronJob has no usable startingDeadlineSeconds",
		Severity:    SeverityLow,
		Family:      FamilyReliability,
		Rationale:   "Without startingDeadlineSeconds a run missed while the controller was down or the CronJob suspended still starts whenever the controller catches up, however late (a nightly batch at peak hours), and controllers before Kubernetes 1.21 stopped scheduling a CronJob for good after 100 misses. A deadline under 10 seconds is wrong the other way: the controller checks only every 10 seconds and may never start a run.",
		Remediation: "Set spec.startingDeadlineSeconds to how late a run may still start, at least 10 seconds and usually a fraction of the schedule interval, e.g. startingDeadlineSeconds: 300.",
		Kubernetes:  checkCronStartingDeadline,
	}
	ruleGraceZero = &Rule{
		ID:          "K8S119",
		Name:        "termination-grace-zero",
		Title:       "Long-running workload has terminationGracePeriodSeconds 0",
		Severity:    SeverityMedium,
		Family:      FamilyReliability,
		Rationale:   "With no grace period the kubelet kills containers without letting them finish in-flight requests, flush buffers or leave a cluster cleanly, so every rollout, scale-down and node drain drops work; for a StatefulSet it also breaks the at-most-one-pod-per-identity guarantee.",
		Remediation: "Remove terminationGracePeriodSeconds (default 30) or set it to the longest time a graceful shutdown takes, and handle SIGTERM in the application.",
		Kubernetes:  checkGraceZero,
	}
	ruleNoRollback = &Rule{
		ID:          "K8S120",
		Name:        "revision-history-zero",
		Title:       "Deployment keeps no revision history",
		Severity:    SeverityLow,
		Family:      FamilyReliability,
		Rationale:   "With revisionHistoryLimit 0 the old ReplicaSets are deleted as soon as a rollout finishes, so kubectl rollout undo has nothing to return to: a bad release can only be fixed by deploying again, the slowest path in an incident.",
		Remediation: "Remove revisionHistoryLimit (default 10) or keep a few revisions, e.g. revisionHistoryLimit: 3.",
		Kubernetes:  checkNoRollback,
	}
	ruleHPAMinAboveMax = &Rule{
		ID:          "K8S110",
		Name:        "hpa-min-above-max",
		Title:       "Autoscaler minReplicas is greater than maxReplicas",
		Severity:    SeverityHigh,
		Family:      FamilyReliability,
		Rationale:   "An autoscaler whose minimum exceeds its maximum is rejected by the API server (HorizontalPodAutoscaler) or by KEDA's webhook (ScaledObject), so the deploy fails, or, where it slips through, it cannot scale at all.",
		Remediation: "Make minReplicas (minReplicaCount for KEDA) at most maxReplicas (maxReplicaCount), e.g. minReplicas: 2, maxReplicas: 10.",
		Kubernetes:  checkHPAMinAboveMax,
	}
)

func init() {
	register(ruleLivenessMissing, ruleReadinessMissing, ruleProbesIdentical,
		ruleCPURequestMissing, ruleMemoryRequestMissing, ruleMemoryLimitMissing,
		rulePDBBlocks, ruleHPAMinAboveMax, ruleRolloutAllUnavailable, ruleRecreateStrategy,
		ruleJobUnbounded, ruleCronConcurrency, ruleCronStartingDeadline, ruleGraceZero, ruleNoRollback)
}

// managedByController reports whether another object (a Deployment for a
// ReplicaSet, a CronJob for a Job) controls o, as in a dump of a live
// cluster: findings belong on the controller, not on each copy.
func managedByController(o *K8sObject) bool {
	for _, r := range o.Metadata.Get("ownerReferences").Items() {
		if r.Get("controller").True() {
			return true
		}
	}
	return false
}

// servesLongRunning reports whether o is a long-running workload that the
// probe and rollout rules judge.
func servesLongRunning(o *K8sObject) bool {
	return o.IsLongRunning() && o.PodSpec != nil && !managedByController(o)
}

// runsAlongside reports whether c runs for the life of the pod: a main
// container or a native sidecar (an init container with restartPolicy
// Always).
func runsAlongside(c Container) bool {
	return !c.Init || c.Node.Get("restartPolicy").Str() == "Always"
}

// containerAnchor is where a finding about something a container lacks
// belongs: its name key, or the container itself when it has no name.
func containerAnchor(c Container) *tree.Node {
	if k := c.Node.KeyNode("name"); k != nil {
		return k
	}
	return c.Node
}

// probeHandlers are the fields of a probe that say what it runs.
var probeHandlers = [...]string{"httpGet", "tcpSocket", "grpc", "exec"}

// probeHandler returns the handler kind and node of probe p, or "" when p
// has none.
func probeHandler(p *tree.Node) (string, *tree.Node) {
	for _, h := range probeHandlers {
		if n := p.Get(h); n.IsMap() {
			return h, n
		}
	}
	return "", nil
}

func checkLivenessMissing(c *Context, o *K8sObject) { checkProbeMissing(c, o, "livenessProbe") }

func checkReadinessMissing(c *Context, o *K8sObject) { checkProbeMissing(c, o, "readinessProbe") }

// checkProbeMissing reports main containers of long-running workloads
// without a usable probe of the given field.
func checkProbeMissing(c *Context, o *K8sObject, field string) {
	if !servesLongRunning(o) {
		return
	}
	for _, ct := range o.Containers {
		if ct.Init || !ct.Node.IsMap() {
			continue
		}
		if !ct.Node.Has(field) || ct.Node.Get(field).IsNull() {
			c.Report(containerAnchor(ct), o.Ref(), "container %q of %s %q has no %s", ct.Name, o.Kind, o.Name, field)
			continue
		}
		if kind, _ := probeHandler(ct.Node.Get(field)); kind == "" {
			c.Report(ct.Node.KeyNode(field), o.Ref(), "%s of container %q in %s %q has no handler (httpGet, tcpSocket, grpc or exec)", field, ct.Name, o.Kind, o.Name)
		}
	}
}

// checkProbesIdentical reports containers whose liveness probe runs the
// readiness probe's check and tolerates failures no longer.
func checkProbesIdentical(c *Context, o *K8sObject) {
	if !servesLongRunning(o) {
		return
	}
	for _, ct := range o.Containers {
		if ct.Init {
			continue
		}
		live, ready := ct.Node.Get("livenessProbe"), ct.Node.Get("readinessProbe")
		lk, lh := probeHandler(live)
		rk, rh := probeHandler(ready)
		if lk == "" || lk != rk || !sameHandler(ct.Node, lk, lh, rh) {
			continue
		}
		lt, rt := probeTolerance(live), probeTolerance(ready)
		if lt > rt {
			continue
		}
		c.Report(ct.Node.KeyNode("livenessProbe"), o.Ref(),
			"container %q of %s %q: livenessProbe repeats readinessProbe's check (%s) and gives up no later (after %ds, readiness after %ds): when a dependency it checks is slow, the kubelet restarts the pods instead of only draining them from the Service",
			ct.Name, o.Kind, o.Name, describeHandler(ct.Node, lk, lh), lt, rt)
	}
}

// probeTolerance is how long, in seconds, probe p may fail before it acts:
// failureThreshold times periodSeconds, with Kubernetes defaults.
func probeTolerance(p *tree.Node) int64 {
	period, ok := p.Get("periodSeconds").Int()
	if !ok || period <= 0 {
		period = defaultProbePeriod
	}
	threshold, ok := p.Get("failureThreshold").Int()
	if !ok || threshold <= 0 {
		threshold = defaultProbeThreshold
	}
	return period * threshold
}

// sameHandler reports whether two handlers of the same kind run the same
// check, after filling in defaults and resolving named ports of container
// ct.
func sameHandler(ct *tree.Node, kind string, a, b *tree.Node) bool {
	switch kind {
	case "httpGet":
		return httpPath(a) == httpPath(b) &&
			probePort(ct, a) == probePort(ct, b) &&
			a.Get("host").Str() == b.Get("host").Str() &&
			httpScheme(a) == httpScheme(b) &&
			sameNode(a.Get("httpHeaders"), b.Get("httpHeaders"))
	case "tcpSocket":
		return probePort(ct, a) == probePort(ct, b) && a.Get("host").Str() == b.Get("host").Str()
	case "grpc":
		return probePort(ct, a) == probePort(ct, b) && a.Get("service").Str() == b.Get("service").Str()
	case "exec":
		return a.Get("command").IsSeq() && sameNode(a.Get("command"), b.Get("command"))
	}
	return false
}

func httpPath(h *tree.Node) string {
	if p := h.Get("path").Str(); p != "" {
		return p
	}
	return "/"
}

func httpScheme(h *tree.Node) string {
	if s := h.Get("scheme").Str(); s != "" {
		return strings.ToUpper(s)
	}
	return "HTTP"
}

// probePort returns the port of handler h as a number where it can: a
// named port is looked up among the ports of container ct.
func probePort(ct, h *tree.Node) string {
	p := h.Get("port")
	if n, ok := p.Int(); ok {
		return strconv.FormatInt(n, 10)
	}
	name := p.Str()
	for _, cp := range ct.Get("ports").Items() {
		if cp.Get("name").Str() == name {
			if n, ok := cp.Get("containerPort").Int(); ok {
				return strconv.FormatInt(n, 10)
			}
		}
	}
	return name
}

// describeHandler names a check for a message, e.g. "httpGet /healthz on
// port 8080".
func describeHandler(ct *tree.Node, kind string, h *tree.Node) string {
	switch kind {
	case "httpGet":
		return "httpGet " + httpPath(h) + " on port " + probePort(ct, h)
	case "tcpSocket", "grpc":
		return kind + " on port " + probePort(ct, h)
	}
	cmd := strings.Join(h.Get("command").Strings(), " ")
	if len(cmd) > 60 {
		cmd = cmd[:57] + "..."
	}
	return "exec " + strconv.Quote(cmd)
}

// sameNode compares two YAML values structurally: mappings regardless of
// key order, sequences in order, scalars by text.
func sameNode(a, b *tree.Node) bool {
	return sameNodeDepth(a, b, 0)
}

func sameNodeDepth(a, b *tree.Node, depth int) bool {
	if depth > 32 {
		return false
	}
	switch {
	case a.IsNull() || b.IsNull():
		return a.IsNull() == b.IsNull()
	case a.IsScalar() && b.IsScalar():
		return a.Str() == b.Str()
	case a.IsSeq() && b.IsSeq():
		ai, bi := a.Items(), b.Items()
		if len(ai) != len(bi) {
			return false
		}
		for i := range ai {
			if !sameNodeDepth(ai[i], bi[i], depth+1) {
				return false
			}
		}
		return true
	case a.IsMap() && b.IsMap():
		if a.Len() != b.Len() {
			return false
		}
		for _, p := range a.Pairs() {
			if !b.Has(p.Key) || !sameNodeDepth(p.Value, b.Get(p.Key), depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// resourceSet reports whether resources.<section>.<name> of container ct
// has a value.
func resourceSet(ct *tree.Node, section, name string) bool {
	v := ct.Get("resources", section, name)
	return v.Exists() && !v.IsNull() && v.Str() != ""
}

// resourceAnchor is where a missing resources.<section> entry belongs: the
// section key, else the resources key, else the container's name.
func resourceAnchor(ct Container, section string) *tree.Node {
	res := ct.Node.Get("resources")
	if k := res.KeyNode(section); k != nil {
		return k
	}
	if k := ct.Node.KeyNode("resources"); k != nil {
		return k
	}
	return containerAnchor(ct)
}

// resourceContainers calls fn for the containers whose resources count
// for the pod's whole life (main containers and native sidecars) of every
// workload not managed by another object.
func resourceContainers(o *K8sObject, fn func(Container)) {
	if o.PodSpec == nil || managedByController(o) {
		return
	}
	for _, ct := range o.Containers {
		if runsAlongside(ct) && ct.Node.IsMap() {
			fn(ct)
		}
	}
}

func checkCPURequest(c *Context, o *K8sObject) {
	resourceContainers(o, func(ct Container) {
		if !resourceSet(ct.Node, "requests", "cpu") && !resourceSet(ct.Node, "limits", "cpu") {
			c.Report(resourceAnchor(ct, "requests"), o.Ref(), "container %q of %s %q has no CPU request", ct.Name, o.Kind, o.Name)
		}
	})
}

func checkMemoryRequest(c *Context, o *K8sObject) {
	resourceContainers(o, func(ct Container) {
		if !resourceSet(ct.Node, "requests", "memory") && !resourceSet(ct.Node, "limits", "memory") {
			c.Report(resourceAnchor(ct, "requests"), o.Ref(), "container %q of %s %q has no memory request", ct.Name, o.Kind, o.Name)
		}
	})
}

func checkMemoryLimit(c *Context, o *K8sObject) {
	resourceContainers(o, func(ct Container) {
		if !resourceSet(ct.Node, "limits", "memory") {
			c.Report(resourceAnchor(ct, "limits"), o.Ref(), "container %q of %s %q has no memory limit", ct.Name, o.Kind, o.Name)
		}
	})
}

// intOrPercent reads an IntOrString field: a number, or a percentage such
// as "25%".
func intOrPercent(n *tree.Node) (v int64, percent, ok bool) {
	if i, ok := n.Int(); ok {
		return i, false, true
	}
	return intOrPercentString(n.Str())
}

// intOrPercentString parses an IntOrString value as written.
func intOrPercentString(s string) (v int64, percent, ok bool) {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, false, true
	}
	if num, found := strings.CutSuffix(s, "%"); found {
		if i, err := strconv.ParseInt(num, 10, 64); err == nil {
			return i, true, true
		}
	}
	return 0, false, false
}

// checkRolloutAllUnavailable reports rolling updates whose maxUnavailable
// covers every replica.
func checkRolloutAllUnavailable(c *Context, o *K8sObject) {
	if !servesLongRunning(o) {
		return
	}
	var mu *tree.Node
	spec := o.Root.Get("spec")
	switch o.Kind {
	case "Deployment":
		if t := spec.Get("strategy", "type").Str(); t != "" && t != "RollingUpdate" {
			return
		}
		mu = spec.Get("strategy", "rollingUpdate", "maxUnavailable")
	case "StatefulSet", "DaemonSet":
		if t := spec.Get("updateStrategy", "type").Str(); t != "" && t != "RollingUpdate" {
			return
		}
		mu = spec.Get("updateStrategy", "rollingUpdate", "maxUnavailable")
	default:
		return
	}
	v, pct, ok := intOrPercent(mu)
	if !ok {
		return
	}
	if pct {
		if v >= 100 {
			c.Report(mu, o.Ref(), "%s %q sets maxUnavailable %s: a rollout may stop every pod before a new one is ready", o.Kind, o.Name, mu.Str())
		}
		return
	}
	// A DaemonSet runs one pod per node, a number the manifest does not
	// say; a single replica is the single-replica rule's concern.
	replicas, set := o.Replicas()
	if o.Kind == "DaemonSet" || !set || replicas < 2 || v < replicas {
		return
	}
	c.Report(mu, o.Ref(), "%s %q sets maxUnavailable %d with %d replicas: a rollout may stop every pod before a new one is ready", o.Kind, o.Name, v, replicas)
}

// checkRecreateStrategy reports Deployments with several replicas that
// are replaced all at once.
func checkRecreateStrategy(c *Context, o *K8sObject) {
	if o.Kind != "Deployment" || !servesLongRunning(o) {
		return
	}
	t := o.Root.Get("spec", "strategy", "type")
	replicas, set := o.Replicas()
	if t.Str() != "Recreate" || !set || replicas < 2 {
		return
	}
	c.Report(t, o.Ref(), "Deployment %q with %d replicas uses the Recreate strategy: every rollout stops all pods before starting new ones", o.Name, replicas)
}

// jobSpec returns the Job spec of a Job or a CronJob's job template, with
// the key node where a finding about a missing field belongs.
func jobSpec(o *K8sObject) (spec, key *tree.Node) {
	switch o.Kind {
	case "Job":
		return o.Root.Get("spec"), o.Root.KeyNode("spec")
	case "CronJob":
		tpl := o.Root.Get("spec", "jobTemplate")
		return tpl.Get("spec"), tpl.KeyNode("spec")
	}
	return nil, nil
}

func checkJobUnbounded(c *Context, o *K8sObject) {
	if managedByController(o) {
		return
	}
	spec, key := jobSpec(o)
	if !spec.IsMap() {
		return
	}
	for _, f := range [...]string{"backoffLimit", "backoffLimitPerIndex", "activeDeadlineSeconds"} {
		if !spec.Get(f).IsNull() {
			return
		}
	}
	what := "Job"
	if o.Kind == "CronJob" {
		what = "job template of CronJob"
	}
	c.Report(key, o.Ref(), "%s %q sets neither backoffLimit nor activeDeadlineSeconds: a hung run is never stopped", what, o.Name)
}

func checkCronConcurrency(c *Context, o *K8sObject) {
	spec := o.Root.Get("spec")
	if o.Kind != "CronJob" || !spec.IsMap() {
		return
	}
	if spec.Get("concurrencyPolicy").IsNull() {
		c.Report(o.Root.KeyNode("spec"), o.Ref(), "CronJob %q does not set concurrencyPolicy, so a slow run overlaps the next one (default Allow)", o.Name)
	}
}

func checkCronStartingDeadline(c *Context, o *K8sObject) {
	spec := o.Root.Get("spec")
	if o.Kind != "CronJob" || !spec.IsMap() {
		return
	}
	d := spec.Get("startingDeadlineSeconds")
	if d.IsNull() {
		c.Report(o.Root.KeyNode("spec"), o.Ref(), "CronJob %q does not set startingDeadlineSeconds: a missed run starts whenever the controller catches up, however late", o.Name)
		return
	}
	if v, ok := d.Int(); ok && v < 10 {
		c.Report(d, o.Ref(), "CronJob %q sets startingDeadlineSeconds %d, below the controller's 10-second check interval: runs may never start", o.Name, v)
	}
}

func checkGraceZero(c *Context, o *K8sObject) {
	if !servesLongRunning(o) {
		return
	}
	g := o.PodSpec.Get("terminationGracePeriodSeconds")
	if v, ok := g.Int(); ok && v == 0 {
		c.Report(g, o.Ref(), "%s %q sets terminationGracePeriodSeconds 0: containers are killed without a chance to finish in-flight work", o.Kind, o.Name)
	}
}

// autoscalerBounds returns the minimum and maximum replica nodes of a
// HorizontalPodAutoscaler or KEDA ScaledObject, and the minimum's default.
func autoscalerBounds(o *K8sObject) (lo, hi *tree.Node, loDefault int64, ok bool) {
	spec := o.Root.Get("spec")
	switch {
	case o.Kind == "HorizontalPodAutoscaler":
		return spec.Get("minReplicas"), spec.Get("maxReplicas"), 1, true
	case o.Kind == "ScaledObject" && strings.HasPrefix(o.APIVersion, "keda.sh/"):
		return spec.Get("minReplicaCount"), spec.Get("maxReplicaCount"), 0, true
	}
	return nil, nil, 0, false
}

func checkHPAMinAboveMax(c *Context, o *K8sObject) {
	lo, hi, _, ok := autoscalerBounds(o)
	if !ok {
		return
	}
	minV, okMin := lo.Int()
	maxV, okMax := hi.Int()
	if okMin && okMax && minV > maxV {
		c.Report(lo, o.Ref(), "%s %q has minimum %d above its maximum %d", o.Kind, o.Name, minV, maxV)
	}
}

func checkPDBBlocks(c *Context, o *K8sObject) {
	if o.Kind != "PodDisruptionBudget" {
		return
	}
	spec := o.Root.Get("spec")
	if mu := spec.Get("maxUnavailable"); !mu.IsNull() {
		if v, _, ok := intOrPercent(mu); ok && v == 0 {
			c.Report(mu, o.Ref(), "PodDisruptionBudget %q sets maxUnavailable %s: no pod it selects can ever be evicted, so node drains hang", o.Name, mu.Str())
		}
		return
	}
	ma := spec.Get("minAvailable")
	if v, pct, ok := intOrPercent(ma); ok && pct && v >= 100 {
		c.Report(ma, o.Ref(), "PodDisruptionBudget %q sets minAvailable %s: no pod it selects can ever be evicted, so node drains hang", o.Name, ma.Str())
	}
}

func checkNoRollback(c *Context, o *K8sObject) {
	if o.Kind != "Deployment" || managedByController(o) {
		return
	}
	n := o.Root.Get("spec", "revisionHistoryLimit")
	if v, ok := n.Int(); ok && v == 0 {
		c.Report(n, o.Ref(), "Deployment %q sets revisionHistoryLimit 0: a bad rollout cannot be undone with kubectl rollout undo", o.Name)
	}
}
