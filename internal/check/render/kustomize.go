package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/opsloop/opsloop/internal/check"
)

// kustomizationNames are the file names kustomize recognises, in the
// order it looks for them.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// Kustomize renders Kustomize directories with the kustomize API (what
// kubectl kustomize runs), with plugins off and loads restricted to the
// kustomization root, as kustomize's defaults are. It implements
// [check.Renderer].
type Kustomize struct {
	// Timeout bounds one build; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxOutput bounds the bytes one build renders to; zero means
	// DefaultMaxOutput.
	MaxOutput int64
}

// NewKustomize returns a Kustomize renderer with the default limits.
func NewKustomize() *Kustomize {
	return &Kustomize{Timeout: DefaultTimeout, MaxOutput: DefaultMaxOutput}
}

// Detect reports whether dir holds a kustomization file.
func (k *Kustomize) Detect(dir string) bool {
	return kustomizationFile(dir) != ""
}

func kustomizationFile(dir string) string {
	for _, n := range kustomizationNames {
		p := filepath.Join(dir, n)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// kustomizeSem lets one build run at a time: kustomize keeps its OpenAPI
// schema in package state that every build sets.
var kustomizeSem = make(chan struct{}, 1)

// Render builds the kustomization in dir. Each object is one file, named
// after the source file the object came from (kustomize's origin
// tracking) with Lines pointing into it, or after the kustomization file
// for generated objects and remote ones.
func (k *Kustomize) Render(ctx context.Context, dir string) ([]check.Rendered, error) {
	kfile := kustomizationFile(dir)
	if kfile == "" {
		return nil, fmt.Errorf("no kustomization file in %s", dir)
	}
	if err := checkRemote(dir, 0, map[string]bool{}); err != nil {
		return nil, err
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return bounded(ctx, timeout, func() ([]check.Rendered, error) {
		select {
		case kustomizeSem <- struct{}{}:
			defer func() { <-kustomizeSem }()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return k.build(dir, kfile)
	})
}

func (k *Kustomize) build(dir, kfile string) ([]check.Rendered, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	fs := &originFS{FileSystem: filesys.MakeFsOnDisk(), root: filepath.Join(abs, filepath.Base(kfile))}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, abs)
	if err != nil {
		return nil, err
	}
	rs := m.Resources()
	origins := make([]*resource.Origin, len(rs))
	for i, r := range rs {
		origins[i], _ = r.GetOrigin()
	}
	if fs.injected {
		if err := m.RemoveOriginAnnotations(); err != nil {
			return nil, err
		}
	}
	limit := k.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	sources := map[string][]*yaml.Node{} // source file -> its documents
	out := make([]check.Rendered, 0, len(rs))
	var size int64
	for i, r := range rs {
		data, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		size += int64(len(data))
		if err := checkSize(size, limit); err != nil {
			return nil, err
		}
		rd := check.Rendered{Path: kfile, Source: dir, Data: data}
		if o := origins[i]; o != nil && o.Repo == "" && o.ConfiguredIn != "" {
			// Generated: name the file that configured the generator.
			if p := filepath.Join(dir, filepath.FromSlash(o.ConfiguredIn)); isFile(p) {
				rd.Path = p
			}
		} else if o != nil && o.Repo == "" && o.Path != "" {
			p := filepath.Join(dir, filepath.FromSlash(o.Path))
			if _, err := os.Stat(p); err == nil {
				rd.Path = p
				docs, ok := sources[p]
				if !ok {
					docs = readDocs(p)
					sources[p] = docs
				}
				rd.Lines = mapObjectLines(data, findObject(docs, r.GetKind(), r.GetName()))
			}
		}
		if rd.Lines == nil {
			// A generated object, or one whose source document was not
			// found: every line goes to where it is named, or to line 1.
			rd.Lines = constLines(data, nameLine(rd.Path, r.GetName()))
		}
		out = append(out, rd)
	}
	return out, nil
}

// originFS is the file system kustomize reads through. It turns on origin
// tracking (buildMetadata: [originAnnotations]) in the root kustomization
// and refuses writes.
type originFS struct {
	filesys.FileSystem
	root     string
	injected bool // set once the root kustomization asked for origins
}

var errReadOnly = errors.New("opsloop renders kustomizations read-only")

// ReadFile returns the file, with origin tracking added to the root
// kustomization.
func (f *originFS) ReadFile(p string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(p)
	if err != nil || filepath.Clean(p) != f.root {
		return data, err
	}
	out, ok := withOrigins(data)
	if !ok {
		return data, nil
	}
	f.injected = true
	return out, nil
}

// Create refuses to write.
func (f *originFS) Create(string) (filesys.File, error) { return nil, errReadOnly }

// Mkdir refuses to write.
func (f *originFS) Mkdir(string) error { return errReadOnly }

// MkdirAll refuses to write.
func (f *originFS) MkdirAll(string) error { return errReadOnly }

// RemoveAll refuses to write.
func (f *originFS) RemoveAll(string) error { return errReadOnly }

// WriteFile refuses to write.
func (f *originFS) WriteFile(string, []byte) error { return errReadOnly }

// withOrigins adds originAnnotations to the buildMetadata of a
// kustomization. It reports false when it changed nothing: the file
// already asks for origins, or it is not a mapping it understands (then
// kustomize reports the problem).
func withOrigins(data []byte) ([]byte, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	root := doc.Content[0]
	item := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "originAnnotations"}
	found := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "buildMetadata" {
			continue
		}
		found = true
		seq := root.Content[i+1]
		if seq.Kind != yaml.SequenceNode {
			return nil, false
		}
		for _, it := range seq.Content {
			if it.Value == "originAnnotations" {
				return nil, false
			}
		}
		seq.Content = append(seq.Content, item)
	}
	if !found {
		root.Content = append(root.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"},
			&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}})
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, false
	}
	return out, true
}

// maxKustomizeDepth bounds how deep checkRemote follows bases.
const maxKustomizeDepth = 32

// checkRemote fails on references to remote bases and files anywhere in
// the local tree of kustomizations under dir: kustomize would clone or
// download them, which a static check must not do (and cannot, offline).
func checkRemote(dir string, depth int, seen map[string]bool) error {
	kfile := kustomizationFile(dir)
	if kfile == "" || depth > maxKustomizeDepth || seen[kfile] {
		return nil
	}
	seen[kfile] = true
	data, err := os.ReadFile(kfile)
	if err != nil {
		return nil // kustomize reports it
	}
	var k struct {
		Resources             []string `yaml:"resources"`
		Bases                 []string `yaml:"bases"`
		Components            []string `yaml:"components"`
		Crds                  []string `yaml:"crds"`
		Generators            []string `yaml:"generators"`
		Transformers          []string `yaml:"transformers"`
		Validators            []string `yaml:"validators"`
		PatchesStrategicMerge []string `yaml:"patchesStrategicMerge"`
		Patches               []struct {
			Path string `yaml:"path"`
		} `yaml:"patches"`
		PatchesJSON6902 []struct {
			Path string `yaml:"path"`
		} `yaml:"patchesJson6902"`
		Replacements []struct {
			Path string `yaml:"path"`
		} `yaml:"replacements"`
		ConfigMapGenerator []generatorArgs `yaml:"configMapGenerator"`
		SecretGenerator    []generatorArgs `yaml:"secretGenerator"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil // kustomize reports it, with its own wording
	}
	refs := make([]string, 0, len(k.Resources)+len(k.Bases)+len(k.Components))
	refs = append(refs, k.Resources...)
	refs = append(refs, k.Bases...)
	refs = append(refs, k.Components...)
	refs = append(refs, k.Crds...)
	refs = append(refs, k.Generators...)
	refs = append(refs, k.Transformers...)
	refs = append(refs, k.Validators...)
	refs = append(refs, k.PatchesStrategicMerge...)
	for _, p := range k.Patches {
		refs = append(refs, p.Path)
	}
	for _, p := range k.PatchesJSON6902 {
		refs = append(refs, p.Path)
	}
	for _, p := range k.Replacements {
		refs = append(refs, p.Path)
	}
	for _, g := range append(k.ConfigMapGenerator, k.SecretGenerator...) {
		refs = append(refs, g.Files...)
		refs = append(refs, g.Envs...)
		refs = append(refs, g.Env)
	}
	for _, ref := range refs {
		if ref == "" || strings.ContainsAny(ref, "\n") {
			continue // inline YAML
		}
		// A file generator entry may be key=path.
		name := ref
		if i := strings.Index(ref, "="); i >= 0 && !strings.Contains(ref[:i], "/") {
			name = ref[i+1:]
		}
		local := filepath.Join(dir, filepath.FromSlash(name))
		if fi, err := os.Stat(local); err == nil {
			if fi.IsDir() {
				if err := checkRemote(local, depth+1, seen); err != nil {
					return err
				}
			}
			continue
		}
		if isRemote(name) {
			return fmt.Errorf("%s refers to the remote %q: opsloop does not fetch remote bases or files; vendor it into the repository or check the built output (kustomize build > out.yaml)", filepath.ToSlash(kfile), name)
		}
	}
	return nil
}

type generatorArgs struct {
	Files []string `yaml:"files"`
	Envs  []string `yaml:"envs"`
	Env   string   `yaml:"env"`
}

// isRemote reports whether a kustomization reference that is not a local
// path is a URL or a git repository kustomize would fetch.
func isRemote(ref string) bool {
	if strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") || strings.HasPrefix(ref, "git::") {
		return true
	}
	host, rest, ok := strings.Cut(ref, "/")
	return ok && rest != "" && strings.Contains(host, ".") && !strings.HasPrefix(host, ".") && !strings.ContainsAny(host, " \t")
}

// readDocs parses the YAML documents of a source file; nil when it does
// not parse.
func readDocs(p string) []*yaml.Node {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []*yaml.Node
	for {
		var d yaml.Node
		if err := dec.Decode(&d); err != nil {
			break
		}
		if len(d.Content) == 1 {
			docs = append(docs, d.Content[0])
		}
	}
	return docs
}

// findObject finds the document of the given kind whose name is name, or
// is the longest part of name (kustomize adds prefixes, suffixes and
// hashes), or is the only one of that kind.
func findObject(docs []*yaml.Node, kind, name string) *yaml.Node {
	var best, only *yaml.Node
	count, bestLen := 0, -1
	for _, d := range docs {
		if scalar(mapGet(d, "kind")) != kind {
			continue
		}
		count++
		only = d
		n := scalar(mapGet(mapGet(d, "metadata"), "name"))
		if n == name {
			return d
		}
		if n != "" && strings.Contains(name, n) && len(n) > bestLen {
			best, bestLen = d, len(n)
		}
	}
	if best != nil {
		return best
	}
	if count == 1 {
		return only
	}
	return nil
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// mapObjectLines maps the lines of a built object to the lines of its
// source document src by walking both trees by key: a field that is in
// the source maps to its line there; a field a patch or transformer
// added maps to the line of its nearest ancestor that is in the source.
// Items of lists of named things (containers, env, volumes) are matched
// by name, others by index. It returns nil when src is unknown.
func mapObjectLines(data []byte, src *yaml.Node) []int {
	if src == nil {
		return nil
	}
	var d yaml.Node
	if err := yaml.Unmarshal(data, &d); err != nil || len(d.Content) != 1 {
		return nil
	}
	lines := make([]int, strings.Count(string(data), "\n")+1)
	set := func(out, in int) {
		if out >= 1 && out <= len(lines) && lines[out-1] == 0 {
			lines[out-1] = in
		}
	}
	var fill func(n *yaml.Node, in int)
	fill = func(n *yaml.Node, in int) {
		if n == nil {
			return
		}
		set(n.Line, in)
		for _, c := range n.Content {
			fill(c, in)
		}
	}
	var walk func(out, in *yaml.Node)
	walk = func(out, in *yaml.Node) {
		if out.Kind == yaml.ScalarNode {
			set(out.Line, in.Line)
		}
		switch {
		case out.Kind == yaml.MappingNode && in.Kind == yaml.MappingNode:
			for i := 0; i+1 < len(out.Content); i += 2 {
				k, v := out.Content[i], out.Content[i+1]
				found := false
				for j := 0; j+1 < len(in.Content); j += 2 {
					if in.Content[j].Value == k.Value {
						set(k.Line, in.Content[j].Line)
						walk(v, in.Content[j+1])
						found = true
						break
					}
				}
				if !found {
					fill(k, in.Line)
					fill(v, in.Line)
				}
			}
		case out.Kind == yaml.SequenceNode && in.Kind == yaml.SequenceNode:
			for i, it := range out.Content {
				var match *yaml.Node
				if name := scalar(mapGet(it, "name")); name != "" {
					for _, c := range in.Content {
						if scalar(mapGet(c, "name")) == name {
							match = c
							break
						}
					}
				} else if i < len(in.Content) {
					match = in.Content[i]
				}
				if match != nil {
					walk(it, match)
				} else {
					fill(it, in.Line)
				}
			}
		default:
			fill(out, in.Line)
		}
	}
	walk(d.Content[0], src)
	return lines
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// constLines maps every line of data to line.
func constLines(data []byte, line int) []int {
	lines := make([]int, strings.Count(string(data), "\n")+1)
	for i := range lines {
		lines[i] = line
	}
	return lines
}

// nameLine returns the line of file p that names an object called name
// (or a part of it: generators get a hash suffix), else 1.
func nameLine(p, name string) int {
	data, err := os.ReadFile(p)
	if err != nil {
		return 1
	}
	best, bestLen := 1, 0
	n := 0
	for l := range strings.Lines(string(data)) {
		n++
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))
		v, ok := strings.CutPrefix(t, "name:")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if v != "" && strings.Contains(name, v) && len(v) > bestLen {
			best, bestLen = n, len(v)
		}
	}
	return best
}

// Interface guards.
var _ check.Renderer = (*Kustomize)(nil)
