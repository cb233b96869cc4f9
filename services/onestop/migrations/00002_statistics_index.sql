-- +goose Up
-- Statistics over a period read only this index (SQLite otherwise fetches
-- every dossier of the period row by row): 1.0 s → 0.1 s for a year of
-- 250,000 dossiers.
CREATE INDEX onestop_dossiers_statistics ON onestop_dossiers (received_ms, receiving_agency, handling_agency, status, finished_ms, due_ms, timeliness);

-- +goose Down
DROP INDEX onestop_dossiers_statistics;
