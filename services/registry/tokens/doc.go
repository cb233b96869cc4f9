// Package tokens is the access-token contract between the registry, which
// issues tokens, and the gateway, which verifies them: the JWT claims, the
// JSON Web Key Set format, and verification against a key set.
//
// Tokens are RS256 JWTs with a kid header naming a key of the JWKS served
// at /.well-known/jwks.json (and carried in the registry snapshot). Claims:
// iss, aud, iat, exp, jti, sub (application id), client_id, cid (credential
// id) and agency (the application's agency code).
package tokens
