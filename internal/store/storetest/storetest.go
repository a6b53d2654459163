// Package storetest is the conformance suite for [store.Store] backends.
// Every backend's tests run the same suite, so that code written against
// the interface behaves the same on each:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, openNew, tamper)
//	}
//
//	func TestReopen(t *testing.T) {
//		path := filepath.Join(t.TempDir(), "opsloop.db")
//		storetest.RunReopen(t, func(t *testing.T) store.Store { return open(t, path) })
//	}
//
// The suite's subtests run in parallel, each on a Store of its own.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opsloop/opsloop/internal/store"
)

// pollEvery is how often lease tests look again while they wait for a
// lease to expire, and pollFor how long they wait at most.
const (
	pollEvery = 20 * time.Millisecond
	pollFor   = 10 * time.Second
)

// Run runs the conformance suite.
//
// open returns a new Store on a new, empty database each time it is
// called, and arranges with t.Cleanup for the Store to be closed and the
// database removed; the suite may close the Store itself before that.
//
// tamper changes the stored audit record seq behind the Store's back (a
// raw UPDATE of one of its fields, say) so that its hash no longer
// matches; the suite checks that [store.Store.VerifyAudit] notices. With
// a nil tamper that check is skipped.
func Run(t *testing.T, open func(t *testing.T) store.Store, tamper func(t *testing.T, s store.Store, seq int64)) {
	t.Run("AppendAudit", func(t *testing.T) {
		t.Parallel()
		t.Run("Chain", func(t *testing.T) { t.Parallel(); testAppendChain(t, open(t)) })
		t.Run("Time", func(t *testing.T) { t.Parallel(); testAppendTime(t, open(t)) })
		t.Run("Invalid", func(t *testing.T) { t.Parallel(); testAppendInvalid(t, open(t)) })
		t.Run("Concurrent", func(t *testing.T) { t.Parallel(); testAppendConcurrent(t, open(t)) })
		t.Run("Canceled", func(t *testing.T) { t.Parallel(); testAppendCanceled(t, open(t)) })
	})
	t.Run("ListAudit", func(t *testing.T) {
		t.Parallel()
		t.Run("Paging", func(t *testing.T) { t.Parallel(); testListPaging(t, open(t)) })
		t.Run("Actor", func(t *testing.T) { t.Parallel(); testListActor(t, open(t)) })
		t.Run("Limits", func(t *testing.T) { t.Parallel(); testListLimits(t, open(t)) })
	})
	t.Run("VerifyAudit", func(t *testing.T) {
		t.Parallel()
		t.Run("Empty", func(t *testing.T) { t.Parallel(); testVerifyEmpty(t, open(t)) })
		t.Run("Tamper", func(t *testing.T) {
			t.Parallel()
			if tamper == nil {
				t.Skip("the backend's test gave no tamper function")
			}
			testVerifyTamper(t, open(t), tamper)
		})
	})
	t.Run("Lease", func(t *testing.T) {
		t.Parallel()
		t.Run("Invalid", func(t *testing.T) { t.Parallel(); testLeaseInvalid(t, open(t)) })
		t.Run("AcquireRenew", func(t *testing.T) { t.Parallel(); testLeaseAcquireRenew(t, open(t)) })
		t.Run("Contended", func(t *testing.T) { t.Parallel(); testLeaseContended(t, open(t)) })
		t.Run("Expiry", func(t *testing.T) { t.Parallel(); testLeaseExpiry(t, open(t)) })
		t.Run("Release", func(t *testing.T) { t.Parallel(); testLeaseRelease(t, open(t)) })
	})
	t.Run("Ping", func(t *testing.T) { t.Parallel(); testPing(t, open(t)) })
	t.Run("Close", func(t *testing.T) { t.Parallel(); testClose(t, open(t)) })
}

// RunReopen checks that a database keeps its audit chain and leases when
// its Store is closed and the database opened again, and that opening an
// already migrated database (also while another Store has it open)
// changes nothing. open returns a new Store on the same database each time
// it is called, and arranges with t.Cleanup for it to be closed.
func RunReopen(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s1 := open(t)
	var want []store.AuditRecord
	for i := range 3 {
		want = append(want, appendAudit(t, s1, record("alice", i)))
	}
	acquire(t, s1, "leader", "replica-a", time.Hour, true)
	_, wantExpires, err := s1.LeaseHolder(ctx, "leader")
	if err != nil {
		t.Fatalf("LeaseHolder: %v", err)
	}
	if err := s1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s2 := open(t)
	s3 := open(t) // a second Store on the migrated database, beside s2
	for _, s := range []store.Store{s2, s3} {
		checkRecords(t, listAll(t, s, store.AuditQuery{}), want)
		checkVerify(t, s, 0)
		holder, expires, err := s.LeaseHolder(ctx, "leader")
		if err != nil || holder != "replica-a" || !expires.Equal(wantExpires) {
			t.Errorf("LeaseHolder after reopen = %q, %v, %v; want %q, %v, nil", holder, expires, err, "replica-a", wantExpires)
		}
	}
	r := appendAudit(t, s2, record("bob", 3))
	if r.Seq != 4 || r.PrevHash != want[2].Hash {
		t.Errorf("append after reopen: Seq, PrevHash = %d, %q; want 4, %q", r.Seq, r.PrevHash, want[2].Hash)
	}
	checkRecords(t, listAll(t, s3, store.AuditQuery{}), append(want, r))
	checkVerify(t, s3, 0)
}

// record returns a valid record for tests, different for each i.
func record(actor string, i int) store.AuditRecord {
	return store.AuditRecord{
		Actor:     actor,
		Role:      "operator",
		Action:    "incident.ack",
		Target:    fmt.Sprintf("incident/%d", i),
		RequestID: fmt.Sprintf("req-%s-%d", actor, i),
		Status:    200,
		Detail:    fmt.Sprintf(`{"i": %d, "note": "ünïcode \u00e9"}`, i),
	}
}

// appendAudit appends r to s and fails the test on error.
func appendAudit(t *testing.T, s store.Store, r store.AuditRecord) store.AuditRecord {
	t.Helper()
	got, err := s.AppendAudit(t.Context(), r)
	if err != nil {
		t.Fatalf("AppendAudit(%+v): %v", r, err)
	}
	return got
}

// listAll returns all records that q selects, a page of q.Limit at a time,
// and checks that no page is longer than asked for.
func listAll(t *testing.T, s store.Store, q store.AuditQuery) []store.AuditRecord {
	t.Helper()
	limit := q.Limit
	if limit == 0 {
		limit = store.DefaultAuditLimit
	}
	var all []store.AuditRecord
	for {
		page, err := s.ListAudit(t.Context(), q)
		if err != nil {
			t.Fatalf("ListAudit(%+v): %v", q, err)
		}
		if len(page) > limit {
			t.Fatalf("ListAudit(%+v) returned %d records, more than the limit %d", q, len(page), limit)
		}
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
		q.AfterSeq = page[len(page)-1].Seq
	}
}

// diffRecord describes how got differs from want, or returns "".
func diffRecord(got, want store.AuditRecord) string {
	var d []string
	check := func(field string, g, w any) {
		if g != w {
			d = append(d, fmt.Sprintf("%s: got %q, want %q", field, fmt.Sprint(g), fmt.Sprint(w)))
		}
	}
	check("Seq", got.Seq, want.Seq)
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		d = append(d, fmt.Sprintf("Time: got %v, want %v (UTC)", got.Time, want.Time))
	}
	check("Actor", got.Actor, want.Actor)
	check("Role", got.Role, want.Role)
	check("Action", got.Action, want.Action)
	check("Target", got.Target, want.Target)
	check("RequestID", got.RequestID, want.RequestID)
	check("Status", got.Status, want.Status)
	check("Detail", got.Detail, want.Detail)
	check("PrevHash", got.PrevHash, want.PrevHash)
	check("Hash", got.Hash, want.Hash)
	return strings.Join(d, "; ")
}

// checkRecords compares two lists of records.
func checkRecords(t *testing.T, got, want []store.AuditRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if d := diffRecord(got[i], want[i]); d != "" {
			t.Errorf("record %d: %s", i, d)
		}
	}
}

// checkVerify checks what VerifyAudit returns.
func checkVerify(t *testing.T, s store.Store, want int64) {
	t.Helper()
	bad, err := s.VerifyAudit(t.Context())
	if err != nil || bad != want {
		t.Errorf("VerifyAudit = %d, %v; want %d, nil", bad, err, want)
	}
}

// checkInvalid checks that err wraps store.ErrInvalidArgument and says
// something about what.
func checkInvalid(t *testing.T, call string, err error, what string) {
	t.Helper()
	switch {
	case !errors.Is(err, store.ErrInvalidArgument):
		t.Errorf("%s: error %v; want one wrapping store.ErrInvalidArgument", call, err)
	case !strings.Contains(err.Error(), what):
		t.Errorf("%s: error %q does not mention %q", call, err, what)
	}
}

// acquire calls AcquireLease and checks the result.
func acquire(t *testing.T, s store.Store, name, holder string, ttl time.Duration, want bool) {
	t.Helper()
	held, err := s.AcquireLease(t.Context(), name, holder, ttl)
	if err != nil || held != want {
		t.Fatalf("AcquireLease(%q, %q, %v) = %v, %v; want %v, nil", name, holder, ttl, held, err, want)
	}
}

// checkHolder calls LeaseHolder and checks the holder.
func checkHolder(t *testing.T, s store.Store, name, want string) time.Time {
	t.Helper()
	holder, expires, err := s.LeaseHolder(t.Context(), name)
	if err != nil || holder != want {
		t.Fatalf("LeaseHolder(%q) = %q, %v, %v; want %q", name, holder, expires, err, want)
	}
	if holder == "" && !expires.IsZero() {
		t.Errorf("LeaseHolder(%q) has no holder but expiry %v; want the zero time", name, expires)
	}
	return expires
}

// poll calls cond every pollEvery until it returns true or pollFor has
// passed, and reports whether it did.
func poll(ctx context.Context, cond func() bool) bool {
	deadline := time.Now().Add(pollFor)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(pollEvery)
	}
	return true
}

func testAppendChain(t *testing.T, s store.Store) {
	var want []store.AuditRecord
	prev := ""
	for i := range 5 {
		in := record("alice", i)
		in.Seq, in.PrevHash, in.Hash = 99, "forged", "forged" // ignored
		if i == 4 {
			in.Role, in.Target, in.RequestID, in.Detail, in.Status = "", "", "", "", 0
		}
		r := appendAudit(t, s, in)
		if r.Seq != int64(i+1) {
			t.Errorf("record %d: Seq = %d, want %d", i, r.Seq, i+1)
		}
		if r.PrevHash != prev {
			t.Errorf("record %d: PrevHash = %q, want %q", i, r.PrevHash, prev)
		}
		if h := store.AuditHash(r); r.Hash != h || len(h) != 64 {
			t.Errorf("record %d: Hash = %q, want AuditHash %q", i, r.Hash, h)
		}
		in.Seq, in.Time, in.PrevHash, in.Hash = r.Seq, r.Time, r.PrevHash, r.Hash
		if d := diffRecord(r, in); d != "" {
			t.Errorf("record %d: AppendAudit changed fields it should keep: %s", i, d)
		}
		prev = r.Hash
		want = append(want, r)
	}
	checkRecords(t, listAll(t, s, store.AuditQuery{}), want)
	checkVerify(t, s, 0)
}

func testAppendTime(t *testing.T, s store.Store) {
	before := time.Now().UTC().Truncate(time.Millisecond)
	r := appendAudit(t, s, record("alice", 0))
	after := time.Now().UTC()
	if r.Time.Before(before) || r.Time.After(after) || r.Time.Location() != time.UTC || r.Time.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("Time = %v, want UTC with millisecond precision within [%v, %v]", r.Time, before, after)
	}

	given := record("alice", 1)
	given.Time = time.Date(2026, 3, 4, 5, 6, 7, 891_234_567, time.FixedZone("UTC+2", 2*3600))
	r = appendAudit(t, s, given)
	if want := time.Date(2026, 3, 4, 3, 6, 7, 891_000_000, time.UTC); !r.Time.Equal(want) || r.Time.Location() != time.UTC {
		t.Errorf("Time = %v, want the given time in UTC with millisecond precision, %v", r.Time, want)
	}
	old := record("alice", 2)
	old.Time = time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)
	r3 := appendAudit(t, s, old)
	got := listAll(t, s, store.AuditQuery{AfterSeq: 1})
	checkRecords(t, got, []store.AuditRecord{r, r3})
	checkVerify(t, s, 0)
}

func testAppendInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		edit func(r *store.AuditRecord)
		what string
	}{
		{"NoActor", func(r *store.AuditRecord) { r.Actor = "" }, "actor"},
		{"NoAction", func(r *store.AuditRecord) { r.Action = "" }, "action"},
		{"DetailNotJSON", func(r *store.AuditRecord) { r.Detail = "{not json" }, "JSON"},
		{"DetailTooLong", func(r *store.AuditRecord) { r.Detail = `"` + strings.Repeat("x", store.MaxDetailLen) + `"` }, "detail"},
		{"TargetTooLong", func(r *store.AuditRecord) { r.Target = strings.Repeat("x", store.MaxFieldLen+1) }, "target"},
		{"NUL", func(r *store.AuditRecord) { r.Role = "a\x00b" }, "NUL"},
		{"BadUTF8", func(r *store.AuditRecord) { r.RequestID = "\xff" }, "UTF-8"},
		{"Year10000", func(r *store.AuditRecord) { r.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "years"},
	} {
		r := record("alice", 0)
		tc.edit(&r)
		got, err := s.AppendAudit(ctx, r)
		checkInvalid(t, "AppendAudit "+tc.name, err, tc.what)
		if got != (store.AuditRecord{}) {
			t.Errorf("AppendAudit %s returned %+v with its error; want the zero record", tc.name, got)
		}
	}
	if got := listAll(t, s, store.AuditQuery{}); len(got) != 0 {
		t.Errorf("invalid records were appended: %+v", got)
	}
	if r := appendAudit(t, s, record("alice", 0)); r.Seq != 1 {
		t.Errorf("first valid record after invalid ones: Seq = %d, want 1", r.Seq)
	}
}

func testAppendConcurrent(t *testing.T, s store.Store) {
	const goroutines, each = 8, 50
	seqs := make([][]int64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				r, err := s.AppendAudit(t.Context(), record(fmt.Sprintf("g%d", g), i))
				if err != nil {
					t.Errorf("goroutine %d: AppendAudit %d: %v", g, i, err)
					return
				}
				seqs[g] = append(seqs[g], r.Seq)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	seen := make(map[int64]bool)
	for g, ss := range seqs {
		for i, seq := range ss {
			if seen[seq] {
				t.Errorf("Seq %d was returned twice", seq)
			}
			seen[seq] = true
			if i > 0 && seq <= ss[i-1] {
				t.Errorf("goroutine %d: Seq %d after %d; one goroutine's appends must get increasing Seqs", g, seq, ss[i-1])
			}
		}
	}
	all := listAll(t, s, store.AuditQuery{Limit: 64})
	if len(all) != goroutines*each {
		t.Fatalf("ListAudit returned %d records, want %d", len(all), goroutines*each)
	}
	for i, r := range all {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has Seq %d; want %d (no gaps)", i, r.Seq, i+1)
		}
		if !seen[r.Seq] {
			t.Errorf("Seq %d was listed but no append returned it", r.Seq)
		}
	}
	checkVerify(t, s, 0)
}

func testAppendCanceled(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.AppendAudit(ctx, record("alice", 0)); err == nil {
		t.Error("AppendAudit with a canceled context succeeded")
	}
	if _, err := s.AcquireLease(ctx, "leader", "a", time.Minute); err == nil {
		t.Error("AcquireLease with a canceled context succeeded")
	}
	if got := listAll(t, s, store.AuditQuery{}); len(got) != 0 {
		t.Errorf("AppendAudit with a canceled context appended %+v", got)
	}
	checkHolder(t, s, "leader", "")
}

func testListPaging(t *testing.T, s store.Store) {
	var want []store.AuditRecord
	for i := range 25 {
		want = append(want, appendAudit(t, s, record("alice", i)))
	}
	ctx := t.Context()
	for _, tc := range []struct {
		q        store.AuditQuery
		from, to int // want[from:to]
	}{
		{store.AuditQuery{Limit: 10}, 0, 10},
		{store.AuditQuery{AfterSeq: 10, Limit: 10}, 10, 20},
		{store.AuditQuery{AfterSeq: 20, Limit: 10}, 20, 25},
		{store.AuditQuery{AfterSeq: 25, Limit: 10}, 25, 25},
		{store.AuditQuery{AfterSeq: 1000}, 25, 25},
		{store.AuditQuery{AfterSeq: 3, Limit: 1}, 3, 4},
		{store.AuditQuery{}, 0, 25},
	} {
		got, err := s.ListAudit(ctx, tc.q)
		if err != nil {
			t.Fatalf("ListAudit(%+v): %v", tc.q, err)
		}
		t.Run(fmt.Sprintf("After%dLimit%d", tc.q.AfterSeq, tc.q.Limit), func(t *testing.T) {
			checkRecords(t, got, want[tc.from:tc.to])
		})
	}
	checkRecords(t, listAll(t, s, store.AuditQuery{Limit: 7}), want)
}

func testListActor(t *testing.T, s store.Store) {
	var alice, bob []store.AuditRecord
	for i := range 30 {
		if i%3 == 0 {
			bob = append(bob, appendAudit(t, s, record("bob", i)))
		} else {
			alice = append(alice, appendAudit(t, s, record("alice", i)))
		}
	}
	checkRecords(t, listAll(t, s, store.AuditQuery{Actor: "alice", Limit: 4}), alice)
	checkRecords(t, listAll(t, s, store.AuditQuery{Actor: "bob", Limit: 3}), bob)
	checkRecords(t, listAll(t, s, store.AuditQuery{Actor: "bob", AfterSeq: bob[5].Seq}), bob[6:])
	checkRecords(t, listAll(t, s, store.AuditQuery{Actor: "carol"}), nil)
	checkRecords(t, listAll(t, s, store.AuditQuery{Actor: "ALICE"}), nil)
}

func testListLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	var want []store.AuditRecord
	for i := range store.DefaultAuditLimit + 5 {
		want = append(want, appendAudit(t, s, record("alice", i)))
	}
	got, err := s.ListAudit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatalf("ListAudit with Limit 0: %v", err)
	}
	checkRecords(t, got, want[:store.DefaultAuditLimit])
	got, err = s.ListAudit(ctx, store.AuditQuery{Limit: store.MaxAuditLimit})
	if err != nil {
		t.Fatalf("ListAudit with Limit %d: %v", store.MaxAuditLimit, err)
	}
	checkRecords(t, got, want)
	for _, tc := range []struct {
		q    store.AuditQuery
		what string
	}{
		{store.AuditQuery{Limit: store.MaxAuditLimit + 1}, "Limit"},
		{store.AuditQuery{Limit: -1}, "Limit"},
		{store.AuditQuery{AfterSeq: -1}, "AfterSeq"},
		{store.AuditQuery{Actor: "\xff"}, "actor"},
	} {
		got, err := s.ListAudit(ctx, tc.q)
		checkInvalid(t, fmt.Sprintf("ListAudit(%+v)", tc.q), err, tc.what)
		if got != nil {
			t.Errorf("ListAudit(%+v) returned records with its error", tc.q)
		}
	}
}

func testVerifyEmpty(t *testing.T, s store.Store) {
	checkVerify(t, s, 0)
}

func testVerifyTamper(t *testing.T, s store.Store, tamper func(t *testing.T, s store.Store, seq int64)) {
	for i := range 5 {
		appendAudit(t, s, record("alice", i))
	}
	checkVerify(t, s, 0)
	tamper(t, s, 3)
	checkVerify(t, s, 3)
	// Appends go on; the break stays where it is.
	appendAudit(t, s, record("alice", 5))
	checkVerify(t, s, 3)
}

func testLeaseInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, tc := range []struct {
		name, holder string
		ttl          time.Duration
		what         string
	}{
		{"", "a", time.Second, "name"},
		{"leader", "", time.Second, "holder"},
		{"leader", "a", 0, "ttl"},
		{"leader", "a", -time.Second, "ttl"},
		{"leader", "a", time.Microsecond, "ttl"},
		{strings.Repeat("n", store.MaxFieldLen+1), "a", time.Second, "name"},
		{"leader", "a\x00", time.Second, "holder"},
	} {
		held, err := s.AcquireLease(ctx, tc.name, tc.holder, tc.ttl)
		checkInvalid(t, fmt.Sprintf("AcquireLease(%.10q, %q, %v)", tc.name, tc.holder, tc.ttl), err, tc.what)
		if held {
			t.Errorf("AcquireLease(%.10q, %q, %v) reported the lease held with its error", tc.name, tc.holder, tc.ttl)
		}
	}
	checkInvalid(t, `ReleaseLease("", "a")`, s.ReleaseLease(ctx, "", "a"), "name")
	checkInvalid(t, `ReleaseLease("leader", "")`, s.ReleaseLease(ctx, "leader", ""), "holder")
	_, _, err := s.LeaseHolder(ctx, "")
	checkInvalid(t, `LeaseHolder("")`, err, "name")
	checkHolder(t, s, "leader", "")
}

func testLeaseAcquireRenew(t *testing.T, s store.Store) {
	checkHolder(t, s, "leader", "")
	start := time.Now()
	acquire(t, s, "leader", "replica-a", time.Hour, true)
	e1 := checkHolder(t, s, "leader", "replica-a")
	// The database's clock is the host's here, give or take a minute.
	if lo, hi := start.Add(time.Hour-time.Minute), time.Now().Add(time.Hour+time.Minute); e1.Before(lo) || e1.After(hi) || e1.Location() != time.UTC {
		t.Errorf("expiry after a 1h lease = %v, want UTC within [%v, %v]", e1, lo, hi)
	}
	acquire(t, s, "leader", "replica-a", 2*time.Hour, true)
	if e2 := checkHolder(t, s, "leader", "replica-a"); !e2.After(e1.Add(30 * time.Minute)) {
		t.Errorf("renewing for 2h moved the expiry from %v to %v; want about an hour later", e1, e2)
	}
	// Renewing with a shorter TTL shortens the lease.
	acquire(t, s, "leader", "replica-a", time.Minute, true)
	if e3 := checkHolder(t, s, "leader", "replica-a"); !e3.Before(e1) {
		t.Errorf("renewing for 1m left the expiry at %v; want before %v", e3, e1)
	}
	// Leases with other names are independent.
	acquire(t, s, "compactor", "replica-b", time.Hour, true)
	checkHolder(t, s, "compactor", "replica-b")
	checkHolder(t, s, "leader", "replica-a")
}

func testLeaseContended(t *testing.T, s store.Store) {
	acquire(t, s, "leader", "replica-a", time.Hour, true)
	e := checkHolder(t, s, "leader", "replica-a")
	acquire(t, s, "leader", "replica-b", time.Hour, false)
	acquire(t, s, "leader", "replica-b", 2*time.Hour, false)
	if got := checkHolder(t, s, "leader", "replica-a"); !got.Equal(e) {
		t.Errorf("a refused AcquireLease moved the expiry from %v to %v", e, got)
	}

	// Many contenders at once: exactly one wins a free lease.
	const contenders = 8
	wins := make(chan string, contenders)
	var wg sync.WaitGroup
	for i := range contenders {
		wg.Go(func() {
			holder := fmt.Sprintf("replica-%d", i)
			held, err := s.AcquireLease(t.Context(), "race", holder, time.Hour)
			if err != nil {
				t.Errorf("AcquireLease by %s: %v", holder, err)
			}
			if held {
				wins <- holder
			}
		})
	}
	wg.Wait()
	close(wins)
	var winners []string
	for w := range wins {
		winners = append(winners, w)
	}
	if len(winners) != 1 {
		t.Fatalf("%d contenders took a free lease at once: %v; want exactly one", len(winners), winners)
	}
	checkHolder(t, s, "race", winners[0])
}

func testLeaseExpiry(t *testing.T, s store.Store) {
	const ttl = 300 * time.Millisecond
	ctx := t.Context()
	start := time.Now()
	acquire(t, s, "leader", "replica-a", ttl, true)
	acquire(t, s, "leader", "replica-b", ttl, false)
	// replica-a stops renewing, as a crashed leader would; replica-b
	// keeps trying and takes the lease once it has expired.
	var err error
	took := poll(ctx, func() bool {
		var held bool
		held, err = s.AcquireLease(ctx, "leader", "replica-b", time.Hour)
		return held || err != nil
	})
	if err != nil || !took {
		t.Fatalf("replica-b did not take the expired lease within %v: %v", pollFor, err)
	}
	if waited := time.Since(start); waited < ttl/2 {
		t.Errorf("replica-b took the lease after %v, before replica-a's %v lease could have expired", waited, ttl)
	}
	checkHolder(t, s, "leader", "replica-b")
	acquire(t, s, "leader", "replica-a", ttl, false)

	// LeaseHolder stops reporting a holder once the lease expires.
	acquire(t, s, "short", "replica-a", 100*time.Millisecond, true)
	if !poll(ctx, func() bool {
		holder, _, err := s.LeaseHolder(ctx, "short")
		return holder == "" && err == nil
	}) {
		t.Fatalf("LeaseHolder still reports a holder %v after a 100ms lease", pollFor)
	}
	checkHolder(t, s, "short", "")
}

func testLeaseRelease(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.ReleaseLease(ctx, "leader", "replica-a"); err != nil {
		t.Errorf("ReleaseLease of a lease nobody holds: %v", err)
	}
	acquire(t, s, "leader", "replica-a", time.Hour, true)
	if err := s.ReleaseLease(ctx, "leader", "replica-b"); err != nil {
		t.Errorf("ReleaseLease by a replica that does not hold the lease: %v", err)
	}
	checkHolder(t, s, "leader", "replica-a")
	if err := s.ReleaseLease(ctx, "leader", "replica-a"); err != nil {
		t.Fatalf("ReleaseLease by the holder: %v", err)
	}
	checkHolder(t, s, "leader", "")
	acquire(t, s, "leader", "replica-b", time.Hour, true)
	checkHolder(t, s, "leader", "replica-b")
	if err := s.ReleaseLease(ctx, "leader", "replica-a"); err != nil {
		t.Errorf("ReleaseLease by the former holder: %v", err)
	}
	checkHolder(t, s, "leader", "replica-b")
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if k := s.Kind(); k != "sqlite" && k != "postgres" {
		t.Errorf("Kind = %q, want \"sqlite\" or \"postgres\"", k)
	}
}

func testClose(t *testing.T, s store.Store) {
	appendAudit(t, s, record("alice", 0))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping after Close succeeded")
	}
	if _, err := s.AppendAudit(t.Context(), record("alice", 1)); err == nil {
		t.Error("AppendAudit after Close succeeded")
	}
}
