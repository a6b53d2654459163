-- 0001_init: the audit chain and leases.

-- audit_log holds the audit chain. seq is assigned by AppendAudit from
-- audit_head, never by AUTOINCREMENT, so that it has no gaps.
CREATE TABLE audit_log (
	seq        INTEGER PRIMARY KEY,
	time_ms    INTEGER NOT NULL, -- Unix milliseconds, UTC
	actor      TEXT    NOT NULL,
	role       TEXT    NOT NULL,
	action     TEXT    NOT NULL,
	target     TEXT    NOT NULL,
	request_id TEXT    NOT NULL,
	status     INTEGER NOT NULL,
	detail     TEXT    NOT NULL, -- JSON text or '', byte for byte as hashed
	prev_hash  TEXT    NOT NULL,
	hash       TEXT    NOT NULL
) STRICT;

CREATE INDEX audit_log_actor_seq ON audit_log (actor, seq);

-- audit_head is the one-row head of the chain: the last seq and hash.
-- AppendAudit reads and updates it in the append's write transaction.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT    NOT NULL
) STRICT;

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- leases are named locks with an expiry, for leader election.
CREATE TABLE leases (
	name       TEXT    PRIMARY KEY,
	holder     TEXT    NOT NULL,
	expires_ms INTEGER NOT NULL -- Unix milliseconds, by SQLite's clock
) STRICT;
