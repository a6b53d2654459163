package check

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// Index holds the few facts about every Kubernetes object of a run that
// consistency rules compare across documents. It keeps no document trees,
// so its size grows with the number of objects, not with their text.
//
// Consistency rules look objects up through the methods below, which use
// maps built once, on first use, after every object was added: a rule
// that compares every object with every other costs a map lookup per
// object, not a scan of the index.
type Index struct {
	mu      sync.Mutex // guards Objects while the run adds to it
	Objects []*IndexedObject

	once sync.Once
	look *lookups
}

// IndexedObject is what the index remembers of one object.
type IndexedObject struct {
	Object
	APIVersion string
	File       string
	Source     string
	Pos        tree.Position
	Labels     map[string]string
	// NamePos is where metadata.name is; zero when it is missing.
	NamePos tree.Position

	// Workloads: pod template labels, container ports and references.
	Workload  bool
	PodLabels map[string]string
	Ports     []ContainerPort
	Refs      []Reference

	// Selector is the label selector of a Service (spec.selector), PDB,
	// NetworkPolicy (spec.podSelector) or workload (spec.selector), as
	// matchLabels; SelectorPos is where it is. SelectorSet is true when the
	// object has a selector at all (an empty one selects everything).
	Selector    map[string]string
	SelectorSet bool
	// SelectorExpr is true when the selector uses matchExpressions, which
	// the index does not evaluate.
	SelectorExpr bool
	SelectorPos  tree.Position
	// MatchLabelsPos is where a PDB's, NetworkPolicy's or monitor's
	// matchLabels is; zero when absent (a Service has none).
	MatchLabelsPos tree.Position

	// ServicePorts of a Service.
	ServicePorts []ServicePort
	// Targets are references by name to other objects: an HPA's
	// scaleTargetRef, an Ingress backend service.
	Targets []Reference

	// PodMetaPos is the key of a workload's pod template metadata, where
	// pod labels and annotations belong.
	PodMetaPos tree.Position
	// Scrape is the prometheus.io/scrape annotation of a workload's pod
	// template or of a Service, "" when absent; "true" also stands for
	// other pull-scrape annotations (Datadog autodiscovery).
	Scrape string
	// PushesMetrics is true when a workload's containers are configured to
	// push metrics over OTLP.
	PushesMetrics bool
	// MonitorNamespaces are the namespaces a ServiceMonitor or PodMonitor
	// looks in (spec.namespaceSelector.matchNames); nil means its own.
	// MonitorAnyNamespace is true for namespaceSelector.any.
	MonitorNamespaces   []string
	MonitorAnyNamespace bool
	// Creates are Secrets another object makes the cluster create: a
	// SealedSecret, an ExternalSecret target, a cert-manager Certificate.
	Creates []Reference

	// rel holds what the reliability rules (k8s_reliability_set.go)
	// compare; nil for kinds they do not look at.
	rel *relFacts

	generateName bool // metadata.name is absent and generateName set
	ignores      []string
	lines        []int // rendered-to-source line map, nil for plain files
}

// ContainerPort is a port a container declares.
type ContainerPort struct {
	Name string
	Port int64
}

// ServicePort is one port of a Service.
type ServicePort struct {
	Name       string
	Port       int64
	TargetPort string // number or name; "" means same as Port
	Pos        tree.Position
	// PortPos and TargetPortPos are where port and targetPort are; zero
	// when absent.
	PortPos       tree.Position
	TargetPortPos tree.Position
}

// Reference is a reference by name from one object to another.
type Reference struct {
	Kind     string
	Name     string
	Port     string // for Ingress backends: port number or name
	Optional bool
	Pos      tree.Position
	PortPos  tree.Position // where Port is; zero when it is absent
}

// add extracts the facts of one object.
func (ix *Index) add(d *Document, o *K8sObject, ignores []string) {
	io := &IndexedObject{
		Object:     o.Ref(),
		APIVersion: o.APIVersion,
		File:       d.Path,
		Source:     d.Source,
		Pos:        d.Start,
		Labels:     o.Labels,
		ignores:    slices.Concat(ignores, parseHeader(d.header)),
		lines:      d.lines,
		rel:        reliabilityFacts(o),
	}
	// Objects without a namespace land in the one a manifest is applied
	// to, in practice the same as those that name "default": compare them
	// as one.
	if io.Namespace == "default" {
		io.Namespace = ""
	}
	indexFacts(io, o) // consistency.go
	spec := o.Root.Get("spec")
	if !o.IsWorkload() && o.PodMeta.Exists() {
		// A workload whose pod template has labels but no spec yet (a
		// skeleton, or one a later tool fills in) still owns those pods.
		io.Workload = true
		io.PodLabels = o.PodLabels()
	}
	if o.IsWorkload() {
		io.Workload = true
		io.PodLabels = o.PodLabels()
		for _, c := range o.Containers {
			for _, p := range c.Node.Get("ports").Items() {
				n, _ := p.Get("containerPort").Int()
				io.Ports = append(io.Ports, ContainerPort{Name: p.Get("name").Str(), Port: n})
			}
			io.Refs = append(io.Refs, containerRefs(c.Node)...)
		}
		io.Refs = append(io.Refs, volumeRefs(o.PodSpec)...)
		if sa := o.PodSpec.Get("serviceAccountName"); sa.Str() != "" {
			io.Refs = append(io.Refs, Reference{Kind: "ServiceAccount", Name: sa.Str(), Pos: sa.Pos()})
		}
		setSelector(io, spec.Get("selector"))
	}
	switch o.Kind {
	case "Service":
		if sel := spec.Get("selector"); sel.IsMap() {
			io.Selector, io.SelectorSet, io.SelectorPos = sel.StringMap(), true, sel.Pos()
		}
		for _, p := range spec.Get("ports").Items() {
			n, _ := p.Get("port").Int()
			io.ServicePorts = append(io.ServicePorts, ServicePort{
				Name: p.Get("name").Str(), Port: n, TargetPort: p.Get("targetPort").Str(),
				Pos: p.Pos(), PortPos: p.Get("port").Pos(), TargetPortPos: p.Get("targetPort").Pos(),
			})
		}
	case "PodDisruptionBudget":
		setSelector(io, spec.Get("selector"))
	case "NetworkPolicy":
		setSelector(io, spec.Get("podSelector"))
	case "HorizontalPodAutoscaler":
		ref := spec.Get("scaleTargetRef")
		if ref.Exists() {
			pos := ref.Pos()
			if n := ref.Get("name"); n.Exists() {
				pos = n.Pos()
			}
			io.Targets = append(io.Targets, Reference{Kind: ref.Get("kind").Str(), Name: ref.Get("name").Str(), Pos: pos})
		}
	case "Ingress":
		if b := spec.Get("defaultBackend"); b.Exists() {
			io.Targets = append(io.Targets, ingressBackend(b)...)
		}
		if b := spec.Get("backend"); b.Exists() { // extensions/v1beta1
			io.Targets = append(io.Targets, ingressBackend(b)...)
		}
		for _, r := range spec.Get("rules").Items() {
			for _, p := range r.Get("http", "paths").Items() {
				io.Targets = append(io.Targets, ingressBackend(p.Get("backend"))...)
			}
		}
	}
	ix.mu.Lock()
	ix.Objects = append(ix.Objects, io)
	ix.mu.Unlock()
}

func setSelector(io *IndexedObject, sel *tree.Node) {
	if !sel.IsMap() {
		return
	}
	io.SelectorSet, io.SelectorPos = true, sel.Pos()
	io.Selector = sel.Get("matchLabels").StringMap()
	if io.Selector == nil {
		io.Selector = map[string]string{}
	}
	io.SelectorExpr = sel.Get("matchExpressions").Len() > 0
}

func ingressBackend(b *tree.Node) []Reference {
	if s := b.Get("service"); s.Exists() { // networking.k8s.io/v1
		port, portPos := s.Get("port", "name").Str(), s.Get("port", "name").Pos()
		if n, ok := s.Get("port", "number").Int(); ok {
			port, portPos = strconv.FormatInt(n, 10), s.Get("port", "number").Pos()
		}
		return []Reference{{Kind: "Service", Name: s.Get("name").Str(), Port: port, Pos: s.Get("name").Pos(), PortPos: portPos}}
	}
	if n := b.Get("serviceName"); n.Exists() { // extensions/v1beta1
		return []Reference{{Kind: "Service", Name: n.Str(), Port: b.Get("servicePort").Str(), Pos: n.Pos(), PortPos: b.Get("servicePort").Pos()}}
	}
	return nil
}

func containerRefs(c *tree.Node) []Reference {
	var refs []Reference
	for _, e := range c.Get("env").Items() {
		vf := e.Get("valueFrom")
		if k := vf.Get("configMapKeyRef"); k.Exists() {
			refs = append(refs, Reference{Kind: "ConfigMap", Name: k.Get("name").Str(), Optional: k.Get("optional").True(), Pos: k.Get("name").Pos()})
		}
		if k := vf.Get("secretKeyRef"); k.Exists() {
			refs = append(refs, Reference{Kind: "Secret", Name: k.Get("name").Str(), Optional: k.Get("optional").True(), Pos: k.Get("name").Pos()})
		}
	}
	for _, e := range c.Get("envFrom").Items() {
		if k := e.Get("configMapRef"); k.Exists() {
			refs = append(refs, Reference{Kind: "ConfigMap", Name: k.Get("name").Str(), Optional: k.Get("optional").True(), Pos: k.Get("name").Pos()})
		}
		if k := e.Get("secretRef"); k.Exists() {
			refs = append(refs, Reference{Kind: "Secret", Name: k.Get("name").Str(), Optional: k.Get("optional").True(), Pos: k.Get("name").Pos()})
		}
	}
	return refs
}

func volumeRefs(spec *tree.Node) []Reference {
	var refs []Reference
	for _, v := range spec.Get("volumes").Items() {
		if k := v.Get("configMap"); k.Exists() {
			refs = append(refs, Reference{Kind: "ConfigMap", Name: k.Get("name").Str(), Optional: k.Get("optional").True(), Pos: k.Get("name").Pos()})
		}
		if k := v.Get("secret"); k.Exists() {
			refs = append(refs, Reference{Kind: "Secret", Name: k.Get("secretName").Str(), Optional: k.Get("optional").True(), Pos: k.Get("secretName").Pos()})
		}
		if k := v.Get("persistentVolumeClaim"); k.Exists() {
			refs = append(refs, Reference{Kind: "PersistentVolumeClaim", Name: k.Get("claimName").Str(), Pos: k.Get("claimName").Pos()})
		}
		for _, s := range v.Get("projected", "sources").Items() {
			if k := s.Get("configMap"); k.Exists() {
				refs = append(refs, Reference{Kind: "ConfigMap", Name: k.Get("name").Str(), Optional: k.Get("optional").True(), Pos: k.Get("name").Pos()})
			}
			if k := s.Get("secret"); k.Exists() {
				refs = append(refs, Reference{Kind: "Secret", Name: k.Get("name").Str(), Optional: k.Get("optional").True(), Pos: k.Get("name").Pos()})
			}
		}
	}
	return refs
}

// Find returns the objects of kind named name in namespace ns, in index
// order. An empty namespace matches objects without one, which share the
// namespace a manifest is applied to. The result must not be modified.
func (ix *Index) Find(kind, ns, name string) []*IndexedObject {
	return slices.Clip(ix.lookups().byKey[objKey{kind, ns, name}])
}

// Has reports whether the index holds any object of kind; consistency
// rules only judge a reference when its target kind appears in the run at
// all, since a manifest set may rely on objects created elsewhere.
func (ix *Index) Has(kind string) bool {
	return len(ix.lookups().byKind[kind]) > 0
}

// OfKind returns the objects of kind in index order. The result must not
// be modified.
func (ix *Index) OfKind(kind string) []*IndexedObject {
	return slices.Clip(ix.lookups().byKind[kind])
}

// Defined reports whether the run defines the object kind/ns/name, or
// makes the cluster create it (IndexedObject.Creates).
func (ix *Index) Defined(kind, ns, name string) bool {
	return ix.lookups().defined[objKey{kind, ns, name}]
}

// HasWorkload reports whether the run contains an object that runs pods.
func (ix *Index) HasWorkload() bool {
	return len(ix.lookups().workloads) > 0
}

// Workloads returns the objects that run pods, in index order. The result
// must not be modified.
func (ix *Index) Workloads() []*IndexedObject {
	return slices.Clip(ix.lookups().workloads)
}

// SelectPods returns the workloads of namespace ns that have pod template
// labels and whose labels sel matches, in index order; an empty selector
// matches every such workload.
func (ix *Index) SelectPods(ns string, sel map[string]string) []*IndexedObject {
	var out []*IndexedObject
	for _, w := range ix.lookups().pods.candidates(ns, sel) {
		if w.PodLabels != nil && labelsMatch(sel, w.PodLabels) {
			out = append(out, w)
		}
	}
	return out
}

// AnyPods reports whether a workload with pod template labels in namespace
// ns, or in any namespace when anyNS is set, is matched by sel.
func (ix *Index) AnyPods(ns string, anyNS bool, sel map[string]string) bool {
	li := &ix.lookups().pods
	if anyNS {
		ns, li = "", ix.lookups().podsAnyNS()
	}
	for _, w := range li.candidates(ns, sel) {
		if w.PodLabels != nil && labelsMatch(sel, w.PodLabels) {
			return true
		}
	}
	return false
}

// AnyService reports whether a Service in namespace ns, or in any
// namespace when anyNS is set, has metadata labels that sel matches.
func (ix *Index) AnyService(ns string, anyNS bool, sel map[string]string) bool {
	li := ix.lookups().services(anyNS)
	if anyNS {
		ns = ""
	}
	for _, s := range li.candidates(ns, sel) {
		if labelsMatch(sel, s.Labels) {
			return true
		}
	}
	return false
}

// labelsMatch reports whether every pair of sel is in labels; an empty
// selector matches everything.
func labelsMatch(sel, labels map[string]string) bool {
	for k, v := range sel {
		if lv, ok := labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

// objKey identifies an object by kind, namespace and name.
type objKey struct{ kind, ns, name string }

// labelKey is one label pair in one namespace.
type labelKey struct{ ns, key, value string }

// lookups are the maps the Index methods answer from. Every slice in them
// is in index order, so answers do not depend on map iteration.
type lookups struct {
	byKey     map[objKey][]*IndexedObject
	byKind    map[string][]*IndexedObject
	defined   map[objKey]bool
	workloads []*IndexedObject
	// pods indexes workloads by pod template labels, per namespace.
	pods labelIndex
	// rel is the view the reliability set rules share.
	rel *relView

	// The indexes only monitors need are built when first asked for.
	podsAnyOnce   sync.Once
	podsAny       labelIndex // workloads across namespaces, under ""
	servicesOnce  sync.Once
	servicesByNS  labelIndex // Services by metadata.labels
	servicesAnyNS labelIndex // the same across namespaces, under ""
}

// podsAnyNS returns the workloads by pod template labels across
// namespaces, all filed under "".
func (l *lookups) podsAnyNS() *labelIndex {
	l.podsAnyOnce.Do(func() {
		for _, w := range l.workloads {
			l.podsAny.add("", w, w.PodLabels)
		}
	})
	return &l.podsAny
}

// services returns the Services by metadata labels, per namespace or,
// with anyNS, across namespaces under "".
func (l *lookups) services(anyNS bool) *labelIndex {
	l.servicesOnce.Do(func() {
		for _, s := range l.byKind["Service"] {
			l.servicesByNS.add(s.Namespace, s, s.Labels)
			l.servicesAnyNS.add("", s, s.Labels)
		}
	})
	if anyNS {
		return &l.servicesAnyNS
	}
	return &l.servicesByNS
}

// lookups returns the maps, building them on first use. Objects must not
// be added after that.
func (ix *Index) lookups() *lookups {
	ix.once.Do(func() { ix.look = buildLookups(ix.Objects) })
	return ix.look
}

func buildLookups(objs []*IndexedObject) *lookups {
	l := &lookups{
		byKey:   make(map[objKey][]*IndexedObject, len(objs)),
		byKind:  map[string][]*IndexedObject{},
		defined: make(map[objKey]bool, len(objs)),
	}
	for _, o := range objs {
		k := objKey{o.Kind, o.Namespace, o.Name}
		l.byKey[k] = append(l.byKey[k], o)
		l.byKind[o.Kind] = append(l.byKind[o.Kind], o)
		l.defined[k] = true
		for _, r := range o.Creates {
			l.defined[objKey{r.Kind, o.Namespace, r.Name}] = true
		}
		if o.Workload {
			l.workloads = append(l.workloads, o)
			l.pods.add(o.Namespace, o, o.PodLabels)
		}
	}
	l.rel = newRelView(objs)
	return l
}

// labelIndex finds the objects whose labels a selector may match: those
// that carry the selector's rarest pair.
type labelIndex struct {
	byNS  map[string][]*IndexedObject
	pairs map[labelKey][]*IndexedObject
}

func (li *labelIndex) add(ns string, o *IndexedObject, labels map[string]string) {
	if li.byNS == nil {
		li.byNS, li.pairs = map[string][]*IndexedObject{}, map[labelKey][]*IndexedObject{}
	}
	li.byNS[ns] = append(li.byNS[ns], o)
	for k, v := range labels {
		lk := labelKey{ns, k, v}
		li.pairs[lk] = append(li.pairs[lk], o)
	}
}

// candidates returns, in index order, the objects of ns that carry the
// rarest pair of sel (every object of ns for an empty selector); callers
// check the whole selector on each.
func (li *labelIndex) candidates(ns string, sel map[string]string) []*IndexedObject {
	if len(sel) == 0 {
		return li.byNS[ns]
	}
	var best []*IndexedObject
	first := true
	for k, v := range sel {
		c := li.pairs[labelKey{ns, k, v}]
		if len(c) == 0 {
			return nil
		}
		if first || len(c) < len(best) {
			best, first = c, false
		}
	}
	return best
}

// selectorIndex is the reverse of labelIndex: it finds the selectors that
// may match a set of labels. Each selector is filed under one of its
// pairs, so a label set looks up each of its own pairs once.
type selectorIndex struct {
	all   map[string][]*IndexedObject // selectors that match any labels, per namespace
	pairs map[labelKey][]*IndexedObject
}

// add files o, whose selector is sel, under namespace ns; everything marks
// a selector that matches any labels (empty, or not evaluated).
func (si *selectorIndex) add(ns string, o *IndexedObject, sel map[string]string, everything bool) {
	if si.all == nil {
		si.all, si.pairs = map[string][]*IndexedObject{}, map[labelKey][]*IndexedObject{}
	}
	if everything || len(sel) == 0 {
		si.all[ns] = append(si.all[ns], o)
		return
	}
	var key string
	first := true
	for k := range sel {
		if first || k < key {
			key, first = k, false
		}
	}
	lk := labelKey{ns, key, sel[key]}
	si.pairs[lk] = append(si.pairs[lk], o)
}

// any reports whether ok accepts one of the selectors of ns that may
// match labels.
func (si *selectorIndex) any(ns string, labels map[string]string, ok func(*IndexedObject) bool) bool {
	if slices.ContainsFunc(si.all[ns], ok) {
		return true
	}
	for k, v := range labels {
		if slices.ContainsFunc(si.pairs[labelKey{ns, k, v}], ok) {
			return true
		}
	}
	return false
}

// SetContext is what a consistency rule sees.
type SetContext struct {
	rule *Rule
	emit func(Finding, *IndexedObject)
}

// Report records a finding of the current rule on object o at pos.
func (c *SetContext) Report(o *IndexedObject, pos tree.Position, format string, args ...any) {
	if pos.Line == 0 {
		pos = o.Pos
	}
	f := newFinding(c.rule, fmt.Sprintf(format, args...))
	f.File, f.Source = o.File, o.Source
	f.Line, f.Column = max(pos.Line, 1), max(pos.Column, 1)
	f.Object = o.Object
	f.scope = o.Pos.Line
	c.emit(f, o)
}

// sortObjects puts the objects in file and position order, so that what
// rules report does not depend on which worker read a file first.
func (ix *Index) sortObjects() {
	slices.SortStableFunc(ix.Objects, func(a, b *IndexedObject) int {
		return cmp.Or(strings.Compare(a.File, b.File), strings.Compare(a.Source, b.Source),
			cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
}

// runSetRules runs the consistency rules once every file was read.
func (e *engine) runSetRules() {
	e.index.sortObjects()
	emit := func(f Finding, o *IndexedObject) {
		e.mu.Lock()
		dirs := e.directives[f.File]
		e.mu.Unlock()
		e.add(f, dirs, o.ignores, o.lines)
	}
	// The rules only read the index (its lazy lookups are built once under
	// sync.Once), so they run side by side.
	rules := make(chan *Rule)
	var wg sync.WaitGroup
	for range e.workers {
		wg.Go(func() {
			for r := range rules {
				r.Set(&SetContext{rule: r, emit: emit}, e.index)
			}
		})
	}
	for _, r := range e.rules {
		if r.Set != nil {
			rules <- r
		}
	}
	close(rules)
	wg.Wait()
}
