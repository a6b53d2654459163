// Package config holds opsloop.yaml, the configuration of `opsloop serve`:
// its types, defaults, strict loading and validation.
//
// Loading is strict: an unknown key, a value of the wrong type or a second
// YAML document is an error that names the line. Every field has a
// default, so an empty file (or none) is a working configuration; command
// line flags override the file (see cmd/opsloop).
package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds opsloop.yaml; anything larger is not a config file.
const MaxFileSize = 1 << 20

// Defaults for the fields of Config.
const (
	DefaultDataDir         = "./opsloop-data"
	DefaultHTTPAddr        = "127.0.0.1:7400"
	DefaultOTLPGRPCAddr    = "127.0.0.1:4317"
	DefaultOTLPHTTPAddr    = "127.0.0.1:4318"
	DefaultShutdownTimeout = 15 * time.Second
	DefaultMaxRequestBytes = 8 << 20
	DefaultLeaseTTL        = 15 * time.Second
)

// Config is opsloop.yaml.
type Config struct {
	// DataDir holds the SQLite state file and, later, the TSDB and the
	// span and log stores.
	DataDir string `yaml:"data_dir"`
	HTTP    HTTP   `yaml:"http"`
	OTLP    OTLP   `yaml:"otlp"`
	Store   Store  `yaml:"store"`
	// Prometheus, when its URL is set, replaces the embedded TSDB.
	Prometheus Prometheus `yaml:"prometheus"`
	Auth       Auth       `yaml:"auth"`
	// Metrics configures the embedded TSDB.
	Metrics Metrics `yaml:"metrics"`
	// Spans and Logs bound the in-memory span and log stores.
	Spans SignalStore `yaml:"spans"`
	Logs  SignalStore `yaml:"logs"`
	// ShutdownTimeout bounds a graceful stop: draining requests, flushing
	// queues and closing stores.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// HTTP is the API and UI listener.
type HTTP struct {
	Addr string `yaml:"addr"`
	// MaxRequestBytes bounds API request bodies.
	MaxRequestBytes int64 `yaml:"max_request_bytes"`
}

// OTLP is the telemetry intake.
type OTLP struct {
	GRPCAddr string `yaml:"grpc_addr"`
	HTTPAddr string `yaml:"http_addr"`
	// MaxRequestBytes bounds one export request, after decompression.
	MaxRequestBytes int64 `yaml:"max_request_bytes"`
}

// Store selects the state store.
type Store struct {
	// URL is empty (SQLite in DataDir), "sqlite:PATH" or a postgres:// URL.
	URL string `yaml:"url"`
	// LeaseTTL is how long a replica's leadership lasts without renewal:
	// the longest a failover takes.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
}

// Metrics configures the embedded TSDB (in data_dir/tsdb).
type Metrics struct {
	// Retention is how long samples are kept.
	Retention time.Duration `yaml:"retention"`
}

// SignalStore bounds a store of recent telemetry: the oldest data goes
// first when either bound is reached.
type SignalStore struct {
	MaxBytes int64         `yaml:"max_bytes"`
	MaxAge   time.Duration `yaml:"max_age"`
}

// Prometheus points at an external Prometheus-compatible server.
type Prometheus struct {
	URL string `yaml:"url"`
}

// Auth lists the bearer tokens the API accepts.
type Auth struct {
	Tokens []Token `yaml:"tokens"`
}

// Token is one bearer token. Its secret is never in the file: either its
// SHA-256 (`opsloop token new` prints one) or the name of an environment
// variable that holds it.
type Token struct {
	Name   string `yaml:"name"`
	Role   string `yaml:"role"`
	SHA256 string `yaml:"sha256"`
	Env    string `yaml:"env"`
}

// Roles lists the roles, lowest first: each may do what the ones before it may.
var Roles = []string{"viewer", "operator", "approver", "admin"}

// RoleRank returns the rank of role (0 for viewer) or -1 when it is none.
func RoleRank(role string) int {
	for i, r := range Roles {
		if r == role {
			return i
		}
	}
	return -1
}

// Default returns the configuration an empty file gives.
func Default() Config {
	var c Config
	c.ApplyDefaults()
	return c
}

// ApplyDefaults fills every unset field.
func (c *Config) ApplyDefaults() {
	set := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	set(&c.DataDir, DefaultDataDir)
	set(&c.HTTP.Addr, DefaultHTTPAddr)
	set(&c.OTLP.GRPCAddr, DefaultOTLPGRPCAddr)
	set(&c.OTLP.HTTPAddr, DefaultOTLPHTTPAddr)
	if c.HTTP.MaxRequestBytes == 0 {
		c.HTTP.MaxRequestBytes = 1 << 20
	}
	if c.OTLP.MaxRequestBytes == 0 {
		c.OTLP.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Store.LeaseTTL == 0 {
		c.Store.LeaseTTL = DefaultLeaseTTL
	}
	if c.Metrics.Retention == 0 {
		c.Metrics.Retention = 15 * 24 * time.Hour
	}
	for _, st := range []struct {
		s     *SignalStore
		bytes int64
	}{{&c.Spans, 256 << 20}, {&c.Logs, 128 << 20}} {
		if st.s.MaxBytes == 0 {
			st.s.MaxBytes = st.bytes
		}
		if st.s.MaxAge == 0 {
			st.s.MaxAge = 24 * time.Hour
		}
	}
}

// Load reads, decodes and validates the file at path, with defaults
// applied.
func Load(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return Config{}, fmt.Errorf("%s: larger than %d bytes; not an opsloop config", path, MaxFileSize)
	}
	c, err := Parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse decodes data strictly, applies defaults and validates the result.
func Parse(data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, decodeError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return Config{}, decodeError(err)
		}
		return Config{}, fmt.Errorf("line %d: a second YAML document; opsloop.yaml holds one", extra.Line)
	}
	c.ApplyDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// decodeError turns yaml.v3's messages into ones that read on their own.
func decodeError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return errors.New(strings.Join(te.Errors, "; "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
}

// Validate checks every field and returns all problems at once, each
// naming its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	for _, a := range []struct{ key, addr string }{
		{"http.addr", c.HTTP.Addr}, {"otlp.grpc_addr", c.OTLP.GRPCAddr}, {"otlp.http_addr", c.OTLP.HTTPAddr},
	} {
		if err := checkAddr(a.addr); err != nil {
			bad(a.key, "%v", err)
		}
	}
	if c.HTTP.MaxRequestBytes < 1024 {
		bad("http.max_request_bytes", "%d is below the minimum of 1024", c.HTTP.MaxRequestBytes)
	}
	if c.OTLP.MaxRequestBytes < 1024 {
		bad("otlp.max_request_bytes", "%d is below the minimum of 1024", c.OTLP.MaxRequestBytes)
	}
	if c.ShutdownTimeout < 0 {
		bad("shutdown_timeout", "must not be negative")
	}
	if c.Store.LeaseTTL < time.Second {
		bad("store.lease_ttl", "%v is below the minimum of 1s", c.Store.LeaseTTL)
	}
	if c.Metrics.Retention < time.Hour {
		bad("metrics.retention", "%v is below the minimum of 1h", c.Metrics.Retention)
	}
	for _, st := range []struct {
		key string
		s   SignalStore
	}{{"spans", c.Spans}, {"logs", c.Logs}} {
		if st.s.MaxBytes < 1<<20 {
			bad(st.key+".max_bytes", "%d is below the minimum of 1048576 (1 MiB)", st.s.MaxBytes)
		}
		if st.s.MaxAge < time.Minute {
			bad(st.key+".max_age", "%v is below the minimum of 1m", st.s.MaxAge)
		}
	}
	if _, _, err := ParseStoreURL(c.Store.URL); err != nil {
		bad("store.url", "%v", err)
	}
	if u := c.Prometheus.URL; u != "" {
		if err := checkHTTPURL(u); err != nil {
			bad("prometheus.url", "%v", err)
		}
	}
	names := map[string]bool{}
	for i, t := range c.Auth.Tokens {
		key := fmt.Sprintf("auth.tokens[%d]", i)
		switch {
		case t.Name == "":
			bad(key+".name", "required")
		case names[t.Name]:
			bad(key+".name", "%q is used twice", t.Name)
		}
		names[t.Name] = true
		if RoleRank(t.Role) < 0 {
			bad(key+".role", "%q is not a role (want one of %s)", t.Role, strings.Join(Roles, ", "))
		}
		switch {
		case (t.SHA256 == "") == (t.Env == ""):
			bad(key, "set exactly one of sha256 (the token's hash, from `opsloop token new`) and env (a variable that holds the token)")
		case t.SHA256 != "":
			if b, err := hex.DecodeString(t.SHA256); err != nil || len(b) != sha256.Size {
				bad(key+".sha256", "want 64 hexadecimal characters")
			}
		}
	}
	return errors.Join(errs...)
}

func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port (%v)", addr, err)
	}
	if port == "" {
		return fmt.Errorf("%q: no port", addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("%q: bad port: %v", addr, err)
	}
	return nil
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q: want an http:// or https:// URL", s)
	}
	return nil
}

// ParseStoreURL splits a store URL into its kind ("sqlite" or "postgres")
// and what the driver opens: a file path for SQLite ("" for the default
// file in the data directory), the URL itself for PostgreSQL.
func ParseStoreURL(s string) (kind, target string, err error) {
	switch {
	case s == "" || s == "sqlite":
		return "sqlite", "", nil
	case strings.HasPrefix(s, "sqlite://"):
		p := strings.TrimPrefix(s, "sqlite://")
		if p == "" {
			return "", "", fmt.Errorf("%q: no file path", s)
		}
		return "sqlite", p, nil
	case strings.HasPrefix(s, "sqlite:"):
		p := strings.TrimPrefix(s, "sqlite:")
		if p == "" {
			return "", "", fmt.Errorf("%q: no file path", s)
		}
		return "sqlite", p, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return "", "", fmt.Errorf("bad PostgreSQL URL: %v", err)
		}
		return "postgres", s, nil
	}
	return "", "", fmt.Errorf("%q: want sqlite:PATH or a postgres:// URL", redact(s))
}

// redact hides a password in a URL for error messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return s
}

// Loopback reports whether a listen address binds only the loopback
// interface.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
