package leader

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opsloop/opsloop/internal/store"
	"github.com/opsloop/opsloop/internal/store/pgtest"
	"github.com/opsloop/opsloop/internal/store/postgres"
	"github.com/opsloop/opsloop/internal/store/sqlite"
)

const ttl = time.Second

// replica is one campaigning Elector on its own connection pool, as a
// separate opsloop process would have.
type replica struct {
	el     *Elector
	st     store.Store
	cancel context.CancelFunc
	done   chan struct{}
}

func startReplica(t *testing.T, dbURL, name string) *replica {
	t.Helper()
	st, err := postgres.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{el: New(st, "leader", name, ttl, nil), st: st, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(r.done); r.el.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// watchOverlap samples both replicas until stopped and counts the samples
// where both believed they led.
func watchOverlap(a, b *replica) (stop func() int64) {
	var both atomic.Int64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-quit:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if a.el.IsLeader() && b.el.IsLeader() {
				both.Add(1)
			}
		}
	})
	return func() int64 { close(quit); wg.Wait(); return both.Load() }
}

func waitLeader(t *testing.T, r *replica, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for !r.el.IsLeader() {
		if time.Since(start) > within {
			t.Fatalf("%s did not become leader within %v", r.el.Holder(), within)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// TestFailover_CleanStop: the leader stops and releases the lease; the
// other replica takes over on its next try, well inside one TTL.
func TestFailover_CleanStop(t *testing.T) {
	db := pgtest.Database(t)
	a := startReplica(t, db, "a")
	waitLeader(t, a, 3*time.Second)
	b := startReplica(t, db, "b")
	stop := watchOverlap(a, b)
	time.Sleep(ttl) // b tries at least three times and must be refused
	if b.el.IsLeader() {
		t.Fatal("b leads while a holds the lease")
	}
	a.cancel()
	<-a.done
	took := waitLeader(t, b, 3*ttl)
	if n := stop(); n > 0 {
		t.Fatalf("both replicas believed they led in %d samples", n)
	}
	t.Logf("handover after a clean stop took %v (TTL %v)", took, ttl)
	if holder, _, err := b.st.LeaseHolder(t.Context(), "leader"); err != nil || holder != "b" {
		t.Fatalf("lease holder = %q, %v", holder, err)
	}
}

// TestFailover_Crash: the leader loses its database connection (as a
// crashed or partitioned process would) and cannot release; it stops
// considering itself leader at once, and the other replica takes over
// once the lease expires.
func TestFailover_Crash(t *testing.T) {
	db := pgtest.Database(t)
	a := startReplica(t, db, "a")
	waitLeader(t, a, 3*time.Second)
	b := startReplica(t, db, "b")
	stop := watchOverlap(a, b)
	a.st.Close() // renewals fail from now on; the lease stays until it expires
	took := waitLeader(t, b, 3*ttl)
	if a.el.IsLeader() {
		t.Fatal("a still believes it leads after losing its store")
	}
	if n := stop(); n > 0 {
		t.Fatalf("both replicas believed they led in %d samples", n)
	}
	t.Logf("takeover after a crash took %v (TTL %v)", took, ttl)
}

// TestSingleSQLite: one process on SQLite leads on its first try and
// releases on stop.
func TestSingleSQLite(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var changes []bool
	var mu sync.Mutex
	el := New(st, "leader", "solo", ttl, nil)
	el.OnChange = func(b bool) { mu.Lock(); changes = append(changes, b); mu.Unlock() }
	done := make(chan struct{})
	go func() { defer close(done); el.Run(ctx) }()
	r := &replica{el: el}
	waitLeader(t, r, 2*time.Second)
	cancel()
	<-done
	if holder, _, err := st.LeaseHolder(t.Context(), "leader"); err != nil || holder != "" {
		t.Fatalf("after stop, holder = %q, %v; want released", holder, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(changes) != 2 || !changes[0] || changes[1] {
		t.Fatalf("OnChange calls = %v, want [true false]", changes)
	}
}
