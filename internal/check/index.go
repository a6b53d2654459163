package check

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// Index holds the few facts about every Kubernetes object of a run that
// consistency rules compare across documents. It keeps no document trees,
// so its size grows with the number of objects, not with their text.
type Index struct {
	mu      sync.Mutex // guards Objects while the run adds to it
	Objects []*IndexedObject
}

// IndexedObject is what the index remembers of one object.
type IndexedObject struct {
	Object
	APIVersion string
	File       string
	Source     string
	Pos        tree.Position
	Labels     map[string]string

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

	// ServicePorts of a Service.
	ServicePorts []ServicePort
	// Targets are references by name to other objects: an HPA's
	// scaleTargetRef, an Ingress backend service.
	Targets []Reference

	ignores []string
}

// ContainerPort is a port a container declares.
type ContainerPort struct {
	Name string
	Port int64
}

// ServicePort is one port of a Service.
type ServicePort struct {
	Port       int64
	TargetPort string // number or name; "" means same as Port
	Pos        tree.Position
}

// Reference is a reference by name from one object to another.
type Reference struct {
	Kind     string
	Name     string
	Port     string // for Ingress backends: port number or name
	Optional bool
	Pos      tree.Position
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
		ignores:    append(ignores, parseHeader(d.header)...),
	}
	spec := o.Root.Get("spec")
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
			io.ServicePorts = append(io.ServicePorts, ServicePort{Port: n, TargetPort: p.Get("targetPort").Str(), Pos: p.Pos()})
		}
	case "PodDisruptionBudget":
		setSelector(io, spec.Get("selector"))
	case "NetworkPolicy":
		setSelector(io, spec.Get("podSelector"))
	case "HorizontalPodAutoscaler":
		ref := spec.Get("scaleTargetRef")
		if ref.Exists() {
			io.Targets = append(io.Targets, Reference{Kind: ref.Get("kind").Str(), Name: ref.Get("name").Str(), Pos: ref.Pos()})
		}
	case "Ingress":
		if b := spec.Get("defaultBackend"); b.Exists() {
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
		port := s.Get("port", "name").Str()
		if n, ok := s.Get("port", "number").Int(); ok {
			port = strconv.FormatInt(n, 10)
		}
		return []Reference{{Kind: "Service", Name: s.Get("name").Str(), Port: port, Pos: s.Get("name").Pos()}}
	}
	if n := b.Get("serviceName"); n.Exists() { // extensions/v1beta1
		return []Reference{{Kind: "Service", Name: n.Str(), Port: b.Get("servicePort").Str(), Pos: n.Pos()}}
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

// Find returns the objects of kind named name in namespace ns. An empty
// namespace matches objects without one, which share the namespace a
// manifest is applied to.
func (ix *Index) Find(kind, ns, name string) []*IndexedObject {
	var out []*IndexedObject
	for _, o := range ix.Objects {
		if o.Kind == kind && o.Name == name && o.Namespace == ns {
			out = append(out, o)
		}
	}
	return out
}

// Has reports whether the index holds any object of kind; consistency
// rules only judge a reference when its target kind appears in the run at
// all, since a manifest set may rely on objects created elsewhere.
func (ix *Index) Has(kind string) bool {
	for _, o := range ix.Objects {
		if o.Kind == kind {
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

// runSetRules runs the consistency rules once every file was read.
func (e *engine) runSetRules() {
	c := &SetContext{emit: func(f Finding, o *IndexedObject) {
		e.mu.Lock()
		dirs := e.directives[f.File]
		e.mu.Unlock()
		e.add(f, dirs, o.ignores)
	}}
	for _, r := range e.rules {
		if r.Set == nil {
			continue
		}
		c.rule = r
		r.Set(c, e.index)
	}
}
