package check

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// Consistency rules compare the objects of one run: selectors that select
// nothing, references to objects the run does not define, duplicates.
//
// A manifest set may rely on objects created by another tool, so a rule
// only judges a reference when the run could have defined its target: the
// selector rules when the run holds at least one workload, the reference
// rules when it defines at least one object of the referenced kind.
// Namespaces are compared as written; objects without one share the
// namespace the run is applied to. Selectors with matchExpressions are not
// evaluated and never cause a finding.

var ruleXrefServiceNoPods = &Rule{
	ID:       "XREF001",
	Name:     "service-selects-no-pods",
	Title:    "Service selector matches no pods",
	Severity: SeverityMedium,
	Family:   FamilyConsistency,
	Rationale: "A Service whose selector matches no pod template has no endpoints: clients get connection refused or time out. It is usually a label typo or a label renamed on one side only. " +
		"Judged only when the run contains at least one workload, since pods may come from elsewhere.",
	Remediation: "Make spec.selector a subset of the pod template labels of the workload the Service fronts, e.g. selector: {app.kubernetes.io/name: web} with the same label under spec.template.metadata.labels.",
	Set:         checkXrefServiceNoPods,
}

var ruleXrefServiceTargetPort = &Rule{
	ID:       "XREF002",
	Name:     "service-target-port-not-exposed",
	Title:    "Service targetPort not exposed by its pods",
	Severity: SeverityHigh,
	Family:   FamilyConsistency,
	Rationale: "A named targetPort that no selected container declares leaves the Service without endpoints. A numeric one works only if the process happens to listen there; " +
		"it is judged only when every selected pod template declares its ports (a pod that declares none may listen anywhere), since a declared list that lacks the port is almost always a stale number.",
	Remediation: "Point targetPort at a port the container declares, preferably by name: ports: [{name: http, containerPort: 8080}] in the container and targetPort: http in the Service.",
	Set:         checkXrefServiceTargetPort,
}

var ruleXrefHPATarget = &Rule{
	ID:       "XREF003",
	Name:     "hpa-target-not-found",
	Title:    "HorizontalPodAutoscaler target not defined",
	Severity: SeverityMedium,
	Family:   FamilyConsistency,
	Rationale: "An HPA whose scaleTargetRef names no object scales nothing: the workload stays at its fixed replica count under load. " +
		"Judged only when the run contains at least one workload, so HPAs shipped apart from their workloads are not flagged.",
	Remediation: "Make scaleTargetRef.kind and scaleTargetRef.name match the Deployment or StatefulSet in the same namespace, e.g. scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}.",
	Set:         checkXrefHPATarget,
}

var ruleXrefPDBNoPods = &Rule{
	ID:       "XREF004",
	Name:     "pdb-selects-no-pods",
	Title:    "PodDisruptionBudget selects no pods",
	Severity: SeverityMedium,
	Family:   FamilyConsistency,
	Rationale: "A PodDisruptionBudget whose selector matches no pod template protects nothing: a node drain may evict every replica at once. " +
		"Judged only when the run contains at least one workload.",
	Remediation: "Copy the workload's pod template labels into spec.selector.matchLabels, e.g. selector: {matchLabels: {app.kubernetes.io/name: web}}.",
	Set:         checkXrefPDBNoPods,
}

var ruleXrefConfigMapRef = &Rule{
	ID:       "XREF005",
	Name:     "configmap-not-found",
	Title:    "Referenced ConfigMap not defined",
	Severity: SeverityHigh,
	Family:   FamilyConsistency,
	Rationale: "A pod that needs a missing ConfigMap (env, envFrom or volume, not marked optional) never starts: CreateContainerConfigError or a volume mount failure. " +
		"Judged only when the run defines at least one ConfigMap, since ConfigMaps are often created by another tool.",
	Remediation: "Define the ConfigMap in the same namespace, fix the name, or mark the reference optional: true if the pod can run without it.",
	Set:         func(c *SetContext, ix *Index) { xrefCheckRefs(c, ix, "ConfigMap") },
}

var ruleXrefSecretRef = &Rule{
	ID:       "XREF006",
	Name:     "secret-not-found",
	Title:    "Referenced Secret not defined",
	Severity: SeverityHigh,
	Family:   FamilyConsistency,
	Rationale: "A pod that needs a missing Secret (env, envFrom or volume, not marked optional) never starts. Secrets are often created out of band, " +
		"so the reference is judged only when the run defines at least one Secret; a SealedSecret, ExternalSecret or cert-manager Certificate that produces the Secret counts as defining it.",
	Remediation: "Define the Secret (or the SealedSecret or ExternalSecret that produces it) in the same namespace, fix the name, or mark the reference optional: true.",
	Set:         func(c *SetContext, ix *Index) { xrefCheckRefs(c, ix, "Secret") },
}

var ruleXrefServiceAccountRef = &Rule{
	ID:       "XREF007",
	Name:     "serviceaccount-not-found",
	Title:    "Referenced ServiceAccount not defined",
	Severity: SeverityHigh,
	Family:   FamilyConsistency,
	Rationale: "Pods naming a ServiceAccount that does not exist are rejected at admission, so the workload never gets a pod. " +
		"Judged only when the run defines at least one ServiceAccount; \"default\" always exists.",
	Remediation: "Define the ServiceAccount in the workload's namespace or fix serviceAccountName.",
	Set:         func(c *SetContext, ix *Index) { xrefCheckRefs(c, ix, "ServiceAccount") },
}

var ruleXrefIngressService = &Rule{
	ID:       "XREF008",
	Name:     "ingress-service-not-found",
	Title:    "Ingress backend Service not defined",
	Severity: SeverityHigh,
	Family:   FamilyConsistency,
	Rationale: "An Ingress path whose backend Service does not exist answers 503 for every request. " +
		"Judged only when the run defines at least one Service.",
	Remediation: "Point backend.service.name at a Service in the Ingress's namespace, or define that Service.",
	Set:         checkXrefIngressService,
}

var ruleXrefIngressPort = &Rule{
	ID:          "XREF009",
	Name:        "ingress-port-not-found",
	Title:       "Ingress backend port not a port of the Service",
	Severity:    SeverityHigh,
	Family:      FamilyConsistency,
	Rationale:   "An Ingress backend port (number or name) that the Service does not have gives the controller no upstream, so the path answers 503.",
	Remediation: "Use one of the Service's spec.ports: backend.service.port.number equal to a port (not the targetPort), or backend.service.port.name equal to a port name.",
	Set:         checkXrefIngressPort,
}

var ruleXrefNetpolNoPods = &Rule{
	ID:       "XREF010",
	Name:     "networkpolicy-selects-no-pods",
	Title:    "NetworkPolicy podSelector matches no pods",
	Severity: SeverityMedium,
	Family:   FamilyConsistency,
	Rationale: "A NetworkPolicy whose podSelector matches no pod template applies to nothing: the isolation it was written for is missing, or the traffic it was meant to allow stays blocked. " +
		"An empty podSelector selects every pod and is never flagged; judged only when the run contains at least one workload.",
	Remediation: "Make spec.podSelector.matchLabels a subset of the labels of the pods to protect.",
	Set:         checkXrefNetpolNoPods,
}

var ruleXrefDuplicate = &Rule{
	ID:       "XREF011",
	Name:     "duplicate-object",
	Title:    "Object defined twice",
	Severity: SeverityMedium,
	Family:   FamilyConsistency,
	Rationale: "When two manifests define the same kind, namespace and name, whichever is applied last silently wins, so the reviewed copy may not be the running one. " +
		"Only objects in the same directory (and, for rendered output, the same chart or kustomization) are compared: per-environment directories legitimately repeat names.",
	Remediation: "Delete one of the definitions, or give them different names or namespaces.",
	Set:         checkXrefDuplicates,
}

var ruleXrefPVCRef = &Rule{
	ID:       "XREF012",
	Name:     "pvc-not-found",
	Title:    "Referenced PersistentVolumeClaim not defined",
	Severity: SeverityHigh,
	Family:   FamilyConsistency,
	Rationale: "A pod that mounts a missing PersistentVolumeClaim stays Pending. Judged only when the run defines at least one PersistentVolumeClaim; " +
		"StatefulSet volumeClaimTemplates are not references and are not judged.",
	Remediation: "Define the PersistentVolumeClaim in the workload's namespace or fix claimName.",
	Set:         func(c *SetContext, ix *Index) { xrefCheckRefs(c, ix, "PersistentVolumeClaim") },
}

var ruleXrefServiceMonitorNoService = &Rule{
	ID:       "XREF013",
	Name:     "servicemonitor-selects-no-service",
	Title:    "ServiceMonitor selects no Service",
	Severity: SeverityMedium,
	Family:   FamilyConsistency,
	Rationale: "A ServiceMonitor matches Services by their own labels (metadata.labels, not the selector), so a label set on the pods only leaves it with no targets " +
		"and the application's metrics silently disappear. Judged only when the run defines at least one Service.",
	Remediation: "Make spec.selector.matchLabels a subset of the Service's metadata.labels, and check spec.namespaceSelector when the Service lives in another namespace.",
	Set:         checkXrefServiceMonitors,
}

var ruleXrefPodMonitorNoPods = &Rule{
	ID:       "XREF014",
	Name:     "podmonitor-selects-no-pods",
	Title:    "PodMonitor selects no pods",
	Severity: SeverityMedium,
	Family:   FamilyConsistency,
	Rationale: "A PodMonitor whose selector matches no pod template scrapes nothing, and the metrics it was written for never arrive. " +
		"Judged only when the run contains at least one workload.",
	Remediation: "Make spec.selector.matchLabels a subset of the pod template labels, and check spec.namespaceSelector when the pods live in another namespace.",
	Set:         checkXrefPodMonitors,
}

func init() {
	register(ruleXrefServiceNoPods, ruleXrefServiceTargetPort, ruleXrefHPATarget, ruleXrefPDBNoPods,
		ruleXrefConfigMapRef, ruleXrefSecretRef, ruleXrefServiceAccountRef, ruleXrefIngressService, ruleXrefIngressPort,
		ruleXrefNetpolNoPods, ruleXrefDuplicate, ruleXrefPVCRef, ruleXrefServiceMonitorNoService, ruleXrefPodMonitorNoPods)
}

// indexFacts records what consistency and observability rules need beyond
// what Index.add extracts itself.
func indexFacts(io *IndexedObject, o *K8sObject) {
	io.NamePos = o.Metadata.Get("name").Pos()
	io.generateName = !o.Metadata.Has("name") && o.Metadata.Has("generateName")
	indexTelemetry(io, o)
	switch o.Kind {
	case "PodDisruptionBudget":
		io.MatchLabelsPos = o.Root.Get("spec", "selector", "matchLabels").Pos()
	case "NetworkPolicy":
		io.MatchLabelsPos = o.Root.Get("spec", "podSelector", "matchLabels").Pos()
	case "SealedSecret":
		io.Creates = append(io.Creates, Reference{Kind: "Secret", Name: o.Name})
	case "ExternalSecret":
		name := o.Root.Get("spec", "target", "name").Str()
		if name == "" {
			name = o.Name
		}
		io.Creates = append(io.Creates, Reference{Kind: "Secret", Name: name})
	case "Certificate":
		if n := o.Root.Get("spec", "secretName").Str(); n != "" {
			io.Creates = append(io.Creates, Reference{Kind: "Secret", Name: n})
		}
	}
}

// xrefPos returns the first of ps that is set.
func xrefPos(ps ...tree.Position) tree.Position {
	for _, p := range ps {
		if p.Line > 0 {
			return p
		}
	}
	return tree.Position{}
}

// xrefWhere describes where a missing object was looked for.
func xrefWhere(ns string) string {
	if ns == "" {
		return "in this run"
	}
	return "in namespace " + strconv.Quote(ns) + " in this run"
}

// xrefSelectsNothing reports whether o has a judgeable, non-empty label
// selector that matches no workload of its namespace.
func xrefSelectsNothing(ix *Index, o *IndexedObject) bool {
	if !o.SelectorSet || o.SelectorExpr || len(o.Selector) == 0 {
		return false
	}
	return !ix.AnyPods(o.Namespace, false, o.Selector)
}

// xrefSelector renders a matchLabels map as "k=v,k=v" in sorted order.
func xrefSelector(sel map[string]string) string {
	keys := make([]string, 0, len(sel))
	for k := range sel {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + sel[k])
	}
	return b.String()
}

func checkXrefServiceNoPods(c *SetContext, ix *Index) {
	if !ix.HasWorkload() {
		return
	}
	for _, s := range ix.OfKind("Service") {
		if xrefSelectsNothing(ix, s) {
			c.Report(s, s.SelectorPos, "Service %q selects %s, which matches no pod template %s", s.Name, xrefSelector(s.Selector), xrefWhere(s.Namespace))
		}
	}
}

func checkXrefServiceTargetPort(c *SetContext, ix *Index) {
	for _, s := range ix.OfKind("Service") {
		if len(s.Selector) == 0 {
			continue
		}
		pods := ix.SelectPods(s.Namespace, s.Selector)
		if len(pods) == 0 {
			continue // XREF001's finding
		}
		for _, p := range s.ServicePorts {
			at := xrefPos(p.TargetPortPos, p.PortPos, p.Pos)
			target := p.TargetPort
			if target == "" {
				target = strconv.FormatInt(p.Port, 10)
			}
			n, err := strconv.ParseInt(target, 10, 64)
			if err != nil {
				if !xrefDeclaresPort(pods, target, 0) {
					c.Report(s, at, "Service %q targetPort %q is not the name of a container port of %s", s.Name, target, xrefDescribe(pods))
				}
				continue
			}
			if !xrefAllDeclarePorts(pods) || xrefDeclaresPort(pods, "", n) {
				continue
			}
			c.Report(s, at, "Service %q sends port %d to container port %d, which %s does not declare", s.Name, p.Port, n, xrefDescribe(pods))
		}
	}
}

// xrefDeclaresPort reports whether a container of any of pods declares the
// port named name, or numbered n when name is empty.
func xrefDeclaresPort(pods []*IndexedObject, name string, n int64) bool {
	for _, w := range pods {
		for _, cp := range w.Ports {
			if (name != "" && cp.Name == name) || (name == "" && cp.Port == n) {
				return true
			}
		}
	}
	return false
}

func xrefAllDeclarePorts(pods []*IndexedObject) bool {
	for _, w := range pods {
		if len(w.Ports) == 0 {
			return false
		}
	}
	return true
}

// xrefDescribe names the first of objs and how many more there are.
func xrefDescribe(objs []*IndexedObject) string {
	s := objs[0].Kind + " " + strconv.Quote(objs[0].Name)
	if len(objs) > 1 {
		s += " (and " + strconv.Itoa(len(objs)-1) + " more)"
	}
	return s
}

func checkXrefHPATarget(c *SetContext, ix *Index) {
	if !ix.HasWorkload() {
		return
	}
	for _, h := range ix.OfKind("HorizontalPodAutoscaler") {
		for _, t := range h.Targets {
			if t.Kind == "" || t.Name == "" || len(ix.Find(t.Kind, h.Namespace, t.Name)) > 0 {
				continue
			}
			c.Report(h, t.Pos, "HorizontalPodAutoscaler %q scales %s %q, which is not defined %s", h.Name, t.Kind, t.Name, xrefWhere(h.Namespace))
		}
	}
}

func checkXrefPDBNoPods(c *SetContext, ix *Index) {
	if !ix.HasWorkload() {
		return
	}
	for _, p := range ix.OfKind("PodDisruptionBudget") {
		if xrefSelectsNothing(ix, p) {
			c.Report(p, xrefPos(p.MatchLabelsPos, p.SelectorPos), "PodDisruptionBudget %q selects %s, which matches no pod template %s", p.Name, xrefSelector(p.Selector), xrefWhere(p.Namespace))
		}
	}
}

func checkXrefNetpolNoPods(c *SetContext, ix *Index) {
	if !ix.HasWorkload() {
		return
	}
	for _, p := range ix.OfKind("NetworkPolicy") {
		if xrefSelectsNothing(ix, p) {
			c.Report(p, xrefPos(p.MatchLabelsPos, p.SelectorPos), "NetworkPolicy %q podSelector %s matches no pod template %s", p.Name, xrefSelector(p.Selector), xrefWhere(p.Namespace))
		}
	}
}

// xrefCheckRefs reports workload references to objects of kind that the run
// does not define, when it defines any object of that kind.
func xrefCheckRefs(c *SetContext, ix *Index, kind string) {
	if !ix.Has(kind) {
		return
	}
	for _, w := range ix.Workloads() {
		for _, r := range w.Refs {
			if r.Kind != kind || r.Optional || r.Name == "" || (kind == "ServiceAccount" && r.Name == "default") {
				continue
			}
			if !ix.Defined(kind, w.Namespace, r.Name) {
				c.Report(w, r.Pos, "%s %q references %s %q, which is not defined %s", w.Kind, w.Name, kind, r.Name, xrefWhere(w.Namespace))
			}
		}
	}
}

func checkXrefIngressService(c *SetContext, ix *Index) {
	if !ix.Has("Service") {
		return
	}
	for _, in := range ix.OfKind("Ingress") {
		for _, t := range in.Targets {
			if t.Kind == "Service" && t.Name != "" && len(ix.Find("Service", in.Namespace, t.Name)) == 0 {
				c.Report(in, t.Pos, "Ingress %q routes to Service %q, which is not defined %s", in.Name, t.Name, xrefWhere(in.Namespace))
			}
		}
	}
}

func checkXrefIngressPort(c *SetContext, ix *Index) {
	for _, in := range ix.OfKind("Ingress") {
		for _, t := range in.Targets {
			if t.Kind != "Service" || t.Port == "" {
				continue
			}
			svcs := ix.Find("Service", in.Namespace, t.Name)
			if len(svcs) == 0 {
				continue // XREF008's finding
			}
			if xrefServiceHasPort(svcs, t.Port) {
				continue
			}
			at := t.PortPos
			if at.Line == 0 {
				at = t.Pos
			}
			c.Report(in, at, "Ingress %q routes to port %s of Service %q, which has ports %s", in.Name, t.Port, t.Name, xrefServicePorts(svcs[0]))
		}
	}
}

func xrefServiceHasPort(svcs []*IndexedObject, port string) bool {
	n, err := strconv.ParseInt(port, 10, 64)
	for _, s := range svcs {
		for _, p := range s.ServicePorts {
			if (err == nil && p.Port == n) || (err != nil && p.Name == port) {
				return true
			}
		}
	}
	return false
}

// xrefServicePorts lists the ports of s as "80 (http), 443 (https)".
func xrefServicePorts(s *IndexedObject) string {
	if len(s.ServicePorts) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(s.ServicePorts))
	for _, p := range s.ServicePorts {
		v := strconv.FormatInt(p.Port, 10)
		if p.Name != "" {
			v += " (" + p.Name + ")"
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, ", ")
}

// xrefKey identifies an object for duplicate detection: API group, kind,
// namespace, name, and where it came from.
type xrefKey struct {
	group, kind, ns, name, dir, source string
}

func checkXrefDuplicates(c *SetContext, ix *Index) {
	groups := make(map[xrefKey][]*IndexedObject, len(ix.Objects))
	for _, o := range ix.Objects {
		if o.Name == "" || o.generateName {
			continue
		}
		group, _, ok := strings.Cut(o.APIVersion, "/")
		if !ok {
			group = "" // the core group: "v1"
		}
		k := xrefKey{group, o.Kind, o.Namespace, o.Name, path.Dir(o.File), o.Source}
		groups[k] = append(groups[k], o)
	}
	for _, objs := range groups {
		if len(objs) < 2 {
			continue
		}
		// Files are read in parallel: order by position so that the
		// first definition is the same whatever the scheduling.
		slices.SortFunc(objs, func(a, b *IndexedObject) int {
			return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
		})
		first := objs[0]
		for _, o := range objs[1:] {
			where := "earlier in this file"
			if first.File != o.File {
				where = "in " + first.File
			}
			at := o.NamePos
			if at.Line == 0 {
				at = o.Pos
			}
			c.Report(o, at, "%s %q is defined twice (also %s): the one applied last silently replaces the other", o.Kind, o.Name, where)
		}
	}
}

func checkXrefServiceMonitors(c *SetContext, ix *Index) {
	if !ix.Has("Service") {
		return
	}
	for _, m := range ix.Objects {
		if !obsServiceMonitorKind(m.Kind) || m.SelectorExpr || len(m.Selector) == 0 {
			continue
		}
		if !obsMonitorFinds(m, ix.AnyService) {
			c.Report(m, xrefPos(m.MatchLabelsPos, m.SelectorPos), "%s %q selects Services labelled %s, and no Service in the namespaces it watches has them", m.Kind, m.Name, xrefSelector(m.Selector))
		}
	}
}

func checkXrefPodMonitors(c *SetContext, ix *Index) {
	if !ix.HasWorkload() {
		return
	}
	for _, m := range ix.Objects {
		if !obsPodMonitorKind(m.Kind) || m.SelectorExpr || len(m.Selector) == 0 {
			continue
		}
		if !obsMonitorFinds(m, ix.AnyPods) {
			c.Report(m, xrefPos(m.MatchLabelsPos, m.SelectorPos), "%s %q selects pods labelled %s, and no pod template in the namespaces it watches has them", m.Kind, m.Name, xrefSelector(m.Selector))
		}
	}
}
