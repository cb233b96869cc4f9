// Package assertion signs the gateway's identity assertion
// (platform/gatewayid) on the benchmark's side, so that a service can be
// called straight on the admin listener as the gateway calls it. The
// benchmarks measure that reference path against the path through the
// gateway, to tell what the gateway costs from what the service costs.
package assertion
