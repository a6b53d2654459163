# Package k8s.workloads checks availability settings of workloads.
package k8s.workloads

import data.lib.k8s

warn_single_replica contains msg if {
	k8s.kind in {"Deployment", "StatefulSet"}
	object.get(input.spec, "replicas", 1) < 2
	msg := sprintf("%s: runs a single replica", [k8s.id])
}

warn_recreate_strategy contains msg if {
	k8s.kind == "Deployment"
	input.spec.strategy.type == "Recreate"
	msg := sprintf("%s: uses the Recreate strategy (downtime on every rollout)", [k8s.id])
}

deny_default_namespace contains msg if {
	k8s.is_workload
	k8s.namespace in {"", "default"}
	msg := sprintf("%s: is in the default namespace", [k8s.id])
}

deny_default_service_account contains msg if {
	k8s.is_workload
	object.get(k8s.pod_spec, "serviceAccountName", "default") == "default"
	msg := sprintf("%s: runs as the default service account", [k8s.id])
}

warn_automount_token contains msg if {
	k8s.is_workload
	not k8s.pod_spec.automountServiceAccountToken == false
	msg := sprintf("%s: mounts the service account token", [k8s.id])
}
