package check

import (
	"context"
	"strings"
	"testing"
)

// TestK8sSecurityOddInput feeds the Kubernetes security rules documents of
// the wrong shape (nulls, scalars for maps, maps for lists, aliases) and
// checks that they neither panic nor report at a missing position.
func TestK8sSecurityOddInput(t *testing.T) {
	const odd = `apiVersion: apps/v1
kind: Deployment
metadata: {name: odd, namespace: default, annotations: null}
spec:
  template:
    metadata: {annotations: "x"}
    spec:
      hostNetwork: yes
      automountServiceAccountToken: "maybe"
      securityContext: [runAsUser, 0]
      os: windows
      volumes:
        - null
        - {name: a, hostPath: null}
        - {name: b, hostPath: {path: [1]}}
        - {name: c, gitRepo: null}
        - "volume"
      initContainers: {name: x}
      containers:
        - "just a string"
        - null
        - name: weird
          image: [nginx]
          env: {DB_PASSWORD: hunter2}
          ports: [{hostPort: "abc"}, {hostPort: null}, 8080]
          securityContext:
            privileged: "yes"
            runAsUser: "root"
            capabilities: {add: SYS_ADMIN, drop: {ALL: true}}
            seccompProfile: RuntimeDefault
            seLinuxOptions: "spc_t"
        - &base
          name: base
          image: "@sha256:"
          securityContext: &sc
            runAsUser: 0
        - <<: *base
          name: merged
          env:
            - {name: API_TOKEN, value: {nested: true}}
            - {name: [API_TOKEN], value: x}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: odd}
rules:
  - null
  - "rule"
  - {verbs: "*", resources: {secrets: get}, apiGroups: [null]}
  - {verbs: [[get]], resources: [secrets, null], apiGroups: [""]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: odd}
roleRef: cluster-admin
subjects: [null, "x", {name: [system:anonymous]}]
---
apiVersion: v1
kind: Service
metadata: {name: odd, annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: ","}}
spec: {type: LoadBalancer, loadBalancerSourceRanges: "0.0.0.0/0", externalIPs: "1.2.3.4"}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: odd}
spec: {tls: [null, {hosts: "a"}], rules: [null, {host: [a]}, {host: b.example.com}]}
---
apiVersion: v1
kind: Secret
metadata: {name: odd}
data: [a, b]
stringData: {a: null, b: {c: d}}
---
apiVersion: v1
kind: Pod
metadata: {name: empty}
spec: null
`
	dir := writeFiles(t, map[string]string{"odd.yaml": odd})
	res, err := Run(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.RuleID == ruleLoadError.ID {
			t.Errorf("fixture does not parse: %d:%d %s", f.Line, f.Column, f.Message)
		}
		if strings.HasPrefix(f.RuleID, "K8S0") && (f.Line < 1 || f.Column < 1) {
			t.Errorf("%s reported at %d:%d", f.RuleID, f.Line, f.Column)
		}
	}
}
