// Package accesstoken is the access-token contract between the registry,
// which issues tokens, and the gateway (or any other service), which
// verifies them: the claims, signing, the JSON Web Key Set shape and
// verification against a key set.
//
// Tokens are RS256 JWTs whose kid header names a key of the JWKS served at
// /.well-known/jwks.json and carried in the registry snapshot. Claims: iss,
// aud, iat, exp, jti, sub (application id), client_id, cid (credential id),
// agency (the application's agency code) and scope.
//
// Both sides use this package so that what the registry signs is exactly
// what verifiers accept; a verifier adds its own caching on top of Verifier
// (the gateway caches verified tokens by their bytes).
package accesstoken
