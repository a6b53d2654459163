# Package k8s.host checks how much of the node a pod shares.
package k8s.host

import data.lib.k8s

deny_host_network contains msg if {
	k8s.pod_spec.hostNetwork == true
	msg := sprintf("%s: shares the host network namespace", [k8s.id])
}

deny_host_pid contains msg if {
	k8s.pod_spec.hostPID == true
	msg := sprintf("%s: shares the host PID namespace", [k8s.id])
}

deny_host_ipc contains msg if {
	k8s.pod_spec.hostIPC == true
	msg := sprintf("%s: shares the host IPC namespace", [k8s.id])
}

sensitive_paths := ["/", "/etc", "/proc", "/sys", "/root", "/var/run/docker.sock", "/run/containerd/containerd.sock", "/var/lib/kubelet"]

deny_host_path contains msg if {
	some v in k8s.pod_spec.volumes
	path := trim_right(v.hostPath.path, "/")
	some p in sensitive_paths
	path == trim_right(p, "/")
	msg := sprintf("%s: volume %q mounts the sensitive host path %s", [k8s.id, v.name, v.hostPath.path])
}

deny_host_port contains msg if {
	some c in k8s.all_containers
	some p in c.ports
	p.hostPort > 0
	msg := sprintf("%s: container %q binds host port %v", [k8s.id, c.name, p.hostPort])
}
