# Package k8s.rbac checks Roles, ClusterRoles and their bindings.
package k8s.rbac

import data.lib.k8s

role_kinds := {"Role", "ClusterRole"}

deny_wildcard_verbs contains msg if {
	k8s.kind in role_kinds
	some rule in input.rules
	"*" in rule.verbs
	msg := sprintf("%s: grants every verb", [k8s.id])
}

deny_wildcard_resources contains msg if {
	k8s.kind in role_kinds
	some rule in input.rules
	"*" in rule.resources
	msg := sprintf("%s: grants access to every resource", [k8s.id])
}

deny_secrets_access contains msg if {
	k8s.kind in role_kinds
	some rule in input.rules
	"secrets" in rule.resources
	some verb in rule.verbs
	verb in {"get", "list", "watch"}
	msg := sprintf("%s: can read Secrets (%s)", [k8s.id, verb])
}

deny_cluster_admin_binding contains msg if {
	k8s.kind in {"RoleBinding", "ClusterRoleBinding"}
	input.roleRef.name == "cluster-admin"
	msg := sprintf("%s: binds cluster-admin", [k8s.id])
}

warn_pod_exec contains msg if {
	k8s.kind in role_kinds
	some rule in input.rules
	some r in rule.resources
	r in {"pods/exec", "pods/attach"}
	msg := sprintf("%s: allows %s", [k8s.id, r])
}
