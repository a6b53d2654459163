package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestAuditHash(t *testing.T) {
	t.Parallel()
	r := AuditRecord{
		Seq:       7,
		Time:      time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC),
		Actor:     "alice",
		Role:      "",
		Action:    "approve",
		Target:    "incident/1",
		RequestID: "req-1",
		Status:    -200,
		Detail:    `{"a":"é"}`,
		PrevHash:  "ab",
		Hash:      "ignored",
	}
	// The encoding, spelled out as the doc comment describes it.
	enc := "16:opsloop-audit-v1\n" + "1:7\n" + "24:2026-01-02T03:04:05.006Z\n" + "5:alice\n" + "0:\n" +
		"7:approve\n" + "10:incident/1\n" + "5:req-1\n" + "4:-200\n" + "10:{\"a\":\"é\"}\n" + "2:ab\n"
	sum := sha256.Sum256([]byte(enc))
	if got, want := AuditHash(r), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("AuditHash = %s, want %s", got, want)
	}
	// The time zone of Time does not matter; the instant does.
	r2 := r
	r2.Time = r.Time.In(time.FixedZone("x", -3600))
	if AuditHash(r2) != AuditHash(r) {
		t.Error("AuditHash depends on Time's location")
	}
	// Moving bytes from one field to the next changes the hash.
	r3 := r
	r3.Actor, r3.Role = "alic", "e"
	if AuditHash(r3) == AuditHash(r) {
		t.Error("AuditHash is ambiguous across field boundaries")
	}
}

func TestAuditRecord_Validate(t *testing.T) {
	t.Parallel()
	ok := AuditRecord{Actor: "a", Action: "b"}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%+v): %v", ok, err)
	}
	full := AuditRecord{Actor: "a", Role: "r", Action: "b", Target: "t", RequestID: "q", Status: 1, Detail: `[1, {"x": null}]`,
		Time: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), Seq: -1, PrevHash: "\xff", Hash: "\x00"}
	if err := full.Validate(); err != nil {
		t.Errorf("Validate(%+v): %v", full, err)
	}
	for _, tc := range []struct {
		edit func(r *AuditRecord)
		what string
	}{
		{func(r *AuditRecord) { r.Actor = "" }, "actor"},
		{func(r *AuditRecord) { r.Action = "" }, "action"},
		{func(r *AuditRecord) { r.Role = strings.Repeat("r", MaxFieldLen+1) }, "role is 1025 bytes long"},
		{func(r *AuditRecord) { r.Target = "\xc3" }, "target is not valid UTF-8"},
		{func(r *AuditRecord) { r.RequestID = "a\x00" }, "request ID contains a NUL"},
		{func(r *AuditRecord) { r.Detail = "null x" }, "detail is not valid JSON"},
		{func(r *AuditRecord) { r.Detail = `"` + strings.Repeat("d", MaxDetailLen) + `"` }, "detail is 65538 bytes long"},
		{func(r *AuditRecord) { r.Time = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) }, "years 1 to 9999"},
	} {
		r := ok
		tc.edit(&r)
		err := r.Validate()
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.what) {
			t.Errorf("Validate(%.60q...) error = %v; want ErrInvalidArgument mentioning %q", r.Actor+r.Role+r.Target+r.Detail, err, tc.what)
		}
	}
}

func TestLinkAudit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 6_789_000, time.FixedZone("x", 3600))
	r := LinkAudit(AuditRecord{Actor: "a", Action: "b", Seq: 99, Hash: "h"}, 4, "prev", now)
	if r.Seq != 5 || r.PrevHash != "prev" || r.Hash != AuditHash(r) {
		t.Errorf("LinkAudit = %+v; want Seq 5, PrevHash prev, Hash AuditHash", r)
	}
	if want := time.Date(2026, 1, 2, 2, 4, 5, 6_000_000, time.UTC); r.Time != want {
		t.Errorf("LinkAudit Time = %v, want %v (UTC, milliseconds)", r.Time, want)
	}
	given := time.Date(2020, 1, 1, 0, 0, 0, 999_999, time.UTC)
	if r := LinkAudit(AuditRecord{Time: given}, 0, "", now); r.Time != given.Truncate(time.Millisecond) {
		t.Errorf("LinkAudit with a Time: Time = %v, want %v", r.Time, given.Truncate(time.Millisecond))
	}
}

func TestAuditVerifier(t *testing.T) {
	t.Parallel()
	var chain []AuditRecord
	seq, hash := int64(0), ""
	for range 4 {
		r := LinkAudit(AuditRecord{Actor: "a", Action: "b"}, seq, hash, time.Unix(0, 0))
		chain = append(chain, r)
		seq, hash = r.Seq, r.Hash
	}
	verify := func(rs []AuditRecord, headSeq int64, headHash string) int64 {
		var v AuditVerifier
		for _, r := range rs {
			if bad := v.Check(r); bad != 0 {
				return bad
			}
		}
		return v.Finish(headSeq, headHash)
	}
	edited := func(i int, edit func(r *AuditRecord)) []AuditRecord {
		rs := append([]AuditRecord(nil), chain...)
		edit(&rs[i])
		return rs
	}
	for _, tc := range []struct {
		name     string
		rs       []AuditRecord
		headSeq  int64
		headHash string
		want     int64
	}{
		{"Intact", chain, 4, chain[3].Hash, 0},
		{"Empty", nil, 0, "", 0},
		{"FieldChanged", edited(1, func(r *AuditRecord) { r.Target = "x" }), 4, chain[3].Hash, 2},
		{"Rehashed", edited(1, func(r *AuditRecord) { r.Target = "x"; r.Hash = AuditHash(*r) }), 4, chain[3].Hash, 3},
		{"Relinked", edited(2, func(r *AuditRecord) { r.PrevHash = "x"; r.Hash = AuditHash(*r) }), 4, chain[3].Hash, 3},
		{"SeqChanged", edited(0, func(r *AuditRecord) { r.Seq = 0 }), 4, chain[3].Hash, 1},
		{"MiddleDeleted", append(append([]AuditRecord(nil), chain[:1]...), chain[2:]...), 4, chain[3].Hash, 2},
		{"FirstDeleted", chain[1:], 4, chain[3].Hash, 1},
		{"TailDeleted", chain[:2], 4, chain[3].Hash, 3},
		{"AllDeleted", nil, 4, chain[3].Hash, 1},
		{"BeyondHead", chain, 3, chain[2].Hash, 4},
		{"HeadHashWrong", chain, 4, "x", 4},
	} {
		if got := verify(tc.rs, tc.headSeq, tc.headHash); got != tc.want {
			t.Errorf("%s: bad Seq = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestAuditQuery_Normalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		q, want AuditQuery
	}{
		{AuditQuery{}, AuditQuery{Limit: DefaultAuditLimit}},
		{AuditQuery{AfterSeq: 5, Limit: 1, Actor: "a"}, AuditQuery{AfterSeq: 5, Limit: 1, Actor: "a"}},
		{AuditQuery{Limit: MaxAuditLimit}, AuditQuery{Limit: MaxAuditLimit}},
	} {
		if got, err := tc.q.Normalize(); got != tc.want || err != nil {
			t.Errorf("Normalize(%+v) = %+v, %v; want %+v, nil", tc.q, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		q    AuditQuery
		what string
	}{
		{AuditQuery{AfterSeq: -1}, "AfterSeq is -1"},
		{AuditQuery{Limit: -1}, "Limit is -1"},
		{AuditQuery{Limit: MaxAuditLimit + 1}, "more than the maximum 1000"},
		{AuditQuery{Actor: "\x00"}, "actor"},
	} {
		if _, err := tc.q.Normalize(); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.what) {
			t.Errorf("Normalize(%+v) error = %v; want ErrInvalidArgument mentioning %q", tc.q, err, tc.what)
		}
	}
}

func TestValidateLease(t *testing.T) {
	t.Parallel()
	if err := ValidateLease("leader", "replica-a"); err != nil {
		t.Error(err)
	}
	if err := ValidateLeaseTTL(MinLeaseTTL); err != nil {
		t.Error(err)
	}
	for _, tc := range []struct {
		err  error
		what string
	}{
		{ValidateLease("", "a"), "lease name is empty"},
		{ValidateLease("l", ""), "lease holder is empty"},
		{ValidateLease("l", strings.Repeat("h", MaxFieldLen+1)), "lease holder is 1025 bytes"},
		{ValidateLeaseName("\xff"), "lease name is not valid UTF-8"},
		{ValidateLeaseTTL(0), "lease ttl is 0s"},
		{ValidateLeaseTTL(-time.Second), "lease ttl is -1s"},
		{ValidateLeaseTTL(time.Microsecond), "at least 1ms"},
	} {
		if !errors.Is(tc.err, ErrInvalidArgument) || !strings.Contains(tc.err.Error(), tc.what) {
			t.Errorf("error = %v; want ErrInvalidArgument mentioning %q", tc.err, tc.what)
		}
	}
}

func TestParseMigrations(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("CREATE TABLE b (x INTEGER);")},
		"m/0001_init.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"m/README.md":     {Data: []byte("not a migration")},
	}
	ms, err := ParseMigrations(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[0].Name != "0001_init.sql" || ms[1].Version != 2 || ms[1].SQL != "CREATE TABLE b (x INTEGER);" {
		t.Errorf("ParseMigrations = %+v", ms)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		what  string
	}{
		{"Empty", nil, "no migrations"},
		{"Gap", map[string]string{"0001_a.sql": "x", "0003_c.sql": "x"}, "version 3, want 2"},
		{"Duplicate", map[string]string{"0001_a.sql": "x", "0001_b.sql": "x"}, "version 1, want 2"},
		{"NotFromOne", map[string]string{"0002_a.sql": "x"}, "version 2, want 1"},
		{"BadName", map[string]string{"0001-init.sql": "x"}, "not NNNN_name.sql"},
		{"UpperCase", map[string]string{"0001_Init.sql": "x"}, "not NNNN_name.sql"},
		{"EmptyFile", map[string]string{"0001_a.sql": " \n"}, "is empty"},
	} {
		fsys := fstest.MapFS{}
		for name, data := range tc.files {
			fsys["m/"+name] = &fstest.MapFile{Data: []byte(data)}
		}
		if _, err := ParseMigrations(fsys, "m"); err == nil || !strings.Contains(err.Error(), tc.what) {
			t.Errorf("%s: ParseMigrations error = %v; want one mentioning %q", tc.name, err, tc.what)
		}
	}
}

func TestPendingMigrations(t *testing.T) {
	t.Parallel()
	known := []Migration{{Version: 1}, {Version: 2}, {Version: 3}}
	for _, tc := range []struct {
		applied []int
		want    []int
	}{
		{nil, []int{1, 2, 3}},
		{[]int{1}, []int{2, 3}},
		{[]int{1, 3}, []int{2}},
		{[]int{1, 2, 3}, nil},
	} {
		pending, err := PendingMigrations(known, tc.applied)
		if err != nil {
			t.Fatalf("PendingMigrations(%v): %v", tc.applied, err)
		}
		var got []int
		for _, m := range pending {
			got = append(got, m.Version)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("PendingMigrations(%v) = %v, want %v", tc.applied, got, tc.want)
		}
	}
	_, err := PendingMigrations(known, []int{1, 2, 3, 4})
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "schema version 4") || !strings.Contains(err.Error(), "up to 3") {
		t.Errorf("PendingMigrations with a newer version: error = %v; want ErrSchemaTooNew naming versions 4 and 3", err)
	}
}
