-- +goose Up
-- One row per package the axis carried: documents (kind 'edoc') and status
-- packages (kind 'status'). The bytes live in the Object Store under sha256.
CREATE TABLE docexchange_documents (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('edoc', 'status')),
    sender            TEXT NOT NULL,
    recipients        TEXT NOT NULL,
    document_id       TEXT NOT NULL,
    business_type     BIGINT NOT NULL DEFAULT 0,
    sha256            TEXT NOT NULL,
    size_bytes        BIGINT NOT NULL,
    attachments       BIGINT NOT NULL DEFAULT 0,
    code_number       TEXT NOT NULL DEFAULT '',
    code_notation     TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL DEFAULT '',
    doc_type          TEXT NOT NULL DEFAULT '',
    promulgation_date TEXT NOT NULL DEFAULT '',
    due_date          TEXT NOT NULL DEFAULT '',
    priority          TEXT NOT NULL DEFAULT '',
    status_code       TEXT NOT NULL DEFAULT '',
    response_for      TEXT NOT NULL DEFAULT '',
    unknown_original  BOOLEAN NOT NULL DEFAULT FALSE,
    superseded        TEXT NOT NULL DEFAULT '',
    origin            TEXT NOT NULL DEFAULT 'local',
    national_id       TEXT NOT NULL DEFAULT '',
    created_ms        BIGINT NOT NULL
);
-- A re-send of the same package by the same sender is the same document.
CREATE UNIQUE INDEX docexchange_documents_same ON docexchange_documents (sender, kind, document_id, business_type, sha256);
-- A new document's DocumentId is its sender's: it cannot be reused.
CREATE UNIQUE INDEX docexchange_documents_new ON docexchange_documents (sender, document_id) WHERE kind = 'edoc' AND business_type = 0;
CREATE INDEX docexchange_documents_docid ON docexchange_documents (document_id);
CREATE INDEX docexchange_documents_sender ON docexchange_documents (sender, created_ms, id);
CREATE UNIQUE INDEX docexchange_documents_national ON docexchange_documents (national_id) WHERE national_id <> '';

-- One durable delivery per recipient.
CREATE TABLE docexchange_deliveries (
    id               TEXT PRIMARY KEY,
    doc_id           TEXT NOT NULL REFERENCES docexchange_documents (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    sender           TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    addressed_to     TEXT NOT NULL,
    route            TEXT NOT NULL CHECK (route IN ('local', 'national')),
    state            TEXT NOT NULL CHECK (state IN ('pending', 'forwarded', 'acknowledged', 'failed')),
    transport_status TEXT NOT NULL DEFAULT '',
    status_code      TEXT NOT NULL DEFAULT '',
    created_ms       BIGINT NOT NULL,
    acked_ms         BIGINT NOT NULL DEFAULT 0,
    status_ms        BIGINT NOT NULL DEFAULT 0,
    first_status_ms  BIGINT NOT NULL DEFAULT 0,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_ms          BIGINT NOT NULL DEFAULT 0,
    national_id      TEXT NOT NULL DEFAULT '',
    error            TEXT NOT NULL DEFAULT '',
    published        BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (doc_id, recipient)
);
CREATE INDEX docexchange_deliveries_inbox ON docexchange_deliveries (recipient, state, created_ms, id);
CREATE INDEX docexchange_deliveries_outbound ON docexchange_deliveries (route, state, next_ms);
CREATE INDEX docexchange_deliveries_unpublished ON docexchange_deliveries (published, created_ms) WHERE NOT published;
CREATE INDEX docexchange_deliveries_sender ON docexchange_deliveries (sender, created_ms);

-- Every hop of every document.
CREATE TABLE docexchange_trace (
    id      TEXT PRIMARY KEY,
    doc_id  TEXT NOT NULL REFERENCES docexchange_documents (id) ON DELETE CASCADE,
    at_ms   BIGINT NOT NULL,
    event   TEXT NOT NULL,
    agency  TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX docexchange_trace_doc ON docexchange_trace (doc_id, at_ms, id);

-- Webhooks: each is a durable consumer of its agency's delivery subject.
CREATE TABLE docexchange_webhooks (
    id         TEXT PRIMARY KEY,
    agency     TEXT NOT NULL,
    url        TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX docexchange_webhooks_agency ON docexchange_webhooks (agency);

-- +goose Down
DROP TABLE docexchange_webhooks;
DROP TABLE docexchange_trace;
DROP TABLE docexchange_deliveries;
DROP TABLE docexchange_documents;
