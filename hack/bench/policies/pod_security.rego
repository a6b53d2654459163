# Package k8s.pod_security checks the security context of containers.
package k8s.pod_security

import data.lib.k8s

deny_privileged contains msg if {
	some c in k8s.all_containers
	c.securityContext.privileged == true
	msg := sprintf("%s: container %q runs privileged", [k8s.id, c.name])
}

deny_privilege_escalation contains msg if {
	some c in k8s.containers
	not c.securityContext.allowPrivilegeEscalation == false
	msg := sprintf("%s: container %q does not set allowPrivilegeEscalation: false", [k8s.id, c.name])
}

deny_run_as_root contains msg if {
	some c in k8s.containers
	not c.securityContext.runAsNonRoot == true
	not k8s.pod_spec.securityContext.runAsNonRoot == true
	not c.securityContext.runAsUser > 0
	not k8s.pod_spec.securityContext.runAsUser > 0
	msg := sprintf("%s: container %q may run as root", [k8s.id, c.name])
}

dangerous_caps := {"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "NET_RAW"}

deny_added_capabilities contains msg if {
	some c in k8s.all_containers
	some cap in c.securityContext.capabilities.add
	upper(cap) in dangerous_caps
	msg := sprintf("%s: container %q adds capability %s", [k8s.id, c.name, cap])
}

warn_writable_root_fs contains msg if {
	some c in k8s.containers
	not c.securityContext.readOnlyRootFilesystem == true
	msg := sprintf("%s: container %q has a writable root filesystem", [k8s.id, c.name])
}
