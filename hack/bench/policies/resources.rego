# Package k8s.resources checks container requests and limits.
package k8s.resources

import data.lib.k8s

deny_no_cpu_request contains msg if {
	some c in k8s.containers
	not c.resources.requests.cpu
	msg := sprintf("%s: container %q has no CPU request", [k8s.id, c.name])
}

deny_no_memory_request contains msg if {
	some c in k8s.containers
	not c.resources.requests.memory
	msg := sprintf("%s: container %q has no memory request", [k8s.id, c.name])
}

deny_no_memory_limit contains msg if {
	some c in k8s.containers
	not c.resources.limits.memory
	msg := sprintf("%s: container %q has no memory limit", [k8s.id, c.name])
}

warn_memory_limit_too_high contains msg if {
	some c in k8s.containers
	limit := units.parse_bytes(sprintf("%v", [c.resources.limits.memory]))
	limit > units.parse_bytes("32Gi")
	msg := sprintf("%s: container %q memory limit %v is above 32Gi", [k8s.id, c.name, c.resources.limits.memory])
}

warn_request_above_limit contains msg if {
	some c in k8s.containers
	req := units.parse(sprintf("%v", [c.resources.requests.cpu]))
	lim := units.parse(sprintf("%v", [c.resources.limits.cpu]))
	req > lim
	msg := sprintf("%s: container %q requests more CPU than its limit", [k8s.id, c.name])
}
