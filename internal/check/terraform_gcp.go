package check

import (
	"slices"
	"strings"
)

func init() {
	register(ruleTFGCSPublic, ruleTFGCSUniform, ruleTFGCPFirewall, ruleTFCloudSQLPublic,
		ruleTFCloudSQLBackups, ruleTFGCPKMSRotation, ruleTFGKELegacyABAC)
}

// tfGCPPublicMembers are the IAM principals that mean everyone.
var tfGCPPublicMembers = []string{"allUsers", "allAuthenticatedUsers"}

var ruleTFGCSPublic = &Rule{
	ID:          "TF018",
	Name:        "gcp-storage-public",
	Title:       "Cloud Storage bucket is readable by allUsers or allAuthenticatedUsers",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "Granting a bucket role or ACL to allUsers makes its objects readable by anyone on the internet, and allAuthenticatedUsers by anyone with any Google account; both are how Cloud Storage data leaks happen.",
	Remediation: "Grant the role to specific users, groups or service accounts; serve public assets through a load balancer with Cloud CDN, or suppress with a reason for a deliberately public website bucket.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			role := tfStr(r.Body.Get("role"))
			var members []*TFValue
			noun := "bucket IAM binding"
			switch r.Type {
			case "google_storage_bucket_iam_binding":
				members = r.Body.Get("members").List()
			case "google_storage_bucket_iam_member":
				members, noun = r.Body.Get("member").List(), "bucket IAM member"
			default: // access controls
				members, noun = r.Body.Get("entity").List(), "bucket ACL"
			}
			for _, m := range members {
				if !tfStrIn(m, tfGCPPublicMembers...) {
					continue
				}
				s, _ := m.Str()
				if role != "" {
					r.report(c, m.Pos(), "%s %q grants %s to %s", noun, r.Label(), role, s)
				} else {
					r.report(c, m.Pos(), "%s %q grants access to %s", noun, r.Label(), s)
				}
			}
		}, "google_storage_bucket_iam_binding", "google_storage_bucket_iam_member",
			"google_storage_bucket_access_control", "google_storage_default_object_access_control",
			"google_storage_object_access_control")
	},
}

var ruleTFGCSUniform = &Rule{
	ID:          "TF019",
	Name:        "gcp-storage-no-uniform-access",
	Title:       "Cloud Storage bucket does not use uniform bucket-level access",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "Without uniform bucket-level access every object can carry its own ACL, so one upload with a public ACL exposes it regardless of the bucket's IAM policy, and access cannot be audited in one place.",
	Remediation: "Set uniform_bucket_level_access = true (and public_access_prevention = \"enforced\").",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if at, ok := tfNotTrue(r.Body.Get("uniform_bucket_level_access"), r.Pos); ok {
				r.report(c, at, "bucket %q does not enable uniform_bucket_level_access", r.Label())
			}
		}, "google_storage_bucket")
	},
}

var ruleTFGCPFirewall = &Rule{
	ID:          "TF020",
	Name:        "gcp-firewall-open-admin-port",
	Title:       "VPC firewall allows SSH, RDP or all ports from the internet",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "An ingress allow rule from 0.0.0.0/0 to SSH, RDP or every port exposes each matching VM to internet-wide scanning and brute force; one weak credential or unpatched service is enough.",
	Remediation: "Limit source_ranges to known networks, or use Identity-Aware Proxy TCP forwarding (source range 35.235.240.0/20) for SSH and RDP.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			dir := r.Body.Get("direction")
			if dir.Unknown() || dir.Exists() && !tfStrIn(dir, "INGRESS") || r.Body.Get("disabled").True() {
				return
			}
			var what []string
			for _, a := range r.Body.Blocks("allow") {
				if w := tfGCPAllowExposure(a); w != "" && !tfContains(what, w) {
					what = append(what, w)
				}
			}
			if len(what) == 0 {
				return
			}
			for _, e := range r.Body.Get("source_ranges").List() {
				if s, ok := e.Str(); ok && tfOpenCIDR(s) {
					r.report(c, e.Pos(), "firewall %q allows %s to %s", r.Label(), s, strings.Join(what, " and "))
				}
			}
		}, "google_compute_firewall")
	},
}

// tfGCPAllowExposure describes the administrative ports one allow block of a
// firewall opens.
func tfGCPAllowExposure(a *TFValue) string {
	p, ok := a.Get("protocol").Str()
	if !ok {
		return ""
	}
	switch strings.ToLower(p) {
	case "all":
		return "all ports"
	case "tcp", "6":
	default:
		return ""
	}
	ports := a.Get("ports")
	if ports.Unknown() {
		return ""
	}
	list := ports.List()
	if len(list) == 0 {
		return "all ports"
	}
	var parts []string
	for _, e := range list {
		s, ok := e.Str()
		if !ok {
			continue
		}
		lo, hi, ok := tfPortRange(s)
		if !ok {
			continue
		}
		if w := tfAdminExposure(lo, hi); w != "" && !tfContains(parts, w) {
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, " and ")
}

func tfContains(list []string, s string) bool {
	return slices.Contains(list, s)
}

var ruleTFCloudSQLPublic = &Rule{
	ID:          "TF021",
	Name:        "gcp-sql-open-authorized-network",
	Title:       "Cloud SQL instance accepts connections from the whole internet",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "An authorized network of 0.0.0.0/0 on an instance with a public IPv4 address lets anyone reach the database port and try passwords; database engines are a favourite target of automated brute force.",
	Remediation: "Remove the 0.0.0.0/0 authorized network; connect through the Cloud SQL Auth Proxy or private IP (ip_configuration { ipv4_enabled = false, private_network = ... }).",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			ipc := r.Body.Path("settings", "ip_configuration")
			if v := ipc.Get("ipv4_enabled"); v.False() || v.Unknown() {
				return
			}
			for _, n := range ipc.Blocks("authorized_networks") {
				v := n.Get("value")
				if s, ok := v.Str(); ok && tfOpenCIDR(s) {
					r.report(c, v.Pos(), "Cloud SQL instance %q accepts connections from %s on its public IP", r.Label(), s)
				}
			}
		}, "google_sql_database_instance")
	},
}

var ruleTFCloudSQLBackups = &Rule{
	ID:          "TF022",
	Name:        "gcp-sql-backups-disabled",
	Title:       "Cloud SQL instance has automated backups off",
	Severity:    SeverityMedium,
	Family:      FamilyReliability,
	Rationale:   "Without automated backups there is no point-in-time recovery after a bad migration, accidental delete or corruption; backup_configuration.enabled defaults to false. Read replicas are skipped.",
	Remediation: "Add settings { backup_configuration { enabled = true, point_in_time_recovery_enabled = true } } (binary_log_enabled = true for MySQL).",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if r.Body.Get("master_instance_name").Exists() || r.Body.Get("replica_configuration").Exists() {
				return
			}
			settings := r.Body.Get("settings")
			if !settings.Exists() || settings.Unknown() {
				return
			}
			bc := settings.Get("backup_configuration")
			if at, ok := tfNotTrue(bc.Get("enabled"), tfDeepest(r.Pos, settings, bc)); ok {
				r.report(c, at, "Cloud SQL instance %q does not enable automated backups", r.Label())
			}
		}, "google_sql_database_instance")
	},
}

var ruleTFGCPKMSRotation = &Rule{
	ID:          "TF023",
	Name:        "gcp-kms-no-rotation",
	Title:       "Cloud KMS key has no rotation period",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "A symmetric key without rotation_period keeps one key version forever, so a compromised version exposes everything it ever encrypted. Asymmetric and MAC keys cannot rotate automatically and are skipped.",
	Remediation: "Set rotation_period, e.g. rotation_period = \"7776000s\" (90 days).",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if p := r.Body.Get("purpose"); p.Unknown() || p.Exists() && !tfStrIn(p, "ENCRYPT_DECRYPT") {
				return
			}
			if v := r.Body.Get("rotation_period"); !v.Exists() {
				r.report(c, r.Pos, "KMS crypto key %q has no rotation_period", r.Label())
			}
		}, "google_kms_crypto_key")
	},
}

var ruleTFGKELegacyABAC = &Rule{
	ID:          "TF024",
	Name:        "gcp-gke-legacy-abac",
	Title:       "GKE cluster enables legacy ABAC",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "Legacy attribute-based access control grants broad, static permissions that bypass Kubernetes RBAC, so service accounts and users can do far more than their RBAC roles say.",
	Remediation: "Remove enable_legacy_abac (or set it to false) and grant access with RBAC roles.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if v := r.Body.Get("enable_legacy_abac"); v.True() {
				r.report(c, v.Pos(), "GKE cluster %q enables legacy ABAC, which bypasses RBAC", r.Label())
			}
		}, "google_container_cluster")
	},
}
