package check

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// This file holds the Kubernetes security rules about pods and containers
// (K8S001-K8S015, K8S023-K8S026, K8S028-K8S031, K8S034). RBAC rules are in
// k8s_security_rbac.go; Service, Ingress and Secret rules in
// k8s_security_net.go.

var (
	secRulePrivileged = &Rule{
		ID:        "K8S001",
		Name:      "privileged-container",
		Title:     "Container runs privileged",
		Severity:  SeverityCritical,
		Family:    FamilySecurity,
		Rationale: "A privileged container has every Linux capability and access to all host devices; escaping to the node is trivial, and from the node every pod on it and often the cluster.",
		Remediation: "Remove privileged: true and add only the capabilities the process needs, e.g. " +
			"securityContext: {privileged: false, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}. " +
			"Node agents that truly need it (CNI, storage drivers) should carry an opsloop:ignore with the reason.",
		Kubernetes: secPrivileged,
	}
	secRulePrivilegeEscalation = &Rule{
		ID:        "K8S002",
		Name:      "privilege-escalation-allowed",
		Title:     "Container allows privilege escalation",
		Severity:  SeverityMedium,
		Family:    FamilySecurity,
		Rationale: "Unless allowPrivilegeEscalation is false, the kernel lets a process gain privileges through setuid binaries or file capabilities (no_new_privs is off), turning a foothold into root inside the container.",
		Remediation: "Set it on every container: securityContext: {allowPrivilegeEscalation: false}. " +
			"Privileged containers and containers adding SYS_ADMIN cannot set it and are reported by K8S001 and K8S004 instead.",
		Kubernetes: secPrivilegeEscalation,
	}
	secRuleRunAsRoot = &Rule{
		ID:        "K8S003",
		Name:      "container-runs-as-root",
		Title:     "Container may run as root",
		Severity:  SeverityMedium,
		Family:    FamilySecurity,
		Rationale: "Without runAsNonRoot: true or a non-zero runAsUser the container runs as whatever user its image names, usually root; root in a container is one kernel bug or misconfigured mount away from root on the node.",
		Remediation: "Run as an unprivileged user at pod level so every container inherits it: " +
			"securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001}; never set runAsUser: 0.",
		Kubernetes: secRunAsRoot,
	}
	secRuleDangerousCaps = &Rule{
		ID:        "K8S004",
		Name:      "dangerous-capabilities",
		Title:     "Container adds a dangerous Linux capability",
		Severity:  SeverityHigh,
		Family:    FamilySecurity,
		Rationale: "Capabilities such as SYS_ADMIN, SYS_MODULE, SYS_PTRACE or NET_ADMIN give a container powers close to root on the node: mounting file systems, loading kernel modules, reading other processes' memory, rewriting the network.",
		Remediation: "Remove the capability from securityContext.capabilities.add; most applications need none, " +
			"and binding ports below 1024 needs only NET_BIND_SERVICE.",
		Kubernetes: secDangerousCaps,
	}
	secRuleCapsNotDropped = &Rule{
		ID:          "K8S005",
		Name:        "capabilities-not-dropped",
		Title:       "Container does not drop all capabilities",
		Severity:    SeverityLow,
		Family:      FamilySecurity,
		Rationale:   "Container runtimes grant a default set of capabilities (NET_RAW, CHOWN, SETUID and more) that few applications use; NET_RAW alone allows ARP and DNS spoofing against neighbouring pods.",
		Remediation: "Drop everything and add back what is needed: securityContext: {capabilities: {drop: [ALL]}}.",
		Kubernetes:  secCapsNotDropped,
	}
	secRuleHostNetwork = &Rule{
		ID:          "K8S006",
		Name:        "host-network",
		Title:       "Pod uses the host's network namespace",
		Severity:    SeverityHigh,
		Family:      FamilySecurity,
		Rationale:   "With hostNetwork the pod sees every interface of the node, can bind any node port, sniff traffic and reach services bound to localhost on the node (kubelet, cloud metadata), bypassing NetworkPolicies.",
		Remediation: "Remove hostNetwork: true and expose the pod through a Service; node agents that need it should carry an opsloop:ignore with the reason.",
		Kubernetes:  secHostNamespaceCheck("hostNetwork", "shares the node's network namespace (hostNetwork: true)"),
	}
	secRuleHostPID = &Rule{
		ID:          "K8S007",
		Name:        "host-pid",
		Title:       "Pod uses the host's PID namespace",
		Severity:    SeverityHigh,
		Family:      FamilySecurity,
		Rationale:   "With hostPID the pod sees every process on the node, can read their environment and, as root, signal or ptrace them, including the kubelet and other pods.",
		Remediation: "Remove hostPID: true; to share processes between containers of one pod use shareProcessNamespace instead.",
		Kubernetes:  secHostNamespaceCheck("hostPID", "shares the node's PID namespace (hostPID: true)"),
	}
	secRuleHostIPC = &Rule{
		ID:          "K8S008",
		Name:        "host-ipc",
		Title:       "Pod uses the host's IPC namespace",
		Severity:    SeverityHigh,
		Family:      FamilySecurity,
		Rationale:   "With hostIPC the pod can read and write shared memory and message queues of every process on the node.",
		Remediation: "Remove hostIPC: true; containers of one pod already share an IPC namespace.",
		Kubernetes:  secHostNamespaceCheck("hostIPC", "shares the node's IPC namespace (hostIPC: true)"),
	}
	secRuleHostPath = &Rule{
		ID:        "K8S009",
		Name:      "host-path-volume",
		Title:     "Pod mounts a hostPath volume",
		Severity:  SeverityMedium,
		Family:    FamilySecurity,
		Rationale: "A hostPath volume exposes the node's file system to the pod; a writable mount of /, /etc, /var/lib/kubelet or /proc is a direct path to node takeover, and any hostPath ties the pod to one node's disk.",
		Remediation: "Use emptyDir, a PersistentVolumeClaim, a ConfigMap or a projected volume instead; " +
			"if a node agent needs host files, mount the narrowest path with readOnly: true and record why with opsloop:ignore.",
		Kubernetes: secHostPath,
	}
	secRuleRuntimeSocket = &Rule{
		ID:          "K8S010",
		Name:        "container-runtime-socket",
		Title:       "Pod mounts the container runtime socket",
		Severity:    SeverityCritical,
		Family:      FamilySecurity,
		Rationale:   "Whoever can talk to docker.sock, containerd.sock or crio.sock can start a privileged container on the node, so mounting the socket hands out root on the node and every secret of every pod on it.",
		Remediation: "Remove the hostPath volume; build images with a rootless builder (BuildKit rootless, kaniko) and read container metadata through the Kubernetes API instead.",
		Kubernetes:  secRuntimeSocket,
	}
	secRuleHostPort = &Rule{
		ID:          "K8S011",
		Name:        "host-port",
		Title:       "Container binds a host port",
		Severity:    SeverityMedium,
		Family:      FamilySecurity,
		Rationale:   "A hostPort opens the port on the node's own address, outside Services and often outside NetworkPolicy, and limits scheduling to one such pod per node.",
		Remediation: "Remove hostPort and expose the port through a Service (ClusterIP, or LoadBalancer/Ingress for outside traffic).",
		Kubernetes:  secHostPort,
	}
	secRuleImageLatest = &Rule{
		ID:          "K8S012",
		Name:        "container-image-latest-tag",
		Title:       "Container image uses :latest or no tag",
		Severity:    SeverityMedium,
		Family:      FamilySecurity,
		Rationale:   "A :latest or untagged image changes under the same name: nodes run whatever was pushed last, rollbacks do not roll back, and a compromised registry push reaches production on the next restart.",
		Remediation: "Pin a version tag, better a digest: image: registry.example.com/web:1.4.2@sha256:<digest>.",
		Kubernetes:  secImageLatest,
	}
	secRuleImageDigest = &Rule{
		ID:        "K8S013",
		Name:      "container-image-not-pinned",
		Title:     "Container image is not pinned by digest",
		Severity:  SeverityLow,
		Family:    FamilySecurity,
		Rationale: "A tag can be moved to another image after review; only a digest guarantees that what runs is what was tested. Images with :latest or no tag are reported by K8S012 instead.",
		Remediation: "Append the digest to the tag: image: registry.example.com/web:1.4.2@sha256:<digest> " +
			"(crane digest or docker buildx imagetools inspect prints it); let a bot such as Renovate update it.",
		Kubernetes: secImageDigest,
	}
	secRuleEnvSecret = &Rule{
		ID:        "K8S014",
		Name:      "container-env-literal-secret",
		Title:     "Secret passed as a literal environment variable",
		Severity:  SeverityHigh,
		Family:    FamilySecurity,
		Rationale: "A password or token written into a manifest is stored in version control, in the API server's object (readable with get on the workload) and in every rendered chart, and it cannot be rotated without a commit.",
		Remediation: "Store it in a Secret (or an external secret manager) and reference it: " +
			"env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}].",
		Kubernetes: secEnvSecret,
	}
	secRuleSATokenAutomount = &Rule{
		ID:          "K8S015",
		Name:        "service-account-token-automount",
		Title:       "Default service account token is mounted",
		Severity:    SeverityLow,
		Family:      FamilySecurity,
		Rationale:   "Unless automountServiceAccountToken is false, every container gets an API token; a pod running as the default service account rarely needs one, and a compromised container can use it against the API server. Pods that name their own service account are skipped: they usually talk to the API on purpose.",
		Remediation: "Set it in the pod spec: spec: {automountServiceAccountToken: false}, or give the pod a dedicated service account with only the permissions it needs.",
		Kubernetes:  secSATokenAutomount,
	}
	secRuleWritableRootFS = &Rule{
		ID:          "K8S023",
		Name:        "writable-root-filesystem",
		Title:       "Container root file system is writable",
		Severity:    SeverityLow,
		Family:      FamilySecurity,
		Rationale:   "A writable root file system lets an attacker drop tools and persist changes to binaries and configuration for the container's lifetime, and hides writes that should go to a volume.",
		Remediation: "Set securityContext: {readOnlyRootFilesystem: true} and mount an emptyDir at the paths the process writes to (e.g. /tmp).",
		Kubernetes:  secWritableRootFS,
	}
	secRuleSeccomp = &Rule{
		ID:        "K8S024",
		Name:      "seccomp-unconfined",
		Title:     "Container runs without a seccomp profile",
		Severity:  SeverityLow,
		Family:    FamilySecurity,
		Rationale: "Without a seccomp profile (unset, or Unconfined) a container can make every system call, including rarely used ones behind most kernel container escapes; RuntimeDefault blocks them at almost no cost.",
		Remediation: "Set the profile at pod level so every container inherits it: " +
			"securityContext: {seccompProfile: {type: RuntimeDefault}} (or Localhost with a reviewed profile).",
		Kubernetes: secSeccomp,
	}
	secRuleUnsafeSysctls = &Rule{
		ID:          "K8S025",
		Name:        "unsafe-sysctls",
		Title:       "Pod sets an unsafe sysctl",
		Severity:    SeverityMedium,
		Family:      FamilySecurity,
		Rationale:   "Sysctls outside the namespaced safe set change kernel settings for the whole node, affecting every other pod on it; the kubelet rejects such pods unless explicitly allowed, which is itself a risk.",
		Remediation: "Remove the sysctl, or tune it on the nodes through node configuration; only the safe set (e.g. net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, kernel.shm_rmid_forced) belongs in a pod.",
		Kubernetes:  secUnsafeSysctls,
	}
	secRuleProcMount = &Rule{
		ID:          "K8S026",
		Name:        "proc-mount-unmasked",
		Title:       "Container mounts /proc unmasked",
		Severity:    SeverityMedium,
		Family:      FamilySecurity,
		Rationale:   "procMount: Unmasked removes the masks the runtime puts on sensitive parts of /proc and /sys, exposing kernel and host information and interfaces that help escape the container.",
		Remediation: "Remove procMount or set procMount: Default.",
		Kubernetes:  secProcMount,
	}
	secRuleDefaultNamespace = &Rule{
		ID:          "K8S028",
		Name:        "workload-in-default-namespace",
		Title:       "Workload is deployed to the default namespace",
		Severity:    SeverityLow,
		Family:      FamilySecurity,
		Rationale:   "The default namespace is shared by everything nobody placed elsewhere; RBAC, quotas and NetworkPolicies are hard to scope there, so its workloads tend to get broad access to each other.",
		Remediation: "Deploy into a namespace of its own (metadata.namespace: payments) or leave namespace unset and choose it at apply time.",
		Kubernetes:  secDefaultNamespace,
	}
	secRuleHostProcess = &Rule{
		ID:          "K8S029",
		Name:        "windows-host-process",
		Title:       "Windows pod runs as a HostProcess container",
		Severity:    SeverityHigh,
		Family:      FamilySecurity,
		Rationale:   "A Windows HostProcess container runs directly on the node with host network and file system access, the Windows equivalent of a privileged container.",
		Remediation: "Remove securityContext.windowsOptions.hostProcess: true unless the pod is a node agent; then record why with opsloop:ignore.",
		Kubernetes:  secHostProcess,
	}
	secRuleAppArmor = &Rule{
		ID:          "K8S030",
		Name:        "apparmor-unconfined",
		Title:       "Container runs without AppArmor confinement",
		Severity:    SeverityMedium,
		Family:      FamilySecurity,
		Rationale:   "An Unconfined AppArmor profile turns off the mandatory access control the runtime applies by default on AppArmor nodes, which blocks writes to /proc and /sys and mounts.",
		Remediation: "Remove the override or use the runtime default: securityContext: {appArmorProfile: {type: RuntimeDefault}}.",
		Kubernetes:  secAppArmor,
	}
	secRuleSELinux = &Rule{
		ID:          "K8S031",
		Name:        "selinux-custom-options",
		Title:       "Pod sets custom SELinux options",
		Severity:    SeverityMedium,
		Family:      FamilySecurity,
		Rationale:   "An SELinux type other than the container types, or a custom user or role, can lift the label separation that keeps a container from the node's and other containers' files (spc_t is unconfined).",
		Remediation: "Remove seLinuxOptions.user and role, and use one of container_t, container_init_t, container_kvm_t or container_engine_t as type (or leave it unset).",
		Kubernetes:  secSELinux,
	}
	secRuleGitRepoVolume = &Rule{
		ID:          "K8S034",
		Name:        "git-repo-volume",
		Title:       "Pod uses a gitRepo volume",
		Severity:    SeverityHigh,
		Family:      FamilySecurity,
		Rationale:   "The deprecated gitRepo volume runs git on the node as root with arguments taken from the pod spec; it has allowed code execution on the node (CVE-2024-10220) and is disabled on current clusters.",
		Remediation: "Clone in an init container into an emptyDir volume shared with the main container.",
		Kubernetes:  secGitRepoVolume,
	}
)

func init() {
	register(secRulePrivileged, secRulePrivilegeEscalation, secRuleRunAsRoot, secRuleDangerousCaps,
		secRuleCapsNotDropped, secRuleHostNetwork, secRuleHostPID, secRuleHostIPC, secRuleHostPath,
		secRuleRuntimeSocket, secRuleHostPort, secRuleImageLatest, secRuleImageDigest, secRuleEnvSecret,
		secRuleSATokenAutomount, secRuleWritableRootFS, secRuleSeccomp, secRuleUnsafeSysctls, secRuleProcMount,
		secRuleDefaultNamespace, secRuleHostProcess, secRuleAppArmor, secRuleSELinux, secRuleGitRepoVolume)
}

// secCtrWhat names the kind of container in messages.
func secCtrWhat(c Container) string {
	if c.Init {
		return "init container"
	}
	return "container"
}

// secObjWhat names the object in messages, e.g. `Deployment "web"`.
func secObjWhat(o *K8sObject) string { return o.Kind + " " + strconv.Quote(o.Name) }

// secIsWindowsPod reports whether the pod declares a Windows OS or is
// scheduled onto Windows nodes only; Linux-only security settings do not
// apply there.
func secIsWindowsPod(o *K8sObject) bool {
	return strings.EqualFold(o.PodSpec.Get("os", "name").Str(), "windows") ||
		strings.EqualFold(o.PodSpec.Get("nodeSelector", "kubernetes.io/os").Str(), "windows")
}

// secPodSpecKey returns the key node of the pod spec ("spec:" of a Pod or of
// a workload's template), where pod-level fields that are missing belong.
func secPodSpecKey(o *K8sObject) *tree.Node {
	switch o.Kind {
	case "Pod":
		return o.Root.KeyNode("spec")
	case "PodTemplate":
		return o.Root.Get("template").KeyNode("spec")
	}
	if p, ok := workloadKinds[o.Kind]; ok {
		return o.Root.Get(p...).KeyNode("spec")
	}
	return nil
}

// secCtrAnchor returns where a finding about a field missing from container n
// belongs: the key node of the deepest existing map along keys (e.g. the
// container's "securityContext:"), else the container's name, else the
// container itself.
func secCtrAnchor(n *tree.Node, keys ...string) *tree.Node {
	var at *tree.Node
	cur := n
	for _, k := range keys {
		kn := cur.KeyNode(k)
		if kn == nil {
			break
		}
		at, cur = kn, cur.Get(k)
	}
	if at != nil {
		return at
	}
	if name := n.Get("name"); name.Exists() {
		return name
	}
	return n
}

// secQuoteList renders names as `"a", "b"`.
func secQuoteList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}

// secPlural returns word with an "s" unless n is 1.
func secPlural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func secPrivileged(c *Context, o *K8sObject) {
	for _, ct := range o.Containers {
		if v := ct.Node.Get("securityContext", "privileged"); v.True() {
			c.Report(v, o.Ref(), "%s %q runs privileged: it has every capability and the host's devices", secCtrWhat(ct), ct.Name)
		}
	}
}

func secPrivilegeEscalation(c *Context, o *K8sObject) {
	if o.PodSpec == nil || secIsWindowsPod(o) {
		return
	}
	for _, ct := range o.Containers {
		if !ct.Node.IsMap() {
			continue
		}
		sc := ct.Node.Get("securityContext")
		// The API rejects allowPrivilegeEscalation: false beside these;
		// K8S001 and K8S004 report them.
		if sc.Get("privileged").True() || secAddsCap(sc, "SYS_ADMIN") {
			continue
		}
		ape := sc.Get("allowPrivilegeEscalation")
		if v, ok := ape.Bool(); ok && !v {
			continue
		}
		if ape.Exists() && !ape.IsNull() {
			c.Report(ape, o.Ref(), "%s %q sets allowPrivilegeEscalation: %s; set it to false", secCtrWhat(ct), ct.Name, ape.Str())
			continue
		}
		c.Report(secCtrAnchor(ct.Node, "securityContext"), o.Ref(), "%s %q does not set allowPrivilegeEscalation: false, so setuid binaries can gain privileges", secCtrWhat(ct), ct.Name)
	}
}

// secInherited returns the value of key in the container's securityContext,
// or in the pod's when the container does not set it; fromPod says which.
func secInherited(ctr, pod *tree.Node, keys ...string) (v *tree.Node, fromPod bool) {
	v = ctr.Get("securityContext").Get(keys...)
	if v.Exists() && !v.IsNull() {
		return v, false
	}
	v = pod.Get("securityContext").Get(keys...)
	if v.Exists() && !v.IsNull() {
		return v, true
	}
	return nil, false
}

func secRunAsRoot(c *Context, o *K8sObject) {
	if o.PodSpec == nil || secIsWindowsPod(o) {
		return
	}
	// Containers that get their root setting from the pod are reported
	// once, at the pod-level value.
	var podUID0, podNotNonRoot []string
	for _, ct := range o.Containers {
		if !ct.Node.IsMap() {
			continue
		}
		user, userFromPod := secInherited(ct.Node, o.PodSpec, "runAsUser")
		if uid, ok := user.Int(); ok {
			if uid == 0 {
				if userFromPod {
					podUID0 = append(podUID0, ct.Name)
				} else {
					c.Report(user, o.Ref(), "%s %q runs as root (runAsUser: 0)", secCtrWhat(ct), ct.Name)
				}
			}
			continue
		}
		nonRoot, nrFromPod := secInherited(ct.Node, o.PodSpec, "runAsNonRoot")
		if nonRoot.True() {
			continue
		}
		if nonRoot.Exists() {
			if nrFromPod {
				podNotNonRoot = append(podNotNonRoot, ct.Name)
			} else {
				c.Report(nonRoot, o.Ref(), "%s %q sets runAsNonRoot: %s and no runAsUser above 0, so it runs as root if its image does", secCtrWhat(ct), ct.Name, nonRoot.Str())
			}
			continue
		}
		c.Report(secCtrAnchor(ct.Node, "securityContext"), o.Ref(), "%s %q may run as root: neither it nor the pod sets runAsNonRoot: true or a runAsUser above 0", secCtrWhat(ct), ct.Name)
	}
	psc := o.PodSpec.Get("securityContext")
	if len(podUID0) > 0 {
		c.Report(psc.Get("runAsUser"), o.Ref(), "pod securityContext sets runAsUser: 0 (root), inherited by %s %s", secPlural(len(podUID0), "container"), secQuoteList(podUID0))
	}
	if len(podNotNonRoot) > 0 {
		c.Report(psc.Get("runAsNonRoot"), o.Ref(), "pod securityContext sets runAsNonRoot: %s and no runAsUser above 0, so %s %s may run as root", psc.Get("runAsNonRoot").Str(), secPlural(len(podNotNonRoot), "container"), secQuoteList(podNotNonRoot))
	}
}

// secNormCap upper-cases a capability name and strips the CAP_ prefix, as
// container runtimes accept both spellings.
func secNormCap(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	return strings.TrimPrefix(s, "CAP_")
}

// secAddsCap reports whether securityContext sc adds capability name.
func secAddsCap(sc *tree.Node, name string) bool {
	for _, it := range sc.Get("capabilities", "add").Items() {
		if secNormCap(it.Str()) == name {
			return true
		}
	}
	return false
}

// secCapRisks maps capabilities that give a container power over the
// node or its neighbours to what they allow.
var secCapRisks = map[string]string{
	"ALL":             "every capability",
	"SYS_ADMIN":       "mounts, namespaces and most other root powers",
	"SYS_MODULE":      "loading kernel modules",
	"SYS_PTRACE":      "tracing and reading other processes",
	"SYS_RAWIO":       "raw device and port I/O",
	"SYS_BOOT":        "rebooting the node",
	"SYS_TIME":        "setting the node's clock",
	"DAC_READ_SEARCH": "reading any file by handle, the basis of known container escapes",
	"NET_ADMIN":       "reconfiguring interfaces, routes and firewall rules",
	"NET_RAW":         "raw sockets, used for ARP and DNS spoofing",
	"BPF":             "loading BPF programs into the kernel",
	"PERFMON":         "kernel performance monitoring and tracing",
	"MAC_ADMIN":       "changing mandatory access control policy",
	"MAC_OVERRIDE":    "bypassing mandatory access control",
	"SYSLOG":          "reading the kernel log, which leaks kernel addresses",
	"LINUX_IMMUTABLE": "changing immutable file flags",
}

func secDangerousCaps(c *Context, o *K8sObject) {
	for _, ct := range o.Containers {
		for _, it := range ct.Node.Get("securityContext", "capabilities", "add").Items() {
			name := secNormCap(it.Str())
			if why, ok := secCapRisks[name]; ok {
				c.Report(it, o.Ref(), "%s %q adds capability %s (%s)", secCtrWhat(ct), ct.Name, name, why)
			}
		}
	}
}

func secCapsNotDropped(c *Context, o *K8sObject) {
	if o.PodSpec == nil || secIsWindowsPod(o) {
		return
	}
	for _, ct := range o.Containers {
		if !ct.Node.IsMap() {
			continue
		}
		sc := ct.Node.Get("securityContext")
		if sc.Get("privileged").True() {
			continue // K8S001; dropping is meaningless there
		}
		drop := sc.Get("capabilities", "drop")
		all := false
		for _, it := range drop.Items() {
			if secNormCap(it.Str()) == "ALL" {
				all = true
				break
			}
		}
		if all {
			continue
		}
		if dropped := drop.Strings(); len(dropped) > 0 {
			c.Report(sc.Get("capabilities").KeyNode("drop"), o.Ref(), "%s %q drops %s but not ALL capabilities", secCtrWhat(ct), ct.Name, strings.Join(dropped, ", "))
			continue
		}
		c.Report(secCtrAnchor(ct.Node, "securityContext", "capabilities", "drop"), o.Ref(), "%s %q does not drop ALL capabilities", secCtrWhat(ct), ct.Name)
	}
}

// secHostNamespaceCheck returns the check for one of the pod's host namespace
// switches.
func secHostNamespaceCheck(field, what string) func(*Context, *K8sObject) {
	return func(c *Context, o *K8sObject) {
		if v := o.PodSpec.Get(field); v.True() {
			c.Report(v, o.Ref(), "%s %s", secObjWhat(o), what)
		}
	}
}

// secRuntimeSockets are the base names of container runtime API sockets.
var secRuntimeSockets = map[string]bool{
	"docker.sock":      true,
	"containerd.sock":  true,
	"crio.sock":        true,
	"cri-dockerd.sock": true,
	"dockershim.sock":  true,
	"podman.sock":      true,
}

// secRuntimeSocketDirs are directories that hold a runtime socket, so that
// mounting them exposes it.
var secRuntimeSocketDirs = map[string]bool{
	"/var/run": true, "/run": true,
	"/var/run/docker": true, "/run/docker": true,
	"/var/run/containerd": true, "/run/containerd": true,
	"/var/run/crio": true, "/run/crio": true,
	"/var/run/podman": true, "/run/podman": true,
}

// secCleanHostPath normalises a hostPath path; "" stays "".
func secCleanHostPath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return ""
	}
	return path.Clean(p)
}

// secIsRuntimeSocket reports whether host path p is or contains a container
// runtime socket.
func secIsRuntimeSocket(p string) bool {
	return p != "" && (secRuntimeSockets[path.Base(p)] || secRuntimeSocketDirs[p])
}

// secSensitiveHostDirs are host paths whose mount is a known step to node
// takeover; a mount of one of them or anything below is called out.
var secSensitiveHostDirs = []string{"/etc", "/proc", "/sys", "/root", "/boot", "/dev", "/var/lib/kubelet", "/var/lib/docker", "/var/lib/containerd", "/var/log"}

func secIsSensitiveHostPath(p string) bool {
	if p == "/" {
		return true
	}
	for _, d := range secSensitiveHostDirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

func secHostPath(c *Context, o *K8sObject) {
	for _, v := range o.PodSpec.Get("volumes").Items() {
		pn := v.Get("hostPath", "path")
		p := secCleanHostPath(pn.Str())
		if p == "" || secIsRuntimeSocket(p) {
			continue // not a valid hostPath volume, or K8S010's
		}
		name := v.Get("name").Str()
		if secIsSensitiveHostPath(p) {
			c.Report(pn, o.Ref(), "volume %q mounts the sensitive host path %q%s", name, p, secHostPathUse(o, name))
			continue
		}
		c.Report(pn, o.Ref(), "volume %q mounts host path %q%s", name, p, secHostPathUse(o, name))
	}
}

// secHostPathUse says which containers mount volume name writable, as a
// message suffix.
func secHostPathUse(o *K8sObject, name string) string {
	var rw []string
	for _, ct := range o.Containers {
		for _, m := range ct.Node.Get("volumeMounts").Items() {
			if m.Get("name").Str() == name && !m.Get("readOnly").True() {
				rw = append(rw, ct.Name)
				break
			}
		}
	}
	if len(rw) == 0 {
		return ""
	}
	return fmt.Sprintf(", writable in %s %s", secPlural(len(rw), "container"), secQuoteList(rw))
}

func secRuntimeSocket(c *Context, o *K8sObject) {
	for _, v := range o.PodSpec.Get("volumes").Items() {
		pn := v.Get("hostPath", "path")
		p := secCleanHostPath(pn.Str())
		if !secIsRuntimeSocket(p) {
			continue
		}
		if secRuntimeSockets[path.Base(p)] {
			c.Report(pn, o.Ref(), "volume %q mounts the container runtime socket %s from the host: it controls every container on the node", v.Get("name").Str(), p)
			continue
		}
		c.Report(pn, o.Ref(), "volume %q mounts host directory %s, which holds the container runtime socket: it controls every container on the node", v.Get("name").Str(), p)
	}
}

func secHostPort(c *Context, o *K8sObject) {
	for _, ct := range o.Containers {
		for _, p := range ct.Node.Get("ports").Items() {
			hp := p.Get("hostPort")
			if n, ok := hp.Int(); ok && n > 0 {
				c.Report(hp, o.Ref(), "%s %q binds host port %d on the node", secCtrWhat(ct), ct.Name, n)
			}
		}
	}
}

// secSplitImage splits an image reference into its tag and digest; both may
// be empty.
func secSplitImage(ref string) (tag, digest string) {
	if i := strings.LastIndexByte(ref, '@'); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	slash := strings.LastIndexByte(ref, '/')
	if colon := strings.LastIndexByte(ref, ':'); colon > slash {
		tag = ref[colon+1:]
	}
	return tag, digest
}

func secImageLatest(c *Context, o *K8sObject) {
	for _, ct := range o.Containers {
		img := ct.Node.Get("image")
		ref := strings.TrimSpace(img.Str())
		if ref == "" {
			continue
		}
		tag, digest := secSplitImage(ref)
		switch {
		case digest != "":
		case tag == "":
			c.Report(img, o.Ref(), "%s %q uses image %q without a tag, which means :latest", secCtrWhat(ct), ct.Name, ref)
		case tag == "latest":
			c.Report(img, o.Ref(), "%s %q uses image %q with the mutable :latest tag", secCtrWhat(ct), ct.Name, ref)
		}
	}
}

func secImageDigest(c *Context, o *K8sObject) {
	for _, ct := range o.Containers {
		img := ct.Node.Get("image")
		ref := strings.TrimSpace(img.Str())
		if ref == "" {
			continue
		}
		if tag, digest := secSplitImage(ref); digest == "" && tag != "" && tag != "latest" {
			c.Report(img, o.Ref(), "%s %q uses image %q by tag, not by digest", secCtrWhat(ct), ct.Name, ref)
		}
	}
}

// secSecretEnvWords are parts of environment variable names that mark the
// value as a credential; names are upper-cased and "-" and "." read as "_".
var secSecretEnvWords = []string{
	"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY", "APIKEY",
	"PRIVATE_KEY", "PRIVATEKEY", "ACCESS_KEY", "ACCESSKEY", "CREDENTIAL",
}

// secSecretEnvNotValue are name endings that say the variable holds something
// about a credential (where it is, how long it lives), not the credential.
var secSecretEnvNotValue = []string{
	"FILE", "PATH", "DIR", "NAME", "REF", "URL", "URI", "ENDPOINT", "HOST", "PORT",
	"TTL", "TIMEOUT", "LENGTH", "SIZE", "ENABLED", "DISABLED", "ENABLE", "HEADER", "TYPE", "FORMAT", "AUDIENCE",
	"ISSUER", "EXPIRY", "EXPIRATION", "DURATION", "INTERVAL", "MODE", "PROVIDER", "POLICY", "SECONDS",
	"MINUTES", "HOURS", "DAYS", "VERSION", "LOCATION", "ALGORITHM", "KIND",
}

// secEnvNameNorm makes "-" and "." in variable names read as "_".
var secEnvNameNorm = strings.NewReplacer("-", "_", ".", "_")

// secSecretEnvName reports whether an environment variable name looks like it
// holds a credential.
func secSecretEnvName(name string) bool {
	up := secEnvNameNorm.Replace(strings.ToUpper(name))
	if strings.Contains(up, "TOKENIZ") { // TOKENIZERS_PARALLELISM and friends
		return false
	}
	hit := false
	for _, w := range secSecretEnvWords {
		if strings.Contains(up, w) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	for _, s := range secSecretEnvNotValue {
		if strings.HasSuffix(up, s) {
			return false
		}
	}
	return true
}

// secBenignEnvValue reports whether a literal value cannot be a credential:
// a reference to another variable or placeholder, a flag, a path, a URL
// without user information, or a number.
func secBenignEnvValue(v string) bool {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return true
	case strings.HasPrefix(v, "$(") && strings.HasSuffix(v, ")"),
		strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}"),
		strings.HasPrefix(v, "{{") && strings.HasSuffix(v, "}}"),
		strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">"):
		return true
	case strings.HasPrefix(v, "/"):
		return true
	case strings.Contains(v, "://") && !strings.Contains(v, "@"):
		return true
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null":
		return true
	}
	_, err := strconv.ParseUint(v, 10, 64)
	return err == nil // a limit or a duration, not a credential
}

// secPrivateKeyValue reports whether v holds a PEM private key header
// ("-----BEGIN RSA PRIVATE KEY-----" and its OpenSSH, EC, PKCS#8 and
// encrypted variants), whatever the variable is called.
func secPrivateKeyValue(v string) bool {
	_, after, ok := strings.Cut(v, "-BEGIN ")
	if !ok {
		return false
	}
	line, _, _ := strings.Cut(after, "\n")
	return strings.Contains(line, "PRIVATE KEY-")
}

func secEnvSecret(c *Context, o *K8sObject) {
	for _, ct := range o.Containers {
		for _, e := range ct.Node.Get("env").Items() {
			val := e.Get("value")
			if !val.IsScalar() || secBenignEnvValue(val.Str()) {
				continue
			}
			name := e.Get("name").Str()
			if secPrivateKeyValue(val.Str()) {
				c.Report(val, o.Ref(), "%s %q sets %s to a literal private key in the manifest; mount it from a Secret instead", secCtrWhat(ct), ct.Name, name)
				continue
			}
			if !secSecretEnvName(name) {
				continue
			}
			c.Report(val, o.Ref(), "%s %q sets %s to a literal value in the manifest; reference a Secret with valueFrom.secretKeyRef", secCtrWhat(ct), ct.Name, name)
		}
	}
}

func secSATokenAutomount(c *Context, o *K8sObject) {
	if o.PodSpec == nil {
		return
	}
	sa := o.PodSpec.Get("serviceAccountName").Str()
	if sa == "" {
		sa = o.PodSpec.Get("serviceAccount").Str()
	}
	if sa != "" && sa != "default" {
		return
	}
	am := o.PodSpec.Get("automountServiceAccountToken")
	if v, ok := am.Bool(); ok {
		if v {
			c.Report(am, o.Ref(), "%s mounts the default service account's API token into every container (automountServiceAccountToken: true)", secObjWhat(o))
		}
		return
	}
	at := secPodSpecKey(o)
	if at == nil {
		at = o.Metadata
	}
	c.Report(at, o.Ref(), "%s does not set automountServiceAccountToken: false, so every container gets the default service account's API token", secObjWhat(o))
}

func secWritableRootFS(c *Context, o *K8sObject) {
	if o.PodSpec == nil || secIsWindowsPod(o) {
		return
	}
	for _, ct := range o.Containers {
		if !ct.Node.IsMap() {
			continue
		}
		ro := ct.Node.Get("securityContext", "readOnlyRootFilesystem")
		if ro.True() {
			continue
		}
		if ro.Exists() && !ro.IsNull() {
			c.Report(ro, o.Ref(), "%s %q sets readOnlyRootFilesystem: %s", secCtrWhat(ct), ct.Name, ro.Str())
			continue
		}
		c.Report(secCtrAnchor(ct.Node, "securityContext"), o.Ref(), "%s %q does not set readOnlyRootFilesystem: true", secCtrWhat(ct), ct.Name)
	}
}

func secSeccomp(c *Context, o *K8sObject) {
	if o.PodSpec == nil || secIsWindowsPod(o) {
		return
	}
	var fromPod []string
	for _, ct := range o.Containers {
		if !ct.Node.IsMap() {
			continue
		}
		t, podLevel := secInherited(ct.Node, o.PodSpec, "seccompProfile", "type")
		switch t.Str() {
		case "RuntimeDefault", "Localhost":
			continue
		case "Unconfined":
			if podLevel {
				fromPod = append(fromPod, ct.Name)
			} else {
				c.Report(t, o.Ref(), "%s %q runs with seccomp profile Unconfined", secCtrWhat(ct), ct.Name)
			}
			continue
		}
		if t.Exists() {
			continue // a type the API server rejects; not ours to judge
		}
		c.Report(secCtrAnchor(ct.Node, "securityContext"), o.Ref(), "%s %q has no seccomp profile: neither it nor the pod sets seccompProfile.type RuntimeDefault or Localhost", secCtrWhat(ct), ct.Name)
	}
	if len(fromPod) > 0 {
		c.Report(o.PodSpec.Get("securityContext", "seccompProfile", "type"), o.Ref(), "pod securityContext sets seccomp profile Unconfined, inherited by %s %s", secPlural(len(fromPod), "container"), secQuoteList(fromPod))
	}
}

// secSafeSysctls are the namespaced sysctls the Kubernetes pod security
// standards allow (as of 1.32).
var secSafeSysctls = map[string]bool{
	"kernel.shm_rmid_forced":              true,
	"net.ipv4.ip_local_port_range":        true,
	"net.ipv4.ip_unprivileged_port_start": true,
	"net.ipv4.tcp_syncookies":             true,
	"net.ipv4.ping_group_range":           true,
	"net.ipv4.ip_local_reserved_ports":    true,
	"net.ipv4.tcp_keepalive_time":         true,
	"net.ipv4.tcp_fin_timeout":            true,
	"net.ipv4.tcp_keepalive_intvl":        true,
	"net.ipv4.tcp_keepalive_probes":       true,
	"net.ipv4.tcp_rmem":                   true,
	"net.ipv4.tcp_wmem":                   true,
}

func secUnsafeSysctls(c *Context, o *K8sObject) {
	for _, s := range o.PodSpec.Get("securityContext", "sysctls").Items() {
		n := s.Get("name")
		name := strings.ReplaceAll(strings.TrimSpace(n.Str()), "/", ".")
		if name == "" || secSafeSysctls[name] {
			continue
		}
		c.Report(n, o.Ref(), "%s sets sysctl %s, which is not in the safe set", secObjWhat(o), name)
	}
}

func secProcMount(c *Context, o *K8sObject) {
	for _, ct := range o.Containers {
		if v := ct.Node.Get("securityContext", "procMount"); v.Str() == "Unmasked" {
			c.Report(v, o.Ref(), "%s %q mounts /proc unmasked (procMount: Unmasked)", secCtrWhat(ct), ct.Name)
		}
	}
}

func secDefaultNamespace(c *Context, o *K8sObject) {
	if !o.IsWorkload() || o.Namespace != "default" {
		return
	}
	c.Report(o.Metadata.Get("namespace"), o.Ref(), "%s is deployed to the default namespace", secObjWhat(o))
}

func secHostProcess(c *Context, o *K8sObject) {
	if v := o.PodSpec.Get("securityContext", "windowsOptions", "hostProcess"); v.True() {
		c.Report(v, o.Ref(), "%s runs as a Windows HostProcess pod", secObjWhat(o))
	}
	for _, ct := range o.Containers {
		if v := ct.Node.Get("securityContext", "windowsOptions", "hostProcess"); v.True() {
			c.Report(v, o.Ref(), "%s %q runs as a Windows HostProcess container", secCtrWhat(ct), ct.Name)
		}
	}
}

// secAppArmorAnnotation is the prefix of the pre-1.30 per-container AppArmor
// annotation, still honoured by current kubelets.
const secAppArmorAnnotation = "container.apparmor.security.beta.kubernetes.io/"

func secAppArmor(c *Context, o *K8sObject) {
	if o.PodSpec == nil {
		return
	}
	if v := o.PodSpec.Get("securityContext", "appArmorProfile", "type"); v.Str() == "Unconfined" {
		c.Report(v, o.Ref(), "%s runs its containers without AppArmor confinement (appArmorProfile: Unconfined)", secObjWhat(o))
	}
	for _, ct := range o.Containers {
		if v := ct.Node.Get("securityContext", "appArmorProfile", "type"); v.Str() == "Unconfined" {
			c.Report(v, o.Ref(), "%s %q runs without AppArmor confinement (appArmorProfile: Unconfined)", secCtrWhat(ct), ct.Name)
		}
	}
	for _, p := range o.PodMeta.Get("annotations").Pairs() {
		if name, ok := strings.CutPrefix(p.Key, secAppArmorAnnotation); ok && p.Value.Str() == "unconfined" {
			c.Report(p.Value, o.Ref(), "container %q runs without AppArmor confinement (annotation %s)", name, p.Key)
		}
	}
}

// secSELinuxTypes are the SELinux types the pod security standards allow.
var secSELinuxTypes = map[string]bool{
	"container_t": true, "container_init_t": true, "container_kvm_t": true, "container_engine_t": true,
}

func secSELinux(c *Context, o *K8sObject) {
	if o.PodSpec == nil {
		return
	}
	check := func(opts *tree.Node, who string) {
		if t := opts.Get("type"); t.Str() != "" && !secSELinuxTypes[t.Str()] {
			c.Report(t, o.Ref(), "%s sets SELinux type %s", who, t.Str())
		}
		for _, k := range [...]string{"user", "role"} {
			if v := opts.Get(k); v.Str() != "" {
				c.Report(v, o.Ref(), "%s sets a custom SELinux %s %s", who, k, v.Str())
			}
		}
	}
	check(o.PodSpec.Get("securityContext", "seLinuxOptions"), secObjWhat(o))
	for _, ct := range o.Containers {
		if opts := ct.Node.Get("securityContext", "seLinuxOptions"); opts.Exists() {
			check(opts, secCtrWhat(ct)+" "+strconv.Quote(ct.Name))
		}
	}
}

func secGitRepoVolume(c *Context, o *K8sObject) {
	for _, v := range o.PodSpec.Get("volumes").Items() {
		if v.Has("gitRepo") {
			c.Report(v.KeyNode("gitRepo"), o.Ref(), "volume %q is a gitRepo volume, which runs git on the node as root", v.Get("name").Str())
		}
	}
}
