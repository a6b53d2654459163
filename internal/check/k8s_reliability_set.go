package check

import (
	"fmt"
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// This file holds the Kubernetes reliability rules that compare objects of
// a run: workloads against the autoscalers that size them and the
// PodDisruptionBudgets that protect them. They read relFacts, which
// Index.add records for the few kinds they look at.

// relFacts is what the reliability rules remember of one object. Only the
// fields of the object's kind are set.
type relFacts struct {
	// NamePos is where metadata.name is; SpecPos where the spec key is.
	NamePos tree.Position
	SpecPos tree.Position

	// Replicas is spec.replicas of a workload, -1 when unset or when
	// the kind has none, replicasUnknown when it is not a number;
	// ReplicasPos is where it is (the spec key when unset). Workloads
	// managed by another object have no facts.
	Replicas    int64
	ReplicasPos tree.Position
	// Spread is true when the pod template spreads its pods
	// (topologySpreadConstraints or podAntiAffinity); PodSpecPos is where
	// the template's spec key is.
	Spread     bool
	PodSpecPos tree.Position
	// Containers are the main containers and native sidecars of a
	// workload.
	Containers []relContainer

	// Autoscaler is true for a HorizontalPodAutoscaler or KEDA
	// ScaledObject; MinReplicas is its minimum with the default filled in
	// (-1 when it is not a number), MinSet whether the manifest says,
	// MinPos where it is (the spec key when unset).
	Autoscaler  bool
	KEDA        bool
	MinReplicas int64
	MinSet      bool
	MinPos      tree.Position
	// TargetKind and TargetName are what the autoscaler scales.
	TargetKind, TargetName string
	// Utilization lists the resource-utilization metrics it scales on.
	Utilization []relMetric

	// MinAvailable is a PodDisruptionBudget's minAvailable as written,
	// "" when unset.
	MinAvailable    string
	MinAvailablePos tree.Position
}

// replicasUnknown marks a replicas field that is not a number.
const replicasUnknown = -2

// relContainer records which resources a container requests; a limit
// counts, as Kubernetes copies it into a missing request.
type relContainer struct {
	Name   string
	CPU    bool
	Memory bool
}

// relMetric is a resource-utilization metric of an autoscaler.
type relMetric struct {
	Resource  string // "cpu" or "memory"
	Container string // for ContainerResource metrics
	Pos       tree.Position
}

// reliabilityFacts extracts relFacts from an object, or nil for kinds the
// reliability rules do not compare.
func reliabilityFacts(o *K8sObject) *relFacts {
	keda := o.Kind == "ScaledObject" && strings.HasPrefix(o.APIVersion, "keda.sh/")
	if !o.IsWorkload() && !keda && o.Kind != "HorizontalPodAutoscaler" && o.Kind != "PodDisruptionBudget" {
		return nil
	}
	spec := o.Root.Get("spec")
	f := &relFacts{
		NamePos: o.Metadata.Get("name").Pos(),
		SpecPos: o.Root.KeyNode("spec").Pos(),
	}
	switch {
	case o.IsWorkload():
		if managedByController(o) {
			return nil
		}
		f.Replicas = -1
		f.ReplicasPos = f.SpecPos
		if r := spec.Get("replicas"); !r.IsNull() && o.Kind != "CronJob" && o.Kind != "Job" {
			f.Replicas = replicasUnknown // a template placeholder, a wrong type
			if n, ok := r.Int(); ok && n >= 0 {
				f.Replicas = n
			}
			f.ReplicasPos = r.Pos()
		}
		aff := o.PodSpec.Get("affinity", "podAntiAffinity")
		f.Spread = o.PodSpec.Get("topologySpreadConstraints").Len() > 0 ||
			aff.Get("requiredDuringSchedulingIgnoredDuringExecution").Len() > 0 ||
			aff.Get("preferredDuringSchedulingIgnoredDuringExecution").Len() > 0
		if p, ok := workloadKinds[o.Kind]; ok {
			f.PodSpecPos = o.Root.Get(p...).KeyNode("spec").Pos()
		}
		f.Containers = relContainers(o)
	case o.Kind == "HorizontalPodAutoscaler":
		f.Autoscaler = true
		f.MinReplicas, f.MinSet, f.MinPos = autoscalerMin(spec, "minReplicas", 1, f.SpecPos)
		ref := spec.Get("scaleTargetRef")
		f.TargetKind, f.TargetName = ref.Get("kind").Str(), ref.Get("name").Str()
		f.Utilization = hpaUtilization(spec, f.SpecPos)
	case keda:
		f.Autoscaler, f.KEDA = true, true
		f.MinReplicas, f.MinSet, f.MinPos = autoscalerMin(spec, "minReplicaCount", 0, f.SpecPos)
		ref := spec.Get("scaleTargetRef")
		f.TargetKind, f.TargetName = ref.Get("kind").Str(), ref.Get("name").Str()
		if f.TargetKind == "" {
			f.TargetKind = "Deployment"
		}
		f.Utilization = kedaUtilization(spec)
	default: // PodDisruptionBudget
		if ma := spec.Get("minAvailable"); !ma.IsNull() {
			f.MinAvailable, f.MinAvailablePos = ma.Str(), ma.Pos()
		}
	}
	return f
}

func autoscalerMin(spec *tree.Node, field string, def int64, specPos tree.Position) (int64, bool, tree.Position) {
	n := spec.Get(field)
	if n.IsNull() {
		return def, false, specPos
	}
	if v, ok := n.Int(); ok {
		return v, true, n.Pos()
	}
	return -1, true, n.Pos() // not a number: not judged
}

func relContainers(o *K8sObject) []relContainer {
	var out []relContainer
	for _, ct := range o.Containers {
		if !runsAlongside(ct) || !ct.Node.IsMap() {
			continue
		}
		out = append(out, relContainer{
			Name:   ct.Name,
			CPU:    resourceSet(ct.Node, "requests", "cpu") || resourceSet(ct.Node, "limits", "cpu"),
			Memory: resourceSet(ct.Node, "requests", "memory") || resourceSet(ct.Node, "limits", "memory"),
		})
	}
	return out
}

// hpaUtilization lists the resource-utilization metrics of an HPA of any
// API version. Without metrics (autoscaling/v2) or a CPU target
// (autoscaling/v1) the HPA scales on 80% CPU utilization.
func hpaUtilization(spec *tree.Node, specPos tree.Position) []relMetric {
	if t := spec.Get("targetCPUUtilizationPercentage"); t.Exists() { // autoscaling/v1
		return []relMetric{{Resource: "cpu", Pos: t.Pos()}}
	}
	if spec.Get("metrics").Len() == 0 {
		return []relMetric{{Resource: "cpu", Pos: specPos}}
	}
	var out []relMetric
	for _, m := range spec.Get("metrics").Items() {
		var r *tree.Node
		switch m.Get("type").Str() {
		case "Resource":
			r = m.Get("resource")
		case "ContainerResource":
			r = m.Get("containerResource")
		default:
			continue
		}
		utilization := r.Get("target", "type").Str() == "Utilization" || // v2, v2beta2
			r.Has("targetAverageUtilization") // v2beta1
		name := r.Get("name")
		if !utilization || (name.Str() != "cpu" && name.Str() != "memory") {
			continue
		}
		out = append(out, relMetric{Resource: name.Str(), Container: r.Get("container").Str(), Pos: name.Pos()})
	}
	return out
}

// kedaUtilization lists the cpu and memory triggers of a KEDA
// ScaledObject that target utilization.
func kedaUtilization(spec *tree.Node) []relMetric {
	var out []relMetric
	for _, t := range spec.Get("triggers").Items() {
		typ := t.Get("type")
		if typ.Str() != "cpu" && typ.Str() != "memory" {
			continue
		}
		if t.Get("metricType").Str() != "Utilization" && t.Get("metadata", "type").Str() != "Utilization" {
			continue
		}
		out = append(out, relMetric{Resource: typ.Str(), Container: t.Get("metadata", "containerName").Str(), Pos: typ.Pos()})
	}
	return out
}

var (
	ruleSingleReplica = &Rule{
		ID:          "K8S106",
		Name:        "single-replica",
		Title:       "Deployment or StatefulSet runs a single replica",
		Severity:    SeverityMedium,
		Family:      FamilyReliability,
		Rationale:   "With one replica every node drain, eviction, crash or rollout is an outage. Workloads sized by an autoscaler in the run are judged by its minimum: when a HorizontalPodAutoscaler or KEDA ScaledObject lets the workload shrink to one pod, the finding is on the autoscaler, where the fix goes; a KEDA minimum of 0 (scale to zero) is taken as deliberate.",
		Remediation: "Run at least two replicas (spec.replicas: 2 or more, or minReplicas: 2 on the autoscaler) and spread them over nodes; suppress with a reason for workloads that must be singletons.",
		Set:         checkSingleReplica,
	}
	rulePDBMissing = &Rule{
		ID:          "K8S107",
		Name:        "pdb-missing",
		Title:       "Replicated workload has no PodDisruptionBudget",
		Severity:    SeverityLow,
		Family:      FamilyReliability,
		Rationale:   "Without a PodDisruptionBudget a node drain or cluster upgrade may evict every replica at the same time, and the redundancy the replicas were meant to give is gone exactly when it is needed. The rule judges every run, also one without any PodDisruptionBudget, because a missing budget is precisely the gap; budgets kept in another repository are a reason to suppress it.",
		Remediation: "Add a PodDisruptionBudget selecting the pod labels, e.g. apiVersion: policy/v1, kind: PodDisruptionBudget, spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}.",
		Set:         checkPDBMissing,
	}
	rulePDBMinAvailable = &Rule{
		ID:          "K8S109",
		Name:        "pdb-min-available-blocks-eviction",
		Title:       "PodDisruptionBudget minAvailable leaves no pod evictable",
		Severity:    SeverityMedium,
		Family:      FamilyReliability,
		Rationale:   "When minAvailable is at least the number of pods the budget selects (counting an autoscaled workload at its minimum), no pod may ever be evicted: node drains and cluster upgrades hang until someone deletes the budget by hand.",
		Remediation: "Use maxUnavailable: 1 instead of minAvailable, or keep minAvailable below the replica count (and below the autoscaler's minReplicas).",
		Set:         checkPDBMinAvailable,
	}
	ruleHPAWithoutRequests = &Rule{
		ID:          "K8S111",
		Name:        "hpa-utilization-without-requests",
		Title:       "Autoscaler scales on utilization of a resource the pods do not request",
		Severity:    SeverityHigh,
		Family:      FamilyReliability,
		Rationale:   "Resource utilization is usage divided by the request; when a container of the target pods has no request for that resource, the HorizontalPodAutoscaler cannot compute it and does not scale at all, which is noticed only under the load it was meant to absorb.",
		Remediation: "Set resources.requests for the resource on every container of the target (sidecars included), or scale on an AverageValue target or another metric.",
		Set:         checkHPAWithoutRequests,
	}
	ruleHPAMinOne = &Rule{
		ID:          "K8S112",
		Name:        "hpa-min-replicas-one",
		Title:       "HorizontalPodAutoscaler may scale down to one replica",
		Severity:    SeverityLow,
		Family:      FamilyReliability,
		Rationale:   "At quiet times an autoscaler with minReplicas 1 (the default) leaves a single pod, and a node drain or crash then takes the service down. When the target Deployment or StatefulSet is part of the run, single-replica (K8S106) reports this on the autoscaler instead.",
		Remediation: "Set spec.minReplicas: 2 or more.",
		Set:         checkHPAMinOne,
	}
	ruleSpreadMissing = &Rule{
		ID:          "K8S115",
		Name:        "replicas-not-spread",
		Title:       "Replicated workload has no topology spread or pod anti-affinity",
		Severity:    SeverityLow,
		Family:      FamilyReliability,
		Rationale:   "The scheduler's built-in spreading is only a soft preference with a skew of 3 pods per node and 5 per zone, so a few replicas can all land on one node or in one zone and fail together with it.",
		Remediation: "Add to the pod template spec: topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}], or a preferred podAntiAffinity on kubernetes.io/hostname.",
		Set:         checkSpreadMissing,
	}
)

func init() {
	register(ruleSingleReplica, rulePDBMissing, rulePDBMinAvailable, ruleHPAWithoutRequests, ruleHPAMinOne, ruleSpreadMissing)
}

// relView is what the set rules look up: workloads and the autoscalers
// that target them, by kind, namespace and name.
//
// The Index builds it once for all the rules (Index.lookups); it is read
// only after that.
type relView struct {
	workloads  []*IndexedObject
	byName     map[objKey]*IndexedObject
	scalers    map[objKey][]*IndexedObject
	budgets    []*IndexedObject
	autoscaled []*IndexedObject
	// budgetSel files the budgets that have a selector by it, to find
	// those that select a workload's pods.
	budgetSel selectorIndex
}

func newRelView(objs []*IndexedObject) *relView {
	v := &relView{byName: map[objKey]*IndexedObject{}, scalers: map[objKey][]*IndexedObject{}}
	for _, o := range objs {
		switch {
		case o.rel == nil:
		case o.rel.Autoscaler:
			k := objKey{o.rel.TargetKind, o.Namespace, o.rel.TargetName}
			v.scalers[k] = append(v.scalers[k], o)
			v.autoscaled = append(v.autoscaled, o)
		case o.Kind == "PodDisruptionBudget":
			v.budgets = append(v.budgets, o)
			if o.SelectorSet {
				v.budgetSel.add(o.Namespace, o, o.Selector, false)
			}
		case o.Workload:
			v.workloads = append(v.workloads, o)
			v.byName[objKey{o.Kind, o.Namespace, o.Name}] = o
		}
	}
	return v
}

// scalersOf returns the autoscalers that target workload w.
func (v *relView) scalersOf(w *IndexedObject) []*IndexedObject {
	return v.scalers[objKey{w.Kind, w.Namespace, w.Name}]
}

// minReplicas is the fewest pods workload w runs: its autoscalers'
// largest minimum when any targets it, else spec.replicas (default 1).
func (v *relView) minReplicas(w *IndexedObject) int64 {
	if s := v.scalersOf(w); len(s) > 0 {
		m := s[0].rel.MinReplicas
		for _, o := range s[1:] {
			m = max(m, o.rel.MinReplicas)
		}
		return m
	}
	switch w.rel.Replicas {
	case -1:
		return 1
	case replicasUnknown:
		return 0
	}
	return w.rel.Replicas
}

// describeReplicas says how many pods w keeps, for messages: "runs 3
// replicas" or "runs at least 2 replicas".
func (v *relView) describeReplicas(w *IndexedObject) string {
	if len(v.scalersOf(w)) > 0 {
		return fmt.Sprintf("runs at least %d replicas", v.minReplicas(w))
	}
	return fmt.Sprintf("runs %d replicas", v.minReplicas(w))
}

// replicated reports whether w is a Deployment or StatefulSet that keeps
// at least two pods.
func (v *relView) replicated(w *IndexedObject) bool {
	return (w.Kind == "Deployment" || w.Kind == "StatefulSet") && v.minReplicas(w) >= 2
}

// selects reports whether a selector's matchLabels all appear in labels.
// Selectors with matchExpressions are not evaluated: callers decide what
// an unknown answer means.
func selects(sel, labels map[string]string) bool {
	for k, val := range sel {
		if got, ok := labels[k]; !ok || got != val {
			return false
		}
	}
	return true
}

func checkSingleReplica(c *SetContext, ix *Index) {
	v := ix.lookups().rel
	for _, w := range v.workloads {
		if w.Kind != "Deployment" && w.Kind != "StatefulSet" {
			continue
		}
		scalers := v.scalersOf(w)
		if len(scalers) == 0 {
			switch w.rel.Replicas {
			case 1:
				c.Report(w, w.rel.ReplicasPos, "%s %q runs a single replica", w.Kind, w.Name)
			case -1:
				c.Report(w, w.rel.ReplicasPos, "%s %q does not set replicas and so runs a single one", w.Kind, w.Name)
			}
			continue
		}
		if v.minReplicas(w) >= 2 {
			continue
		}
		for _, s := range scalers {
			if s.rel.MinReplicas >= 2 || s.rel.MinReplicas <= 0 {
				continue // scale to zero is deliberate
			}
			how := fmt.Sprintf("has minReplicas %d", s.rel.MinReplicas)
			if !s.rel.MinSet {
				how = "leaves minReplicas at its default of 1"
			} else if s.rel.KEDA {
				how = fmt.Sprintf("has minReplicaCount %d", s.rel.MinReplicas)
			}
			c.Report(s, s.rel.MinPos, "%s %q can shrink to a single replica: %s %q %s", w.Kind, w.Name, s.Kind, s.Name, how)
		}
	}
}

func checkPDBMissing(c *SetContext, ix *Index) {
	v := ix.lookups().rel
	for _, w := range v.workloads {
		if !v.replicated(w) || len(w.PodLabels) == 0 {
			continue
		}
		// A budget with matchExpressions counts too: they are not
		// evaluated, so the workload is not judged.
		covered := v.budgetSel.any(w.Namespace, w.PodLabels, func(b *IndexedObject) bool { return selects(b.Selector, w.PodLabels) })
		if !covered {
			c.Report(w, w.rel.NamePos, "%s %q %s but no PodDisruptionBudget in the run selects its pods: a node drain may evict them all at once", w.Kind, w.Name, v.describeReplicas(w))
		}
	}
}

func checkPDBMinAvailable(c *SetContext, ix *Index) {
	v := ix.lookups().rel
	for _, b := range v.budgets {
		if b.rel.MinAvailable == "" || !b.SelectorSet || b.SelectorExpr {
			continue
		}
		var total int64
		var names []string
		known := true
		for _, w := range ix.lookups().pods.candidates(b.Namespace, b.Selector) {
			if w.rel == nil || !selects(b.Selector, w.PodLabels) {
				continue
			}
			switch w.Kind {
			case "Deployment", "StatefulSet", "ReplicaSet", "ReplicationController":
				total += v.minReplicas(w)
				names = append(names, fmt.Sprintf("%s %q", w.Kind, w.Name))
				known = known && w.rel.Replicas != replicasUnknown
			default:
				known = false
			}
		}
		if !known || total <= 0 {
			// DaemonSets, Jobs, Pods and replicas that are not numbers:
			// how many pods there are is not in the manifests.
			continue
		}
		need, pct, ok := intOrPercentString(b.rel.MinAvailable)
		if !ok {
			continue
		}
		if pct {
			if need >= 100 {
				continue // pdb-blocks-eviction (K8S108) reports 100%
			}
			need = (need*total + 99) / 100 // Kubernetes rounds up
		}
		if need < total {
			continue
		}
		c.Report(b, b.rel.MinAvailablePos, "PodDisruptionBudget %q requires %s available (minAvailable %s) but selects only %s (%s, at the minimum): no pod can ever be evicted, so node drains hang",
			b.Name, pods(need), b.rel.MinAvailable, pods(total), strings.Join(names, ", "))
	}
}

func pods(n int64) string {
	if n == 1 {
		return "1 pod"
	}
	return fmt.Sprintf("%d pods", n)
}

func checkHPAWithoutRequests(c *SetContext, ix *Index) {
	v := ix.lookups().rel
	for _, s := range v.autoscaled {
		if len(s.rel.Utilization) == 0 {
			continue
		}
		w := v.byName[objKey{s.rel.TargetKind, s.Namespace, s.rel.TargetName}]
		if w == nil || w.rel == nil {
			continue
		}
		for _, m := range s.rel.Utilization {
			var missing []string
			for _, ct := range w.rel.Containers {
				if m.Container != "" && ct.Name != m.Container {
					continue
				}
				if (m.Resource == "cpu" && !ct.CPU) || (m.Resource == "memory" && !ct.Memory) {
					missing = append(missing, fmt.Sprintf("%q", ct.Name))
				}
			}
			if len(missing) == 0 {
				continue
			}
			who := "container " + missing[0] + " has"
			if len(missing) > 1 {
				who = "containers " + strings.Join(missing, ", ") + " have"
			}
			c.Report(s, m.Pos, "%s %q scales %s %q on %s utilization, but %s no %s request: the autoscaler cannot compute utilization and will not scale",
				s.Kind, s.Name, w.Kind, w.Name, m.Resource, who, m.Resource)
		}
	}
}

func checkHPAMinOne(c *SetContext, ix *Index) {
	v := ix.lookups().rel
	for _, s := range v.autoscaled {
		if s.rel.KEDA || s.rel.MinReplicas != 1 {
			continue
		}
		if w := v.byName[objKey{s.rel.TargetKind, s.Namespace, s.rel.TargetName}]; w != nil && (w.Kind == "Deployment" || w.Kind == "StatefulSet") {
			continue // single-replica reports it with the workload's name
		}
		if s.rel.MinSet {
			c.Report(s, s.rel.MinPos, "HorizontalPodAutoscaler %q has minReplicas 1", s.Name)
		} else {
			c.Report(s, s.rel.MinPos, "HorizontalPodAutoscaler %q leaves minReplicas at its default of 1", s.Name)
		}
	}
}

func checkSpreadMissing(c *SetContext, ix *Index) {
	v := ix.lookups().rel
	for _, w := range v.workloads {
		if !v.replicated(w) || w.rel.Spread {
			continue
		}
		c.Report(w, w.rel.PodSpecPos, "%s %q %s but its pod template has neither topologySpreadConstraints nor podAntiAffinity: they may all land on one node", w.Kind, w.Name, v.describeReplicas(w))
	}
}
