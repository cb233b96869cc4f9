-- +goose Up
-- The procedure catalogue: what a dossier may be about, and the time
-- allowed in working days.
CREATE TABLE onestop_procedures (
    code         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    field_code   TEXT NOT NULL DEFAULT '',
    field_name   TEXT NOT NULL DEFAULT '',
    working_days BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL
);

-- One-stop units: agencies of the registry with their level.
CREATE TABLE onestop_units (
    agency     TEXT PRIMARY KEY,
    level      TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    updated_ms BIGINT NOT NULL
);

-- Holiday calendars an admin loaded, one JSON document per year.
CREATE TABLE onestop_calendars (
    year       BIGINT PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- The last dossier number given per receiving agency and day. Incremented
-- in the transaction that creates the dossier: no gap, no duplicate.
CREATE TABLE onestop_code_seq (
    agency TEXT NOT NULL,
    day    TEXT NOT NULL,
    last   BIGINT NOT NULL,
    PRIMARY KEY (agency, day)
);

CREATE TABLE onestop_dossiers (
    code             TEXT PRIMARY KEY,
    -- receiving agency, '|', the client's request id; NULL without one.
    request_key      TEXT UNIQUE,
    receiving_agency TEXT NOT NULL,
    handling_agency  TEXT NOT NULL,
    handling_level   TEXT NOT NULL,
    procedure_code   TEXT NOT NULL,
    status           BIGINT NOT NULL CHECK (status BETWEEN 1 AND 10),
    received_ms      BIGINT NOT NULL,
    -- 0 until received (status 1).
    due_ms           BIGINT NOT NULL DEFAULT 0,
    -- Working days left when the deadline paused; -1 when not paused.
    paused_days      BIGINT NOT NULL DEFAULT -1,
    finished_ms      BIGINT NOT NULL DEFAULT 0,
    returned_ms      BIGINT NOT NULL DEFAULT 0,
    -- '', 'early', 'on_time' or 'late', set when finished.
    timeliness       TEXT NOT NULL DEFAULT '',
    overdue_notified BOOLEAN NOT NULL DEFAULT FALSE,
    -- The last PhienBan given to a change bound for the portal.
    sync_version     BIGINT NOT NULL DEFAULT 0,
    -- TRUE while a dead letter holds the dossier's later changes.
    sync_blocked     BOOLEAN NOT NULL DEFAULT FALSE,
    -- The last trail entry's number.
    trail_seq        BIGINT NOT NULL DEFAULT 0,
    -- Applicant, summary, documents, fees, results, supplements, channel…
    body             TEXT NOT NULL,
    created_ms       BIGINT NOT NULL,
    updated_ms       BIGINT NOT NULL
);
CREATE INDEX onestop_dossiers_received ON onestop_dossiers (receiving_agency, received_ms, code);
CREATE INDEX onestop_dossiers_handling ON onestop_dossiers (handling_agency, status, code);
CREATE INDEX onestop_dossiers_period ON onestop_dossiers (received_ms, code);
CREATE INDEX onestop_dossiers_open_due ON onestop_dossiers (due_ms) WHERE finished_ms = 0 AND status IN (2, 4);

-- Which agencies may see a dossier: the one that received it and each one
-- it was transferred to.
CREATE TABLE onestop_access (
    code   TEXT NOT NULL REFERENCES onestop_dossiers (code) ON DELETE CASCADE,
    agency TEXT NOT NULL,
    PRIMARY KEY (agency, code)
);

-- The trail: every change with who, when and a note. It is also the
-- outbox of NATS events: unpublished entries are published, then marked.
CREATE TABLE onestop_trail (
    code        TEXT NOT NULL REFERENCES onestop_dossiers (code) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    agency      TEXT NOT NULL DEFAULT '',
    application TEXT NOT NULL DEFAULT '',
    from_status BIGINT NOT NULL DEFAULT 0,
    to_status   BIGINT NOT NULL DEFAULT 0,
    to_agency   TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '{}',
    published   BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (code, seq)
);
CREATE INDEX onestop_trail_unpublished ON onestop_trail (created_ms, code, seq) WHERE NOT published;

-- The sync outbox: what the national portal must receive, per dossier in
-- PhienBan order. payload is the wire item as it was at the change.
CREATE TABLE onestop_sync (
    code       TEXT NOT NULL REFERENCES onestop_dossiers (code) ON DELETE CASCADE,
    version    BIGINT NOT NULL,
    call       TEXT NOT NULL CHECK (call IN ('DongBoHoSoMC', 'CapNhatTienDoHoSoMC')),
    payload    TEXT NOT NULL,
    -- pending: to send; held: behind a dead letter; dead; done.
    state      TEXT NOT NULL CHECK (state IN ('pending', 'held', 'dead', 'done')),
    attempts   BIGINT NOT NULL DEFAULT 0,
    next_ms    BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL,
    done_ms    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (code, version)
);
CREATE INDEX onestop_sync_pending ON onestop_sync (created_ms, code, version) WHERE state = 'pending';
CREATE INDEX onestop_sync_dead ON onestop_sync (created_ms, code, version) WHERE state = 'dead';

-- +goose Down
DROP TABLE onestop_sync;
DROP TABLE onestop_trail;
DROP TABLE onestop_access;
DROP TABLE onestop_dossiers;
DROP TABLE onestop_code_seq;
DROP TABLE onestop_calendars;
DROP TABLE onestop_units;
DROP TABLE onestop_procedures;
