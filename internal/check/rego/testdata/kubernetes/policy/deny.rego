package main

import data.kubernetes

name = input.metadata.name

deny[msg] {
	kubernetes.is_deployment
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg = sprintf("Containers must not run as root in Deployment %s", [name])
}

deny[msg] {
	kubernetes.is_deployment
	c := kubernetes.containers[_]
	not contains(c.image, ":")
	msg = sprintf("Container %s in Deployment %s uses an image without a tag", [c.name, name])
}

deny_missing_app_label[msg] {
	kubernetes.is_deployment
	not input.metadata.labels.app
	msg = sprintf("Deployment %s must have an app label", [name])
}

violation[{"msg": msg, "path": ["spec", "template", "spec", "containers", i, "securityContext", "privileged"]}] {
	kubernetes.is_deployment
	c := input.spec.template.spec.containers[i]
	c.securityContext.privileged
	msg := sprintf("Container %s in Deployment %s runs privileged", [c.name, name])
}
