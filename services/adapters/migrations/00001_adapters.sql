-- +goose Up
-- The personal-data access log (NĐ 13/2023/NĐ-CP): one row per lookup of
-- a person's data, chained by a keyed hash. subject_hash is the person's
-- identifier under HMAC-SHA256; the identifier itself is never stored.
CREATE TABLE adapters_access_log (
    seq          BIGINT PRIMARY KEY,
    at_ms        BIGINT NOT NULL,
    application  TEXT NOT NULL,
    agency       TEXT NOT NULL,
    officer      TEXT NOT NULL,
    api          TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_hash TEXT NOT NULL,
    legal_basis  TEXT NOT NULL,
    case_ref     TEXT NOT NULL,
    result       TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);

CREATE INDEX adapters_access_log_subject ON adapters_access_log (subject_hash, seq);

-- The chain's head: the last sequence number and hash. Writers lock this
-- row first, which serialises appends across processes on PostgreSQL.
CREATE TABLE adapters_access_chain (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    head TEXT NOT NULL
);

INSERT INTO adapters_access_chain (id, seq, head) VALUES (1, 0, '');

-- +goose Down
DROP TABLE adapters_access_chain;
DROP INDEX adapters_access_log_subject;
DROP TABLE adapters_access_log;
