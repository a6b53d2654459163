package check

import (
	"slices"
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// This file holds the RBAC security rules (K8S016-K8S019, K8S032).

var (
	secRuleRBACWildcard = &Rule{
		ID:        "K8S016",
		Name:      "rbac-wildcard",
		Title:     "RBAC rule grants a wildcard",
		Severity:  SeverityHigh,
		Family:    FamilySecurity,
		Rationale: "A \"*\" in verbs, resources or apiGroups grants everything that exists now and everything added later (new CRDs, subresources such as pods/exec, verbs such as escalate), so the role's reach cannot be reviewed.",
		Remediation: "List the API groups, resources and verbs the subject needs, e.g. " +
			"rules: [{apiGroups: [apps], resources: [deployments], verbs: [get, list, watch]}].",
		Kubernetes: secRBACWildcard,
	}
	secRuleRBACSecrets = &Rule{
		ID:        "K8S017",
		Name:      "rbac-secrets-read",
		Title:     "RBAC rule can read Secrets",
		Severity:  SeverityHigh,
		Family:    FamilySecurity,
		Rationale: "get, list or watch on secrets reveals every Secret in scope, including service account tokens and TLS keys of other workloads, which usually leads to further privileges; list and watch return the values too.",
		Remediation: "Mount the Secrets the workload needs instead of reading them through the API, or restrict the rule to named " +
			"Secrets with get only: {apiGroups: [\"\"], resources: [secrets], resourceNames: [app-config], verbs: [get]}.",
		Kubernetes: secRBACSecrets,
	}
	secRuleClusterAdminBinding = &Rule{
		ID:          "K8S018",
		Name:        "rbac-cluster-admin-binding",
		Title:       "Binding grants cluster-admin",
		Severity:    SeverityHigh,
		Family:      FamilySecurity,
		Rationale:   "cluster-admin can do anything to every object; bound cluster-wide it owns the cluster, and bound in a namespace it owns the namespace, its Secrets and its RBAC. A compromised subject with it leaves nothing to contain.",
		Remediation: "Bind a role with only the permissions needed (write a Role or ClusterRole, or use the built-in view, edit or admin with a RoleBinding).",
		Kubernetes:  secClusterAdminBinding,
	}
	secRuleRBACEscalation = &Rule{
		ID:        "K8S019",
		Name:      "rbac-privilege-escalation",
		Title:     "RBAC rule allows privilege escalation",
		Severity:  SeverityHigh,
		Family:    FamilySecurity,
		Rationale: "Some permissions lead to others: escalate and bind let a subject grant itself any role, impersonate lets it act as any user, group or service account, and create on pods/exec or pods/attach (or nodes/proxy) gives a shell in other workloads with their identity.",
		Remediation: "Remove the verb or subresource from the role; grant exec only to break-glass roles of humans, " +
			"and bind escalate, bind and impersonate only to the controllers that truly need them.",
		Kubernetes: secRBACEscalation,
	}
	secRuleAnonymousBinding = &Rule{
		ID:        "K8S032",
		Name:      "rbac-anonymous-binding",
		Title:     "Binding grants access to unauthenticated or all authenticated users",
		Severity:  SeverityCritical,
		Family:    FamilySecurity,
		Rationale: "system:anonymous and system:unauthenticated match requests with no credentials, and system:authenticated matches any valid identity, including every service account; permissions bound to them are open to anyone who can reach the API server.",
		Remediation: "Bind the role to the specific users, groups or service accounts that need it; the built-in system: " +
			"discovery roles are the only ones meant for these groups.",
		Kubernetes: secAnonymousBinding,
	}
)

func init() {
	register(secRuleRBACWildcard, secRuleRBACSecrets, secRuleClusterAdminBinding, secRuleRBACEscalation, secRuleAnonymousBinding)
}

// secIsRBAC reports whether o is an rbac.authorization.k8s.io object of one of
// kinds.
func secIsRBAC(o *K8sObject, kinds ...string) bool {
	if !strings.HasPrefix(o.APIVersion, "rbac.authorization.k8s.io/") {
		return false
	}
	return slices.Contains(kinds, o.Kind)
}

// secRoleRules returns the rules of a Role or ClusterRole. Aggregated
// ClusterRoles are skipped: the controller overwrites their rules. So are
// the default roles of the API server (see secIsBootstrapRole).
func secRoleRules(o *K8sObject) []*tree.Node {
	if !secIsRBAC(o, "Role", "ClusterRole") || o.Root.Has("aggregationRule") || secIsBootstrapRole(o) {
		return nil
	}
	return o.Root.Get("rules").Items()
}

// secBootstrapClusterRoles are the user-facing default ClusterRoles the API
// server creates and reconciles at every start.
var secBootstrapClusterRoles = map[string]bool{
	"cluster-admin": true,
	"admin":         true,
	"edit":          true,
	"view":          true,
}

// secIsBootstrapRole reports whether o is one of the API server's default
// roles: labelled kubernetes.io/bootstrapping: rbac-defaults, as every
// bootstrap role is, or a user-facing default ClusterRole. Their
// permissions are what the cluster needs to work, and a copy of them in a
// cluster dump or a chart is not a grant anyone designed; bindings to them
// are still checked (K8S018). A system: name alone is not enough: anyone
// can choose it.
func secIsBootstrapRole(o *K8sObject) bool {
	if o.Labels["kubernetes.io/bootstrapping"] == "rbac-defaults" {
		return true
	}
	return o.Kind == "ClusterRole" && secBootstrapClusterRoles[o.Name]
}

// secHasItem reports whether sequence n holds s, ignoring case.
func secHasItem(n *tree.Node, s string) bool {
	for _, it := range n.Items() {
		if strings.EqualFold(it.Str(), s) {
			return true
		}
	}
	return false
}

func secRBACWildcard(c *Context, o *K8sObject) {
	for i, r := range secRoleRules(o) {
		for _, f := range [...]struct{ key, what string }{
			{"apiGroups", "every API group"},
			{"resources", "every resource"},
			{"verbs", "every verb"},
		} {
			for _, it := range r.Get(f.key).Items() {
				if it.Str() == "*" {
					c.Report(it, o.Ref(), "%s rule %d grants %s (%s: [\"*\"])", secObjWhat(o), i+1, f.what, f.key)
				}
			}
		}
	}
}

// secSecretReadVerbs are the verbs that return Secret values.
var secSecretReadVerbs = [...]string{"get", "list", "watch"}

func secRBACSecrets(c *Context, o *K8sObject) {
	for i, r := range secRoleRules(o) {
		if r.Get("resourceNames").Len() > 0 {
			continue // limited to named Secrets
		}
		if groups := r.Get("apiGroups"); !secHasItem(groups, "") && !secHasItem(groups, "*") {
			continue
		}
		verbs := r.Get("verbs")
		var read []string
		if secHasItem(verbs, "*") {
			read = secSecretReadVerbs[:]
		} else {
			for _, v := range secSecretReadVerbs {
				if secHasItem(verbs, v) {
					read = append(read, v)
				}
			}
		}
		if len(read) == 0 {
			continue
		}
		for _, it := range r.Get("resources").Items() {
			if it.Str() == "secrets" {
				c.Report(it, o.Ref(), "%s rule %d can %s secrets", secObjWhat(o), i+1, strings.Join(read, ", "))
			}
		}
	}
}

// secRbacSubjects describes the subjects of a binding for messages.
func secRbacSubjects(o *K8sObject) string {
	items := o.Root.Get("subjects").Items()
	parts := make([]string, 0, len(items))
	for _, s := range items {
		d := s.Get("kind").Str() + " "
		if ns := s.Get("namespace").Str(); ns != "" {
			d += ns + "/"
		}
		parts = append(parts, d+s.Get("name").Str())
	}
	if len(parts) == 0 {
		return "no subjects"
	}
	return strings.Join(parts, ", ")
}

func secClusterAdminBinding(c *Context, o *K8sObject) {
	if !secIsRBAC(o, "ClusterRoleBinding", "RoleBinding") {
		return
	}
	ref := o.Root.Get("roleRef")
	name := ref.Get("name")
	if ref.Get("kind").Str() != "ClusterRole" || name.Str() != "cluster-admin" {
		return
	}
	// The bootstrap binding of system:masters is how the cluster works.
	builtin := true
	for _, s := range o.Root.Get("subjects").Items() {
		if s.Get("kind").Str() != "Group" || s.Get("name").Str() != "system:masters" {
			builtin = false
		}
	}
	if builtin {
		return
	}
	scope := "the whole cluster"
	if o.Kind == "RoleBinding" {
		scope = "its namespace"
	}
	c.Report(name, o.Ref(), "%s grants cluster-admin over %s to %s", secObjWhat(o), scope, secRbacSubjects(o))
}

// secEscalationVerbs maps verbs that grant more permissions to what they do.
var secEscalationVerbs = map[string]string{
	"escalate":    "lets it create or update roles with permissions it does not hold",
	"bind":        "lets it bind roles with permissions it does not hold",
	"impersonate": "lets it act as other users, groups or service accounts",
}

// secExecResources are subresources that run commands in other workloads;
// "get" counts because WebSocket connections are authorised as get.
var secExecResources = map[string]string{
	"pods/exec":   "run commands in any pod in scope",
	"pods/attach": "attach to the processes of any pod in scope",
	"nodes/proxy": "reach the kubelet API and through it run commands in any pod on the node",
}

func secRBACEscalation(c *Context, o *K8sObject) {
	for i, r := range secRoleRules(o) {
		verbs := r.Get("verbs")
		for _, it := range verbs.Items() {
			v := strings.ToLower(it.Str())
			if why, ok := secEscalationVerbs[v]; ok {
				c.Report(it, o.Ref(), "%s rule %d grants %s, which %s", secObjWhat(o), i+1, v, why)
			}
		}
		// With verbs ["*"] K8S016 already reports the rule.
		if !secHasItem(verbs, "create") && !secHasItem(verbs, "get") {
			continue
		}
		for _, it := range r.Get("resources").Items() {
			if why, ok := secExecResources[it.Str()]; ok {
				c.Report(it, o.Ref(), "%s rule %d grants access to %s, which lets it %s", secObjWhat(o), i+1, it.Str(), why)
			}
		}
	}
}

// secOpenGroups are the identities that match anyone or anyone with any
// credential.
var secOpenGroups = map[string]string{
	"system:anonymous":       "unauthenticated requests",
	"system:unauthenticated": "unauthenticated requests",
	"system:authenticated":   "every authenticated identity, including all service accounts",
}

func secAnonymousBinding(c *Context, o *K8sObject) {
	if !secIsRBAC(o, "ClusterRoleBinding", "RoleBinding") {
		return
	}
	role := o.Root.Get("roleRef", "name").Str()
	// Bootstrap discovery roles (system:public-info-viewer and others) are
	// meant for these groups.
	if strings.HasPrefix(role, "system:") {
		return
	}
	for _, s := range o.Root.Get("subjects").Items() {
		n := s.Get("name")
		if why, ok := secOpenGroups[n.Str()]; ok {
			c.Report(n, o.Ref(), "%s grants role %s to %s (%s)", secObjWhat(o), role, n.Str(), why)
		}
	}
}
