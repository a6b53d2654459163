package main

deny[msg] {
	bucket := input.resource.aws_s3_bucket[name][_]
	bucket.acl == "public-read"
	msg := sprintf("S3 bucket %s is publicly readable", [name])
}

deny[{"msg": msg, "path": ["resource", "aws_security_group_rule", name, i, "cidr_blocks", j]}] {
	rule := input.resource.aws_security_group_rule[name][i]
	rule.type == "ingress"
	rule.cidr_blocks[j] == "0.0.0.0/0"
	msg := sprintf("Security group rule %s allows ingress from anywhere", [name])
}

warn[msg] {
	p := input.provider.aws[_]
	startswith(p.region, "${")
	msg := sprintf("Provider region is computed (%s); pin it per workspace", [p.region])
}
