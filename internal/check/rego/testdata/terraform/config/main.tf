provider "aws" {
  region = var.region
}

resource "aws_s3_bucket" "logs" {
  bucket = "example-logs"
  acl    = "public-read"
}

resource "aws_s3_bucket" "private" {
  bucket = "example-private"
  acl    = "private"
}

resource "aws_security_group_rule" "ssh" {
  type        = "ingress"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
}

resource "aws_security_group_rule" "egress" {
  type        = "egress"
  from_port   = 0
  to_port     = 0
  protocol    = "-1"
  cidr_blocks = ["0.0.0.0/0"]
}
