// Package meterpub publishes metering events for the metering service to
// count: the gateway's per-request events and the transactions the document
// exchange and one-stop services carry out themselves.
//
// Events travel as lgsp.metering.v1.EventBatch on subject
// lgsp.metering.events.<source> of stream LGSP_METERING. Every message
// carries a Nats-Msg-Id, so a publish retried after a lost acknowledgement
// is stored once, as long as the retry comes within the stream's duplicate
// window (one hour): re-publish the same events (or the same batch id) on
// retry, never new ids.
//
// The package is deliberately small and has no dependency on the metering
// service itself.
package meterpub
