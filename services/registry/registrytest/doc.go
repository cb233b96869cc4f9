// Package registrytest runs a real registry for tests and benchmarks of its
// consumers (the gateway, metering, new services): registry.New over a
// SQLite file and, unless the caller brings its own, a real embedded NATS.
//
// Fixtures are built only through the registry's public RPCs, as an
// administrator would, so a consumer's test sees exactly the snapshot,
// tokens and key set the registry produces; a drift between the registry
// and its consumers then fails their tests instead of hiding behind a
// hand-written fake.
//
// Start is for tests (cleanup on t.Cleanup, failures through t.Fatal). New
// is the same without the testing package's help, for programs such as the
// load benchmark; its fixture builders panic on error unless a handler is
// given with WithFailure.
package registrytest
