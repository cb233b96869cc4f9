// Package meterpub publishes metering events for the metering service to
// count: the gateway's per-request events and the transactions the document
// exchange and one-stop services carry out themselves. It is the one place
// that knows the subject, the message shape and the de-duplication rule.
//
// Events travel as lgsp.metering.v1.EventBatch on subject
// lgsp.metering.events.<source> of stream LGSP_METERING. Every message
// carries a Nats-Msg-Id, so a publish retried after a lost acknowledgement
// is stored once, as long as the retry comes within the stream's duplicate
// window (one hour): re-publish the same events (or the same batch id) on
// retry, never new ids.
//
// Publish and PublishBatch send one batch and wait for it to be stored,
// for services that meter a transaction as part of doing it. Batcher is
// for a hot path that may neither wait nor allocate (the gateway): it
// buffers, batches, publishes asynchronously and re-sends until
// acknowledged.
//
// The package is deliberately small and has no dependency on the metering
// service itself.
package meterpub
