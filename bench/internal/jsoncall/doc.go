// Package jsoncall makes the JSON calls the end-to-end benchmarks make to
// the platform: the API under load, the admin REST API with the session
// of the admin `lgsp dev` created, the simulators' control surfaces. A
// failed call says what answered and why, so that a failure the
// benchmark counts can be read in its report.
package jsoncall
