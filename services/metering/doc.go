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
// The service also tracks each subscription's use of its monthly quota (in
// the same transaction) and publishes lgsp.metering.v1.QuotaState to the
// LGSP_QUOTA key-value bucket, where the gateway reads it. Reports are served
// over gRPC, REST (grpc-gateway) and as a CSV download, filtered by the
// caller's agency unless the caller is a platform admin or an auditor.
//
// Publishers use the small meterpub package rather than this one.
package metering
