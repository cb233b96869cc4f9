package gateway

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// ownPathBodyLimit bounds request bodies on the gateway's own paths: the
// token endpoint takes a small form, the others nothing.
const ownPathBodyLimit = 64 << 10

// headerReceived runs once the request headers are read and before any of
// the body is: it sets the body limit of this request, so that a body over
// it is refused on its Content-Length without being read, and a chunked one
// as soon as it goes over. Without it every body up to body_cap_bytes
// would be read whole before the route, let alone the caller, is known.
func (g *Gateway) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if cl := h.ContentLength(); cl == 0 || cl == -2 {
		return fasthttp.RequestConfig{} // no body: nothing to decide
	}
	limit, _, _ := g.bodyLimit(h)
	return fasthttp.RequestConfig{MaxRequestBodySize: limit}
}

// expectContinue answers "Expect: 100-continue": the final status when the
// announced body is over the limit, so that the client does not send it.
func (g *Gateway) expectContinue(ctx *fasthttp.RequestCtx) int {
	limit, refusal, _ := g.bodyLimit(&ctx.Request.Header)
	if ctx.Request.Header.ContentLength() > limit {
		return refusal.status
	}
	return fasthttp.StatusContinue
}

// bodyLimit is the largest body the gateway reads for a request with these
// headers, the error answered beyond it and the route, if one matched (its
// error style shapes the answer):
//
//   - the gateway's own paths: ownPathBodyLimit;
//   - an API: its own limit (max_body_bytes, else the gateway's), except
//     that a request to a non-public API that presents no credential at
//     all gets no body read, since it is refused 401 whatever it sends;
//   - anything else (no API there, no routing table yet): max_body_bytes.
//
// body_cap_bytes bounds every one of them (rt.maxBody is capped when the
// table is built, max_body_bytes by validation).
func (g *Gateway) bodyLimit(h *fasthttp.RequestHeader) (int, *gwError, *route) {
	path := requestPath(h.RequestURI())
	switch string(path) {
	case "/token", "/oauth2/token", "/.well-known/jwks.json", "/healthz", "/readyz":
		return ownPathBodyLimit, errBodyTooLarge, nil
	}
	t := g.table.Load()
	if t == nil || len(path) == 0 || !cleanPath(path) {
		return int(g.cfg.MaxBodyBytes), errBodyTooLarge, nil
	}
	rt, _ := t.match(path)
	if rt == nil {
		return int(g.cfg.MaxBodyBytes), errBodyTooLarge, nil
	}
	if !rt.public && rt.auth&authMTLS == 0 && !presentsCredential(h) {
		// 1, not 0: fasthttp reads 0 as "the server's default".
		return 1, errMissingCredential, rt
	}
	return int(rt.maxBody), errBodyTooLarge, rt
}

// presentsCredential reports whether the headers carry any credential
// authenticate looks at (a client certificate aside).
func presentsCredential(h *fasthttp.RequestHeader) bool {
	if a := h.PeekCanonical(kAuthorization); len(a) > 7 && bytes.EqualFold(a[:7], []byte("bearer ")) {
		return true
	}
	return len(h.PeekCanonical(kApikey)) > 0 || len(h.PeekCanonical(kXAPIKey)) > 0 ||
		len(h.PeekCanonical(kSignHash)) > 0 || len(h.PeekCanonical(kSign)) > 0
}

// requestPath is the path of a request target, origin form ("/a?b") or
// absolute form ("http://host/a?b").
func requestPath(uri []byte) []byte {
	if i := bytes.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	if len(uri) > 0 && uri[0] != '/' {
		i := bytes.Index(uri, []byte("://"))
		if i < 0 {
			return nil
		}
		rest := uri[i+3:]
		j := bytes.IndexByte(rest, '/')
		if j < 0 {
			return []byte("/")
		}
		return rest[j:]
	}
	return uri
}
