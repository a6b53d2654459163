# Package k8s.network checks Services, Ingresses and exposed ports.
package k8s.network

import data.lib.k8s

deny_nodeport_service contains msg if {
	k8s.kind == "Service"
	input.spec.type == "NodePort"
	msg := sprintf("%s: is a NodePort service", [k8s.id])
}

warn_loadbalancer_open contains msg if {
	k8s.kind == "Service"
	input.spec.type == "LoadBalancer"
	not input.spec.loadBalancerSourceRanges
	msg := sprintf("%s: LoadBalancer without loadBalancerSourceRanges", [k8s.id])
}

deny_ingress_without_tls contains msg if {
	k8s.kind == "Ingress"
	not input.spec.tls
	msg := sprintf("%s: serves plain HTTP (no tls section)", [k8s.id])
}

warn_externalname_service contains msg if {
	k8s.kind == "Service"
	input.spec.type == "ExternalName"
	msg := sprintf("%s: is an ExternalName service pointing to %v", [k8s.id, input.spec.externalName])
}

deny_ssh_port contains msg if {
	some c in k8s.all_containers
	some p in c.ports
	p.containerPort == 22
	msg := sprintf("%s: container %q exposes SSH port 22", [k8s.id, c.name])
}
