// Package latency summarises measured durations by nearest-rank
// percentiles. The end-to-end benchmarks report p50 and p99 of call
// latencies and of sync lags; computing them in one place keeps their
// figures comparable across the sections of docs/BENCHMARKS.md.
package latency
