// Package server runs the platform's HTTP listeners that are not the
// gateway's hot path: the admin listener, which carries the REST admin API
// (grpc-gateway), gRPC (HTTP/2 without TLS on the same port, or with TLS),
// the console, /metrics, and the health endpoints every listener has.
package server
