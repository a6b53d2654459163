# Package k8s.probes checks health probes of long-running workloads.
package k8s.probes

import data.lib.k8s

deny_no_liveness contains msg if {
	k8s.kind in k8s.long_running
	some c in k8s.containers
	not c.livenessProbe
	msg := sprintf("%s: container %q has no liveness probe", [k8s.id, c.name])
}

deny_no_readiness contains msg if {
	k8s.kind in k8s.long_running
	some c in k8s.containers
	not c.readinessProbe
	msg := sprintf("%s: container %q has no readiness probe", [k8s.id, c.name])
}

warn_same_probes contains msg if {
	some c in k8s.containers
	c.livenessProbe
	c.livenessProbe == c.readinessProbe
	msg := sprintf("%s: container %q uses the same liveness and readiness probe", [k8s.id, c.name])
}

deny_probe_port_not_exposed contains msg if {
	some c in k8s.containers
	some kind in ["livenessProbe", "readinessProbe", "startupProbe"]
	port := c[kind].httpGet.port
	is_string(port)
	not named_port(c, port)
	msg := sprintf("%s: container %q %s uses port %q that the container does not declare", [k8s.id, c.name, kind, port])
}

named_port(c, port) if {
	some p in c.ports
	p.name == port
}

warn_probe_timeout contains msg if {
	some c in k8s.containers
	p := c.livenessProbe
	object.get(p, "timeoutSeconds", 1) >= object.get(p, "periodSeconds", 10)
	msg := sprintf("%s: container %q liveness timeout is not shorter than its period", [k8s.id, c.name])
}
