// Package gateway is the platform's front door: a reverse proxy for every
// registered API at /{context}/{version}/{path…}.
//
// For each request it authenticates the consumer (Bearer JWT from the
// platform's token endpoint or from a trusted external issuer such as the
// national platform, API key, the national document axis's signed headers,
// or an mTLS client certificate), checks the application's approved
// subscription and the API's lifecycle, applies the subscription tier's rate
// limit and the monthly quota, then forwards to one of the API's upstream
// endpoints with the upstream's own credentials, a timeout, retries for
// idempotent methods, a circuit breaker and passive health checks per
// endpoint. An upstream that is one of the platform's own services (upstream
// authentication PLATFORM) gets instead the gateway's signed assertion of the
// calling application and agency (platform/gatewayid), signed again for each
// attempt. Every request yields a metering event, published to JetStream in
// batches off the hot path.
//
// The gateway's own refusals take the platform's JSON shape, or on APIs whose
// error style is NATIONAL_AXIS the national document axis's envelope with its
// ErrorCode; errors.go maps each refusal to both.
//
// The routing table is built once per registry snapshot and swapped with an
// atomic pointer, so a reload never blocks or drops a request in flight. The
// request path takes no lock except inside the JWT verification cache, the
// access log's buffer (to append one line) and, for signed headers, the
// replay memory (which also asks JetStream, so that every gateway refuses a
// replay); the circuit breakers are atomic state machines.
//
// What is refused at the edge, before anything is forwarded, is listed in
// docs/security.md: bodies over the route's limit (decided from the headers,
// before the body is read), paths that decode to dot segments, HTTP versions
// other than 1.1 and 1.0, upstream addresses outside
// LGSP_GATEWAY_UPSTREAM_ALLOW when dialling, and headers only the gateway
// may set.
//
// The public listener also serves the OAuth2 token endpoint (/token and
// /oauth2/token, delegated to the registry), the JWKS
// (/.well-known/jwks.json), /healthz and /readyz. These paths are matched
// before API routes, so no API can shadow them.
//
// Where things are: proxy.go is the request flow and the upstream call with
// its retries; admit.go routing, path checks, lifecycle, subscription, rate
// limit and quota; bodylimit.go the body limit chosen from the headers;
// conn.go the connection guard; auth.go the consumer's credentials (jwt.go
// the access tokens, federation.go trusted external issuers' tokens and
// their key sets, replay.go the shared signed-header replay check);
// token.go the token endpoint and tokenthrottle.go its failure limiter;
// headers.go header hygiene and request ids; forwarded.go the client
// address; upstreamauth.go the upstream's credentials; upstream.go
// endpoints, balancing and the guarded dialler, breaker.go their circuit
// breakers;
// tracing.go, accesslog.go, metering.go, metrics.go and loglimit.go what is
// observed; table.go and gateway.go the routing table and its reloads.
//
// The server and upstream client are fasthttp: on a 2-core machine
// net/http's ReverseProxy reached about a third of nginx's throughput, a
// fasthttp proxy about four fifths.
package gateway
