package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// handle is the public listener's entry point. The gateway's own paths are
// matched first, so that no API context can shadow them.
func (g *Gateway) handle(ctx *fasthttp.RequestCtx) {
	switch string(ctx.Path()) {
	case "/token", "/oauth2/token":
		g.serveToken(ctx)
		return
	case "/.well-known/jwks.json":
		g.serveJWKS(ctx)
		return
	case "/healthz":
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"status":"ok"}`)
		return
	case "/readyz":
		g.serveReady(ctx)
		return
	}
	g.proxy(ctx)
}

// Request headers never forwarded, by fasthttp's canonical name: hop-by-hop
// headers (RFC 9110 §7.6.1), the consumer's credentials, and X-LGSP-*
// headers only the gateway may set.
var dropRequestHeaders = canonicalSet("Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Authorization", "Apikey", "X-Api-Key", signedheader.HeaderHash, signedheader.HeaderSign, signedheader.HeaderSignKey,
	"X-Lgsp-Consumer", "X-Lgsp-Agency", "X-Lgsp-Error")

// Response headers never passed back: hop-by-hop, and the gateway's error
// marker (only the gateway speaks with it).
var dropResponseHeaders = canonicalSet("Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Upgrade", "Te", "X-Lgsp-Error")

// Canonical names for the hot path, which then skips normalisation.
var (
	kConnection    = []byte("Connection")
	kRequestID     = []byte("X-Request-Id")
	kConsumer      = []byte("X-Lgsp-Consumer")
	kAgency        = []byte("X-Lgsp-Agency")
	kXFF           = []byte("X-Forwarded-For")
	kForwarded     = []byte("Forwarded")
	kXFProto       = []byte("X-Forwarded-Proto")
	kXFHost        = []byte("X-Forwarded-Host")
	kTraceparent   = []byte("Traceparent")
	kAuthorization = []byte("Authorization")
	kApikey        = []byte("Apikey")
	kXAPIKey       = []byte("X-Api-Key")
	kSignHash      = []byte("Xroadvnpt-Hash-Header")
	kSign          = []byte("Xroadvnpt-Sign-Header")
)

// canonicalSet maps each name's canonical form (as fasthttp stores header
// names) to itself.
func canonicalSet(names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		var h fasthttp.RequestHeader
		h.Set(n, "x")
		for k := range h.All() {
			m[string(k)] = string(k)
		}
	}
	return m
}

// s2b views a string as bytes for fasthttp setters, which copy them.
func s2b(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

var (
	// Logical headers re-signed when the upstream wants signed headers.
	signedLogical = []string{"Content-Type", "from", "to", "servicetype", "messagetype", "docId", "status", "hash-file"}
)

func (g *Gateway) proxy(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	ev := event{
		at:     start.UnixNano(),
		method: methodString(ctx.Method()),
		in:     int64(len(ctx.Request.Body())),
	}
	reqID := g.requestID(ctx, &ev)
	wantClose := ctx.Request.Header.ConnectionClose()
	var client netip.Addr
	if g.cfg.TrustForwarded {
		// Read before forward appends this hop to the forwarding headers.
		client = g.clientAddr(ctx)
	}
	t := g.table.Load()
	rm := g.unknown
	var upstreamNs int64

	rt, gerr, retryAfter := g.admit(ctx, t, &ev)
	if rt != nil {
		rm = rt.metrics
	}
	if gerr == nil {
		gerr = g.forward(ctx, rt, &ev, reqID, &upstreamNs)
	}
	if gerr != nil {
		writeError(ctx, gerr, reqID)
		ev.errCode = gerr.code
		if retryAfter > 0 {
			ctx.Response.Header.Set("Retry-After", strconv.FormatInt(retryAfter, 10))
		}
	}
	if rt != nil && rt.lifecycle == registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED {
		ctx.Response.Header.Set("Deprecation", "true")
		if rt.sunset != "" {
			ctx.Response.Header.Set("Sunset", rt.sunset)
		}
	}
	if wantClose {
		ctx.Response.SetConnectionClose()
	}

	status := ctx.Response.StatusCode()
	lat := time.Since(start)
	ev.status = int32(status)
	ev.out = int64(len(ctx.Response.Body()))
	ev.latency = lat.Microseconds()
	ev.upstream = upstreamNs / 1000
	rm.count(status)
	rm.duration.Observe(lat.Seconds())
	if upstreamNs > 0 {
		rm.upstreamDuration.Observe(float64(upstreamNs) / 1e9)
	}
	g.access(ctx, &ev, reqID, rt, lat, client)
	g.meter.Record(&ev)
}

// admit routes and authorises the request. It returns the route (when one
// matched), the error to answer, and Retry-After seconds for 429s.
func (g *Gateway) admit(ctx *fasthttp.RequestCtx, t *table, ev *event) (*route, *gwError, int64) {
	if t == nil {
		return nil, errNotReady, 1
	}
	raw := ctx.Request.URI().PathOriginal()
	if !cleanPath(raw) {
		return nil, errInvalidPath, 0
	}
	rt, rest := t.match(raw)
	if rt == nil {
		return nil, errRouteNotFound, 0
	}
	ev.rt = rt
	res, gerr := rt.findResource(ctx.Method(), rest)
	if res != nil {
		ev.resource = res.template
	} else if len(rest) > 0 {
		ev.resource = string(rest)
	} else {
		ev.resource = "/"
	}
	if gerr != nil {
		return rt, gerr, 0
	}
	if rt.lifecycle == registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED {
		return rt, errAPIRetired, 0
	}
	if ev.in > rt.maxBody {
		return rt, errBodyTooLarge, 0
	}
	if rt.public {
		return rt, nil, 0
	}
	now := g.now().UnixNano()
	app, gerr := g.authenticate(ctx, t, rt, now)
	if gerr != nil {
		return rt, gerr, 0
	}
	ev.app, ev.agency = app.id, app.agency
	if !app.active {
		return rt, errAppSuspended, 0
	}
	if !app.agencyActive {
		return rt, errAgencySuspended, 0
	}
	sub := rt.subs[app.id]
	if sub == nil {
		return rt, errNoSubscription, 0
	}
	switch sub.state {
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED:
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED:
		return rt, errSubSuspended, 0
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING:
		return rt, errSubscriptionPending, 0
	default:
		return rt, errNoSubscription, 0
	}
	ev.sub = sub.id
	if sub.limit != nil {
		if ok, wait := sub.limit.allow(now); !ok {
			return rt, errRateLimited, int64((wait + time.Second - 1) / time.Second)
		}
	}
	if reset, exhausted := g.quotaExhausted(sub.id, now); exhausted {
		at := time.Unix(0, reset).In(signedheader.Zone).Format("2006-01-02 15:04:05 -07:00")
		e := errQuotaExceeded.withMessage(
			"the monthly quota of this subscription is used up; it resets at "+at,
			"đã dùng hết hạn mức tháng của đăng ký sử dụng; hạn mức được đặt lại lúc "+at)
		return rt, e, (reset - now + int64(time.Second) - 1) / int64(time.Second)
	}
	return rt, nil, 0
}

// authenticate finds the application behind the credential the request
// presents, among the methods the API enables.
func (g *Gateway) authenticate(ctx *fasthttp.RequestCtx, t *table, rt *route, now int64) (*application, *gwError) {
	h := &ctx.Request.Header
	presented := false
	if a := h.PeekCanonical(kAuthorization); len(a) > 7 && bytes.EqualFold(a[:7], []byte("bearer ")) {
		presented = true
		if rt.auth&authJWT != 0 {
			c, e := g.authJWT(t, bytes.TrimSpace(a[7:]), now)
			if e != nil {
				return nil, e
			}
			return c.app, nil
		}
	}
	key := h.PeekCanonical(kApikey)
	if len(key) == 0 {
		key = h.PeekCanonical(kXAPIKey)
	}
	if len(key) > 0 {
		presented = true
		if rt.auth&authAPIKey != 0 {
			sum := sha256.Sum256(key)
			c := t.apiKeys[sum]
			if c == nil {
				if _, revoked := t.revoked["key:"+hex.EncodeToString(sum[:])]; revoked {
					return nil, errCredentialRevoked
				}
				return nil, errInvalidAPIKey
			}
			if c.expire != 0 && now >= c.expire {
				return nil, errCredentialExpired
			}
			return c.app, nil
		}
	}
	if len(h.PeekCanonical(kSignHash)) > 0 || len(h.PeekCanonical(kSign)) > 0 {
		presented = true
		if rt.auth&authSigned != 0 {
			return g.authSigned(ctx, t, now)
		}
	}
	if cs := ctx.TLSConnectionState(); cs != nil && len(cs.PeerCertificates) > 0 {
		presented = true
		if rt.auth&authMTLS != 0 {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			app := t.certs[hex.EncodeToString(sum[:])]
			if app == nil {
				return nil, errInvalidCert
			}
			return app, nil
		}
	}
	if presented {
		return nil, errMethodNotEnabled
	}
	return nil, errMissingCredential
}

func (g *Gateway) authSigned(ctx *fasthttp.RequestCtx, t *table, now int64) (*application, *gwError) {
	h := &ctx.Request.Header
	get := func(name string) string { return string(h.Peek(name)) }
	res, err := g.signed.Verify(get)
	if err != nil {
		if errors.Is(err, signedheader.ErrUnknownSystem) {
			if _, revoked := t.revoked["sys:"+signedheader.Lookup(get, signedheader.NameSystemID)]; revoked {
				return nil, errCredentialRevoked
			}
		}
		g.log.Debug("signed headers refused", "reason", err.Error())
		return nil, errInvalidSignature
	}
	c := t.systems[res.SystemID]
	if c == nil { // revoked between the secret lookup and now
		return nil, errCredentialRevoked
	}
	if c.expire != 0 && now >= c.expire {
		return nil, errCredentialExpired
	}
	if hf, ok := res.Get(signedheader.NameHashFile); ok && hf != "" && !signedheader.HashFileMatches(hf, ctx.Request.Body()) {
		return nil, errInvalidSignature.withMessage("hash-file does not match the request body", "hash-file không khớp với nội dung yêu cầu")
	}
	return c.app, nil
}

// forward sends the request upstream and leaves the upstream's answer in
// ctx.Response, or returns the gateway's error.
func (g *Gateway) forward(ctx *fasthttp.RequestCtx, rt *route, ev *event, reqID string, upstreamNs *int64) *gwError {
	if len(rt.endpoints) == 0 {
		return errNoEndpoint
	}
	req := &ctx.Request
	// The path after /{context}/{version}, as received, before the URI is
	// rewritten.
	var restBuf [512]byte
	rest := append(restBuf[:0], req.URI().PathOriginal()[len(rt.key)+1:]...)
	g.rewriteHeaders(ctx, ev, reqID)

	var span trace.Span
	if g.tracingOn.Load() {
		pctx := g.propagator.Extract(context.Background(), headerCarrier{&req.Header})
		pctx, span = g.tracer.Start(pctx, rt.spanName, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("lgsp.api_id", rt.id), attribute.String("http.request.method", ev.method)))
		req.Header.Del("Traceparent")
		req.Header.Del("Tracestate")
		g.propagator.Inject(pctx, headerCarrier{&req.Header})
		defer func() {
			span.SetAttributes(attribute.Int("http.response.status_code", ctx.Response.StatusCode()))
			if ev.errCode != "" || ctx.Response.StatusCode() >= 500 {
				span.SetStatus(codes.Error, ev.errCode)
			}
			span.End()
		}()
	} else if len(req.Header.PeekCanonical(kTraceparent)) == 0 {
		var buf [64]byte
		req.Header.SetCanonical(kTraceparent, newTraceparent(buf[:0]))
	}

	var oauthHeader string
	switch up := &rt.upstream; {
	case up.header != "":
		req.Header.Set("Authorization", up.header)
	case up.oauth != nil:
		hdr, err := up.oauth.authorization(ctx)
		if err != nil {
			g.log.Warn("upstream token", "api", rt.id, "err", err)
			return errUpstreamAuth
		}
		oauthHeader = hdr
		req.Header.Set("Authorization", hdr)
	case up.secret != "":
		signUpstream(&req.Header, up.systemID, up.secret, g.now())
	}

	method := ctx.Method()
	idempotent := isIdempotent(method)
	attempts := 1
	if idempotent {
		attempts += rt.retries
	}
	// Connection failures move on to another endpoint whatever the method:
	// the request never left.
	dialBudget := len(rt.endpoints)
	var last *endpoint
	resp := &ctx.Response
	for try := 0; ; try++ {
		now := time.Now().UnixNano()
		ep := rt.pick(now, last)
		done, err := ep.breaker.Allow()
		if err != nil {
			// Open (or half-open and busy): try another endpoint if any.
			if alt := rt.pick(now, ep); alt != ep {
				if d2, err2 := alt.breaker.Allow(); err2 == nil {
					ep, done, err = alt, d2, nil
				}
			}
			if err != nil {
				rt.metrics.upCircuitOpen.Inc()
				return errCircuitOpen
			}
		}
		last = ep
		uri := req.URI()
		if ep.https {
			uri.SetScheme("https")
		} else {
			uri.SetScheme("http")
		}
		uri.SetHost(ep.host)
		req.UseHostHeader = false
		var pbuf [512]byte
		p := append(append(pbuf[:0], ep.basePath...), rest...)
		if len(p) == 0 {
			p = append(p, '/')
		}
		uri.SetPathBytes(p)

		t0 := time.Now()
		err = ep.client.DoTimeout(req, resp, rt.timeout)
		*upstreamNs += int64(time.Since(t0))

		if err == nil {
			st := resp.StatusCode()
			if st == 401 && oauthHeader != "" {
				rt.upstream.oauth.invalidate(oauthHeader) // the next request fetches a new token
			}
			if st != 502 && st != 503 && st != 504 {
				done(nil)
				break
			}
			done(errUpstreamFailed)
			if try+1 < attempts {
				continue
			}
			rt.metrics.upStatus5xx.Inc()
			break // the upstream's own answer goes back as it is
		}
		done(err)
		resp.Reset()
		switch {
		case isDialError(err):
			ep.downUntil.Store(time.Now().Add(g.cfg.HealthCooldown).UnixNano())
			if dialBudget--; dialBudget > 0 || try+1 < attempts {
				continue
			}
			rt.metrics.upUnavailable.Inc()
			return errUpstreamUnavailable
		case isTimeout(err):
			if try+1 < attempts {
				continue
			}
			rt.metrics.upTimeout.Inc()
			return errUpstreamTimeout
		case errors.Is(err, fasthttp.ErrNoFreeConns):
			rt.metrics.upUnavailable.Inc()
			return errUpstreamBusy
		default:
			if try+1 < attempts {
				continue
			}
			rt.metrics.upUnavailable.Inc()
			g.log.Debug("upstream error", "api", rt.id, "endpoint", redactURL(ep.url), "err", err)
			return errUpstreamUnavailable
		}
	}
	cleanResponse(resp, reqID, &req.Header)
	return nil
}

// rewriteHeaders applies header hygiene to the request going upstream.
func (g *Gateway) rewriteHeaders(ctx *fasthttp.RequestCtx, ev *event, reqID string) {
	h := &ctx.Request.Header

	if conn := h.PeekCanonical(kConnection); len(conn) > 0 {
		for _, tok := range bytes.Split(conn, []byte{','}) {
			if tok = bytes.TrimSpace(tok); len(tok) > 0 && !bytes.EqualFold(tok, []byte("close")) && !bytes.EqualFold(tok, []byte("keep-alive")) {
				h.DelBytes(tok)
			}
		}
		h.Del("Connection")
	}
	// One pass to find what must go; most requests carry only their
	// Authorization among these.
	var drop [16]string
	n := 0
	for k := range h.All() {
		if name, ok := dropRequestHeaders[string(k)]; ok && n < len(drop) {
			drop[n] = name
			n++
		}
	}
	for _, name := range drop[:n] {
		h.Del(name)
	}
	h.SetCanonical(kRequestID, s2b(reqID))
	if ev.app != "" {
		h.SetCanonical(kConsumer, s2b(ev.app))
		h.SetCanonical(kAgency, s2b(ev.agency))
	}

	// Forwarding headers.
	var buf [256]byte
	ip := remoteAddr(ctx)
	proto := "http"
	if ctx.IsTLS() {
		proto = "https"
	}
	b := buf[:0]
	if g.cfg.TrustForwarded {
		if prior := h.PeekCanonical(kXFF); len(prior) > 0 {
			b = append(append(b, prior...), ", "...)
		}
	}
	b = ip.Addr().AppendTo(b)
	h.SetCanonical(kXFF, b)
	host := h.Host()
	b = buf[:0]
	if g.cfg.TrustForwarded {
		if prior := h.PeekCanonical(kForwarded); len(prior) > 0 {
			b = append(append(b, prior...), ", "...)
		}
	}
	b = append(b, "for="...)
	if ip.Addr().Is6() {
		b = append(b, `"[`...)
		b = ip.Addr().AppendTo(b)
		b = append(b, `]"`...)
	} else {
		b = ip.Addr().AppendTo(b)
	}
	b = append(b, ";proto="...)
	b = append(b, proto...)
	if len(host) > 0 && bytes.IndexByte(host, '"') < 0 {
		b = append(b, `;host="`...)
		b = append(b, host...)
		b = append(b, '"')
	}
	h.SetCanonical(kForwarded, b)
	h.SetCanonical(kXFProto, s2b(proto))
	if len(host) > 0 {
		h.SetCanonical(kXFHost, host)
	}
}

// cleanResponse removes hop-by-hop headers from the upstream's answer and
// any X-LGSP-Error it sent, so the marker always means the gateway spoke,
// and answers in the client's protocol version (req), whatever the
// upstream's.
func cleanResponse(resp *fasthttp.Response, reqID string, req *fasthttp.RequestHeader) {
	h := &resp.Header
	if conn := h.PeekCanonical(kConnection); len(conn) > 0 {
		for _, tok := range bytes.Split(conn, []byte{','}) {
			if tok = bytes.TrimSpace(tok); len(tok) > 0 && !bytes.EqualFold(tok, []byte("close")) && !bytes.EqualFold(tok, []byte("keep-alive")) {
				h.DelBytes(tok)
			}
		}
		h.DelBytes(kConnection)
	}
	// The upstream closing its connection (an HTTP/1.0 upstream always
	// does) must not close the client's; the server sets the client's own
	// Connection header.
	h.ResetConnectionClose()
	if req.IsHTTP11() {
		h.SetProtocol(nil) // the server's default, HTTP/1.1
	} else {
		h.SetProtocol(req.Protocol())
	}
	var drop [8]string
	n := 0
	for k := range h.All() {
		if name, ok := dropResponseHeaders[string(k)]; ok && n < len(drop) {
			drop[n] = name
			n++
		}
	}
	for _, name := range drop[:n] {
		h.Del(name)
	}
	h.SetCanonical(kRequestID, s2b(reqID))
}

// signUpstream replaces the consumer's signed headers with ours.
func signUpstream(h *fasthttp.RequestHeader, systemID, secret string, now time.Time) {
	var logical []signedheader.Header
	for _, name := range signedLogical {
		v := h.Peek(signedheader.Prefix + name)
		if len(v) == 0 {
			v = h.Peek(name)
		}
		if len(v) > 0 {
			logical = append(logical, signedheader.Header{Name: name, Value: string(v)})
		}
		if name != "Content-Type" {
			h.Del(name)
		}
		h.Del(signedheader.Prefix + name)
	}
	h.Del(signedheader.Prefix + signedheader.NameSystemID)
	h.Del(signedheader.Prefix + signedheader.NameTimestamp)
	h.Del(signedheader.HeaderVersion)
	for _, x := range signedheader.Sign(systemID, secret, now, logical) {
		h.Set(x.Name, x.Value)
	}
}

func (g *Gateway) requestID(ctx *fasthttp.RequestCtx, ev *event) string {
	var buf [64]byte
	b := append(buf[:0], g.idPrefix...)
	b = strconv.AppendUint(b, g.seq.Add(1), 36)
	ev.id = string(b)
	if v := ctx.Request.Header.PeekCanonical(kRequestID); validRequestID(v) {
		return string(v)
	}
	return ev.id
}

// validRequestID accepts ids a client may choose: short, and made only of
// characters that need no escaping in JSON, headers or logs.
func validRequestID(v []byte) bool {
	if len(v) == 0 || len(v) > 128 {
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// cleanPath refuses dot segments (plain or percent-encoded) and empty
// segments, so that the path sent upstream cannot climb out of the API.
func cleanPath(p []byte) bool {
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	for i := 1; i <= len(p); {
		j := bytes.IndexByte(p[i:], '/')
		end := len(p)
		if j >= 0 {
			end = i + j
		}
		seg := p[i:end]
		if len(seg) == 0 && end != len(p) {
			return false // "//"
		}
		if isDotSegment(seg) {
			return false
		}
		i = end + 1
	}
	return true
}

func isDotSegment(s []byte) bool {
	if len(s) == 0 || len(s) > 6 {
		return false
	}
	// Decode "%2e" / "%2E" to '.' and compare.
	var d [6]byte
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && s[i+1] == '2' && (s[i+2] == 'e' || s[i+2] == 'E') {
			d[n] = '.'
			i += 2
		} else {
			d[n] = s[i]
		}
		n++
	}
	return (n == 1 && d[0] == '.') || (n == 2 && d[0] == '.' && d[1] == '.')
}

func isIdempotent(m []byte) bool {
	switch string(m) {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

func methodString(m []byte) string {
	switch string(m) {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "PATCH":
		return "PATCH"
	case "HEAD":
		return "HEAD"
	case "OPTIONS":
		return "OPTIONS"
	}
	return string(m)
}

func remoteAddr(ctx *fasthttp.RequestCtx) (ap netip.AddrPort) {
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort()
	}
	return ap
}

// clientAddr is the address of the client the request is for. With
// LGSP_GATEWAY_TRUST_FORWARDED it is the first address of X-Forwarded-For
// or, failing that, the first for= of Forwarded, when it is a valid IP: the
// load balancer in front is trusted to have set them. Otherwise, or when
// neither holds an IP, it is the socket peer.
func (g *Gateway) clientAddr(ctx *fasthttp.RequestCtx) netip.Addr {
	if g.cfg.TrustForwarded {
		h := &ctx.Request.Header
		if a, ok := firstForwardedFor(h.PeekCanonical(kXFF)); ok {
			return a
		}
		if a, ok := firstForwardedParam(h.PeekCanonical(kForwarded)); ok {
			return a
		}
	}
	return remoteAddr(ctx).Addr().Unmap()
}

// firstForwardedFor reads the first address of an X-Forwarded-For value.
func firstForwardedFor(v []byte) (netip.Addr, bool) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return parseNodeAddr(string(bytes.TrimSpace(v)))
}

// firstForwardedParam reads the for= parameter of the first element of a
// Forwarded value (RFC 7239): a token or a quoted string, IPv6 in brackets,
// an optional port.
func firstForwardedParam(v []byte) (netip.Addr, bool) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	for _, pair := range bytes.Split(v, []byte{';'}) {
		k, val, ok := bytes.Cut(bytes.TrimSpace(pair), []byte{'='})
		if !ok || !bytes.EqualFold(bytes.TrimSpace(k), []byte("for")) {
			continue
		}
		node := string(bytes.Trim(bytes.TrimSpace(val), `"`))
		if strings.HasPrefix(node, "[") {
			end := strings.IndexByte(node, ']')
			if end < 0 {
				return netip.Addr{}, false
			}
			node = node[1:end]
		} else if host, _, err := net.SplitHostPort(node); err == nil {
			node = host
		}
		return parseNodeAddr(node)
	}
	return netip.Addr{}, false
}

func parseNodeAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		if ap, err2 := netip.ParseAddrPort(s); err2 == nil {
			return ap.Addr().Unmap(), true
		}
		return netip.Addr{}, false
	}
	if a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// access writes the access log line: no credentials, no query string, and
// the resource template rather than the raw path (paths may carry citizen
// ids). client is the forwarded client address, or invalid for the socket
// peer.
func (g *Gateway) access(ctx *fasthttp.RequestCtx, ev *event, reqID string, rt *route, lat time.Duration, client netip.Addr) {
	if ev.status >= 400 {
		if !g.accessErr {
			return
		}
	} else if !g.accessAll || (g.sample < 1 && rand.Float64() >= g.sample) {
		return
	}
	if !client.IsValid() {
		client = remoteAddr(ctx).Addr().Unmap()
	}
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.String("request_id", reqID),
		slog.String("method", ev.method),
		slog.Int("status", int(ev.status)),
		slog.Float64("latency_ms", float64(lat.Microseconds())/1000),
		slog.String("client_ip", client.String()),
	)
	if reqID != ev.id {
		attrs = append(attrs, slog.String("event_id", ev.id))
	}
	if rt != nil {
		attrs = append(attrs, slog.String("api", rt.id), slog.String("route", "/"+rt.key), slog.Float64("upstream_ms", float64(ev.upstream)/1000))
		if len(rt.resources) > 0 && ev.resource != "" {
			attrs = append(attrs, slog.String("resource", ev.resource))
		}
	}
	if ev.app != "" {
		attrs = append(attrs, slog.String("application", ev.app), slog.String("agency", ev.agency))
	}
	attrs = append(attrs, slog.Int64("bytes_in", ev.in), slog.Int64("bytes_out", ev.out))
	if ev.errCode != "" {
		attrs = append(attrs, slog.String("error", ev.errCode))
	}
	g.log.LogAttrs(context.Background(), slog.LevelInfo, "access", attrs...)
}
