package check

import (
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// K8sObject is a Kubernetes object as rules see it, with the pod template
// of workloads picked out.
type K8sObject struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	// Root is the whole object; Metadata its metadata.
	Root     *tree.Node
	Metadata *tree.Node
	// Labels and Annotations of the object itself.
	Labels      map[string]string
	Annotations map[string]string

	// PodSpec is the pod spec of a Pod or of a workload's pod template;
	// nil for objects that run no pods.
	PodSpec *tree.Node
	// PodMeta is the pod template's metadata (the Pod's own for a Pod).
	PodMeta *tree.Node
	// Containers are the containers and init containers of PodSpec.
	Containers []Container
}

// Container is one container of a pod spec.
type Container struct {
	Name string
	// Init is true for init containers; ephemeral containers are not
	// listed.
	Init bool
	Node *tree.Node
}

// Ref identifies the object for findings.
func (o *K8sObject) Ref() Object {
	return Object{Kind: o.Kind, Name: o.Name, Namespace: o.Namespace}
}

// IsWorkload reports whether o runs pods.
func (o *K8sObject) IsWorkload() bool { return o.PodSpec != nil }

// Replicas returns spec.replicas and whether it is set. Kubernetes defaults
// it to 1.
func (o *K8sObject) Replicas() (int64, bool) {
	return o.Root.Get("spec", "replicas").Int()
}

// PodLabels returns the labels of the pod template.
func (o *K8sObject) PodLabels() map[string]string {
	return o.PodMeta.Get("labels").StringMap()
}

// PodAnnotations returns the annotations of the pod template.
func (o *K8sObject) PodAnnotations() map[string]string {
	return o.PodMeta.Get("annotations").StringMap()
}

// workloadKinds maps kinds to the path of their pod template spec.
var workloadKinds = map[string][]string{
	"Deployment":            {"spec", "template"},
	"StatefulSet":           {"spec", "template"},
	"DaemonSet":             {"spec", "template"},
	"ReplicaSet":            {"spec", "template"},
	"ReplicationController": {"spec", "template"},
	"Job":                   {"spec", "template"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template"},
	"DeploymentConfig":      {"spec", "template"},
	"Rollout":               {"spec", "template"}, // Argo Rollouts
}

// newK8sObject builds the rule view of a Kubernetes document.
func newK8sObject(root *tree.Node) *K8sObject {
	md := root.Get("metadata")
	o := &K8sObject{
		APIVersion:  root.Get("apiVersion").Str(),
		Kind:        root.Get("kind").Str(),
		Name:        md.Get("name").Str(),
		Namespace:   md.Get("namespace").Str(),
		Root:        root,
		Metadata:    md,
		Labels:      md.Get("labels").StringMap(),
		Annotations: md.Get("annotations").StringMap(),
	}
	if o.Name == "" {
		o.Name = md.Get("generateName").Str()
	}
	switch o.Kind {
	case "Pod":
		o.PodSpec = root.Get("spec")
		o.PodMeta = md
	case "PodTemplate":
		o.PodSpec = root.Get("template", "spec")
		o.PodMeta = root.Get("template", "metadata")
	case "Service", "Configuration":
		if isKnative(o.APIVersion) {
			tpl := root.Get("spec", "template")
			o.PodSpec = tpl.Get("spec")
			o.PodMeta = tpl.Get("metadata")
		}
	default:
		if p, ok := workloadKinds[o.Kind]; ok {
			tpl := root.Get(p...)
			o.PodSpec = tpl.Get("spec")
			o.PodMeta = tpl.Get("metadata")
		}
	}
	if o.PodSpec != nil && !o.PodSpec.IsMap() {
		o.PodSpec = nil
	}
	for _, c := range o.PodSpec.Get("initContainers").Items() {
		o.Containers = append(o.Containers, Container{Name: c.Get("name").Str(), Init: true, Node: c})
	}
	for _, c := range o.PodSpec.Get("containers").Items() {
		o.Containers = append(o.Containers, Container{Name: c.Get("name").Str(), Node: c})
	}
	return o
}

// MainContainers returns the non-init containers.
func (o *K8sObject) MainContainers() []Container {
	out := make([]Container, 0, len(o.Containers))
	for _, c := range o.Containers {
		if !c.Init {
			out = append(out, c)
		}
	}
	return out
}

// IsJobLike reports whether o runs to completion (Job, CronJob, or a bare
// Pod with restartPolicy other than Always).
func (o *K8sObject) IsJobLike() bool {
	switch o.Kind {
	case "Job", "CronJob":
		return true
	case "Pod":
		rp := o.PodSpec.Get("restartPolicy").Str()
		return rp == "Never" || rp == "OnFailure"
	}
	return false
}

// IsLongRunning reports whether o serves continuously (Deployment,
// StatefulSet, DaemonSet, ReplicaSet and similar).
func (o *K8sObject) IsLongRunning() bool {
	switch o.Kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "DeploymentConfig", "Rollout":
		return true
	}
	return false
}

// isKnative reports whether apiVersion belongs to Knative Serving, whose
// Service and Configuration carry a pod template in spec.template.
func isKnative(apiVersion string) bool {
	return strings.HasPrefix(apiVersion, "serving.knative.dev/")
}

// ignoreAnnotation is the Kubernetes annotation that suppresses rules on an
// object: "RULE-ID reason", several separated by commas or newlines.
const ignoreAnnotation = "opsloop.dev/ignore"

// annotationIgnores parses the ignore annotation of an object.
func annotationIgnores(ann map[string]string) []string {
	v, ok := ann[ignoreAnnotation]
	if !ok {
		return nil
	}
	var ids []string
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		if f := strings.Fields(part); len(f) > 0 {
			ids = append(ids, f[0])
		}
	}
	return ids
}
