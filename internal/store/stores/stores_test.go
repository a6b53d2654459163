package stores

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opsloop/opsloop/internal/store"
)

func TestParseSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec, dataDir string
		kind, target  string
	}{
		{"", "/var/lib/opsloop", "sqlite", "/var/lib/opsloop/opsloop.db"},
		{"sqlite", "data", "sqlite", "data/opsloop.db"},
		{"sqlite:state.db", "/ignored", "sqlite", "state.db"},
		{"sqlite:dir/state.db", "", "sqlite", "dir/state.db"},
		{"sqlite:/abs/state.db", "", "sqlite", "/abs/state.db"},
		{"sqlite:///abs/state.db", "", "sqlite", "/abs/state.db"},
		{"sqlite:///abs/with space.db", "", "sqlite", "/abs/with space.db"},
		{"postgres://u:p@db:5432/opsloop?sslmode=require", "", "postgres", "postgres://u:p@db:5432/opsloop?sslmode=require"},
		{"postgresql://db/opsloop", "", "postgres", "postgresql://db/opsloop"},
	} {
		kind, target, err := parseSpec(tc.spec, tc.dataDir)
		if err != nil || kind != tc.kind || target != filepath.FromSlash(tc.target) {
			t.Errorf("parseSpec(%q, %q) = %q, %q, %v; want %q, %q, nil", tc.spec, tc.dataDir, kind, target, err, tc.kind, tc.target)
		}
	}
}

func TestParseSpec_Invalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec, dataDir string
		what          string // in the error
	}{
		{"", "", "data directory is empty"},
		{"sqlite", "", "data directory is empty"},
		{"sqlite:", "", "no file"},
		{"sqlite://", "", "no host"},
		{"sqlite://host/x.db", "", "no host"},
		{"sqlite:///", "", "directory"},
		{"sqlite:x.db?mode=ro", "", "query parameters"},
		{"sqlite:///x.db#frag", "", "query parameters"},
		{"mysql://u@h/db", "", `"mysql://u@h/db"`},
		{"postgress://u:s3cret@h/db", "", "postgress://u:xxxxx@h/db"},
		{"postgress://u:s3cret@h:port/db", "", `"postgress:..."`},
		{"u:s3cret@h", "", `"u:..."`},
		{"host=db password=s3cret", "", `"..."`},
		{"opsloop.db", "", "want"},
	} {
		_, _, err := parseSpec(tc.spec, tc.dataDir)
		if !errors.Is(err, store.ErrInvalidArgument) {
			t.Errorf("parseSpec(%q, %q) error = %v, want one wrapping store.ErrInvalidArgument", tc.spec, tc.dataDir, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.what) || strings.Contains(msg, "s3cret") {
			t.Errorf("parseSpec(%q, %q) error = %q; want it to mention %q and hide any password", tc.spec, tc.dataDir, msg, tc.what)
		}
	}
}

func TestOpen_SQLite(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	for _, spec := range []string{"", "sqlite", "sqlite://" + filepath.ToSlash(filepath.Join(dir, "opsloop.db"))} {
		s, err := Open(t.Context(), spec, dir)
		if err != nil {
			t.Fatalf("Open(%q): %v", spec, err)
		}
		if s.Kind() != "sqlite" {
			t.Errorf("Open(%q).Kind() = %q, want sqlite", spec, s.Kind())
		}
		if _, err := s.AppendAudit(t.Context(), store.AuditRecord{Actor: "alice", Action: "test", Target: spec}); err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, DefaultFile)); err != nil {
		t.Errorf("default database file: %v", err)
	}
	if _, err := Open(t.Context(), "nosuch:", dir); !errors.Is(err, store.ErrInvalidArgument) {
		t.Errorf("Open with a bad spec: error = %v, want one wrapping store.ErrInvalidArgument", err)
	}
	// A file where the directory should be: the SQLite backend fails.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(t.Context(), "sqlite", file); s != nil || err == nil {
		t.Errorf("Open under a file = %#v, %v; want a nil interface and an error", s, err)
	}
}

func TestOpen_PostgresUnreachable(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1; the spec reaches the postgres backend.
	s, err := Open(t.Context(), "postgres://opsloop:s3cret@127.0.0.1:1/opsloop?connect_timeout=5", "")
	if s != nil {
		t.Errorf("Open returned a Store (%#v) with its error; want a nil interface", s)
	}
	if err == nil || !strings.Contains(err.Error(), "postgres") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of an unreachable PostgreSQL: error = %v; want one from the postgres backend, hiding the password", err)
	}
}
