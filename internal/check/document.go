package check

import (
	"bytes"
	"path"
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// Format is the kind of input a document was recognised as.
type Format string

// Formats opsloop reads. Detection looks at content first and at the file
// name only to break ties.
const (
	FormatKubernetes    Format = "kubernetes"
	FormatActions       Format = "github-actions"
	FormatPromRules     Format = "prometheus-rules"
	FormatOtelCollector Format = "otel-collector"
	FormatTerraform     Format = "terraform"
	FormatTerraformPlan Format = "terraform-plan"
	FormatDockerfile    Format = "dockerfile"
	// FormatYAML is YAML or JSON of no shape opsloop knows; only custom
	// policies see it.
	FormatYAML Format = "yaml"
)

// Document is one checkable unit: a document of a YAML stream, a JSON file,
// a Terraform file or plan, or a Dockerfile.
type Document struct {
	// Path is the file the document came from, as given, with forward
	// slashes; "-" for standard input.
	Path   string
	Format Format
	// Index is the 0-based position of the document in a multi-document
	// stream.
	Index int
	// Start is where the document begins.
	Start tree.Position
	// Root is the document tree for YAML and JSON formats (including
	// Terraform plans).
	Root *tree.Node
	// Terraform is set for FormatTerraform.
	Terraform *TFFile
	// Dockerfile is set for FormatDockerfile.
	Dockerfile *DockerfileAST
	// Source names the original file when Path is generated output (a Helm
	// template or Kustomize build).
	Source string

	header string // comments before the first key: whole-document directives
	lines  []int  // rendered-to-source line map (Rendered.Lines), nil for plain files
	// src is the whole file the document was read from, for rules that
	// need columns inside scalars (a ${{ }} expression in a run: block).
	src []byte
}

// detectYAML decides what a parsed YAML or JSON document is.
func detectYAML(name string, root *tree.Node) Format {
	if !root.IsMap() {
		return FormatYAML
	}
	if root.Get("apiVersion").Str() != "" && root.Get("kind").Str() != "" {
		return FormatKubernetes
	}
	if root.Has("jobs") && (root.Has("on") || root.Has("true")) {
		return FormatActions
	}
	if strings.Contains(name, ".github/workflows/") && root.Has("jobs") {
		return FormatActions
	}
	if g := root.Get("groups"); g.IsSeq() {
		for _, it := range g.Items() {
			if it.Get("rules").IsSeq() {
				return FormatPromRules
			}
		}
	}
	if root.Get("service", "pipelines").IsMap() && (root.Has("receivers") || root.Has("exporters")) {
		return FormatOtelCollector
	}
	if root.Has("format_version") && (root.Has("planned_values") || root.Has("resource_changes") || root.Has("configuration")) {
		return FormatTerraformPlan
	}
	return FormatYAML
}

// sniff classifies raw bytes that are not YAML by extension alone.
type rawKind int

const (
	rawYAML rawKind = iota
	rawHCL
	rawDockerfile
	rawSkip
)

// classify decides how to parse a file, from its name and its first bytes.
func classify(name string, data []byte) rawKind {
	base := path.Base(name)
	lower := strings.ToLower(base)
	ext := path.Ext(lower)
	switch {
	case ext == ".tf":
		return rawHCL
	case lower == "dockerfile" || strings.HasPrefix(lower, "dockerfile.") || ext == ".dockerfile" || lower == "containerfile":
		return rawDockerfile
	case ext == ".yaml" || ext == ".yml" || ext == ".json":
		return rawYAML
	}
	return sniffContent(data)
}

// sniffContent recognises a file by content when its name says nothing.
func sniffContent(data []byte) rawKind {
	if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
		return rawSkip // binary
	}
	for line := range bytes.Lines(data[:min(len(data), 64<<10)]) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		upper := strings.ToUpper(string(firstWord(t)))
		switch {
		case upper == "FROM" || upper == "ARG" && bytes.Contains(data, []byte("\nFROM ")):
			return rawDockerfile
		case bytes.HasPrefix(t, []byte("resource \"")) || bytes.HasPrefix(t, []byte("provider \"")) ||
			bytes.HasPrefix(t, []byte("module \"")) || bytes.HasPrefix(t, []byte("variable \"")) ||
			bytes.HasPrefix(t, []byte("terraform {")) || bytes.HasPrefix(t, []byte("data \"")):
			return rawHCL
		case t[0] == '{' || t[0] == '[' || t[0] == '-' || bytes.Contains(t, []byte(":")):
			return rawYAML
		}
		return rawSkip
	}
	return rawSkip
}

func firstWord(b []byte) []byte {
	if i := bytes.IndexAny(b, " \t"); i >= 0 {
		return b[:i]
	}
	return b
}
