// Command gatewaybench is the end-to-end load benchmark behind `make bench`.
//
// It starts an upstream nginx serving fixed JSON bodies, a reference nginx
// reverse proxy in front of it, and the gateway (this same binary re-run as
// a child process, so that its memory is measured alone) in front of the
// same upstream, with an embedded NATS for metering. The gateway's routing
// table and the access tokens come from a real registry (registrytest.New,
// SQLite) in the parent process, filled through its RPCs and served to the
// child over gRPC. wrk drives the
// reference and the gateway with the same settings, in the same run, for
// three scenarios:
//
//	(a) JWT + subscription check + rate limit (high tier) + metering, small JSON;
//	(b) as (a) with a 10 KiB response;
//	(c) as (a) with 1,000 registered APIs and 1,000 applications, requests
//	    spread over 100 of them.
//
// After each scenario the gateway is stopped gracefully and the metering
// events in JetStream are counted against the requests the gateway served.
// The results go to docs/BENCHMARKS.md.
package main
