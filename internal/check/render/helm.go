package render

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/strvals"

	"github.com/opsloop/opsloop/internal/check"
)

// HelmOptions configures how charts are rendered, as helm template would
// with the same flags.
type HelmOptions struct {
	// ValuesFiles are merged over the chart's values.yaml in order, later
	// files winning (helm --values). A relative path is looked up in the
	// working directory first, then in the chart directory, so that one
	// name can select per-chart files such as values-prod.yaml.
	ValuesFiles []string
	// Set holds key=value overrides applied after the files (helm --set).
	Set []string
	// ReleaseName is .Release.Name; empty means "release-name".
	ReleaseName string
	// Namespace is .Release.Namespace; empty means "default".
	Namespace string
	// KubeVersion is .Capabilities.KubeVersion, e.g. "1.31.0"; empty
	// means Helm's built-in default.
	KubeVersion string
	// SkipSchemaValidation skips values.schema.json (whose $refs Helm may
	// fetch over the network).
	SkipSchemaValidation bool
	// Timeout bounds one chart; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxOutput bounds the bytes one chart renders to; zero means
	// DefaultMaxOutput.
	MaxOutput int64
}

// Helm renders Helm charts with the Helm v3 template engine, without a
// cluster. It implements [check.Renderer].
type Helm struct {
	opts HelmOptions
}

// NewHelm returns a Helm renderer. Options are used as given; their
// errors (a missing values file, a bad --set) are reported per chart.
func NewHelm(opts HelmOptions) *Helm {
	if opts.ReleaseName == "" {
		opts.ReleaseName = "release-name"
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = DefaultMaxOutput
	}
	return &Helm{opts: opts}
}

// Detect reports whether dir holds a Chart.yaml.
func (h *Helm) Detect(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil && fi.Mode().IsRegular()
}

// Render renders the chart in dir and returns one file per template that
// rendered to something, plus the chart's CRDs. Paths are the template
// files under dir; Lines map rendered lines to template lines.
func (h *Helm) Render(ctx context.Context, dir string) ([]check.Rendered, error) {
	return bounded(ctx, h.opts.Timeout, func() ([]check.Rendered, error) {
		return h.render(dir)
	})
}

// chartFile is a template or CRD file of a chart or subchart.
type chartFile struct {
	disk string // path on disk, under the chart dir as given
	data string
}

func (h *Helm) render(dir string) ([]check.Rendered, error) {
	ch, err := loader.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	if strings.EqualFold(ch.Metadata.Type, "library") {
		return nil, nil // a library chart renders nothing by itself
	}
	if err := checkDependencies(ch); err != nil {
		return nil, err
	}
	vals, err := h.values(dir)
	if err != nil {
		return nil, err
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, vals); err != nil {
		return nil, fmt.Errorf("process dependencies: %w", err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	if h.opts.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(h.opts.KubeVersion)
		if err != nil {
			return nil, err
		}
		caps.KubeVersion = *kv
	}
	if c := ch.Metadata.KubeVersion; c != "" && !chartutil.IsCompatibleRange(c, caps.KubeVersion.String()) {
		return nil, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", c, caps.KubeVersion.String())
	}
	rel := chartutil.ReleaseOptions{Name: h.opts.ReleaseName, Namespace: h.opts.Namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValuesWithSchemaValidation(ch, vals, rel, caps, h.opts.SkipSchemaValidation)
	if err != nil {
		return nil, err
	}

	templates := map[string]chartFile{} // engine key -> file
	var crds []chartFile
	indexChart(ch, dir, templates, &crds)

	out, err := engine.Engine{}.Render(ch, top)
	if err != nil {
		return nil, templateError(err, templates)
	}
	keys := make([]string, 0, len(out))
	var size int64
	for k, v := range out {
		size += int64(len(v))
		if path.Base(k) == "NOTES.txt" || strings.TrimSpace(v) == "" {
			continue
		}
		keys = append(keys, k)
	}
	for _, c := range crds {
		size += int64(len(c.data))
	}
	if err := checkSize(size, h.opts.MaxOutput); err != nil {
		return nil, err
	}
	sort.Strings(keys)
	res := make([]check.Rendered, 0, len(keys)+len(crds))
	for _, c := range crds {
		res = append(res, check.Rendered{Path: c.disk, Source: dir, Data: []byte(c.data)})
	}
	for _, k := range keys {
		t, ok := templates[k]
		r := check.Rendered{Path: t.disk, Source: dir, Data: []byte(out[k])}
		if ok {
			r.Lines = mapTemplateLines(t.data, out[k])
		} else {
			r.Path = filepath.Join(dir, filepath.FromSlash(k))
		}
		res = append(res, r)
	}
	return res, nil
}

// values merges the values files and --set overrides.
func (h *Helm) values(dir string) (map[string]any, error) {
	base := map[string]any{}
	for _, f := range h.opts.ValuesFiles {
		p := f
		if _, err := os.Stat(p); err != nil && !filepath.IsAbs(f) {
			if _, err2 := os.Stat(filepath.Join(dir, f)); err2 == nil {
				p = filepath.Join(dir, f)
			}
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("values file: %w", err)
		}
		v, err := chartutil.ReadValues(data)
		if err != nil {
			return nil, fmt.Errorf("values file %s: %w", p, err)
		}
		mergeValues(base, v)
	}
	for _, s := range h.opts.Set {
		if err := strvals.ParseInto(s, base); err != nil {
			return nil, fmt.Errorf("--set %s: %w", s, err)
		}
	}
	return base, nil
}

// mergeValues merges src into dst: maps merge key by key, anything else
// in src replaces what dst holds.
func mergeValues(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeValues(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// checkDependencies fails, as helm template does, when Chart.yaml names a
// dependency that is not in charts/.
func checkDependencies(ch *chart.Chart) error {
	var missing []string
	for _, d := range ch.Metadata.Dependencies {
		found := false
		for _, c := range ch.Dependencies() {
			if c.Name() == d.Name {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s (run helm dependency build)", strings.Join(missing, ", "))
	}
	return nil
}

// indexChart records the templates and CRDs of c and its subcharts, with
// the paths they have on disk under dir.
func indexChart(c *chart.Chart, dir string, templates map[string]chartFile, crds *[]chartFile) {
	full := c.ChartFullPath()
	for _, t := range c.Templates {
		if t == nil {
			continue
		}
		templates[path.Join(full, t.Name)] = chartFile{disk: filepath.Join(dir, filepath.FromSlash(t.Name)), data: string(t.Data)}
	}
	for _, f := range c.Files {
		if f == nil || !strings.HasPrefix(f.Name, "crds/") {
			continue
		}
		switch strings.ToLower(path.Ext(f.Name)) {
		case ".yaml", ".yml", ".json":
			*crds = append(*crds, chartFile{disk: filepath.Join(dir, filepath.FromSlash(f.Name)), data: string(f.Data)})
		}
	}
	for _, sub := range c.Dependencies() {
		indexChart(sub, subchartDir(c, sub, dir), templates, crds)
	}
}

// subchartDir finds the directory under parent's charts/ that sub was
// loaded from. An aliased subchart goes by its alias; one loaded from an
// archive gets charts/<name>, which names it well enough.
func subchartDir(parent, sub *chart.Chart, dir string) string {
	name := sub.Name()
	for _, d := range parent.Metadata.Dependencies {
		if d.Alias != "" && d.Alias == name {
			name = d.Name
		}
	}
	charts := filepath.Join(dir, "charts")
	if md, err := chartutil.LoadChartfile(filepath.Join(charts, name, "Chart.yaml")); err == nil && md.Name == name {
		return filepath.Join(charts, name)
	}
	entries, _ := os.ReadDir(charts)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		md, err := chartutil.LoadChartfile(filepath.Join(charts, e.Name(), "Chart.yaml"))
		if err == nil && md.Name == name {
			return filepath.Join(charts, e.Name())
		}
	}
	return filepath.Join(charts, name)
}

// helmLocation finds "(chart/templates/x.yaml:12:5)" in a Helm error.
var helmLocation = regexp.MustCompile(`\(([^()\s:]+):(\d+)(?::(\d+))?\)`)

// TemplateError is a chart that failed to render at a known template line.
type TemplateError struct {
	// File is the template on disk, under the chart directory as given.
	File         string
	Line, Column int
	// Err is Helm's error, which names the template as Helm knows it.
	Err error
}

// Error returns the template's path on disk and line, then Helm's
// message.
func (e *TemplateError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %v", filepath.ToSlash(e.File), e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", filepath.ToSlash(e.File), e.Line, e.Err)
}

// Unwrap returns Helm's error.
func (e *TemplateError) Unwrap() error { return e.Err }

// Location returns the file, line and column the error is at.
func (e *TemplateError) Location() (file string, line, column int) {
	return filepath.ToSlash(e.File), e.Line, e.Column
}

// templateError attaches the disk location of the template Helm names in
// err, when it names one.
func templateError(err error, templates map[string]chartFile) error {
	m := helmLocation.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	t, ok := templates[m[1]]
	if !ok {
		return err
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	return &TemplateError{File: t.disk, Line: line, Column: col, Err: err}
}

// Interface guards.
var (
	_ check.Renderer = (*Helm)(nil)
	_ error          = (*TemplateError)(nil)
)
