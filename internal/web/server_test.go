package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/opsloop/opsloop/internal/config"
	"github.com/opsloop/opsloop/internal/store"
	"github.com/opsloop/opsloop/internal/store/stores"
)

// newTestServer serves a Server over real HTTP on 127.0.0.1 with a real
// SQLite store; tokens maps token names to "role:secret".
func newTestServer(t *testing.T, tokens map[string]string, setup func(*Server)) (*httptest.Server, *Server, store.Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := stores.Open(context.Background(), "sqlite:"+filepath.Join(dir, "state.db"), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := map[string]string{}
	var cfg []config.Token
	for name, rs := range tokens {
		role, secret, _ := strings.Cut(rs, ":")
		env["TOKEN_"+name] = secret
		cfg = append(cfg, config.Token{Name: name, Role: role, Env: "TOKEN_" + name})
	}
	auth, err := NewAuthenticator(cfg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Auth: auth, Store: st, Registry: prometheus.NewRegistry(), Version: "test", MaxRequestBytes: 4096})
	if setup != nil {
		setup(s)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return hs, s, st
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, url, token, body string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return v
}

func TestOpenMode(t *testing.T) {
	hs, _, _ := newTestServer(t, nil, nil)
	r := do(t, "GET", hs.URL+"/api/v1/status", "", "")
	if r.status != 200 {
		t.Fatalf("status: %d %s", r.status, r.body)
	}
	st := decode[Status](t, r)
	if st.Store != "sqlite" || st.Version != "test" || !st.Leader {
		t.Fatalf("status = %+v", st)
	}
	if p := decode[Principal](t, do(t, "GET", hs.URL+"/api/v1/whoami", "", "")); p != Anonymous {
		t.Fatalf("whoami = %+v, want anonymous admin", p)
	}
}

func TestAuthAndRoles(t *testing.T) {
	hs, _, _ := newTestServer(t, map[string]string{"viewer1": "viewer:v-secret", "root": "admin:a-secret"}, nil)
	// No token, a wrong one, a malformed header: 401 with a JSON body.
	for _, tc := range []struct{ header, want string }{
		{"", "needs a bearer token"},
		{"Bearer nope", "not valid"},
		{"Basic dXNlcjpwYXNz", `must be "Bearer <token>"`},
	} {
		var r response
		if tc.header == "" {
			r = do(t, "GET", hs.URL+"/api/v1/status", "", "")
		} else {
			r = do(t, "GET", hs.URL+"/api/v1/status", "", "", "Authorization", tc.header)
		}
		e := decode[APIError](t, r)
		if r.status != 401 || e.Code != "unauthorized" || !strings.Contains(e.Message, tc.want) || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%q: %d %+v", tc.header, r.status, e)
		}
	}
	if r := do(t, "GET", hs.URL+"/api/v1/status", "v-secret", ""); r.status != 200 {
		t.Fatalf("viewer status: %d %s", r.status, r.body)
	}
	r := do(t, "GET", hs.URL+"/api/v1/audit", "v-secret", "")
	if e := decode[APIError](t, r); r.status != 403 || e.Code != "forbidden" || !strings.Contains(e.Message, "needs the admin role") {
		t.Fatalf("viewer audit: %d %+v", r.status, e)
	}
	if r := do(t, "GET", hs.URL+"/api/v1/audit", "a-secret", ""); r.status != 200 {
		t.Fatalf("admin audit: %d %s", r.status, r.body)
	}
	if p := decode[Principal](t, do(t, "GET", hs.URL+"/api/v1/whoami", "a-secret", "")); p != (Principal{Name: "root", Role: "admin"}) {
		t.Fatalf("whoami = %+v", p)
	}
	// Probes need no token; metrics do.
	if r := do(t, "GET", hs.URL+"/healthz", "", ""); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
	if r := do(t, "GET", hs.URL+"/metrics", "", ""); r.status != 401 {
		t.Fatalf("metrics without token: %d", r.status)
	}
}

func TestAuditOfStateChanges(t *testing.T) {
	hs, _, st := newTestServer(t, map[string]string{"ci": "operator:o-secret", "bob": "viewer:v-secret", "root": "admin:a-secret"}, func(s *Server) {
		s.Handle("POST /api/v1/things", "operator", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in struct{ Name string }
			if !DecodeJSON(w, r, &in) {
				return
			}
			writeJSON(w, http.StatusCreated, in)
		}))
	})
	if r := do(t, "POST", hs.URL+"/api/v1/things", "o-secret", `{"Name":"x"}`, "X-Request-ID", "req-42"); r.status != 201 || r.header.Get("X-Request-ID") != "req-42" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", hs.URL+"/api/v1/things", "v-secret", `{"Name":"y"}`); r.status != 403 {
		t.Fatalf("viewer create: %d", r.status)
	}
	if r := do(t, "POST", hs.URL+"/api/v1/things", "o-secret", `{"Nme":"y"}`); r.status != 400 || !strings.Contains(r.body, "unknown field") {
		t.Fatalf("bad body: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", hs.URL+"/api/v1/things", "o-secret", `{"Name":"`+strings.Repeat("z", 5000)+`"}`); r.status != 413 {
		t.Fatalf("large body: %d %s", r.status, r.body)
	}
	recs, err := st.ListAudit(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rec := range recs {
		got = append(got, rec.Actor+" "+rec.Role+" "+rec.Action+" "+rec.Target+" "+itoa(rec.Status))
	}
	want := []string{
		"ci operator POST /api/v1/things /api/v1/things 201",
		"bob viewer POST /api/v1/things /api/v1/things 403",
		"ci operator POST /api/v1/things /api/v1/things 400",
		"ci operator POST /api/v1/things /api/v1/things 413",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if recs[0].RequestID != "req-42" {
		t.Fatalf("request ID not recorded: %+v", recs[0])
	}
	// Reading is not audited; the admin sees the records over the API.
	r := do(t, "GET", hs.URL+"/api/v1/audit?actor=ci&limit=2", "a-secret", "")
	var page struct{ Records []store.AuditRecord }
	if err := json.Unmarshal([]byte(r.body), &page); err != nil || len(page.Records) != 2 {
		t.Fatalf("audit page: %d %s", r.status, r.body)
	}
	if r := do(t, "GET", hs.URL+"/api/v1/audit?limit=0", "a-secret", ""); r.status != 400 || !strings.Contains(r.body, "limit") {
		t.Fatalf("bad limit: %d %s", r.status, r.body)
	}
	if v := decode[map[string]any](t, do(t, "GET", hs.URL+"/api/v1/audit/verify", "a-secret", "")); v["intact"] != true {
		t.Fatalf("verify: %v", v)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestErrorsAndObservability(t *testing.T) {
	hs, s, st := newTestServer(t, nil, func(s *Server) {
		s.Handle("GET /api/v1/boom", "viewer", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom") }))
	})
	r := do(t, "GET", hs.URL+"/api/v1/nothing", "", "")
	if e := decode[APIError](t, r); r.status != 404 || e.Code != "not_found" || e.RequestID == "" || e.RequestID != r.header.Get("X-Request-ID") {
		t.Fatalf("404: %d %+v", r.status, e)
	}
	r = do(t, "POST", hs.URL+"/api/v1/status", "", "")
	if e := decode[APIError](t, r); r.status != 405 || e.Code != "method_not_allowed" || r.header.Get("Allow") != "GET" {
		t.Fatalf("405: %d %+v allow %q", r.status, e, r.header.Get("Allow"))
	}
	r = do(t, "GET", hs.URL+"/api/v1/boom", "", "")
	if e := decode[APIError](t, r); r.status != 500 || e.Code != "internal" {
		t.Fatalf("panic: %d %s", r.status, r.body)
	}
	// A bad client-chosen request ID is replaced.
	r = do(t, "GET", hs.URL+"/healthz", "", "", "X-Request-ID", "bad id\twith spaces")
	if id := r.header.Get("X-Request-ID"); id == "" || strings.ContainsAny(id, " \t") {
		t.Fatalf("request ID %q", id)
	}
	m := do(t, "GET", hs.URL+"/metrics", "", "")
	for _, want := range []string{
		`opsloop_http_requests_total{code="404",method="GET",route="/api/"} 1`,
		`opsloop_http_requests_total{code="500",method="GET",route="GET /api/v1/boom"} 1`,
		`opsloop_http_request_duration_seconds_bucket{route="GET /healthz",le="+Inf"}`,
	} {
		if !strings.Contains(m.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if r := do(t, "GET", hs.URL+"/readyz", "", ""); r.status != 200 {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	s.Drain()
	if r := do(t, "GET", hs.URL+"/readyz", "", ""); r.status != 503 || !strings.Contains(r.body, "shutting down") {
		t.Fatalf("readyz while draining: %d %s", r.status, r.body)
	}
	st.Close()
	if r := do(t, "GET", hs.URL+"/readyz", "", ""); r.status != 503 || !strings.Contains(r.body, `"store"`) {
		t.Fatalf("readyz with the store closed: %d %s", r.status, r.body)
	}
	if r := do(t, "GET", hs.URL+"/api/v1/openapi.json", "", ""); r.status != 200 || !strings.Contains(r.body, `"openapi": "3.1.0"`) {
		t.Fatalf("openapi: %d", r.status)
	}
}

func TestNewAuthenticator(t *testing.T) {
	env := map[string]string{"A": "secret-a", EnvTokens: "ci:operator:s1, bot:viewer:s2"}
	a, err := NewAuthenticator([]config.Token{{Name: "alice", Role: "approver", Env: "A"}, {Name: "h", Role: "admin", SHA256: HashToken("hashed")}}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	for secret, want := range map[string]Principal{"secret-a": {"alice", "approver"}, "s1": {"ci", "operator"}, "s2": {"bot", "viewer"}, "hashed": {"h", "admin"}} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "bearer "+secret)
		if p, err := a.Authenticate(r); err != nil || p != want {
			t.Errorf("%s: %+v %v", secret, p, err)
		}
	}
	for _, tc := range []struct {
		tokens []config.Token
		env    string
		want   string
	}{
		{[]config.Token{{Name: "x", Role: "admin", Env: "UNSET"}}, "", "UNSET is empty or unset"},
		{nil, "broken", "want name:role:secret"},
		{nil, "a:root:s", `"root" is not a role`},
		{nil, "a:viewer:s,a:admin:t", "defined twice"},
	} {
		_, err := NewAuthenticator(tc.tokens, func(k string) string {
			if k == EnvTokens {
				return tc.env
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v %q: err = %v, want %q", tc.tokens, tc.env, err, tc.want)
		}
	}
}

// TestOpenAPIInDocs keeps docs/openapi.json equal to the served document.
func TestOpenAPIInDocs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(OpenAPI) {
		t.Fatal("docs/openapi.json differs from internal/web/openapi.json: copy it over")
	}
	var doc map[string]any
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
}
