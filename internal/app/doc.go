// Package app is the composition root: it builds the platform's services
// from one configuration and runs them, either all in one process (`lgsp
// dev`) or one per process (`lgsp serve <service>`). Both modes call the same
// constructors; only the wiring between them differs (in-process calls versus
// gRPC, embedded versus external NATS, SQLite versus PostgreSQL).
package app
