package check

import (
	"testing"

	"github.com/opsloop/opsloop/internal/check/tree"
)

func TestTFValue_HCL(t *testing.T) {
	src := `resource "aws_instance" "web" {
  count         = 2
  ami           = var.ami
  instance_type = "t3.micro"
  tags          = { Name = "web-${count.index}", Team = "sre" }
  ports         = [22, local.port]
  policy = jsonencode({
    Statement = [{ Action = "s3:*", Resource = aws_s3_bucket.b.arn }]
  })

  ebs_block_device {
    device_name = "/dev/sdf"
  }
  ebs_block_device {
    device_name = "/dev/sdg"
  }
}
`
	f, err := parseTerraform("main.tf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res := tfResources(&Document{Format: FormatTerraform, Terraform: f})
	if len(res) != 1 {
		t.Fatalf("got %d resources, want 1", len(res))
	}
	r := res[0]
	if r.Type != "aws_instance" || r.Name != "web" || r.Pos != (tree.Position{Line: 1, Column: 1}) {
		t.Errorf("resource = %s.%s at %v", r.Type, r.Name, r.Pos)
	}
	b := r.Body
	if n, ok := b.Get("count").Int(); !ok || n != 2 {
		t.Errorf("count = %d, %v", n, ok)
	}
	if ami := b.Get("ami"); !ami.Exists() || !ami.Unknown() {
		t.Errorf("a variable must be present but unknown")
	}
	if _, ok := b.Get("ami").Str(); ok {
		t.Errorf("an unknown value has no string")
	}
	if s, _ := b.Get("instance_type").Str(); s != "t3.micro" {
		t.Errorf("instance_type = %q", s)
	}
	if got := b.Get("instance_type").Pos(); got != (tree.Position{Line: 4, Column: 19}) {
		t.Errorf("instance_type at %v, want 4:19 (the opening quote)", got)
	}
	if got := b.Get("instance_type").KeyPos(); got != (tree.Position{Line: 4, Column: 3}) {
		t.Errorf("instance_type key at %v, want 4:3", got)
	}
	tags := b.Get("tags")
	if !tags.Get("Name").Unknown() {
		t.Errorf("an interpolated tag is unknown")
	}
	if s, _ := tags.Get("Team").Str(); s != "sre" {
		t.Errorf("a known part of a partly unknown object must stay readable, got %q", s)
	}
	ports := b.Get("ports").List()
	if len(ports) != 2 || !ports[1].Unknown() {
		t.Fatalf("ports = %d elements", len(ports))
	}
	if n, _ := ports[0].Int(); n != 22 {
		t.Errorf("ports[0] = %d", n)
	}
	st := b.Get("policy").JSON().Get("Statement")
	if s, _ := st.Get("Action").Str(); s != "s3:*" {
		t.Errorf("jsonencode statement action = %q", s)
	}
	if !st.Get("Resource").Unknown() {
		t.Errorf("a reference inside jsonencode is unknown")
	}
	devs := b.Blocks("ebs_block_device")
	if len(devs) != 2 {
		t.Fatalf("got %d blocks", len(devs))
	}
	if s, _ := devs[1].Get("device_name").Str(); s != "/dev/sdg" {
		t.Errorf("second block device = %q", s)
	}
	if s, _ := b.Get("ebs_block_device").Get("device_name").Str(); s != "/dev/sdf" {
		t.Errorf("Get on blocks must read the first, got %q", s)
	}
	if devs[0].Pos() != (tree.Position{Line: 11, Column: 3}) {
		t.Errorf("block at %v, want 11:3", devs[0].Pos())
	}
	var missing *TFValue
	if missing.Get("x").Exists() || missing.Unknown() || len(missing.List()) != 0 || missing.JSON() != nil {
		t.Errorf("a nil value must read as missing")
	}
}

func TestTFValue_Plan(t *testing.T) {
	plan := `{"format_version":"1.2","planned_values":{"root_module":{"child_modules":[{"address":"module.net",
"resources":[{"address":"module.net.aws_security_group.web[0]","mode":"managed","type":"aws_security_group","name":"web",
"values":{"name":"web","ingress":[{"from_port":22,"cidr_blocks":["0.0.0.0/0"]}]}}]}]}},
"resource_changes":[{"address":"module.net.aws_security_group.web[0]","change":{"after_unknown":{"id":true,"ingress":[{"to_port":true}]}}}]}`
	docs, err := tree.Parse([]byte(plan))
	if err != nil {
		t.Fatal(err)
	}
	res := tfPlanResources(docs[0].Root)
	if len(res) != 1 {
		t.Fatalf("got %d resources", len(res))
	}
	r := res[0]
	if r.Label() != "module.net.aws_security_group.web[0]" || r.key() != "module.net.aws_security_group.web" {
		t.Errorf("label %q, key %q", r.Label(), r.key())
	}
	in := r.Body.Blocks("ingress")
	if len(in) != 1 {
		t.Fatalf("got %d ingress blocks", len(in))
	}
	if n, _ := in[0].Get("from_port").Int(); n != 22 {
		t.Errorf("from_port = %d", n)
	}
	if !in[0].Get("to_port").Unknown() || !r.Body.Get("id").Unknown() {
		t.Errorf("after_unknown attributes must read as unknown")
	}
	if in[0].Get("protocol").Exists() || in[0].Get("protocol").Unknown() {
		t.Errorf("an attribute neither planned nor unknown is missing")
	}
	if got := in[0].Get("cidr_blocks").List()[0].Pos(); got.Line != 3 {
		t.Errorf("cidr at %v, want line 3", got)
	}
}
