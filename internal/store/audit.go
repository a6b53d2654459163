package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// auditHashVersion starts every encoding [AuditHash] hashes, so that a
// later change of the encoding can be told apart.
const auditHashVersion = "opsloop-audit-v1"

// AuditHash returns the hex SHA-256 of r's canonical encoding, the value
// [Store.AppendAudit] puts in r.Hash. The encoding is a sequence of
// fields, each written as its length in bytes (decimal), ':', the bytes,
// and '\n':
//
//	"opsloop-audit-v1", Seq (decimal), Time (UTC, RFC 3339 with
//	nanoseconds, trailing zeros dropped), Actor, Role, Action, Target,
//	RequestID, Status (decimal), Detail, PrevHash
//
// The length prefixes make the encoding unambiguous whatever the fields
// hold. r.Hash itself is not part of it.
func AuditHash(r AuditRecord) string {
	h := sha256.New()
	var buf []byte
	for _, f := range [...]string{
		auditHashVersion,
		strconv.FormatInt(r.Seq, 10),
		r.Time.UTC().Format(time.RFC3339Nano),
		r.Actor,
		r.Role,
		r.Action,
		r.Target,
		r.RequestID,
		strconv.Itoa(r.Status),
		r.Detail,
		r.PrevHash,
	} {
		buf = strconv.AppendInt(buf[:0], int64(len(f)), 10)
		buf = append(buf, ':')
		buf = append(buf, f...)
		buf = append(buf, '\n')
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Validate reports whether r may be appended: Actor and Action are set;
// Actor, Role, Action, Target and RequestID are valid UTF-8 without NUL
// bytes and at most [MaxFieldLen] bytes; Detail is "" or a JSON document
// of at most [MaxDetailLen] bytes; Time is zero or within the years 1 to
// 9999. Seq, PrevHash and Hash are not checked: AppendAudit sets them. The
// error wraps [ErrInvalidArgument].
func (r AuditRecord) Validate() error {
	if r.Actor == "" {
		return fmt.Errorf("%w: audit record has no actor", ErrInvalidArgument)
	}
	if r.Action == "" {
		return fmt.Errorf("%w: audit record has no action", ErrInvalidArgument)
	}
	for _, f := range [...]struct{ name, value string }{
		{"actor", r.Actor},
		{"role", r.Role},
		{"action", r.Action},
		{"target", r.Target},
		{"request ID", r.RequestID},
	} {
		if err := checkText(f.name, f.value, MaxFieldLen); err != nil {
			return err
		}
	}
	if r.Detail != "" {
		if err := checkText("detail", r.Detail, MaxDetailLen); err != nil {
			return err
		}
		if !json.Valid([]byte(r.Detail)) {
			return fmt.Errorf("%w: audit record detail is not valid JSON", ErrInvalidArgument)
		}
	}
	if !r.Time.IsZero() {
		if y := r.Time.UTC().Year(); y < 1 || y > 9999 {
			return fmt.Errorf("%w: audit record time %s is outside the years 1 to 9999", ErrInvalidArgument, r.Time.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// checkText reports whether s, the value of the argument called name, is
// valid UTF-8 without NUL bytes and at most max bytes long.
func checkText(name, s string, max int) error {
	switch {
	case len(s) > max:
		return fmt.Errorf("%w: %s is %d bytes long, more than the %d allowed", ErrInvalidArgument, name, len(s), max)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidArgument, name)
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("%w: %s contains a NUL byte", ErrInvalidArgument, name)
	}
	return nil
}

// LinkAudit returns r as the record after the chain head (prevSeq,
// prevHash): Seq is prevSeq+1, PrevHash is prevHash, Time is now when r's
// is zero, Time is then made UTC with millisecond precision, and Hash is
// [AuditHash] of the result. Backends call it with the head locked.
func LinkAudit(r AuditRecord, prevSeq int64, prevHash string, now time.Time) AuditRecord {
	if r.Time.IsZero() {
		r.Time = now
	}
	r.Time = r.Time.UTC().Truncate(time.Millisecond)
	r.Seq = prevSeq + 1
	r.PrevHash = prevHash
	r.Hash = AuditHash(r)
	return r
}

// AuditVerifier checks an audit chain one record at a time, oldest first,
// so that backends can verify a chain of any length in constant memory.
// The zero value expects Seq 1 first.
type AuditVerifier struct {
	last     int64  // Seq of the last record checked
	lastHash string // Hash of the last record checked
}

// Check checks r, the record after those checked before, and returns 0
// when its Seq, PrevHash and Hash are what they should be. Otherwise it
// returns the first bad Seq: r.Seq when r's link or hash is wrong, or the
// missing Seq when records were skipped. After a non-zero result the
// verifier is not meant to be used again.
func (v *AuditVerifier) Check(r AuditRecord) (badSeq int64) {
	want := v.last + 1
	if r.Seq != want || r.PrevHash != v.lastHash || AuditHash(r) != r.Hash {
		return want
	}
	v.last, v.lastHash = r.Seq, r.Hash
	return 0
}

// Finish compares the records checked with the chain head a backend
// keeps, and returns 0 when they agree; otherwise the first bad Seq: the
// first missing Seq when records at the end were deleted, the first Seq
// past the head when records were added behind the backend's back, or
// the head's Seq when the last record differs from the head's hash.
func (v *AuditVerifier) Finish(headSeq int64, headHash string) (badSeq int64) {
	switch {
	case headSeq > v.last:
		return v.last + 1
	case headSeq < v.last:
		return headSeq + 1
	case headHash != v.lastHash:
		return headSeq
	}
	return 0
}

// Normalize returns q with its defaults applied ([DefaultAuditLimit] for a
// zero Limit), or an error wrapping [ErrInvalidArgument] when AfterSeq is
// negative, Limit is negative or above [MaxAuditLimit], or Actor is not
// valid text.
func (q AuditQuery) Normalize() (AuditQuery, error) {
	switch {
	case q.AfterSeq < 0:
		return q, fmt.Errorf("%w: audit query AfterSeq is %d; it must not be negative", ErrInvalidArgument, q.AfterSeq)
	case q.Limit < 0:
		return q, fmt.Errorf("%w: audit query Limit is %d; it must be 0 (for %d) to %d", ErrInvalidArgument, q.Limit, DefaultAuditLimit, MaxAuditLimit)
	case q.Limit > MaxAuditLimit:
		return q, fmt.Errorf("%w: audit query Limit is %d, more than the maximum %d", ErrInvalidArgument, q.Limit, MaxAuditLimit)
	case q.Limit == 0:
		q.Limit = DefaultAuditLimit
	}
	if err := checkText("actor", q.Actor, MaxFieldLen); err != nil {
		return q, err
	}
	return q, nil
}
