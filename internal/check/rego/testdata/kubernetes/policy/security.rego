package security

deny contains msg if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := sprintf("Service %s opens a port on every node", [input.metadata.name])
}
