// Package natsx starts or connects to NATS and declares the JetStream streams
// and key-value buckets the platform shares.
//
// In dev mode the server is embedded in the process with a file store under
// the data directory; in production LGSP_NATS_URL points at an external
// cluster. Either way callers get a *nats.Conn and a jetstream.JetStream.
package natsx
