// Command onestopbench is the one-stop service's benchmark, run by
// `make bench` after the others and alone by `make bench-onestop`.
//
// It measures the configuration that ships. First the service's own Go
// benchmarks (services/onestop/bench_test.go), run with `go test` and read
// back: status updates per second in process with the sync on, and
// GetStatistics over one year of a province's 250,000 dossiers, on SQLite
// and, when a PostgreSQL URL is given, on PostgreSQL. Then end to end:
// `bin/lgsp dev` as a child process on random loopback ports with its data
// in a temporary directory, the demo commune's one-stop software calling
// through the gateway with its demo API key:
//
//  1. for each number of concurrent clients, a new set of dossiers is
//     created and moved to processing (4), then the clients cycle their own
//     dossiers between 4 and 5 (supplement requested) in a closed loop for
//     a warm-up and a measured period; updates/s and p50/p99 latency;
//  2. reference: the same on fresh dossiers straight to the service on the
//     admin listener, with the gateway's identity assertion minted from the
//     internal token the benchmark gave the child: the service without the
//     gateway;
//  3. sync lag: after each run the portal simulator's history of every
//     dossier is read; for each measured change, the time the simulator
//     received it minus the time the client had the answer; and the time
//     the outbox took to drain once the load stopped.
//
// With a PostgreSQL URL (-postgres, by default LGSP_TEST_POSTGRES_DSN) the
// end-to-end runs are repeated with the child on a new schema of that
// database (LGSP_DATABASE_URL), which lgsp dev then uses for every service.
//
// The results replace the section between the onestopbench markers of
// docs/BENCHMARKS.md.
package main
