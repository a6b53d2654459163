package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParse_EmptyIsDefault(t *testing.T) {
	for _, in := range []string{"", "# nothing\n", "{}\n"} {
		c, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !equalDefault(c) {
			t.Fatalf("%q: got %+v, want the defaults", in, c)
		}
		if c.HTTP.Addr != "127.0.0.1:7400" || c.OTLP.GRPCAddr != "127.0.0.1:4317" || c.OTLP.HTTPAddr != "127.0.0.1:4318" || c.DataDir != "./opsloop-data" {
			t.Fatalf("%q: defaults are %+v", in, c)
		}
	}
}

func equalDefault(c Config) bool {
	d := Default()
	return c.DataDir == d.DataDir && c.HTTP == d.HTTP && c.OTLP == d.OTLP && c.Store == d.Store && c.ShutdownTimeout == d.ShutdownTimeout && len(c.Auth.Tokens) == 0
}

func TestParse_Full(t *testing.T) {
	c, err := Parse([]byte(`
data_dir: /var/lib/opsloop
http:
  addr: 0.0.0.0:7400
otlp:
  grpc_addr: 0.0.0.0:4317
  http_addr: ":4318"
  max_request_bytes: 4194304
store:
  url: postgres://opsloop@db:5432/opsloop
  lease_ttl: 10s
prometheus:
  url: http://prometheus:9090
auth:
  tokens:
    - {name: ci, role: operator, sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}
    - {name: alice, role: approver, env: OPSLOOP_ALICE_TOKEN}
shutdown_timeout: 30s
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.LeaseTTL != 10*time.Second || c.ShutdownTimeout != 30*time.Second || c.OTLP.MaxRequestBytes != 4<<20 {
		t.Fatalf("durations or sizes not read: %+v", c)
	}
	if len(c.Auth.Tokens) != 2 || c.Auth.Tokens[1].Env != "OPSLOOP_ALICE_TOKEN" {
		t.Fatalf("tokens: %+v", c.Auth.Tokens)
	}
}

func TestParse_Errors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"htp:\n  addr: x\n", "line 1: field htp not found"},
		{"http:\n  adr: 1\n", "line 2: field adr not found"},
		{"shutdown_timeout: soon\n", "line 1: cannot unmarshal"},
		{"http: {addr: nohost}\n", "http.addr"},
		{"otlp: {grpc_addr: '127.0.0.1:99999'}\n", "otlp.grpc_addr"},
		{"store: {url: 'mysql://x'}\n", "store.url"},
		{"store: {url: 'sqlite:'}\n", "no file path"},
		{"store: {lease_ttl: 10ms}\n", "store.lease_ttl"},
		{"spans: {max_bytes: 10}\n", "spans.max_bytes: 10 is below"},
		{"logs: {max_age: 1s}\n", "logs.max_age: 1s is below"},
		{"prometheus: {url: 'ftp://x'}\n", "prometheus.url"},
		{"auth: {tokens: [{name: a, role: root, env: X}]}\n", `"root" is not a role`},
		{"auth: {tokens: [{name: a, role: admin}]}\n", "set exactly one of sha256"},
		{"auth: {tokens: [{name: a, role: admin, env: X, sha256: ab}]}\n", "set exactly one of sha256"},
		{"auth: {tokens: [{name: a, role: admin, sha256: abc}]}\n", "64 hexadecimal"},
		{"auth: {tokens: [{name: a, role: admin, env: X}, {name: a, role: viewer, env: Y}]}\n", "used twice"},
		{"a: 1\n---\nb: 2\n", "field a not found"},
		{"{}\n---\n{}\n", "line 2: a second YAML document"},
		{"http: [\n", "did not find expected"},
	} {
		_, err := Parse([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestParse_AllErrorsAtOnce(t *testing.T) {
	_, err := Parse([]byte("http: {addr: x}\notlp: {grpc_addr: y}\nstore: {url: 'mysql://'}\n"))
	if err == nil {
		t.Fatal("no error")
	}
	// Every problem, in a stable order (the order of the keys in the docs).
	msg := err.Error()
	h, g, s := strings.Index(msg, "http.addr"), strings.Index(msg, "otlp.grpc_addr"), strings.Index(msg, "store.url")
	if h < 0 || g < 0 || s < 0 || !(h < g && g < s) {
		t.Fatalf("want http.addr, otlp.grpc_addr and store.url in that order, got %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "opsloop.yaml")
	if err := os.WriteFile(p, []byte("http: {addr: '127.0.0.1:0'}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil || c.HTTP.Addr != "127.0.0.1:0" {
		t.Fatalf("Load = %+v, %v", c, err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+10), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("Load(big) = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("Load(missing) succeeded")
	}
}

func TestStoreURL(t *testing.T) {
	for _, tc := range []struct{ in, kind, target string }{
		{"", "sqlite", ""},
		{"sqlite", "sqlite", ""},
		{"sqlite:state.db", "sqlite", "state.db"},
		{"sqlite:///var/lib/x.db", "sqlite", "/var/lib/x.db"},
		{"postgres://u@h/db", "postgres", "postgres://u@h/db"},
		{"postgresql://u@h/db", "postgres", "postgresql://u@h/db"},
	} {
		k, target, err := ParseStoreURL(tc.in)
		if err != nil || k != tc.kind || target != tc.target {
			t.Errorf("ParseStoreURL(%q) = %q, %q, %v", tc.in, k, target, err)
		}
	}
	if _, _, err := ParseStoreURL("mysql://root:hunter2@h/db"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks or is missing: %v", err)
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:7400": true, "[::1]:7400": true, "localhost:1": true, "127.1.2.3:0": true,
		"0.0.0.0:7400": false, ":7400": false, "10.0.0.1:80": false, "example.com:80": false, "bad": false,
	} {
		if got := Loopback(addr); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestRoleRank(t *testing.T) {
	if !(RoleRank("viewer") < RoleRank("operator") && RoleRank("operator") < RoleRank("approver") && RoleRank("approver") < RoleRank("admin")) {
		t.Fatal("roles out of order")
	}
	if RoleRank("root") != -1 {
		t.Fatal("unknown role ranked")
	}
}
