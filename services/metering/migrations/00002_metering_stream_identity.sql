-- +goose Up
-- Which stream a cursor counts, so that a stream replaced by a new one (a
-- lost NATS store, a recreated stream) is recognised rather than taken for
-- messages already counted. stream_created_ms is the stream's creation time
-- as JetStream reports it (StreamInfo.Created); last_msg_ms is the time the
-- stream received the message at last_seq. 0 means not known yet: rows
-- written before this migration, or a cursor that was just re-based.
ALTER TABLE metering_cursor ADD COLUMN stream_created_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metering_cursor ADD COLUMN last_msg_ms BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE metering_cursor DROP COLUMN last_msg_ms;
ALTER TABLE metering_cursor DROP COLUMN stream_created_ms;
