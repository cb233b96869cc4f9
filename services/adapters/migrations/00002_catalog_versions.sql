-- +goose Up
-- The version of each shared catalog last announced on NATS
-- (lgsp.adapters.events.catalog_updated.<code>), so that a new version is
-- announced once, also across restarts.
CREATE TABLE adapters_catalog_versions (
    code       TEXT PRIMARY KEY,
    version    TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- +goose Down
DROP TABLE adapters_catalog_versions;
