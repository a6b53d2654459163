package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"
)

// ConfigFile is the file opsloop check reads from the current directory
// when no --config is given.
const ConfigFile = ".opsloop.yaml"

// maxConfigSize bounds the config file.
const maxConfigSize = 1 << 20

// Config is the check section of .opsloop.yaml:
//
//	check:
//	  fail_on: high
//	  disable: [K8S012, single-replica]
//	  severity: {K8S020: low}
//	  exclude: ["test/fixtures/**"]
//	  policy: [policy/]
//	  namespace: [main]
//	  baseline: .opsloop-baseline.json
//	  max_file_size: 16777216
type Config struct {
	// FailOn is the lowest severity that makes the run fail; "" means
	// medium.
	FailOn string `yaml:"fail_on"`
	// Disable lists rule IDs or names that never run.
	Disable []string `yaml:"disable"`
	// Severity overrides the severity of rules, by ID or name.
	Severity map[string]string `yaml:"severity"`
	// Exclude lists glob patterns ("**" spans directories) of paths not to
	// check. A pattern without a slash at the start matches at any depth.
	Exclude []string `yaml:"exclude"`
	// Policy lists directories of Rego policies run on every document.
	Policy []string `yaml:"policy"`
	// Namespace lists the Rego packages to evaluate; default "main".
	Namespace []string `yaml:"namespace"`
	// Baseline is a JSON report whose findings are not reported again.
	Baseline string `yaml:"baseline"`
	// Values lists Helm values files applied to every chart.
	Values []string `yaml:"values"`
	// MaxFileSize is the largest file read, in bytes.
	MaxFileSize int64 `yaml:"max_file_size"`

	severities map[string]Severity
}

type configFile struct {
	Check Config `yaml:"check"`
}

// ParseConfig decodes .opsloop.yaml strictly: unknown keys are errors.
func ParseConfig(r io.Reader) (Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigSize+1))
	if err != nil {
		return Config{}, err
	}
	if len(data) > maxConfigSize {
		return Config{}, fmt.Errorf("config is larger than %d bytes", maxConfigSize)
	}
	var cf configFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cf); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("decode: %w", err)
	}
	if err := cf.Check.Validate(); err != nil {
		return Config{}, err
	}
	return cf.Check, nil
}

// LoadConfig reads the config file at name.
func LoadConfig(name string) (Config, error) {
	f, err := os.Open(name)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// Validate checks rule references, severities and patterns, and prepares
// lookups.
func (c *Config) Validate() error {
	var errs []error
	if c.FailOn != "" {
		if _, err := ParseSeverity(c.FailOn); err != nil {
			errs = append(errs, fmt.Errorf("check.fail_on: %w", err))
		}
	}
	for _, id := range c.Disable {
		if LookupRule(id) == nil && !isPolicyRuleID(id) && !strings.EqualFold(id, DisableBuiltin) {
			errs = append(errs, fmt.Errorf("check.disable: unknown rule %q (see opsloop rules)", id))
		}
	}
	c.severities = make(map[string]Severity, len(c.Severity))
	for id, s := range c.Severity {
		key := id
		if r := LookupRule(id); r != nil {
			key = r.ID
		} else if !isPolicyRuleID(id) {
			errs = append(errs, fmt.Errorf("check.severity: unknown rule %q (see opsloop rules)", id))
			continue
		}
		sev, err := ParseSeverity(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("check.severity.%s: %w", id, err))
			continue
		}
		c.severities[key] = sev
	}
	for _, p := range c.Exclude {
		if !doublestar.ValidatePattern(p) {
			errs = append(errs, fmt.Errorf("check.exclude: bad pattern %q", p))
		}
	}
	if c.MaxFileSize < 0 {
		errs = append(errs, errors.New("check.max_file_size: must not be negative"))
	}
	return errors.Join(errs...)
}

// FailSeverity returns the severity that fails a run.
func (c *Config) FailSeverity() Severity {
	s, err := ParseSeverity(c.FailOn)
	if err != nil {
		return SeverityMedium
	}
	return s
}

// isPolicyRuleID recognises the IDs of Rego policy rules,
// "<namespace>.<rule>", which are known only once policies load.
func isPolicyRuleID(id string) bool {
	i := strings.LastIndexByte(id, '.')
	return i > 0 && i < len(id)-1 && !strings.ContainsAny(id, " \t")
}

// DisableBuiltin in Config.Disable (or --disable builtin) turns off every
// built-in rule that judges content, leaving custom policies and the
// input rules (unreadable files, failed renders, failed policies) on: a
// Conftest-style run.
const DisableBuiltin = "builtin"

func (c *Config) disabled(id, name string) bool {
	for _, d := range c.Disable {
		if strings.EqualFold(d, id) || strings.EqualFold(d, name) {
			return true
		}
		if strings.EqualFold(d, DisableBuiltin) {
			if r := LookupRule(id); r != nil && r.Family != FamilyInput && r.Family != FamilyPolicy {
				return true
			}
		}
	}
	return false
}

func (c *Config) severity(id, _ string) (Severity, bool) {
	s, ok := c.severities[id]
	return s, ok
}

// excluded reports whether a slash path matches an exclude pattern.
func (c *Config) excluded(p string) bool {
	if len(c.Exclude) == 0 {
		return false
	}
	p = strings.TrimPrefix(path.Clean(p), "./")
	for _, pat := range c.Exclude {
		pat = strings.TrimPrefix(pat, "./")
		if ok, _ := doublestar.Match(pat, p); ok {
			return true
		}
		if !strings.HasPrefix(pat, "/") {
			if ok, _ := doublestar.Match("**/"+pat, p); ok {
				return true
			}
		} else if ok, _ := doublestar.Match(strings.TrimPrefix(pat, "/"), p); ok {
			return true
		}
	}
	return false
}
