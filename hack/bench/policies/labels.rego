# Package k8s.labels checks ownership and selector labels.
package k8s.labels

import data.lib.k8s

deny_missing_app_label contains msg if {
	k8s.is_workload
	not k8s.labels["app.kubernetes.io/name"]
	not k8s.labels.app
	msg := sprintf("%s: has neither an app.kubernetes.io/name nor an app label", [k8s.id])
}

warn_missing_owner contains msg if {
	k8s.kind != ""
	not k8s.labels.owner
	not k8s.labels.team
	msg := sprintf("%s: has no owner or team label", [k8s.id])
}

deny_selector_mismatch contains msg if {
	k8s.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}
	some key, value in input.spec.selector.matchLabels
	not k8s.pod_template_labels[key] == value
	msg := sprintf("%s: selector %s=%v does not match the pod template labels", [k8s.id, key, value])
}

warn_invalid_label_value contains msg if {
	some key, value in k8s.labels
	is_string(value)
	not regex.match(`^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$`, value)
	msg := sprintf("%s: label %s has the invalid value %q", [k8s.id, key, value])
}

warn_missing_version_label contains msg if {
	k8s.kind in k8s.long_running
	not k8s.labels["app.kubernetes.io/version"]
	msg := sprintf("%s: has no app.kubernetes.io/version label", [k8s.id])
}
