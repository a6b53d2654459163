package check

import (
	"strings"
)

func init() {
	register(
		ruleTFS3PublicACL, ruleTFS3PublicAccessBlock, ruleTFS3Encryption, ruleTFSGOpenAdmin,
		ruleTFIAMAdmin, ruleTFIAMPassRole, ruleTFRDSPublic, ruleTFRDSEncryption,
		ruleTFRDSBackups, ruleTFRDSDeletionProtection, ruleTFCloudTrailRegion,
		ruleTFCloudTrailValidation, ruleTFKMSRotation, ruleTFEBSEncryption, ruleTFASGSingle,
		ruleTFLBHTTP, ruleTFElastiCacheTransit,
	)
}

// tfPublicACLs are canned ACLs that grant access beyond the bucket owner's
// account.
var tfPublicACLs = []string{"public-read", "public-read-write", "authenticated-read"}

// tfPublicGranteeURIs are the S3 ACL groups for everyone and for every AWS
// account.
var tfPublicGranteeURIs = []string{
	"http://acs.amazonaws.com/groups/global/AllUsers",
	"http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}

var ruleTFS3PublicACL = &Rule{
	ID:          "TF001",
	Name:        "aws-s3-public-acl",
	Title:       "S3 bucket ACL grants public access",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "A public-read or public-read-write ACL (or a grant to the AllUsers or AuthenticatedUsers groups) lets anyone on the internet, or any AWS account, list and read, and possibly overwrite, the bucket's objects. Most S3 data leaks start this way.",
	Remediation: "Remove the public canned ACL (use acl = \"private\", or better, aws_s3_bucket_ownership_controls with object_ownership = \"BucketOwnerEnforced\" so ACLs are ignored), and serve public content through CloudFront with an origin access control instead.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			noun := "S3 bucket"
			if r.Type == "aws_s3_bucket_acl" {
				noun = "S3 bucket ACL"
			}
			if acl := r.Body.Get("acl"); tfStrIn(acl, tfPublicACLs...) {
				s, _ := acl.Str()
				r.report(c, acl.Pos(), "%s %q sets the canned ACL %q, which grants access outside the account", noun, r.Label(), s)
			}
			grants := r.Body.Blocks("grant") // aws_s3_bucket (provider v3)
			for _, p := range r.Body.Blocks("access_control_policy") {
				grants = append(grants, p.Blocks("grant")...)
			}
			for _, g := range grants {
				uri := g.Get("uri")
				if gr := g.Get("grantee"); gr.Exists() {
					uri = gr.Get("uri")
				}
				if tfStrIn(uri, tfPublicGranteeURIs...) {
					s, _ := uri.Str()
					perm := strings.Join(g.Get("permission").Strings(), ", ")
					if perm == "" {
						perm = strings.Join(g.Get("permissions").Strings(), ", ")
					}
					r.report(c, uri.Pos(), "%s %q grants %s to the group %s", noun, r.Label(), tfOr(perm, "access"), s[strings.LastIndexByte(s, '/')+1:])
				}
			}
		}, "aws_s3_bucket", "aws_s3_bucket_acl")
	},
}

func tfOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// tfPublicAccessBlockFlags are the four settings of an S3 public access
// block; the provider defaults each to false.
var tfPublicAccessBlockFlags = []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"}

var ruleTFS3PublicAccessBlock = &Rule{
	ID:          "TF002",
	Name:        "aws-s3-public-access-block-disabled",
	Title:       "S3 public access block leaves a setting off",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "The public access block is the guard that stops a later ACL or bucket policy change from making data public. Each of its four settings defaults to false, so one left out or set to false reopens that path.",
	Remediation: "Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all to true; for a bucket that must be public, suppress with a reason: # opsloop:ignore TF002 public website assets.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			noun := "S3 public access block"
			if r.Type == "aws_s3_account_public_access_block" {
				noun = "S3 account public access block"
			}
			var missing []string
			for _, flag := range tfPublicAccessBlockFlags {
				v := r.Body.Get(flag)
				switch {
				case v.Unknown():
				case !v.Exists():
					missing = append(missing, flag)
				case v.False():
					r.report(c, v.Pos(), "%s %q sets %s = false", noun, r.Label(), flag)
				}
			}
			switch len(missing) {
			case 0:
			case 1:
				r.report(c, r.Pos, "%s %q leaves %s unset, which defaults to false", noun, r.Label(), missing[0])
			default:
				r.report(c, r.Pos, "%s %q leaves %s unset, which default to false", noun, r.Label(), strings.Join(missing, ", "))
			}
		}, "aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block")
	},
}

var ruleTFS3Encryption = &Rule{
	ID:          "TF003",
	Name:        "aws-s3-no-encryption-config",
	Title:       "S3 bucket has no server-side encryption configuration",
	Severity:    SeverityLow,
	Family:      FamilySecurity,
	Rationale:   "S3 has encrypted new objects with S3-managed keys by default since January 2023, but a bucket without its own encryption configuration states no intent, cannot use a KMS key whose use is logged and access-controlled, and fails most compliance audits.",
	Remediation: "Add an aws_s3_bucket_server_side_encryption_configuration for the bucket, e.g. rule { apply_server_side_encryption_by_default { sse_algorithm = \"aws:kms\" } bucket_key_enabled = true }.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, all []*TFResource) {
			if r.Body.Get("server_side_encryption_configuration").Exists() {
				return // legacy inline block (provider v3), or computed in a plan
			}
			linked, unresolved := tfLink(all, r, "aws_s3_bucket_server_side_encryption_configuration", "bucket", "bucket", "id")
			if len(linked) > 0 || unresolved {
				return
			}
			r.report(c, r.Pos, "S3 bucket %q has no server-side encryption configuration", r.Label())
		}, "aws_s3_bucket")
	},
}

var ruleTFSGOpenAdmin = &Rule{
	ID:          "TF004",
	Name:        "aws-sg-open-admin-port",
	Title:       "Security group allows SSH, RDP or all ports from the internet",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "An ingress rule from 0.0.0.0/0 or ::/0 to SSH, RDP or every port exposes the host to constant internet-wide scanning and credential stuffing; one weak password or unpatched daemon is then enough to get in.",
	Remediation: "Restrict the source to known ranges (a VPN or office CIDR, or a bastion's security group via source_security_group_id), or remove the rule and reach instances through SSM Session Manager.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			switch r.Type {
			case "aws_security_group":
				for _, in := range r.Body.Blocks("ingress") {
					tfSGRuleCheck(c, r, "security group", in, in.Get("protocol"), in.Get("cidr_blocks"), in.Get("ipv6_cidr_blocks"))
				}
			case "aws_security_group_rule":
				if tfStrIn(r.Body.Get("type"), "ingress") {
					tfSGRuleCheck(c, r, "security group rule", r.Body, r.Body.Get("protocol"), r.Body.Get("cidr_blocks"), r.Body.Get("ipv6_cidr_blocks"))
				}
			case "aws_vpc_security_group_ingress_rule":
				tfSGRuleCheck(c, r, "security group ingress rule", r.Body, r.Body.Get("ip_protocol"), r.Body.Get("cidr_ipv4"), r.Body.Get("cidr_ipv6"))
			}
		}, "aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule")
	},
}

// tfSGRuleCheck reports each internet-wide source of one ingress rule that
// reaches an administrative port.
func tfSGRuleCheck(c *Context, r *TFResource, noun string, rule, proto *TFValue, sources ...*TFValue) {
	p, ok := proto.Str()
	if !ok {
		return
	}
	var what string
	switch strings.ToLower(p) {
	case "-1", "all":
		what = "all ports"
	case "tcp", "6":
		from, ok1 := rule.Get("from_port").Int()
		to, ok2 := rule.Get("to_port").Int()
		if !ok1 || !ok2 {
			return
		}
		what = tfAdminExposure(from, to)
	}
	if what == "" {
		return
	}
	for _, src := range sources {
		for _, e := range src.List() {
			if s, ok := e.Str(); ok && tfOpenCIDR(s) {
				r.report(c, e.Pos(), "%s %q allows %s to %s", noun, r.Label(), s, what)
			}
		}
	}
}

// tfIAMStatement is one statement of an identity policy, from JSON or from
// an aws_iam_policy_document data source.
type tfIAMStatement struct {
	effect     *TFValue
	actions    *TFValue
	resources  *TFValue
	conditions bool
}

func (s tfIAMStatement) allows() bool {
	if !s.effect.Exists() {
		return true // the policy document data source defaults to Allow
	}
	return tfStrIn(s.effect, "Allow")
}

// anyResource reports whether the statement applies to every resource.
func (s tfIAMStatement) anyResource() bool {
	for _, r := range s.resources.List() {
		if v, ok := r.Str(); ok && v == "*" {
			return true
		}
	}
	return false
}

// tfIAMPolicyTypes hold an identity policy document in their policy argument.
var tfIAMPolicyTypes = []string{"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role"}

// tfEachIAMStatement calls fn for every statement of every identity policy in
// d: policy arguments (JSON strings, heredocs, jsonencode) and, in HCL,
// aws_iam_policy_document data sources. A plan is checked through the
// rendered policy arguments only, so each statement is seen once.
func tfEachIAMStatement(c *Context, d *Document, fn func(r *TFResource, s tfIAMStatement)) {
	tfEach(c, d, func(r *TFResource, _ []*TFResource) {
		docs := []*TFValue{r.Body.Get("policy")}
		if r.Type == "aws_iam_role" {
			docs = docs[:0]
			for _, ip := range r.Body.Blocks("inline_policy") {
				docs = append(docs, ip.Get("policy"))
			}
		}
		for _, doc := range docs {
			j := doc.JSON()
			for _, st := range j.Get("Statement").List() {
				if st.Get("NotAction").Exists() || st.Get("NotResource").Exists() {
					continue
				}
				fn(r, tfIAMStatement{effect: st.Get("Effect"), actions: st.Get("Action"), resources: st.Get("Resource"), conditions: st.Get("Condition").Exists()})
			}
		}
	}, tfIAMPolicyTypes...)
	if d.Format != FormatTerraform {
		return
	}
	for _, r := range tfResources(d) {
		if r.Mode != "data" || r.Type != "aws_iam_policy_document" {
			continue
		}
		c.Scope(r.Pos.Line)
		for _, st := range r.Body.Blocks("statement") {
			if st.Get("not_actions").Exists() || st.Get("not_resources").Exists() {
				continue
			}
			fn(r, tfIAMStatement{effect: st.Get("effect"), actions: st.Get("actions"), resources: st.Get("resources"), conditions: st.Get("condition").Exists()})
		}
	}
	c.Scope(0)
}

func tfPolicyNoun(r *TFResource) string {
	if r.Mode == "data" {
		return "policy document"
	}
	switch r.Type {
	case "aws_iam_role":
		return "inline policy of role"
	case "aws_iam_policy":
		return "IAM policy"
	}
	return "inline policy"
}

var ruleTFIAMAdmin = &Rule{
	ID:          "TF005",
	Name:        "aws-iam-full-admin",
	Title:       "IAM policy allows every action on every resource",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "A statement allowing Action \"*\" on Resource \"*\" is full administrator access: whoever holds it, or steals its credentials, can read every secret, delete every resource and create new users for persistence.",
	Remediation: "List the actions and resources the workload needs (IAM Access Analyzer can generate a policy from CloudTrail activity); attach the AWS managed AdministratorAccess policy only to break-glass roles, deliberately.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEachIAMStatement(c, d, func(r *TFResource, s tfIAMStatement) {
			if !s.allows() || !s.anyResource() {
				return
			}
			for _, a := range s.actions.List() {
				if v, ok := a.Str(); ok && (v == "*" || v == "*:*") {
					r.report(c, a.Pos(), "%s %q allows every action (%q) on every resource", tfPolicyNoun(r), r.Label(), v)
				}
			}
		})
	},
}

var ruleTFIAMPassRole = &Rule{
	ID:          "TF006",
	Name:        "aws-iam-passrole-any-resource",
	Title:       "IAM policy allows iam:PassRole on every role",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "iam:PassRole on Resource \"*\" lets the holder hand any role in the account, including administrator roles, to a Lambda function, EC2 instance or ECS task it controls, which is a well-known privilege escalation path.",
	Remediation: "Name the role ARNs that may be passed in Resource, and add a condition on iam:PassedToService, e.g. Condition = { StringEquals = { \"iam:PassedToService\" = \"ecs-tasks.amazonaws.com\" } }.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEachIAMStatement(c, d, func(r *TFResource, s tfIAMStatement) {
			if !s.allows() || !s.anyResource() || s.conditions {
				return
			}
			for _, a := range s.actions.List() {
				v, ok := a.Str()
				if !ok || v == "*" || v == "*:*" {
					continue // TF005 reports full access
				}
				if tfGlob(strings.ToLower(v), "iam:passrole") {
					r.report(c, a.Pos(), "%s %q allows iam:PassRole on every resource through %q", tfPolicyNoun(r), r.Label(), v)
				}
			}
		})
	},
}

// tfGlob matches IAM action patterns, where * matches any run of
// characters and ? one character. It backtracks only to the last star, so
// it runs in time proportional to len(pattern)*len(s).
func tfGlob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

var ruleTFRDSPublic = &Rule{
	ID:          "TF007",
	Name:        "aws-rds-public",
	Title:       "RDS database is publicly accessible",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "publicly_accessible = true gives the instance a public DNS name and address; with a permissive security group the database port is reachable from the internet, where it is scanned and brute-forced within minutes.",
	Remediation: "Set publicly_accessible = false, place the instance in private subnets, and connect through a bastion, VPN or RDS Proxy.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if v := r.Body.Get("publicly_accessible"); v.True() {
				r.report(c, v.Pos(), "database instance %q is publicly accessible", r.Label())
			}
		}, "aws_db_instance", "aws_rds_cluster_instance")
	},
}

// tfRDSReplica reports whether an aws_db_instance copies another database,
// whose encryption and backups it inherits or does not need.
func tfRDSReplica(r *TFResource) bool {
	for _, a := range []string{"replicate_source_db", "snapshot_identifier", "replication_source_identifier"} {
		if r.Body.Get(a).Exists() {
			return true
		}
	}
	return strings.HasPrefix(strings.ToLower(tfStr(r.Body.Get("engine"))), "aurora") && r.Type == "aws_db_instance"
}

func tfStr(v *TFValue) string {
	s, _ := v.Str()
	return s
}

var ruleTFRDSEncryption = &Rule{
	ID:          "TF008",
	Name:        "aws-rds-unencrypted",
	Title:       "RDS storage is not encrypted",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "storage_encrypted defaults to false; unencrypted storage, snapshots and replicas fail most compliance regimes, and encryption cannot be turned on later without restoring from an encrypted snapshot copy, which means downtime.",
	Remediation: "Set storage_encrypted = true (and kms_key_id for a customer-managed key) when the database is created.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if tfRDSReplica(r) || (r.Type == "aws_rds_cluster" && tfStrIn(r.Body.Get("engine_mode"), "serverless")) {
				return // inherits its source's encryption; Serverless v1 is always encrypted
			}
			if at, ok := tfNotTrue(r.Body.Get("storage_encrypted"), r.Pos); ok {
				noun := "database instance"
				if r.Type == "aws_rds_cluster" {
					noun = "database cluster"
				}
				r.report(c, at, "%s %q does not enable storage_encrypted", noun, r.Label())
			}
		}, "aws_db_instance", "aws_rds_cluster")
	},
}

var ruleTFRDSBackups = &Rule{
	ID:          "TF009",
	Name:        "aws-rds-backups-disabled",
	Title:       "RDS automated backups are disabled",
	Severity:    SeverityMedium,
	Family:      FamilyReliability,
	Rationale:   "backup_retention_period = 0 turns off automated backups and point-in-time recovery: a bad migration or accidental delete can then only be undone from whatever manual snapshot exists. When unset, AWS keeps one day, so only an explicit 0 is reported.",
	Remediation: "Set backup_retention_period to at least 7 (up to 35) days; read replicas are exempt.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if tfRDSReplica(r) {
				return
			}
			if v := r.Body.Get("backup_retention_period"); v.Exists() {
				if n, ok := v.Int(); ok && n == 0 {
					r.report(c, v.Pos(), "database instance %q disables automated backups (backup_retention_period = 0)", r.Label())
				}
			}
		}, "aws_db_instance")
	},
}

var ruleTFRDSDeletionProtection = &Rule{
	ID:          "TF010",
	Name:        "aws-rds-no-deletion-protection",
	Title:       "RDS database has no deletion protection",
	Severity:    SeverityLow,
	Family:      FamilyReliability,
	Rationale:   "Without deletion protection a mistaken terraform destroy, a renamed resource or a console click deletes the database; deletion_protection defaults to false.",
	Remediation: "Set deletion_protection = true on production databases (turn it off deliberately in a separate change before a planned removal).",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if r.Type == "aws_db_instance" && tfRDSReplica(r) {
				return
			}
			if at, ok := tfNotTrue(r.Body.Get("deletion_protection"), r.Pos); ok {
				noun := "database instance"
				if r.Type == "aws_rds_cluster" {
					noun = "database cluster"
				}
				r.report(c, at, "%s %q does not enable deletion_protection", noun, r.Label())
			}
		}, "aws_db_instance", "aws_rds_cluster")
	},
}

var ruleTFCloudTrailRegion = &Rule{
	ID:          "TF011",
	Name:        "aws-cloudtrail-single-region",
	Title:       "CloudTrail trail records one region only",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "A single-region trail misses API activity in every other region, which is exactly where an attacker with stolen keys starts crypto-mining instances or hides resources; is_multi_region_trail defaults to false.",
	Remediation: "Set is_multi_region_trail = true (and include_global_service_events = true).",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if at, ok := tfNotTrue(r.Body.Get("is_multi_region_trail"), r.Pos); ok {
				r.report(c, at, "CloudTrail trail %q records only its home region", r.Label())
			}
		}, "aws_cloudtrail")
	},
}

var ruleTFCloudTrailValidation = &Rule{
	ID:          "TF012",
	Name:        "aws-cloudtrail-no-log-validation",
	Title:       "CloudTrail log file validation is off",
	Severity:    SeverityLow,
	Family:      FamilySecurity,
	Rationale:   "Without log file validation there is no signed digest to prove that delivered logs were not altered or deleted, which weakens them as evidence after an incident; enable_log_file_validation defaults to false.",
	Remediation: "Set enable_log_file_validation = true.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if at, ok := tfNotTrue(r.Body.Get("enable_log_file_validation"), r.Pos); ok {
				r.report(c, at, "CloudTrail trail %q does not enable log file validation", r.Label())
			}
		}, "aws_cloudtrail")
	},
}

var ruleTFKMSRotation = &Rule{
	ID:          "TF013",
	Name:        "aws-kms-no-rotation",
	Title:       "KMS key has automatic rotation off",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "Without rotation one key material protects data for the key's whole life, so a leaked or cryptanalysed key exposes everything ever encrypted with it; enable_key_rotation defaults to false. Only symmetric encryption keys can rotate, so others are skipped.",
	Remediation: "Set enable_key_rotation = true (optionally rotation_period_in_days).",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			for _, a := range []string{"customer_master_key_spec", "key_spec"} {
				if v := r.Body.Get(a); v.Unknown() || v.Exists() && !tfStrIn(v, "SYMMETRIC_DEFAULT") {
					return
				}
			}
			if v := r.Body.Get("key_usage"); v.Unknown() || v.Exists() && !tfStrIn(v, "ENCRYPT_DECRYPT") {
				return
			}
			if at, ok := tfNotTrue(r.Body.Get("enable_key_rotation"), r.Pos); ok {
				r.report(c, at, "KMS key %q does not enable automatic key rotation", r.Label())
			}
		}, "aws_kms_key")
	},
}

var ruleTFEBSEncryption = &Rule{
	ID:          "TF014",
	Name:        "aws-ebs-unencrypted",
	Title:       "EBS volume is not encrypted",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "Unencrypted volumes and their snapshots can be copied or shared out of the account in readable form; encryption cannot be added to an existing volume in place. Skipped when the same configuration turns on EBS encryption by default for the account.",
	Remediation: "Set encrypted = true on the volume or block device (in launch templates, ebs { encrypted = \"true\" }), or enable account-wide encryption with aws_ebs_encryption_by_default.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		for _, r := range tfResources(d) {
			if r.Type == "aws_ebs_encryption_by_default" && r.Mode == "managed" && !r.Body.Get("enabled").False() {
				return
			}
		}
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			check := func(dev *TFValue, what string) {
				if dev.Get("snapshot_id").Exists() {
					return // a restored volume inherits the snapshot's encryption
				}
				if at, ok := tfNotTrue(dev.Get("encrypted"), dev.KeyPos()); ok {
					if what == "" {
						r.report(c, at, "%s %q is not encrypted", tfEBSNoun(r.Type), r.Label())
						return
					}
					r.report(c, at, "%s %q has an unencrypted %s", tfEBSNoun(r.Type), r.Label(), what)
				}
			}
			switch r.Type {
			case "aws_ebs_volume":
				check(r.Body, "")
			case "aws_instance":
				for _, b := range r.Body.Blocks("root_block_device") {
					check(b, "root_block_device")
				}
				for _, b := range r.Body.Blocks("ebs_block_device") {
					check(b, "ebs_block_device "+tfQuote(b.Get("device_name")))
				}
			case "aws_launch_template", "aws_launch_configuration":
				for _, b := range r.Body.Blocks("block_device_mappings") {
					if ebs := b.Get("ebs"); ebs.Exists() {
						check(ebs, "block device "+tfQuote(b.Get("device_name")))
					}
				}
				for _, b := range r.Body.Blocks("root_block_device") {
					check(b, "root_block_device")
				}
				for _, b := range r.Body.Blocks("ebs_block_device") {
					check(b, "ebs_block_device "+tfQuote(b.Get("device_name")))
				}
			}
		}, "aws_ebs_volume", "aws_instance", "aws_launch_template", "aws_launch_configuration")
	},
}

func tfEBSNoun(typ string) string {
	switch typ {
	case "aws_ebs_volume":
		return "EBS volume"
	case "aws_instance":
		return "instance"
	case "aws_launch_configuration":
		return "launch configuration"
	}
	return "launch template"
}

func tfQuote(v *TFValue) string {
	if s, ok := v.Str(); ok {
		return `"` + s + `"`
	}
	return "(unnamed)"
}

var ruleTFASGSingle = &Rule{
	ID:          "TF015",
	Name:        "aws-asg-single-instance",
	Title:       "Auto Scaling group runs a single instance",
	Severity:    SeverityLow,
	Family:      FamilyReliability,
	Rationale:   "With max_size = 1 the group can never run two instances, so every instance refresh, AZ outage or failed health check is downtime, and the single instance sits in one availability zone.",
	Remediation: "Set max_size to at least 2 (min_size 2 across two or more subnets in different zones) for serving workloads; for a deliberate singleton suppress with a reason.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			maxV := r.Body.Get("max_size")
			mx, ok1 := maxV.Int()
			mn, ok2 := r.Body.Get("min_size").Int()
			if ok1 && ok2 && mx == 1 && mn >= 1 {
				r.report(c, maxV.Pos(), "Auto Scaling group %q has max_size = 1, so it never runs more than one instance", r.Label())
			}
		}, "aws_autoscaling_group")
	},
}

var ruleTFLBHTTP = &Rule{
	ID:          "TF016",
	Name:        "aws-lb-plain-http",
	Title:       "Load balancer listener forwards plain HTTP",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "An internet-facing HTTP listener that forwards to targets sends cookies, tokens and form data in clear text, open to interception and tampering on the way. Listeners that only redirect to HTTPS or return a fixed response, and internal load balancers declared in the same file, are not reported.",
	Remediation: "Serve on an HTTPS listener with a certificate_arn and make port 80 redirect: default_action { type = \"redirect\" redirect { port = \"443\" protocol = \"HTTPS\" status_code = \"HTTP_301\" } }.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, all []*TFResource) {
			proto := r.Body.Get("protocol")
			if !tfStrIn(proto, "HTTP") {
				return
			}
			forwards := false
			for _, a := range r.Body.Blocks("default_action") {
				t, ok := a.Get("type").Str()
				if !ok {
					return
				}
				forwards = forwards || strings.EqualFold(t, "forward")
			}
			if !forwards || tfLBInternal(r, all) {
				return
			}
			r.report(c, proto.Pos(), "listener %q forwards plain HTTP to its targets instead of redirecting to HTTPS", r.Label())
		}, "aws_lb_listener", "aws_alb_listener")
	},
}

// tfLBInternal reports whether a listener belongs to a load balancer of the
// same document marked internal.
func tfLBInternal(l *TFResource, all []*TFResource) bool {
	refs := l.refs("load_balancer_arn")
	for _, r := range all {
		if (r.Type == "aws_lb" || r.Type == "aws_alb") && r.Mode == "managed" {
			for _, k := range refs {
				if k == r.key() && r.Body.Get("internal").True() {
					return true
				}
			}
		}
	}
	return false
}

var ruleTFElastiCacheTransit = &Rule{
	ID:          "TF017",
	Name:        "aws-elasticache-no-transit-encryption",
	Title:       "ElastiCache replication group does not encrypt in transit",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "Without in-transit encryption, cached sessions, tokens and AUTH passwords cross the network in clear text; transit_encryption_enabled defaults to false and, on older engine versions, can only be set at creation.",
	Remediation: "Set transit_encryption_enabled = true (and an auth_token or RBAC user group) and connect with TLS.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if r.Body.Get("global_replication_group_id").Exists() {
				return // a secondary takes its settings from the global group
			}
			if at, ok := tfNotTrue(r.Body.Get("transit_encryption_enabled"), r.Pos); ok {
				r.report(c, at, "ElastiCache replication group %q does not enable transit_encryption_enabled", r.Label())
			}
		}, "aws_elasticache_replication_group")
	},
}
