// Package cpuuse measures the cores a benchmark's run used: those of the
// process under test (the `lgsp dev` child), those of the benchmark itself
// and those of everything else on the machine. The load generator shares
// the platform's cores, so a throughput figure means little without this
// split; every end-to-end benchmark reports it the same way, from /proc.
package cpuuse
