// Package simkit holds the plumbing the national-system simulators
// (adapters/sim/ngsp, adapters/sim/vdxp, adapters/sim/dvcqg) share:
// binding a simulator's address as a service instance (Bound), serving a
// handler on a listener once with a graceful shutdown, duration knobs
// written as Go durations, the fault injector's waits, seeded random
// source and knob errors, and call counts per call and status (Recorder,
// Calls).
//
// It exists so that these behave the same in every simulator and are
// fixed in one place. What a simulator speaks (routes, envelopes, error
// codes, the shape of its fault knobs and of its control surface) stays
// in its own package: two national systems that answer differently on the
// wire are not forced into one shape here. Tests run a simulator with
// simkit/simtest.
package simkit
