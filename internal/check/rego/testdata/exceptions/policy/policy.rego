package main

import rego.v1

deny_run_as_root contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Containers must not run as root in Deployment %s", [input.metadata.name])
}

deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.containers[0].resources.limits.memory
	msg := sprintf("Deployment %s sets no memory limit", [input.metadata.name])
}

# The legacy batch job may run as root until it is rewritten.
exception contains rules if {
	input.kind == "Deployment"
	input.metadata.name == "legacy-batch"
	rules := ["run_as_root"]
}

# A bare "" exempts the plain deny rule.
exception contains [""] if {
	input.metadata.labels.tier == "scratch"
}
