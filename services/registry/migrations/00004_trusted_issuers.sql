-- Trusted external token issuers (federation): the national platform's
-- bearer JWTs, verified against its JWKS, act as one registered application.

-- +goose Up
CREATE TABLE registry_trusted_issuers (
    id              TEXT PRIMARY KEY,
    name            TEXT    NOT NULL,
    -- The iss claim, compared exactly.
    issuer          TEXT    NOT NULL,
    jwks_url        TEXT    NOT NULL,
    allow_http      BOOLEAN NOT NULL DEFAULT FALSE,
    -- JSON array of accepted aud values.
    audiences       TEXT    NOT NULL,
    application_id  TEXT    NOT NULL REFERENCES registry_applications (id),
    -- JSON object: claim name to the string value a token must carry.
    required_claims TEXT    NOT NULL DEFAULT '{}',
    leeway_seconds  BIGINT  NOT NULL DEFAULT 0,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms      BIGINT  NOT NULL,
    updated_ms      BIGINT  NOT NULL
);
CREATE UNIQUE INDEX registry_trusted_issuers_issuer ON registry_trusted_issuers (issuer);
CREATE INDEX registry_trusted_issuers_application ON registry_trusted_issuers (application_id);

-- +goose Down
DROP TABLE registry_trusted_issuers;
