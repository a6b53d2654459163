# Helpers shared by the kubernetes policies, in Rego v0 syntax as most
# Conftest policy libraries are written.
package kubernetes

is_deployment {
	input.kind == "Deployment"
}

is_service {
	input.kind == "Service"
}

containers[c] {
	c := input.spec.template.spec.containers[_]
}
