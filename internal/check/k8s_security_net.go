package check

import (
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// This file holds the security rules about Services, Ingresses and Secret
// objects (K8S020-K8S022, K8S027, K8S033).

var (
	secRulePublicLB = &Rule{
		ID:        "K8S020",
		Name:      "public-load-balancer",
		Title:     "LoadBalancer Service is open to the internet",
		Severity:  SeverityMedium,
		Family:    FamilySecurity,
		Rationale: "A LoadBalancer Service without loadBalancerSourceRanges or an internal load balancer annotation gets a public address on most clouds, exposing the backing pods to every scanner on the internet.",
		Remediation: "Restrict the sources (spec.loadBalancerSourceRanges: [203.0.113.0/24]) or make it internal, e.g. " +
			"service.beta.kubernetes.io/aws-load-balancer-scheme: internal, networking.gke.io/load-balancer-type: Internal or " +
			"service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"; put public HTTP services behind an Ingress with TLS.",
		Kubernetes: secPublicLB,
	}
	secRuleNodePort = &Rule{
		ID:          "K8S021",
		Name:        "node-port-service",
		Title:       "Service is exposed on every node's port",
		Severity:    SeverityLow,
		Family:      FamilySecurity,
		Rationale:   "A NodePort Service opens the port on every node's address, bypassing the load balancer and any firewall in front of it, and the nodes' addresses are often more reachable than intended.",
		Remediation: "Use type: ClusterIP behind an Ingress or a LoadBalancer with restricted sources.",
		Kubernetes:  secNodePort,
	}
	secRuleIngressTLS = &Rule{
		ID:        "K8S022",
		Name:      "ingress-without-tls",
		Title:     "Ingress serves hosts without TLS",
		Severity:  SeverityMedium,
		Family:    FamilySecurity,
		Rationale: "Without TLS, credentials, cookies and data cross the network in clear text and can be read or changed in transit. Ingresses whose controller terminates TLS through annotations (AWS certificate-arn, GKE managed certificates) are skipped.",
		Remediation: "Add a tls section that covers every host: spec: {tls: [{hosts: [shop.example.com], secretName: shop-tls}]} " +
			"(cert-manager can issue the certificate).",
		Kubernetes: secIngressTLS,
	}
	secRuleSecretCommitted = &Rule{
		ID:        "K8S027",
		Name:      "secret-object-committed",
		Title:     "Secret with values is committed",
		Severity:  SeverityMedium,
		Family:    FamilySecurity,
		Rationale: "Secret data is base64, not encryption: a Secret manifest with values in the repository shares them with everyone who can clone it, forever, through history.",
		Remediation: "Commit an encrypted form instead (SealedSecret, SOPS) or an ExternalSecret that fetches the value from a secret manager, " +
			"and rotate any value that was committed.",
		Kubernetes: secSecretCommitted,
	}
	secRuleExternalIPs = &Rule{
		ID:          "K8S033",
		Name:        "service-external-ips",
		Title:       "Service sets externalIPs",
		Severity:    SeverityMedium,
		Family:      FamilySecurity,
		Rationale:   "Traffic to a Service's externalIPs is captured on every node, whoever owns those addresses; it is how CVE-2020-8554 lets a Service intercept traffic meant for other destinations.",
		Remediation: "Remove spec.externalIPs and use a LoadBalancer or Ingress; clusters should block the field with the DenyServiceExternalIPs admission plugin.",
		Kubernetes:  secExternalIPs,
	}
)

func init() {
	register(secRulePublicLB, secRuleNodePort, secRuleIngressTLS, secRuleSecretCommitted, secRuleExternalIPs)
}

// secIsCoreService reports whether o is a core/v1 Service.
func secIsCoreService(o *K8sObject) bool { return o.Kind == "Service" && o.APIVersion == "v1" }

// secInternalLBAnnotations maps cloud annotations that make a load balancer
// internal to the value (lower case) that does so; "" means any value but
// "false".
var secInternalLBAnnotations = map[string]string{
	"service.beta.kubernetes.io/aws-load-balancer-internal":              "",
	"service.beta.kubernetes.io/aws-load-balancer-scheme":                "internal",
	"networking.gke.io/load-balancer-type":                               "internal",
	"cloud.google.com/load-balancer-type":                                "internal",
	"service.beta.kubernetes.io/azure-load-balancer-internal":            "true",
	"service.beta.kubernetes.io/oci-load-balancer-internal":              "true",
	"service.beta.kubernetes.io/openstack-internal-load-balancer":        "true",
	"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type":     "private",
	"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet",
}

// secInternalLB reports whether a LoadBalancer Service's annotations or class
// make its load balancer internal.
func secInternalLB(o *K8sObject) bool {
	for k, want := range secInternalLBAnnotations {
		v, ok := o.Annotations[k]
		if !ok {
			continue
		}
		v = strings.ToLower(strings.TrimSpace(v))
		if want == "" && v != "" && v != "false" || want != "" && v == want {
			return true
		}
	}
	// The AWS Load Balancer Controller creates internal NLBs unless the
	// scheme says internet-facing.
	lbType := o.Annotations["service.beta.kubernetes.io/aws-load-balancer-type"]
	class := o.Root.Get("spec", "loadBalancerClass").Str()
	if lbType == "external" || lbType == "nlb-ip" || class == "service.k8s.aws/nlb" {
		return o.Annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] != "internet-facing"
	}
	return false
}

// secIsOpenCIDR reports whether cidr matches every address.
func secIsOpenCIDR(cidr string) bool {
	cidr = strings.TrimSpace(cidr)
	return cidr == "0.0.0.0/0" || cidr == "::/0"
}

func secPublicLB(c *Context, o *K8sObject) {
	if !secIsCoreService(o) {
		return
	}
	typ := o.Root.Get("spec", "type")
	if typ.Str() != "LoadBalancer" || secInternalLB(o) {
		return
	}
	ranges := o.Root.Get("spec", "loadBalancerSourceRanges")
	if ranges.Len() > 0 {
		for _, r := range ranges.Items() {
			if secIsOpenCIDR(r.Str()) {
				c.Report(r, o.Ref(), "Service %q allows every source address (%s) in loadBalancerSourceRanges", o.Name, r.Str())
			}
		}
		return
	}
	if legacy := o.Annotations["service.beta.kubernetes.io/load-balancer-source-ranges"]; strings.TrimSpace(legacy) != "" {
		for r := range strings.SplitSeq(legacy, ",") {
			if secIsOpenCIDR(r) {
				v := o.Metadata.Get("annotations", "service.beta.kubernetes.io/load-balancer-source-ranges")
				c.Report(v, o.Ref(), "Service %q allows every source address (%s) in its load-balancer-source-ranges annotation", o.Name, strings.TrimSpace(r))
				return
			}
		}
		return
	}
	c.Report(typ, o.Ref(), "Service %q is a LoadBalancer open to the internet: it sets no loadBalancerSourceRanges and no internal load balancer annotation", o.Name)
}

func secNodePort(c *Context, o *K8sObject) {
	if !secIsCoreService(o) {
		return
	}
	if typ := o.Root.Get("spec", "type"); typ.Str() == "NodePort" {
		c.Report(typ, o.Ref(), "Service %q opens a port on every node (type: NodePort)", o.Name)
	}
}

// secTLSByAnnotation reports whether an Ingress gets TLS from its controller's
// annotations rather than spec.tls.
func secTLSByAnnotation(ann map[string]string) bool {
	for _, k := range [...]string{
		"alb.ingress.kubernetes.io/certificate-arn",
		"networking.gke.io/managed-certificates",
		"ingress.gcp.kubernetes.io/pre-shared-cert",
		"appgw.ingress.kubernetes.io/appgw-ssl-certificate",
	} {
		if strings.TrimSpace(ann[k]) != "" {
			return true
		}
	}
	return strings.Contains(ann["alb.ingress.kubernetes.io/listen-ports"], "HTTPS")
}

// secTLSCovers reports whether TLS host pattern covers host; "*.example.com"
// covers one label below example.com.
func secTLSCovers(pattern, host string) bool {
	if strings.EqualFold(pattern, host) {
		return true
	}
	if suffix, ok := strings.CutPrefix(pattern, "*."); ok {
		label, rest, found := strings.Cut(host, ".")
		return found && label != "" && strings.EqualFold(rest, suffix)
	}
	return false
}

func secIngressTLS(c *Context, o *K8sObject) {
	if o.Kind != "Ingress" || (!strings.HasPrefix(o.APIVersion, "networking.k8s.io/") && !strings.HasPrefix(o.APIVersion, "extensions/")) {
		return
	}
	if secTLSByAnnotation(o.Annotations) {
		return
	}
	spec := o.Root.Get("spec")
	tls := spec.Get("tls")
	if tls.Len() == 0 {
		at := spec.KeyNode("tls")
		if at == nil {
			at = o.Root.KeyNode("spec")
		}
		c.Report(at, o.Ref(), "Ingress %q serves its hosts over plain HTTP: spec.tls is not set", o.Name)
		return
	}
	var patterns []string
	for _, t := range tls.Items() {
		hosts := t.Get("hosts")
		if hosts.Len() == 0 {
			return // a default certificate for every host
		}
		patterns = append(patterns, hosts.Strings()...)
	}
	for _, r := range spec.Get("rules").Items() {
		h := r.Get("host")
		if h.Str() == "" {
			continue
		}
		covered := false
		for _, p := range patterns {
			if secTLSCovers(p, h.Str()) {
				covered = true
				break
			}
		}
		if !covered {
			c.Report(h, o.Ref(), "Ingress %q serves host %s without TLS: no spec.tls entry lists it", o.Name, h.Str())
		}
	}
}

// secFilledKeys returns the keys of mapping m with a non-empty value.
func secFilledKeys(m *tree.Node) []string {
	var keys []string
	for _, p := range m.Pairs() {
		if p.Value.Str() != "" || (p.Value.Exists() && !p.Value.IsScalar()) {
			keys = append(keys, p.Key)
		}
	}
	return keys
}

func secSecretCommitted(c *Context, o *K8sObject) {
	if o.Kind != "Secret" || o.APIVersion != "v1" {
		return
	}
	for _, field := range [...]string{"data", "stringData"} {
		keys := secFilledKeys(o.Root.Get(field))
		if len(keys) == 0 {
			continue
		}
		shown := keys
		more := ""
		if len(shown) > 5 {
			shown, more = shown[:5], ", ..."
		}
		c.Report(o.Root.KeyNode(field), o.Ref(), "Secret %q commits %d %s in %s (%s%s)", o.Name, len(keys), secPlural(len(keys), "value"), field, strings.Join(shown, ", "), more)
	}
}

func secExternalIPs(c *Context, o *K8sObject) {
	if !secIsCoreService(o) {
		return
	}
	spec := o.Root.Get("spec")
	if ips := spec.Get("externalIPs"); ips.Len() > 0 {
		c.Report(spec.KeyNode("externalIPs"), o.Ref(), "Service %q captures traffic to externalIPs %s on every node", o.Name, strings.Join(ips.Strings(), ", "))
	}
}
