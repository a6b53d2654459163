# Rego v1 policies in the same namespace as the v0 ones.
package main

import data.kubernetes

warn contains msg if {
	kubernetes.is_service
	input.spec.type == "LoadBalancer"
	msg := sprintf("Service %s is exposed through a cloud load balancer", [input.metadata.name])
}

warn_latest_tag contains result if {
	some i
	c := input.spec.template.spec.containers[i]
	endswith(c.image, ":latest")
	result := {
		"msg": sprintf("Container %s uses the mutable latest tag", [c.name]),
		"severity": "low",
		"path": sprintf("spec.template.spec.containers[%d].image", [i]),
	}
}

deny_host_network contains {"msg": msg, "_loc": {"line": line}} if {
	input.spec.template.spec.hostNetwork
	line := 3
	msg := "Pods must not share the node network namespace"
}
