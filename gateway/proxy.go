package gateway

import (
	"errors"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/netguard"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// handle is the public listener's entry point. The gateway's own paths are
// matched first, so that no API context can shadow them.
func (g *Gateway) handle(ctx *fasthttp.RequestCtx) {
	if h := &ctx.Request.Header; !h.IsHTTP11() && string(h.Protocol()) != "HTTP/1.0" {
		// fasthttp reads any HTTP/x.y; forwarding "HTTP/9.9" would let the
		// upstream guess what it means.
		writeError(ctx, errHTTPVersion, styleLGSP, g.idPrefix+"e"+randomID(4))
		ctx.SetConnectionClose()
		g.unknown.count(errHTTPVersion.status)
		return
	}
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

func (g *Gateway) proxy(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	ev := event{
		at:     start.UnixNano(),
		method: methodString(ctx.Method()),
		in:     int64(len(ctx.Request.Body())),
	}
	reqID := g.requestID(ctx, &ev)
	wantClose := ctx.Request.Header.ConnectionClose()
	// Read before forward appends this hop to the forwarding headers.
	client := g.clientAddr(ctx)
	ev.client = client
	t := g.table.Load()
	rm := g.unknown
	var upstreamNs int64

	rt, gerr, retryAfter := g.admit(ctx, t, &ev)
	if rt != nil {
		rm = rt.metrics
	}
	if gerr == nil && g.rejectUnmetered && g.meter.Healthy() != nil {
		// Refuse before the upstream acts on a call that could not be
		// counted.
		gerr = errMeteringUnavailable
	}
	if gerr == nil {
		gerr = g.forward(ctx, rt, &ev, reqID, &upstreamNs)
	}
	if gerr != nil {
		writeError(ctx, gerr, rt.errStyle(), reqID)
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
	// The answer leaves only once its event is stored (durable mode).
	if err := g.meter.Record(&ev); err != nil && g.rejectUnmetered {
		writeError(ctx, errMeteringUnavailable, rt.errStyle(), reqID)
		ev.status, ev.errCode = int32(errMeteringUnavailable.status), errMeteringUnavailable.code
	}
	g.access(ctx, &ev, reqID, rt, lat, client)
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

	if span := g.traceUpstream(ctx, rt, ev); span != nil {
		defer endUpstreamSpan(span, ctx, ev)
	}
	oauthHeader, gerr := g.authorizeUpstream(ctx, rt, ev)
	if gerr != nil {
		return gerr
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
		if rt.upstream.platform {
			g.assertIdentity(&req.Header, rt, ev, reqID)
		}

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
			if rt.upstream.platform && len(resp.Header.Peek(apierr.ServiceAnswerHeader)) > 0 {
				// A platform service answered for a system behind it
				// (NGSP down): it is healthy, and a retry here would only
				// add to the retries it already made.
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
			if errors.Is(err, netguard.ErrDialDenied) {
				rt.metrics.upForbidden.Inc()
				g.logRefusedUpstream(rt, ep, err)
			}
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

// logRefusedUpstream reports an upstream whose address the policy refused
// when dialling (its name now resolves elsewhere than at registration), at
// most once per interval whatever the traffic.
func (g *Gateway) logRefusedUpstream(rt *route, ep *endpoint, err error) {
	if ok, held := g.refusedLogs.allow(time.Now()); ok {
		g.log.Warn("upstream address refused by LGSP_GATEWAY_UPSTREAM_ALLOW; check the endpoint's DNS or the allow-list",
			"api", rt.id, "endpoint", redactURL(ep.url), "err", err, "similar_refusals_not_logged", held)
	}
}
