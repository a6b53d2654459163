-- 0001_init: the audit chain and leases.

-- audit_log holds the audit chain. seq is assigned by AppendAudit from
-- audit_head, never by a sequence, so that it has no gaps.
CREATE TABLE audit_log (
	seq        BIGINT      PRIMARY KEY,
	at         TIMESTAMPTZ NOT NULL,
	actor      TEXT        NOT NULL,
	role       TEXT        NOT NULL,
	action     TEXT        NOT NULL,
	target     TEXT        NOT NULL,
	request_id TEXT        NOT NULL,
	status     BIGINT      NOT NULL,
	detail     TEXT        NOT NULL, -- JSON text or '', byte for byte as hashed (not jsonb)
	prev_hash  TEXT        NOT NULL,
	hash       TEXT        NOT NULL
);

CREATE INDEX audit_log_actor_seq ON audit_log (actor, seq);

-- audit_head is the one-row head of the chain: the last seq and hash.
-- AppendAudit locks it with SELECT ... FOR UPDATE, which keeps appends
-- from every replica in one line.
CREATE TABLE audit_head (
	id   SMALLINT PRIMARY KEY CHECK (id = 1),
	seq  BIGINT   NOT NULL,
	hash TEXT     NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- leases are named locks with an expiry, for leader election.
CREATE TABLE leases (
	name       TEXT        PRIMARY KEY,
	holder     TEXT        NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL -- by PostgreSQL's clock
);
