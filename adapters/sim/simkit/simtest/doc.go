// Package simtest runs a national-system simulator for the length of a
// test: behind an httptest server, or on a real local port as `lgsp dev`
// runs it. Simulator packages and the connectors tested against them use
// it, so that every test stops its simulator the same way.
package simtest
