package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opsloop/opsloop/internal/store"
	"github.com/opsloop/opsloop/internal/store/storetest"
)

// open opens the database at path and closes it when the test ends.
func open(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// exec runs a statement on db's write connection, behind the Store's back.
func exec(t *testing.T, db *DB, query string, args ...any) {
	t.Helper()
	if _, err := db.w.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t,
		func(t *testing.T) store.Store { return open(t, filepath.Join(t.TempDir(), "opsloop.db")) },
		func(t *testing.T, s store.Store, seq int64) {
			exec(t, s.(*DB), `UPDATE audit_log SET actor = actor || '!' WHERE seq = ?`, seq)
		},
	)
}

func TestReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "opsloop.db")
	storetest.RunReopen(t, func(t *testing.T) store.Store { return open(t, path) })
}

func TestOpen_CreatesDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b")
	db := open(t, filepath.Join(dir, "opsloop.db"))
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&^0o750 != 0 {
		t.Errorf("data directory mode = %v, want at most 0750", perm)
	}
	for _, name := range []string{"opsloop.db", "opsloop.db-wal", "opsloop.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, perm)
		}
	}
	if db.Path() != filepath.Join(dir, "opsloop.db") {
		t.Errorf("Path = %q, want %q", db.Path(), filepath.Join(dir, "opsloop.db"))
	}
}

func TestOpen_Pragmas(t *testing.T) {
	t.Parallel()
	// A name that needs escaping in a URI still names that file.
	path := filepath.Join(t.TempDir(), "odd ?#%name.db")
	db := open(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	for _, pool := range []struct {
		name string
		db   interface {
			QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		}
	}{{"writer", db.w}, {"reader", db.r}} {
		for pragma, want := range map[string]string{
			"journal_mode": "wal",
			"synchronous":  "1", // NORMAL
			"busy_timeout": "5000",
			"foreign_keys": "1",
		} {
			var got string
			if err := pool.db.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", pool.name, pragma, err)
			}
			if !strings.EqualFold(got, want) {
				t.Errorf("%s: PRAGMA %s = %q, want %q", pool.name, pragma, got, want)
			}
		}
	}
	if _, err := db.r.ExecContext(t.Context(), `DELETE FROM leases`); err == nil {
		t.Error("a read connection could write")
	}
}

func TestOpen_Invalid(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if _, err := Open(t.Context(), path); !errors.Is(err, store.ErrInvalidArgument) {
			t.Errorf("Open(%q) error = %v, want one wrapping store.ErrInvalidArgument", path, err)
		}
	}
	// The directory cannot be created where a file is.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), filepath.Join(file, "opsloop.db")); err == nil || !strings.Contains(err.Error(), "create directory") {
		t.Errorf("Open under a file: error = %v, want one about creating the directory", err)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "opsloop.db")
	known, err := store.ParseMigrations(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		db := open(t, path)
		var n, max int
		if err := db.r.QueryRowContext(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		if n != len(known) || max != known[len(known)-1].Version {
			t.Fatalf("schema_migrations has %d rows up to version %d; want %d up to %d", n, max, len(known), known[len(known)-1].Version)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// A newer binary has migrated the file further: refuse it.
	db := open(t, path)
	exec(t, db, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 'later')`)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), path)
	if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), path) {
		t.Errorf("Open of a database with a newer schema: error = %v; want ErrSchemaTooNew naming version 9999 and the file", err)
	}
}

func TestVerifyAudit_Deleted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		query string
		want  int64
	}{
		{"Middle", `DELETE FROM audit_log WHERE seq = 2`, 2},
		{"Last", `DELETE FROM audit_log WHERE seq = 4`, 4},
		{"AllButFirst", `DELETE FROM audit_log WHERE seq > 1`, 2},
		{"Added", `INSERT INTO audit_log SELECT seq + 1, time_ms, actor, role, action, target, request_id, status, detail, hash, hash FROM audit_log WHERE seq = 4`, 5},
		{"Relinked", `UPDATE audit_log SET prev_hash = 'x' WHERE seq = 3`, 3},
		{"Head", `UPDATE audit_head SET hash = 'x'`, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := open(t, filepath.Join(t.TempDir(), "opsloop.db"))
			for range 4 {
				if _, err := db.AppendAudit(t.Context(), store.AuditRecord{Actor: "alice", Action: "test"}); err != nil {
					t.Fatal(err)
				}
			}
			exec(t, db, tc.query)
			if bad, err := db.VerifyAudit(t.Context()); bad != tc.want || err != nil {
				t.Errorf("VerifyAudit = %d, %v; want %d, nil", bad, err, tc.want)
			}
		})
	}
}

// TestWriteTxIsImmediate checks that write transactions take SQLite's
// write lock when they begin (BEGIN IMMEDIATE, from _txlock=immediate),
// not at their first write, where another process could have slipped in.
func TestWriteTxIsImmediate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "opsloop.db")
	db := open(t, path)
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := db.w.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(t.Context(), `INSERT INTO leases VALUES ('x', 'y', 0)`); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("a write beside an open write transaction: error = %v; want \"database is locked\"", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(t.Context(), `INSERT INTO leases VALUES ('x', 'y', 0)`); err != nil {
		t.Errorf("a write after the transaction ended: %v", err)
	}
}
