package store

import (
	"context"
	"errors"
	"time"
)

// Store is opsloop's state: everything later changes keep (incidents,
// decisions, approvals, ...) lands here; for now audit records and leases.
// See the package documentation for the guarantees behind each method.
type Store interface {
	// AppendAudit appends r to the audit chain and returns it as stored.
	// It sets r.Seq (1, 2, 3, ..., without gaps), r.Time when it is zero
	// (the time of the append), r.PrevHash (the previous record's Hash, ""
	// for the first) and r.Hash ([AuditHash]); any values the caller put in
	// those three are ignored. r.Time is kept in UTC with millisecond
	// precision. Concurrent appends, also from several processes, keep the
	// chain linear. An invalid r (see [AuditRecord.Validate]) is an error
	// wrapping [ErrInvalidArgument] and appends nothing.
	AppendAudit(ctx context.Context, r AuditRecord) (AuditRecord, error)
	// ListAudit returns the records with Seq > q.AfterSeq, oldest first, at
	// most q.Limit of them, only those of q.Actor when it is set (see
	// [AuditQuery]).
	ListAudit(ctx context.Context, q AuditQuery) ([]AuditRecord, error)
	// VerifyAudit recomputes the chain and returns the first Seq whose
	// hash or link does not match, or that is missing; 0 when the chain is
	// intact.
	VerifyAudit(ctx context.Context) (badSeq int64, err error)
	// AcquireLease takes or renews the named lease for holder until
	// now+ttl, where now is the database's clock, not the caller's, and
	// reports whether holder holds it. It succeeds when the lease is free,
	// expired or already held by holder. Another holder's unexpired lease
	// is held=false with a nil error.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (held bool, err error)
	// ReleaseLease gives the lease up if holder holds it; it is not an
	// error when holder does not.
	ReleaseLease(ctx context.Context, name, holder string) error
	// LeaseHolder returns the lease's current unexpired holder and expiry,
	// or "" and the zero time when nobody holds it.
	LeaseHolder(ctx context.Context, name string) (holder string, expires time.Time, err error)
	// Ping checks that the database is reachable (for /readyz).
	Ping(ctx context.Context) error
	// Kind is the backend: "sqlite" or "postgres".
	Kind() string
	// Close releases the Store's connections. Calling it again does
	// nothing and returns nil.
	Close() error
}

// AuditRecord is one entry of the audit log: who did what to what, and how
// it ended.
type AuditRecord struct {
	// Seq is the record's position in the chain, from 1. Set by
	// [Store.AppendAudit].
	Seq int64 `json:"seq"`
	// Time is when it happened, UTC with millisecond precision. When zero,
	// [Store.AppendAudit] sets the time of the append.
	Time time.Time `json:"time"`
	// Actor is who did it (a user, a token's name, "system"). Required.
	Actor string `json:"actor"`
	// Role is the role the actor acted in, if any.
	Role string `json:"role"`
	// Action is what was done, e.g. "approval.grant". Required.
	Action string `json:"action"`
	// Target is what it was done to, e.g. an incident or action ID.
	Target string `json:"target"`
	// RequestID correlates the record with logs and traces.
	RequestID string `json:"request_id"`
	// Status is the outcome, an HTTP-style status code by convention.
	Status int `json:"status"`
	// Detail is a JSON document with anything else worth keeping, or "".
	// It is stored and hashed byte for byte, so it is kept exactly as
	// given.
	Detail string `json:"detail"`
	// PrevHash is the Hash of the record before this one, "" for the
	// first. Set by [Store.AppendAudit].
	PrevHash string `json:"prev_hash"`
	// Hash is [AuditHash] of this record. Set by [Store.AppendAudit].
	Hash string `json:"hash"`
}

// AuditQuery selects records for [Store.ListAudit].
type AuditQuery struct {
	// AfterSeq returns only records with a greater Seq; pass the last Seq
	// of one page to get the next. Must not be negative.
	AfterSeq int64
	// Limit is the most records to return: 0 means [DefaultAuditLimit];
	// more than [MaxAuditLimit] or less than 0 is an error.
	Limit int
	// Actor, when set, returns only that actor's records.
	Actor string
}

// Limits on what a [Store] accepts.
const (
	// DefaultAuditLimit is the page size of [Store.ListAudit] when
	// [AuditQuery.Limit] is 0.
	DefaultAuditLimit = 100
	// MaxAuditLimit is the largest [AuditQuery.Limit].
	MaxAuditLimit = 1000
	// MaxFieldLen is the longest Actor, Role, Action, Target, RequestID,
	// lease name or lease holder, in bytes.
	MaxFieldLen = 1024
	// MaxDetailLen is the longest [AuditRecord.Detail], in bytes.
	MaxDetailLen = 64 << 10
)

// Errors a [Store] returns; check them with [errors.Is].
var (
	// ErrInvalidArgument is wrapped by every error about an argument the
	// caller passed: an empty lease name, a negative limit, a Detail that
	// is not JSON. The message says which argument and why.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrSchemaTooNew means the database holds a migration newer than this
	// binary knows: a newer opsloop has used it. The Store refuses to open
	// rather than run old code against a new schema.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)
