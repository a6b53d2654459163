// Package postgres is opsloop's scale-out [store.Store] backend, on
// PostgreSQL through pgx, for several opsloop replicas that share one
// database and elect a leader with a lease.
//
// # Usage
//
//	db, err := postgres.Open(ctx, "postgres://opsloop@db.internal:5432/opsloop?sslmode=verify-full")
//	if err != nil { ... }
//	defer db.Close()
//
// [Open] connects, takes a session advisory lock so that replicas starting
// together migrate one at a time, and applies the embedded migrations
// (migrations/*.sql) that the database lacks, each in its own transaction.
// It refuses a database that a newer opsloop has migrated further
// ([store.ErrSchemaTooNew]). Tables live in the connection's search_path.
//
// # Concurrency
//
// A [DB] keeps up to 8 connections. Audit appends lock the one-row chain
// head (SELECT ... FOR UPDATE) in their transaction, so appends from every
// replica form one chain; leases are single INSERT ... ON CONFLICT
// statements that compare expiry with the server's now(), so replicas'
// clocks do not matter.
//
// # Durability
//
// A kill -9 of the opsloop process loses nothing that a method returned
// success for; what a server crash can lose is up to the server's fsync,
// synchronous_commit and replication settings (with the defaults, no
// committed transaction).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opsloop/opsloop/internal/store"
)

// Kind is what [DB.Kind] returns.
const Kind = "postgres"

const (
	// maxConns caps the connection pool (pool_max_conns in the URL can
	// lower it).
	maxConns = 8
	// closeTimeout bounds releasing the migration lock on the way out.
	closeTimeout = 5 * time.Second
)

// migrationLock is the key of the session advisory lock held while
// migrating ("opsloop" and 1, as bytes).
const migrationLock int64 = 0x6f70736c6f6f7001

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a [store.Store] on a PostgreSQL database. Open it with [Open].
type DB struct {
	pool      *pgxpool.Pool
	closeOnce sync.Once
	name      string // user@host:port/database, for messages; never a password
}

// Open connects to the PostgreSQL database at url (postgres://... or
// postgresql://..., or any connection string pgx accepts) and migrates it
// to the schema this binary knows.
func Open(ctx context.Context, url string) (*DB, error) {
	if url == "" {
		return nil, fmt.Errorf("store: open postgres: %w: connection URL is empty", store.ErrInvalidArgument)
	}
	cfg, err := pgxpool.ParseConfig(url) // its errors hide the password
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	if cfg.MaxConns > maxConns {
		cfg.MaxConns = maxConns
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	cc := cfg.ConnConfig
	db := &DB{
		pool: p,
		name: fmt.Sprintf("%s@%s:%d/%s", cc.User, cc.Host, cc.Port, cc.Database),
	}
	if err := db.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open postgres %s: %w", db.name, err)
	}
	return db, nil
}

// migrate applies the embedded migrations the database lacks, each in its
// own transaction, holding migrationLock.
func (db *DB) migrate(ctx context.Context) error {
	known, err := store.ParseMigrations(migrations, "migrations")
	if err != nil {
		return err
	}
	return db.with(ctx, func(c *pgx.Conn) (err error) {
		if _, err := c.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
			defer cancel()
			if _, uerr := c.Exec(ctx, `SELECT pg_advisory_unlock($1)`, migrationLock); uerr != nil {
				// Ending the session releases the lock.
				_ = c.Close(ctx)
				err = errors.Join(err, fmt.Errorf("migrate: unlock: %w", uerr))
			}
		}()
		const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`
		if _, err := c.Exec(ctx, create); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		rows, err := c.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		versions := make([]int, len(applied))
		for i, v := range applied {
			versions[i] = int(v)
		}
		pending, err := store.PendingMigrations(known, versions)
		if err != nil {
			return err
		}
		for _, m := range pending {
			err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, m.SQL); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version)
				return err
			})
			if err != nil {
				return fmt.Errorf("migrate: %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// auditColumns are the audit_log columns that scanAudit reads, in order.
const auditColumns = `seq, at, actor, role, action, target, request_id, status, detail, prev_hash, hash`

// scanAudit reads one row of auditColumns.
func scanAudit(row pgx.Row) (store.AuditRecord, error) {
	var r store.AuditRecord
	err := row.Scan(&r.Seq, &r.Time, &r.Actor, &r.Role, &r.Action, &r.Target, &r.RequestID, &r.Status, &r.Detail, &r.PrevHash, &r.Hash)
	r.Time = r.Time.UTC()
	return r, err
}

// AppendAudit implements [store.Store.AppendAudit].
func (db *DB) AppendAudit(ctx context.Context, r store.AuditRecord) (store.AuditRecord, error) {
	if err := r.Validate(); err != nil {
		return store.AuditRecord{}, fmt.Errorf("store: append audit: %w", err)
	}
	err := db.with(ctx, func(c *pgx.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			var seq int64
			var hash string
			if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&seq, &hash); err != nil {
				return fmt.Errorf("lock chain head: %w", err)
			}
			r = store.LinkAudit(r, seq, hash, time.Now())
			_, err := tx.Exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				r.Seq, r.Time, r.Actor, r.Role, r.Action, r.Target, r.RequestID, r.Status, r.Detail, r.PrevHash, r.Hash)
			if err != nil {
				return fmt.Errorf("insert record %d: %w", r.Seq, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, r.Seq, r.Hash); err != nil {
				return fmt.Errorf("update chain head: %w", err)
			}
			return nil
		})
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
	query := `SELECT ` + auditColumns + ` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`
	args := []any{q.AfterSeq, q.Limit}
	if q.Actor != "" {
		query = `SELECT ` + auditColumns + ` FROM audit_log WHERE actor = $1 AND seq > $2 ORDER BY seq LIMIT $3`
		args = []any{q.Actor, q.AfterSeq, q.Limit}
	}
	var out []store.AuditRecord
	err = db.with(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AuditRecord, error) { return scanAudit(row) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	return out, nil
}

// VerifyAudit implements [store.Store.VerifyAudit]. It reads the chain in
// one read-only, repeatable-read transaction, so appends made meanwhile
// do not disturb it.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	var bad int64
	err := db.with(ctx, func(c *pgx.Conn) error {
		opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
		return pgx.BeginTxFunc(ctx, c, opts, func(tx pgx.Tx) error {
			var headSeq int64
			var headHash string
			if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
				return fmt.Errorf("read chain head: %w", err)
			}
			rows, err := tx.Query(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq`)
			if err != nil {
				return err
			}
			defer rows.Close()
			var v store.AuditVerifier
			for rows.Next() {
				r, err := scanAudit(rows)
				if err != nil {
					return err
				}
				if bad = v.Check(r); bad != 0 {
					return nil
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
			bad = v.Finish(headSeq, headHash)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: verify audit: %w", err)
	}
	return bad, nil
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
	var held bool
	err := db.with(ctx, func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + $3::double precision * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= now()`, name, holder, ttlMillis)
		held = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %q: %w", name, err)
	}
	return held, nil
}

// ReleaseLease implements [store.Store.ReleaseLease].
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := store.ValidateLease(name, holder); err != nil {
		return fmt.Errorf("store: release lease: %w", err)
	}
	err := db.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
		return err
	})
	if err != nil {
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
	var expires time.Time
	err := db.with(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT holder, expires_at FROM leases WHERE name = $1 AND expires_at > now()`, name).Scan(&holder, &expires)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", time.Time{}, nil
	case err != nil:
		return "", time.Time{}, fmt.Errorf("store: lease holder %q: %w", name, err)
	}
	return holder, expires.UTC(), nil
}

// Ping implements [store.Store.Ping].
func (db *DB) Ping(ctx context.Context) error {
	if err := db.with(ctx, func(c *pgx.Conn) error { return c.Ping(ctx) }); err != nil {
		return fmt.Errorf("store: ping postgres %s: %w", db.name, err)
	}
	return nil
}

// Kind implements [store.Store.Kind]; it returns [Kind].
func (db *DB) Kind() string { return Kind }

// Close implements [store.Store.Close]. Connections in use when it is
// called are closed as they are handed back.
func (db *DB) Close() error {
	db.closeOnce.Do(db.pool.Close)
	return nil
}

// with runs fn on a pooled connection.
func (db *DB) with(ctx context.Context, fn func(*pgx.Conn) error) error {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	return fn(c.Conn())
}

// Interface guards.
var _ store.Store = (*DB)(nil)
