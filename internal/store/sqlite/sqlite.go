// Package sqlite is opsloop's default [store.Store] backend: one SQLite
// file, through modernc.org/sqlite (pure Go, so the binary still builds
// with CGO_ENABLED=0).
//
// # Usage
//
//	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "opsloop.db"))
//	if err != nil { ... }
//	defer db.Close()
//
// [Open] creates the file (mode 0o600) and its directory (mode 0o750) when
// they are missing, turns on WAL mode, synchronous=NORMAL, foreign keys and a
// 5-second busy timeout on every connection, and applies the embedded
// migrations (migrations/*.sql) that the file lacks, each in its own
// transaction. It refuses a file that a newer opsloop has migrated
// further ([store.ErrSchemaTooNew]).
//
// # Concurrency
//
// SQLite lets one connection write at a time. A [DB] has one connection
// for writes, so its writers queue in Go rather than spin on SQLite's
// lock, and a few read-only connections, which WAL lets read beside the
// writer. Write transactions start with BEGIN IMMEDIATE, so another
// process on the same file makes a write wait (up to the busy timeout)
// instead of failing halfway through a transaction. Lease expiry uses
// SQLite's clock, which is the host's.
//
// # Durability
//
// With WAL and synchronous=NORMAL, a kill -9 of the process loses nothing
// that was committed; a power loss or an operating-system crash may lose
// the last transactions committed before it, never the file's
// consistency. The file must be on a local file system: WAL needs shared
// memory that network file systems do not provide.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/opsloop/opsloop/internal/store"
)

// Kind is what [DB.Kind] returns.
const Kind = "sqlite"

// readConns is how many read-only connections a DB keeps at most.
const readConns = 4

// pragmas configure every connection; see the package documentation.
const pragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"

// nowMillis is SQLite's clock as Unix milliseconds; it has the same value
// everywhere in one statement.
const nowMillis = "CAST(unixepoch('subsec') * 1000 AS INTEGER)"

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a [store.Store] on one SQLite file. Open it with [Open].
type DB struct {
	path string
	w    *sql.DB // one connection; every write goes through it (BEGIN IMMEDIATE)
	r    *sql.DB // up to readConns read-only connections
}

// Open opens the SQLite database at path, creating the file and its
// directory when they are missing, and migrates it to the schema this
// binary knows. path is a file name, not a URI or ":memory:".
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("store: open sqlite: %w: path is empty", store.ErrInvalidArgument)
	}
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("store: open sqlite: %w: %q is not a file path", store.ErrInvalidArgument, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: create directory: %w", abs, err)
	}
	// Create the file ourselves so that it, and the -wal and -shm files
	// SQLite gives the same mode, are readable by the owner only.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	w, err := sql.Open("sqlite", dsn(abs, "&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	r, err := sql.Open("sqlite", dsn(abs, "&_pragma=query_only(1)"))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	db := &DB{path: abs, w: w, r: r}
	if err := db.init(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	return db, nil
}

// dsn returns the modernc.org/sqlite data source name for the file at the
// absolute path abs, with extra appended to the query.
func dsn(abs, extra string) string {
	// In a URI, SQLite decodes %HH and ends the path at '?' or '#'.
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	return "file:" + p + "?" + pragmas + extra
}

// init checks the journal mode and applies pending migrations.
func (db *DB) init(ctx context.Context) error {
	var mode string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not WAL (is the file on a network file system?)", mode)
	}
	return db.migrate(ctx)
}

// migrate applies the embedded migrations the database lacks, each in its
// own transaction.
func (db *DB) migrate(ctx context.Context) error {
	known, err := store.ParseMigrations(migrations, "migrations")
	if err != nil {
		return err
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at TEXT NOT NULL
) STRICT`
	if _, err := db.w.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	pending, err := store.PendingMigrations(known, applied)
	if err != nil {
		return err
	}
	for _, m := range pending {
		err := db.write(ctx, func(tx *sql.Tx) error {
			// Another process may have applied it since we looked.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`, m.Version)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
	}
	return nil
}

// appliedMigrations returns the versions in schema_migrations.
func (db *DB) appliedMigrations(ctx context.Context) ([]int, error) {
	rows, err := db.w.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// write runs fn in a write transaction (BEGIN IMMEDIATE) and commits it
// when fn returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// auditColumns are the audit_log columns that scanAudit reads, in order.
const auditColumns = `seq, time_ms, actor, role, action, target, request_id, status, detail, prev_hash, hash`

// scanAudit reads one row of auditColumns.
func scanAudit(rows *sql.Rows) (store.AuditRecord, error) {
	var r store.AuditRecord
	var ms int64
	err := rows.Scan(&r.Seq, &ms, &r.Actor, &r.Role, &r.Action, &r.Target, &r.RequestID, &r.Status, &r.Detail, &r.PrevHash, &r.Hash)
	r.Time = time.UnixMilli(ms).UTC()
	return r, err
}

// AppendAudit implements [store.Store.AppendAudit].
func (db *DB) AppendAudit(ctx context.Context, r store.AuditRecord) (store.AuditRecord, error) {
	if err := r.Validate(); err != nil {
		return store.AuditRecord{}, fmt.Errorf("store: append audit: %w", err)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var seq int64
		var hash string
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
			return fmt.Errorf("read chain head: %w", err)
		}
		r = store.LinkAudit(r, seq, hash, time.Now())
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Seq, r.Time.UnixMilli(), r.Actor, r.Role, r.Action, r.Target, r.RequestID, r.Status, r.Detail, r.PrevHash, r.Hash)
		if err != nil {
			return fmt.Errorf("insert record %d: %w", r.Seq, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, r.Seq, r.Hash); err != nil {
			return fmt.Errorf("update chain head: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.AuditRecord{}, fmt.Errorf("store: append audit: %w", err)
	}
	return r, nil
}

// ListAudit implements [store.Store.ListAudit].
func (db *DB) ListAudit(ctx context.Context, q store.AuditQuery) ([]store.AuditRecord, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	query := `SELECT ` + auditColumns + ` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`
	args := []any{q.AfterSeq, q.Limit}
	if q.Actor != "" {
		query = `SELECT ` + auditColumns + ` FROM audit_log WHERE actor = ? AND seq > ? ORDER BY seq LIMIT ?`
		args = []any{q.Actor, q.AfterSeq, q.Limit}
	}
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	var out []store.AuditRecord
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list audit: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	return out, nil
}

// VerifyAudit implements [store.Store.VerifyAudit]. It reads the chain in
// one read transaction, so appends made meanwhile do not disturb it.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	bad, err := db.verifyAudit(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: verify audit: %w", err)
	}
	return bad, nil
}

func (db *DB) verifyAudit(ctx context.Context) (int64, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return 0, fmt.Errorf("read chain head: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var v store.AuditVerifier
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return 0, err
		}
		if bad := v.Check(r); bad != 0 {
			return bad, nil
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return v.Finish(headSeq, headHash), nil
}

// AcquireLease implements [store.Store.AcquireLease].
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if err := store.ValidateLease(name, holder); err != nil {
		return false, fmt.Errorf("store: acquire lease: %w", err)
	}
	if err := store.ValidateLeaseTTL(ttl); err != nil {
		return false, fmt.Errorf("store: acquire lease %q: %w", name, err)
	}
	ttlMillis := int64((ttl + time.Millisecond - 1) / time.Millisecond)
	res, err := db.w.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_ms) VALUES (?1, ?2, `+nowMillis+` + ?3)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
WHERE leases.holder = excluded.holder OR leases.expires_ms <= `+nowMillis, name, holder, ttlMillis)
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %q: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease implements [store.Store.ReleaseLease].
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := store.ValidateLease(name, holder); err != nil {
		return fmt.Errorf("store: release lease: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("store: release lease %q: %w", name, err)
	}
	return nil
}

// LeaseHolder implements [store.Store.LeaseHolder].
func (db *DB) LeaseHolder(ctx context.Context, name string) (string, time.Time, error) {
	if err := store.ValidateLeaseName(name); err != nil {
		return "", time.Time{}, fmt.Errorf("store: lease holder: %w", err)
	}
	var holder string
	var ms int64
	err := db.r.QueryRowContext(ctx, `SELECT holder, expires_ms FROM leases WHERE name = ? AND expires_ms > `+nowMillis, name).Scan(&holder, &ms)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", time.Time{}, nil
	case err != nil:
		return "", time.Time{}, fmt.Errorf("store: lease holder %q: %w", name, err)
	}
	return holder, time.UnixMilli(ms).UTC(), nil
}

// Ping implements [store.Store.Ping]: it reads the chain head, which
// needs the file to be readable and migrated.
func (db *DB) Ping(ctx context.Context) error {
	var seq int64
	if err := db.r.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&seq); err != nil {
		return fmt.Errorf("store: ping sqlite %s: %w", db.path, err)
	}
	return nil
}

// Kind implements [store.Store.Kind]; it returns [Kind].
func (db *DB) Kind() string { return Kind }

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close implements [store.Store.Close].
func (db *DB) Close() error {
	if err := errors.Join(db.r.Close(), db.w.Close()); err != nil {
		return fmt.Errorf("store: close sqlite %s: %w", db.path, err)
	}
	return nil
}

// Interface guards.
var _ store.Store = (*DB)(nil)
