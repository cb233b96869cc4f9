// Package benchdoc writes the generated sections of docs/BENCHMARKS.md.
// Each end-to-end benchmark owns one section between its own markers, so
// that a run refreshes its figures without touching what other benchmarks
// or people wrote around them. The sections open alike (how they were
// generated, the machine they ran on), from one place, so that they read
// and compare alike.
package benchdoc
