// Package metering is the authority for the platform's transaction counts.
//
// It consumes the metering events every part publishes on
// lgsp.metering.events.<source> (stream LGSP_METERING) through one durable
// JetStream pull consumer and folds them into SQL rollups per minute, hour,
// local calendar day, month and year, all written at ingest so that a report
// reads the coarsest table its range and granularity allow. A rollup row is keyed by API,
// version, consumer application, consumer agency, API owner agency, source
// and status class, and holds counts, bytes and a latency histogram.
//
// Counting is exact. A fetched batch of messages is aggregated in memory and
// applied in one SQL transaction together with the stream sequence of its
// last message; the stream's Nats-Msg-Id de-duplication drops re-sent
// batches. After a crash the consumer is re-positioned just after the stored
// sequence, and messages at or below it are skipped, so every stored message
// is counted once however the process stopped.
//
// The stored sequence (the cursor) also records which stream it counts:
// the stream's creation time (JetStream StreamInfo.Created) and when the
// stream received the message at the cursor. Before positioning the consumer, and every few
// seconds while it runs, the service compares them with the stream. If the
// NATS store was lost or replaced, or the stream recreated, while SQL
// survived, the new stream starts again at sequence 1 and its messages
// would look counted already; the service logs an error, counts it in
// lgsp_metering_stream_resets_total and, in one transaction, re-bases the
// cursor onto the new stream, which is then counted from its first message.
// A stream restored from an older backup (the same creation time, or a new
// one when restored into a cluster) is recognised by the receive times of
// its messages: the cursor is re-based after its last message that was
// counted, so the backup's messages are not counted twice and those
// published since the restore are counted once. The rollups already in SQL
// are kept in every case. A restart on the same store, and retention or an
// operator removing messages, are not taken for a new stream.
//
// The service also tracks each subscription's use of its monthly quota (in
// the same transaction) and publishes lgsp.metering.v1.QuotaState to the
// LGSP_QUOTA key-value bucket, where the gateway reads it. Reports are served
// over gRPC, REST (grpc-gateway) and as a CSV download, filtered by the
// caller's agency unless the caller is a platform admin or an auditor.
//
// Day, month and year buckets follow the calendar of the configured time
// zone (Asia/Ho_Chi_Minh by default). A report reads every bucket that
// overlaps its range, so a year report from 2026-01-01T00:00Z gets 2026,
// whose bucket starts at 17:00Z the day before. REST and CSV queries also
// take short enum names (granularity=day) and plain dates or local times,
// read in that zone, and name it in the X-LGSP-Time-Zone header.
//
// Quota limits, and which agencies a subscription belongs to, come from
// the registry's GetQuotaLimits, which carries no secret (the gateway's
// snapshot, with decrypted upstream secrets, is not metering's); in a process without the registry,
// callers are authenticated through it too (registry.RemoteAuthenticator). While
// the registry cannot be reached, what needs it is answered 503
// registry_unavailable and the cause is logged once; reports do not need it.
//
// Every error a caller can get, with its stable code and its English and
// Vietnamese messages, is built in errors.go.
//
// Publishers use the small meterpub package rather than this one.
package metering
