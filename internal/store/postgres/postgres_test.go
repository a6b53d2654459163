package postgres

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/opsloop/opsloop/internal/store"
	"github.com/opsloop/opsloop/internal/store/pgtest"
	"github.com/opsloop/opsloop/internal/store/storetest"
)

// open opens the database at dbURL and closes it when the test ends.
func open(t *testing.T, dbURL string) *DB {
	t.Helper()
	db, err := Open(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// exec runs a statement on one of db's connections, behind the Store's back.
func exec(t *testing.T, db *DB, query string, args ...any) {
	t.Helper()
	err := db.with(t.Context(), func(c *pgx.Conn) error {
		_, err := c.Exec(t.Context(), query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t,
		func(t *testing.T) store.Store { return open(t, pgtest.Database(t)) },
		func(t *testing.T, s store.Store, seq int64) {
			exec(t, s.(*DB), `UPDATE audit_log SET actor = actor || '!' WHERE seq = $1`, seq)
		},
	)
}

func TestReopen(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.Database(t)
	storetest.RunReopen(t, func(t *testing.T) store.Store { return open(t, dbURL) })
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.Database(t)
	known, err := store.ParseMigrations(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	// Replicas that start together migrate one at a time; all succeed.
	const replicas = 4
	dbs := make([]*DB, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			db, err := Open(t.Context(), dbURL)
			if err != nil {
				t.Errorf("replica %d: Open: %v", i, err)
				return
			}
			dbs[i] = db
		})
	}
	wg.Wait()
	for _, db := range dbs {
		if db != nil {
			_ = db.Close()
		}
	}
	if t.Failed() {
		return
	}
	db := open(t, dbURL)
	open(t, dbURL) // and once more beside it
	var n, latest int
	err = db.with(t.Context(), func(c *pgx.Conn) error {
		return c.QueryRow(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &latest)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := known[len(known)-1].Version; n != len(known) || latest != want {
		t.Fatalf("schema_migrations has %d rows up to version %d; want %d up to %d", n, latest, len(known), want)
	}

	// A newer binary has migrated the database further: refuse it.
	exec(t, db, `INSERT INTO schema_migrations (version) VALUES (9999)`)
	_, err = Open(t.Context(), dbURL)
	if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
		t.Errorf("Open of a database with a newer schema: error = %v; want ErrSchemaTooNew naming version 9999", err)
	}
}

// TestReplicas runs two Stores, each with its own connections, on one
// database, as two opsloop replicas would.
func TestReplicas(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.Database(t)
	a, b := open(t, dbURL), open(t, dbURL)

	t.Run("AuditChain", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		const goroutines, each = 4, 25 // per replica
		var wg sync.WaitGroup
		for i, s := range []*DB{a, b} {
			for g := range goroutines {
				wg.Go(func() {
					for n := range each {
						r := store.AuditRecord{Actor: fmt.Sprintf("replica%d-g%d", i, g), Action: "test", Target: fmt.Sprint(n)}
						if _, err := s.AppendAudit(ctx, r); err != nil {
							t.Errorf("replica %d: AppendAudit: %v", i, err)
							return
						}
					}
				})
			}
		}
		wg.Wait()
		for i, s := range []*DB{a, b} {
			var all []store.AuditRecord
			for q := (store.AuditQuery{Limit: store.MaxAuditLimit}); ; {
				page, err := s.ListAudit(ctx, q)
				if err != nil {
					t.Fatalf("replica %d: ListAudit: %v", i, err)
				}
				all = append(all, page...)
				if len(page) < q.Limit {
					break
				}
				q.AfterSeq = page[len(page)-1].Seq
			}
			if want := 2 * goroutines * each; len(all) != want {
				t.Fatalf("replica %d lists %d records, want %d", i, len(all), want)
			}
			for j, r := range all {
				if r.Seq != int64(j+1) || (j > 0 && r.PrevHash != all[j-1].Hash) {
					t.Fatalf("replica %d: record %d has Seq %d and PrevHash %q; want one linear chain", i, j, r.Seq, r.PrevHash)
				}
			}
			if bad, err := s.VerifyAudit(ctx); bad != 0 || err != nil {
				t.Errorf("replica %d: VerifyAudit = %d, %v; want 0, nil", i, bad, err)
			}
		}
	})

	t.Run("Lease", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		const ttl = 300 * time.Millisecond
		start := time.Now()
		if held, err := a.AcquireLease(ctx, "leader", "a", ttl); !held || err != nil {
			t.Fatalf("replica a: AcquireLease = %v, %v; want true, nil", held, err)
		}
		if held, err := b.AcquireLease(ctx, "leader", "b", ttl); held || err != nil {
			t.Fatalf("replica b: AcquireLease of a's lease = %v, %v; want false, nil", held, err)
		}
		// a crashes: it stops renewing. b keeps trying until the lease
		// expires, and takes it over.
		deadline := time.Now().Add(10 * time.Second)
		for {
			held, err := b.AcquireLease(ctx, "leader", "b", ttl)
			if err != nil {
				t.Fatalf("replica b: AcquireLease: %v", err)
			}
			if held {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("replica b did not take the lease over within 10s of a's crash")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if waited := time.Since(start); waited < ttl/2 {
			t.Errorf("replica b took the lease after %v, before a's %v lease could have expired", waited, ttl)
		}
		if held, err := b.AcquireLease(ctx, "leader", "b", time.Hour); !held || err != nil {
			t.Fatalf("replica b: renewing = %v, %v; want true, nil", held, err)
		}
		if held, err := a.AcquireLease(ctx, "leader", "a", ttl); held || err != nil {
			t.Errorf("replica a, back: AcquireLease = %v, %v; want false, nil", held, err)
		}
		for i, s := range []*DB{a, b} {
			if holder, _, err := s.LeaseHolder(ctx, "leader"); holder != "b" || err != nil {
				t.Errorf("replica %d: LeaseHolder = %q, %v; want \"b\", nil", i, holder, err)
			}
		}
	})
}

func TestVerifyAudit_Deleted(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.Database(t)
	db := open(t, dbURL)
	for range 4 {
		if _, err := db.AppendAudit(t.Context(), store.AuditRecord{Actor: "alice", Action: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	// Each step breaks the chain further back; VerifyAudit reports the
	// first break.
	for _, tc := range []struct {
		query string
		want  int64
	}{
		{`UPDATE audit_head SET hash = 'x'`, 4},
		{`DELETE FROM audit_log WHERE seq = 4`, 4},
		{`UPDATE audit_log SET prev_hash = 'x' WHERE seq = 3`, 3},
		{`DELETE FROM audit_log WHERE seq = 2`, 2},
	} {
		exec(t, db, tc.query)
		if bad, err := db.VerifyAudit(t.Context()); bad != tc.want || err != nil {
			t.Errorf("after %s: VerifyAudit = %d, %v; want %d, nil", tc.query, bad, err, tc.want)
		}
	}
}

func TestOpen_Invalid(t *testing.T) {
	t.Parallel()
	if _, err := Open(t.Context(), ""); !errors.Is(err, store.ErrInvalidArgument) {
		t.Errorf("Open(\"\") error = %v, want one wrapping store.ErrInvalidArgument", err)
	}
	_, err := Open(t.Context(), "postgres://opsloop:s3cret@db:notaport/opsloop")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of a bad URL: error = %v; want an error that hides the password", err)
	}
	// Nothing listens on port 1.
	_, err = Open(t.Context(), "postgres://opsloop:s3cret@127.0.0.1:1/opsloop?connect_timeout=5")
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("Open of an unreachable server: error = %v; want one naming the server and hiding the password", err)
	}
}
