package rego

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/opsloop/opsloop/internal/check"
)

// The .json files in testdata/shapes are the input Conftest v0.71.1 gives
// policies for the files beside them (its hcl2 and docker parsers, run on
// them once); these tests keep opsloop's input identical.

// normalize round-trips v through JSON, as Conftest's parsers do.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decodeNumbers(t, b)
}

func golden(t *testing.T, name string) any {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return decodeNumbers(t, b)
}

// decodeNumbers decodes JSON keeping numbers as json.Number, so that the
// comparison sees the literal text.
func decodeNumbers(t *testing.T, b []byte) any {
	t.Helper()
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func compareJSON(t *testing.T, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("input differs from Conftest's\n got: %s\nwant: %s", g, w)
	}
}

func terraformDoc(t *testing.T, name string) *check.Document {
	t.Helper()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return &check.Document{
		Path: name, Format: check.FormatTerraform,
		Terraform: &check.TFFile{Body: f.Body.(*hclsyntax.Body), Bytes: src},
	}
}

func dockerfileDoc(t *testing.T, name string) *check.Document {
	t.Helper()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return &check.Document{Path: name, Format: check.FormatDockerfile, Dockerfile: &check.DockerfileAST{Root: res.AST}}
}

func TestTerraformInput(t *testing.T) {
	got, err := Input(terraformDoc(t, "testdata/shapes/main.tf"), nil)
	if err != nil {
		t.Fatal(err)
	}
	compareJSON(t, normalize(t, got), golden(t, "testdata/shapes/main.tf.json"))
}

func TestTerraformInputErrors(t *testing.T) {
	for name, src := range map[string]string{
		"labels then none": "thing \"a\" {\n}\nthing {\n}\n",
		"none then labels": "thing {\n}\nthing \"a\" {\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			f, diags := hclsyntax.ParseConfig([]byte(src), "x.tf", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			d := &check.Document{Format: check.FormatTerraform, Terraform: &check.TFFile{Body: f.Body.(*hclsyntax.Body), Bytes: []byte(src)}}
			if _, err := Input(d, nil); err == nil {
				t.Error("no error for blocks with and without labels")
			}
		})
	}
}

func TestDockerfileInput(t *testing.T) {
	got, err := Input(dockerfileDoc(t, "testdata/shapes/Dockerfile"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Conftest wraps the instructions in one more array, which its engine
	// unwraps as a multi-document file; policies see the inner array.
	want := golden(t, "testdata/shapes/Dockerfile.json").([]any)[0]
	compareJSON(t, normalize(t, got), want)
}

func TestYAMLInputUnchanged(t *testing.T) {
	v := map[string]any{"kind": "Pod"}
	got, err := Input(&check.Document{Format: check.FormatKubernetes}, v)
	if err != nil || !reflect.DeepEqual(got, v) {
		t.Errorf("Input = %v, %v", got, err)
	}
}

func TestLocate(t *testing.T) {
	tf := terraformDoc(t, "testdata/shapes/main.tf")
	h := &hclLocator{f: tf.Terraform}
	df := dockerfileDoc(t, "testdata/shapes/Dockerfile")
	_, lines := dockerfileInput(df.Dockerfile)
	tests := []struct {
		name string
		loc  locator
		path any
		line int
		col  int
	}{
		{"attribute value", h, []any{"resource", "aws_s3_bucket", "logs", 0, "acl"}, 36, 12},
		{"second block of a name", h, []any{"resource", "aws_s3_bucket", "private", 0, "bucket"}, 65, 12},
		{"nested block by index", h, []any{"resource", "aws_s3_bucket", "logs", 0, "lifecycle_rule", 1, "enabled"}, 52, 15},
		{"deep nested block", h, []any{"resource", "aws_s3_bucket", "logs", 0, "lifecycle_rule", 0, "expiration", 0, "days"}, 46, 14},
		{"missing attribute: the block", h, []any{"resource", "aws_s3_bucket", "private", 0, "acl"}, 64, 1},
		{"block without index", h, []any{"module", "vpc"}, 68, 1},
		{"second locals block", h, []any{"locals", 1, "second"}, 31, 12},
		{"tuple element", h, []any{"locals", 0, "ports", 2}, 14, 22},
		{"object key", h, []any{"locals", 0, "tags", "cost-center"}, 13, 44},
		{"object bare key", h, []any{"terraform", 0, "required_providers", 0, "aws", "version"}, 6, 17},
		{"string path", h, "resource.aws_s3_bucket.logs[0].versioning[0].enabled", 39, 15},
		{"unknown type", h, []any{"nothing"}, 1, 1},
		{"dockerfile instruction", dockerLocator(lines), []any{json.Number("1")}, 3, 1},
		{"dockerfile comment", dockerLocator(lines), []any{2}, 6, 1},
		{"dockerfile out of range", dockerLocator(lines), []any{99}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, col := tt.loc.locate(parsePath(tt.path))
			if line != tt.line || col != tt.col {
				t.Errorf("locate(%v) = %d:%d, want %d:%d", tt.path, line, col, tt.line, tt.col)
			}
		})
	}
}

func TestParsePath(t *testing.T) {
	tests := map[string][]any{
		"spec.containers[0].image":      {"spec", "containers", 0, "image"},
		"input.metadata.labels":         {"metadata", "labels"},
		`a["b"][2][3]`:                  {"a", "b", 2, 3},
		"":                              nil,
		"resource.aws_s3_bucket.b[0].x": {"resource", "aws_s3_bucket", "b", 0, "x"},
	}
	for in, want := range tests {
		if got := parsePath(in); !reflect.DeepEqual(got, want) {
			t.Errorf("parsePath(%q) = %#v, want %#v", in, got, want)
		}
	}
}
