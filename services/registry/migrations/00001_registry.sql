-- Registry schema, in the portable SQL of platform/sqlstore: tables prefixed
-- registry_, application-generated TEXT ids, times as BIGINT unix
-- milliseconds named *_ms (0 = unset), BOOLEAN flags.

-- +goose Up
-- One row: the global revision gateways follow, and the head of the audit
-- hash chain. Every write transaction locks this row first, which serialises
-- writers on PostgreSQL as the single-writer lock does on SQLite.
CREATE TABLE registry_state (
    id         BIGINT PRIMARY KEY,
    revision   BIGINT  NOT NULL,
    audit_seq  BIGINT  NOT NULL,
    audit_head TEXT    NOT NULL
);
INSERT INTO registry_state (id, revision, audit_seq, audit_head) VALUES (1, 0, 0, '');

CREATE TABLE registry_agencies (
    code           TEXT PRIMARY KEY,
    name           TEXT   NOT NULL,
    parent_code    TEXT   NOT NULL DEFAULT '',
    status         TEXT   NOT NULL,
    successor_code TEXT   NOT NULL DEFAULT '',
    created_ms     BIGINT NOT NULL,
    updated_ms     BIGINT NOT NULL
);

-- Every state an agency went through; revision orders the rows.
CREATE TABLE registry_agency_history (
    code           TEXT   NOT NULL,
    revision       BIGINT NOT NULL,
    change         TEXT   NOT NULL,
    name           TEXT   NOT NULL,
    parent_code    TEXT   NOT NULL,
    status         TEXT   NOT NULL,
    successor_code TEXT   NOT NULL,
    related_code   TEXT   NOT NULL,
    actor          TEXT   NOT NULL,
    changed_ms     BIGINT NOT NULL,
    PRIMARY KEY (code, revision)
);

CREATE TABLE registry_apis (
    id               TEXT PRIMARY KEY,
    name             TEXT    NOT NULL,
    context          TEXT    NOT NULL,
    -- lower(context): contexts are unique whatever their case.
    context_key      TEXT    NOT NULL,
    version          TEXT    NOT NULL,
    owner_agency     TEXT    NOT NULL REFERENCES registry_agencies (code),
    visibility       TEXT    NOT NULL,
    lifecycle        TEXT    NOT NULL,
    -- JSON of the API's routing settings (lgsp.registry.v1.Api without
    -- secrets and without the columns above).
    spec             TEXT    NOT NULL,
    -- Upstream secrets, sealed with the master key (bound to the API id).
    upstream_secrets TEXT    NOT NULL DEFAULT '',
    openapi_document TEXT    NOT NULL DEFAULT '',
    created_ms       BIGINT  NOT NULL,
    updated_ms       BIGINT  NOT NULL
);
CREATE UNIQUE INDEX registry_apis_context_version ON registry_apis (context_key, version);
CREATE INDEX registry_apis_owner ON registry_apis (owner_agency);

CREATE TABLE registry_tiers (
    name            TEXT PRIMARY KEY,
    description     TEXT             NOT NULL,
    rate_per_second DOUBLE PRECISION NOT NULL,
    burst           BIGINT           NOT NULL,
    monthly_quota   BIGINT           NOT NULL,
    created_ms      BIGINT           NOT NULL,
    updated_ms      BIGINT           NOT NULL
);

CREATE TABLE registry_applications (
    id               TEXT PRIMARY KEY,
    name             TEXT   NOT NULL,
    description      TEXT   NOT NULL,
    agency_code      TEXT   NOT NULL REFERENCES registry_agencies (code),
    state            TEXT   NOT NULL,
    cert_fingerprint TEXT   NOT NULL DEFAULT '',
    created_ms       BIGINT NOT NULL,
    updated_ms       BIGINT NOT NULL
);
CREATE UNIQUE INDEX registry_applications_agency_name ON registry_applications (agency_code, name);

CREATE TABLE registry_credentials (
    id             TEXT PRIMARY KEY,
    application_id TEXT   NOT NULL REFERENCES registry_applications (id),
    type           TEXT   NOT NULL,
    key_id         TEXT   NOT NULL,
    -- Hex SHA-256 of the secret (OAuth2 client secret) or of the whole key
    -- (API key); empty for signed-header credentials.
    secret_hash    TEXT   NOT NULL DEFAULT '',
    -- Sealed HMAC secret of signed-header credentials.
    secret_sealed  TEXT   NOT NULL DEFAULT '',
    description    TEXT   NOT NULL,
    state          TEXT   NOT NULL,
    expires_ms     BIGINT NOT NULL DEFAULT 0,
    created_ms     BIGINT NOT NULL,
    revoked_ms     BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX registry_credentials_type_key ON registry_credentials (type, key_id);
CREATE INDEX registry_credentials_application ON registry_credentials (application_id);

CREATE TABLE registry_subscriptions (
    id             TEXT PRIMARY KEY,
    application_id TEXT   NOT NULL REFERENCES registry_applications (id),
    api_id         TEXT   NOT NULL REFERENCES registry_apis (id),
    tier           TEXT   NOT NULL REFERENCES registry_tiers (name),
    state          TEXT   NOT NULL,
    requested_by   TEXT   NOT NULL,
    decided_by     TEXT   NOT NULL DEFAULT '',
    decided_ms     BIGINT NOT NULL DEFAULT 0,
    reason         TEXT   NOT NULL DEFAULT '',
    created_ms     BIGINT NOT NULL,
    updated_ms     BIGINT NOT NULL
);
-- At most one live subscription per application and API; rejected ones may
-- be asked for again.
CREATE UNIQUE INDEX registry_subscriptions_live ON registry_subscriptions (application_id, api_id) WHERE state <> 'rejected';
CREATE INDEX registry_subscriptions_api ON registry_subscriptions (api_id);

CREATE TABLE registry_users (
    username      TEXT PRIMARY KEY,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    agency_code   TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms    BIGINT  NOT NULL,
    updated_ms    BIGINT  NOT NULL
);

CREATE TABLE registry_sessions (
    id         TEXT PRIMARY KEY,
    -- Hex SHA-256 of the opaque session token.
    token_hash TEXT   NOT NULL UNIQUE,
    username   TEXT   NOT NULL REFERENCES registry_users (username),
    source     TEXT   NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    revoked_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX registry_sessions_username ON registry_sessions (username);

CREATE TABLE registry_signing_keys (
    kid         TEXT PRIMARY KEY,
    algorithm   TEXT   NOT NULL,
    -- PKCS#8 DER private key, sealed with the master key (bound to kid).
    private_key TEXT   NOT NULL,
    public_jwk  TEXT   NOT NULL,
    state       TEXT   NOT NULL,
    created_ms  BIGINT NOT NULL,
    rotated_ms  BIGINT NOT NULL DEFAULT 0,
    retire_ms   BIGINT NOT NULL DEFAULT 0
);

-- Append-only and hash-chained: hash = SHA-256 over the row's canonical
-- encoding, which includes prev_hash. The code has no UPDATE or DELETE path.
CREATE TABLE registry_audit_log (
    seq           BIGINT PRIMARY KEY,
    at_ms         BIGINT NOT NULL,
    actor         TEXT   NOT NULL,
    role          TEXT   NOT NULL,
    action        TEXT   NOT NULL,
    resource_kind TEXT   NOT NULL,
    resource_id   TEXT   NOT NULL,
    before_json   TEXT   NOT NULL,
    after_json    TEXT   NOT NULL,
    source        TEXT   NOT NULL,
    prev_hash     TEXT   NOT NULL,
    hash          TEXT   NOT NULL
);
CREATE INDEX registry_audit_log_actor ON registry_audit_log (actor, seq);
CREATE INDEX registry_audit_log_resource ON registry_audit_log (resource_kind, resource_id, seq);
CREATE INDEX registry_audit_log_at ON registry_audit_log (at_ms);

-- +goose Down
DROP TABLE registry_audit_log;
DROP TABLE registry_signing_keys;
DROP TABLE registry_sessions;
DROP TABLE registry_users;
DROP TABLE registry_subscriptions;
DROP TABLE registry_credentials;
DROP TABLE registry_applications;
DROP TABLE registry_tiers;
DROP TABLE registry_apis;
DROP TABLE registry_agency_history;
DROP TABLE registry_agencies;
DROP TABLE registry_state;
