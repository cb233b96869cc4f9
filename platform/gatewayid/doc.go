// Package gatewayid is how the gateway tells an LGSP service behind it who
// is calling, in a form that whoever reaches the service's port directly
// cannot forge.
//
// For an API whose upstream is one of our own services (upstream auth type
// PLATFORM in the registry), the gateway replaces the consumer's credential
// with a short-lived assertion in the Authorization header:
//
//	Authorization: Bearer lgspgw1.<payload>.<mac>
//
// The payload (base64url JSON) names the application, its agency, the API,
// the request id and the signed-header system id when there was one; the
// MAC is HMAC-SHA256 under a key derived from the internal token that every
// LGSP process of an installation shares. The assertion lives for a few
// seconds (MaxAge), long enough for the call and its retries and no
// longer.
//
// A service never parses the consumer's own credential: the admin
// listener's authenticator accepts the assertion (Authenticator) and hands
// the service an authn.Principal with RoleConsumer, the application id as
// Subject and the agency code as Agency. The service then authorises by
// agency itself.
package gatewayid
