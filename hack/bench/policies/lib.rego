# Package lib.k8s holds the helpers the benchmark policies share. It has no
# deny, warn or violation rules, so evaluating it yields nothing.
package lib.k8s

pod_controllers := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

long_running := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"}

kind := object.get(input, "kind", "")

name := object.get(input, ["metadata", "name"], "")

namespace := object.get(input, ["metadata", "namespace"], "")

# id names the object in messages: Kind/name.
id := sprintf("%v/%v", [kind, name])

pod_spec := input.spec if kind == "Pod"

pod_spec := input.spec.template.spec if kind in pod_controllers

pod_spec := input.spec.jobTemplate.spec.template.spec if kind == "CronJob"

pod_template_labels := object.get(input, ["spec", "template", "metadata", "labels"], {})

# containers holds the app containers of a workload.
containers contains c if {
	some c in pod_spec.containers
}

# all_containers holds app, init and ephemeral containers.
all_containers contains c if {
	some c in pod_spec.containers
}

all_containers contains c if {
	some c in pod_spec.initContainers
}

all_containers contains c if {
	some c in pod_spec.ephemeralContainers
}

labels := object.get(input, ["metadata", "labels"], {})

annotations := object.get(input, ["metadata", "annotations"], {})

is_workload if pod_spec

image_tag(image) := tag if {
	not contains(image, "@")
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	tag := split(last, ":")[1]
}

has_digest(image) if contains(image, "@sha256:")
