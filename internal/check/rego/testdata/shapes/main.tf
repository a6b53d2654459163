terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

locals {
  name   = "web-${var.env}"
  tags   = { team = "sre", "cost-center" = 1234, "${var.key}" = true }
  ports  = [80, 443, -1, 1.5, null]
  neg    = -var.offset
  not    = !false
  cond   = var.env == "prod" ? 3 : 1
  upper  = upper(var.name)
  nested = lookup(var.map, "k", max(1, 2))
  list   = [for s in var.list : upper(s)]
  raw    = "literal $${not_interpolated} and %%{ directive }"
  tmpl   = "%{if var.enabled}on%{else}off%{endif} %{for x in var.xs}${x},%{endfor}"
  only   = "${var.whole}"
  doc    = <<-EOT
    first line
      indented ${var.env}
    EOT
}

locals {
  second = true
}

resource "aws_s3_bucket" "logs" {
  bucket = "example-logs"
  acl    = "public-read"

  versioning {
    enabled = true
  }

  lifecycle_rule {
    id      = "expire"
    enabled = true
    expiration {
      days = 30
    }
  }

  lifecycle_rule {
    id      = "archive"
    enabled = false
  }

  dynamic "grant" {
    for_each = var.grants
    content {
      id          = grant.value.id
      permissions = grant.value.permissions
    }
  }
}

resource "aws_s3_bucket" "private" {
  bucket = "example-private"
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  cidr   = "10.0.0.0/16"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

variable "env" {
  type    = string
  default = "dev"
}

output "bucket" {
  value = aws_s3_bucket.logs.id
}
