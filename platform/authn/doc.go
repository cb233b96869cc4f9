// Package authn carries the authenticated caller of an admin or internal
// call through a context, and provides the HTTP middleware and gRPC
// interceptors that establish it.
//
// Authentication is pluggable: the registry owns users and sessions and
// implements Authenticator; other services use it in process (dev mode) or
// through the registry's gRPC API (per-service mode). Authorisation stays in
// each service, which reads the Principal with From.
//
// The middleware and interceptors also record the caller's address
// (Principal.Source, SourceFrom): the socket peer, or the X-Forwarded-For
// client when the peer is one of the trusted proxies (WithTrustedProxies,
// LGSP_TRUSTED_PROXIES). They accept the console's session cookie, and then
// refuse state-changing requests that do not come from the console itself
// (csrf.go). Every refused call is counted in lgsp_admin_refused_total and
// logged at a bounded rate (Refused), which services call for what their
// own authorisation forbids.
package authn
