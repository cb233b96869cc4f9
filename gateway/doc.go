// Package gateway is the platform's front door: a reverse proxy for every
// registered API at /{context}/{version}/{path…}.
//
// For each request it authenticates the consumer (Bearer JWT from the
// platform's token endpoint, API key, the national document axis's signed
// headers, or an mTLS client certificate), checks the application's approved
// subscription and the API's lifecycle, applies the subscription tier's rate
// limit and the monthly quota, then forwards to one of the API's upstream
// endpoints with the upstream's own credentials, a timeout, retries for
// idempotent methods, a circuit breaker and passive health checks per
// endpoint. Every request yields a metering event, published to JetStream in
// batches off the hot path.
//
// The routing table is built once per registry snapshot and swapped with an
// atomic pointer, so a reload never blocks or drops a request in flight. The
// request path takes no lock except inside the JWT verification cache and the
// circuit breaker of the chosen endpoint.
//
// The public listener also serves the OAuth2 token endpoint (/token and
// /oauth2/token, delegated to the registry), the JWKS
// (/.well-known/jwks.json), /healthz and /readyz. These paths are matched
// before API routes, so no API can shadow them.
//
// Where things are: proxy.go is the request flow and the upstream call with
// its retries; admit.go routing, lifecycle, subscription, rate limit and
// quota; auth.go the consumer's credentials (jwt.go the access tokens);
// headers.go header hygiene and request ids; forwarded.go the client
// address; upstreamauth.go the upstream's credentials; upstream.go
// endpoints, balancing and circuit breaking; tracing.go, accesslog.go,
// metering.go and metrics.go what is observed; table.go and gateway.go the
// routing table and its reloads.
//
// The server and upstream client are fasthttp: on a 2-core machine
// net/http's ReverseProxy reached about a third of nginx's throughput, a
// fasthttp proxy about four fifths.
package gateway
