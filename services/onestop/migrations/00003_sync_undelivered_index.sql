-- +goose Up
-- The sync reads each dossier's first undelivered change: "is there an
-- earlier one not done?" then looks at the few undelivered rows of the
-- dossier instead of every change it ever had.
CREATE INDEX onestop_sync_undelivered ON onestop_sync (code, version) WHERE state <> 'done';

-- +goose Down
DROP INDEX onestop_sync_undelivered;
