// Package jwks fetches, caches and refreshes a remote JSON Web Key Set, and
// verifies JWTs signed with its keys.
//
// It exists for federation: the national platform issues its own JWTs, and
// the gateway accepts them from a trusted external issuer configured by its
// JWKS URL, issuer and audience. Unlike platform/accesstoken, whose key set
// travels in the registry snapshot, these keys live on somebody else's
// server, rotate on somebody else's schedule and may be unreachable for a
// while. This package owns that problem and nothing else; mapping a
// verified token to an application is the caller's.
//
// # Refresh policy
//
// A KeySet does not contact the issuer when it is built. Keys are fetched:
//
//   - by Run, once at start and then every RefreshEvery (default 1h); after
//     a failed fetch Run retries sooner, from MinRefreshGap doubling up to
//     RefreshEvery, so that a short outage is bridged long before MaxStale;
//   - by Key, when a token names a kid the cache does not hold (the issuer
//     has rotated). Such fetches happen at most once per MinRefreshGap
//     (default 30s), whatever their cause, and concurrent callers share one
//     fetch, so a flood of tokens with made-up kids cannot turn the gateway
//     into an amplifier against the issuer;
//   - by Key, when the cached set is older than MaxStale (Run is not
//     running or has failed for that long), under the same limit;
//   - by Refresh, on demand, ignoring the limit.
//
// A fetch that succeeds replaces the whole set, so a key the issuer removes
// stops verifying at the next refresh. Run is what makes removal take
// effect within RefreshEvery; without it, a known kid is served from the
// cache until the set is MaxStale old.
//
// # While the JWKS endpoint is down
//
// A failed fetch (transport error, timeout, non-200 answer, oversized or
// malformed body, a set with no usable key) never empties the cache. Kids
// already known keep verifying until MaxStale (default 24h) has passed
// since the last successful fetch; after that every Key call fails with
// ErrUnavailable until a fetch succeeds. A kid the cache does not know
// fails with ErrUnavailable while the endpoint is failing: the set cannot
// say whether the kid exists. Failures are logged, rate-limited by the same
// MinRefreshGap.
//
// # What is accepted
//
// RSA keys (RS256, at least 2048 bits) and EC P-256 keys (ES256). Keys
// whose use is not "sig", whose alg is another algorithm, whose kty or
// curve is unknown, that have no kid or that are malformed are skipped
// without failing the set; a set left with no usable key is refused. The
// URL must be https, or http on a loopback address or with AllowHTTP;
// redirects are followed only to the same host and scheme, and the body is
// bounded by MaxBody (default 1 MiB).
//
// Verifier checks a token's algorithm (RS256 or ES256 only: never "none"
// nor HMAC, so a public key can never be used as a shared secret), kid,
// signature, exact issuer, audience, and exp, nbf and iat with a leeway.
// Its errors wrap the sentinels of errors.go, so that a caller can tell an
// expired token from a wrong audience or an unreachable issuer with
// errors.Is; no error message ever contains the token.
package jwks
