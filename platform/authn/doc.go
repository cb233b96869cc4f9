// Package authn carries the authenticated caller of an admin or internal
// call through a context, and provides the HTTP middleware and gRPC
// interceptors that establish it.
//
// Authentication is pluggable: the registry owns users and sessions and
// implements Authenticator; other services use it in process (dev mode) or
// through the registry's gRPC API (per-service mode). Authorisation stays in
// each service, which reads the Principal with From.
package authn
