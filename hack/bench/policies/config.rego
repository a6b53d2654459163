# Package k8s.config checks environment variables, sysctls and restart
# settings.
package k8s.config

import data.lib.k8s

secret_words := ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY"]

deny_secret_in_env contains msg if {
	some c in k8s.all_containers
	some e in c.env
	is_string(e.value)
	e.value != ""
	some w in secret_words
	contains(upper(e.name), w)
	msg := sprintf("%s: container %q sets %s from a literal value; use a secretKeyRef", [k8s.id, c.name, e.name])
}

warn_duplicate_env contains msg if {
	some c in k8s.all_containers
	some i, e in c.env
	some j, f in c.env
	i < j
	e.name == f.name
	msg := sprintf("%s: container %q sets %s twice", [k8s.id, c.name, e.name])
}

safe_sysctls := {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"}

deny_unsafe_sysctl contains msg if {
	some s in k8s.pod_spec.securityContext.sysctls
	not s.name in safe_sysctls
	msg := sprintf("%s: sets the unsafe sysctl %s", [k8s.id, s.name])
}

deny_restart_never contains msg if {
	k8s.kind in k8s.long_running
	k8s.pod_spec.restartPolicy != "Always"
	msg := sprintf("%s: sets restartPolicy %v on a long-running workload", [k8s.id, k8s.pod_spec.restartPolicy])
}

warn_proc_mount contains msg if {
	some c in k8s.all_containers
	c.securityContext.procMount == "Unmasked"
	msg := sprintf("%s: container %q unmasks /proc", [k8s.id, c.name])
}
