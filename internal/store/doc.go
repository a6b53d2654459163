// Package store defines opsloop's state: the [Store] interface that the
// backends in store/sqlite and store/postgres implement, the types that
// cross it, the audit hash chain, the shared input checks, the migration
// file format and the sentinel errors. It imports no database driver;
// package store/stores turns a spec into a backend, and package
// store/storetest is the conformance suite every backend passes.
//
// For now a Store keeps two things: the audit log and leader leases.
// Incidents, decisions and approvals land here in later changes.
//
// # Audit chain
//
// [Store.AppendAudit] numbers records 1, 2, 3, ... without gaps and links
// each to the one before it: PrevHash is the previous record's Hash (""
// for the first) and Hash is [AuditHash] of the record, a SHA-256 over a
// canonical encoding of its fields and PrevHash. Backends also keep the
// chain head (last Seq and Hash) in a row of its own, which appends lock
// to stay linear across goroutines and processes, and which
// [Store.VerifyAudit] compares with the last record, so that deleting the
// newest records is detected too. The chain is tamper-evident, not
// tamper-proof: someone who can write to the database can rewrite the
// whole chain and its head; copy [AuditRecord.Hash] values somewhere else
// (logs, a ticket) to anchor them.
//
// # Leases
//
// A lease is a named lock with an expiry, used to elect one leader among
// several replicas. [Store.AcquireLease] takes or renews it and
// [Store.LeaseHolder] reads it; expiry is computed with the database's
// clock, so replicas with skewed clocks still agree. A holder must renew
// well within the TTL, and must stop acting as leader once it cannot.
//
// # Durability
//
// What a kill -9 of the opsloop process can lose: nothing that a method
// returned success for. SQLite runs in WAL mode with synchronous=NORMAL:
// a committed transaction survives a process crash, but the last
// transactions committed before a power loss or an operating-system crash
// may be lost (the database stays consistent; it just ends earlier).
// PostgreSQL keeps what its own fsync, synchronous_commit and replication
// settings promise; with the defaults, a committed transaction survives
// both.
//
// # Concurrency
//
// Every Store method is safe to call from several goroutines. Close ends
// the Store for all of them: call it once nothing else will use the
// Store; calling it again does nothing.
package store
