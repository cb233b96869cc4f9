// Command docexchangebench is the document exchange's end-to-end benchmark,
// run by `make bench` after the gateway's and alone by
// `make bench-docexchange`.
//
// It measures the configuration that ships: `bin/lgsp dev` as a child
// process on random loopback ports, with its data in a temporary directory
// (SQLite in WAL mode, the embedded NATS JetStream file store, the gateway,
// metering, the national axis simulator). The benchmark registers its own
// applications through the admin REST API (a tier with a high rate and no
// quota, a signed-header credential per agency, subscriptions to vdxp/1.0),
// then, with the national SDK's calls (adapters/vdxp, no retries):
//
//  1. throughput: a closed loop of N concurrent senders posting 10 KiB
//     edXML packages (each with its own DocumentId) for two recipients to
//     <gateway>/vdxp/1.0/sendEdoc, after a warm-up, for a measured period
//     repeated in rounds; the median is reported with p50/p99 latency,
//     refusals and the child's CPU;
//  2. reference: the same sends made in the same rounds directly to the
//     service's national surface on the admin listener, with the gateway's
//     identity assertion minted from the internal token the benchmark gave
//     the child (platform/gatewayid), which gives the gateway's cost as a
//     ratio that means something on any machine;
//  3. backlog: on a fresh child, 100,000 documents sent through the gateway
//     to one agency that does not read, then drained by that agency through
//     the gateway (getReceivedEdocList, getEdoc, updateStatus done) with
//     several workers; every document must come back once, byte for byte.
//     The child's resident memory is read from /proc while it holds the
//     backlog idle and during the drain, and the data directory is measured.
//
// The results replace the section between the docexchangebench markers of
// docs/BENCHMARKS.md.
package main
