package gateway

import (
	"context"
	"encoding/base64"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

const p1 = "/apiCSDLDKDN/1.0/chiTietDoanhNghiep"

// updateAPI1 changes the fields of api-1 named by paths to their values in
// a (through the registry) and reloads the gateway.
func (h *harness) updateAPI1(a *registryv1.Api, paths ...string) {
	h.t.Helper()
	a.Id = h.w.api1.GetId()
	h.reg.UpdateAPI(a, paths...)
	h.reload()
}

func TestHeaderHygiene(t *testing.T) {
	up := startUpstream(t)
	up.setReply(func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set("Connection", "X-Upstream-Hop")
		ctx.Response.Header.Set("X-Upstream-Hop", "secret")
		ctx.Response.Header.Set("X-LGSP-Error", "gateway") // an upstream must not impersonate the gateway
		ctx.Response.Header.Set("Keep-Alive", "timeout=5")
		ctx.Response.Header.Set("X-Kept", "yes")
		ctx.SetBodyString("{}")
	})
	h := startGateway(t, up.url, nil)
	h.updateAPI1(&registryv1.Api{UpstreamAuth: &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC, Username: "prov", Password: "pw"}}, "upstream_auth")
	tok := h.w.tokens["app1"]
	apiKeyOne := h.w.apiKey1

	r := h.do("GET", p1+"?q=1", map[string]string{
		"Authorization":       "Bearer " + tok,
		"apikey":              apiKeyOne,
		"X-API-Key":           apiKeyOne,
		"Connection":          "X-Client-Hop",
		"X-Client-Hop":        "drop me",
		"Proxy-Authorization": "Basic Zm9vOmJhcg==",
		"X-LGSP-Consumer":     "spoofed",
		"X-LGSP-Agency":       "spoofed",
		"X-Forwarded-For":     "6.6.6.6",
		"Forwarded":           "for=6.6.6.6",
		"Host":                "gw.example.vn",
		"traceparent":         "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		"X-Custom":            "kept",
	}, "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	got := up.lastRequest()
	hdr := func(name string) string { return string(got.Header.Peek(name)) }
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("prov:pw"))
	checks := map[string]string{
		"Authorization":       wantAuth,
		"Apikey":              "",
		"X-Api-Key":           "",
		"X-Client-Hop":        "",
		"Proxy-Authorization": "",
		"X-Lgsp-Consumer":     h.w.app1.GetId(),
		"X-Lgsp-Agency":       agencyOK,
		"X-Forwarded-For":     "127.0.0.1",
		"Forwarded":           `for=127.0.0.1;proto=http;host="gw.example.vn"`,
		"X-Forwarded-Proto":   "http",
		"X-Forwarded-Host":    "gw.example.vn",
		"Traceparent":         "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		"X-Custom":            "kept",
	}
	for name, want := range checks {
		if g := hdr(name); g != want {
			t.Errorf("upstream %s = %q, want %q", name, g, want)
		}
	}
	if !strings.HasPrefix(string(got.Header.Host()), "127.0.0.1:") {
		t.Errorf("upstream Host = %q", got.Header.Host())
	}
	if id := hdr("X-Request-Id"); id == "" || id != r.header.Get("X-Request-Id") {
		t.Errorf("request id upstream %q, to client %q", id, r.header.Get("X-Request-Id"))
	}
	if strings.Contains(got.Header.String(), tok) || strings.Contains(got.Header.String(), apiKeyOne) {
		t.Error("consumer credential leaked upstream")
	}
	// Response side.
	if r.header.Get(hdrError) != "" || r.header.Get("X-Upstream-Hop") != "" || r.header.Get("Keep-Alive") != "" || r.header.Get("X-Kept") != "yes" {
		t.Errorf("response headers: %v", r.header)
	}

	// A client's request id is kept; a traceparent is created when absent.
	r = h.do("GET", p1, map[string]string{"Authorization": "Bearer " + tok, "X-Request-Id": "dept-42:abc"}, "")
	if r.header.Get("X-Request-Id") != "dept-42:abc" || hdr2(up, "X-Request-Id") != "dept-42:abc" {
		t.Errorf("client request id not kept: %q", r.header.Get("X-Request-Id"))
	}
	if tp := hdr2(up, "Traceparent"); len(tp) != 55 || !strings.HasPrefix(tp, "00-") {
		t.Errorf("traceparent %q", tp)
	}
	// An unsafe request id is replaced.
	r = h.do("GET", p1, map[string]string{"Authorization": "Bearer " + tok, "X-Request-Id": `x"y`}, "")
	if id := r.header.Get("X-Request-Id"); id == `x"y` || id == "" {
		t.Errorf("unsafe request id kept: %q", id)
	}
}

func hdr2(up *upstream, name string) string { return string(up.lastRequest().Header.Peek(name)) }

func TestUpstreamCredentials(t *testing.T) {
	up := startUpstream(t)
	// A real OAuth2 token server, counting its calls.
	var tokenCalls atomic.Int64
	var expiresIn atomic.Int64
	expiresIn.Store(3600)
	tokenSrv := startUpstream(t)
	tokenSrv.setReply(func(ctx *fasthttp.RequestCtx) {
		n := tokenCalls.Add(1)
		user, pass := basicFrom(string(ctx.Request.Header.Peek("Authorization")))
		if user != "ngsp-client" || pass != "ngsp-secret" || string(ctx.PostArgs().Peek("grant_type")) != "client_credentials" {
			ctx.SetStatusCode(401)
			return
		}
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"access_token":"ngsp-token-` + strconv.FormatInt(n, 10) + `","scope":"am_application_scope default","token_type":"Bearer","expires_in":` + strconv.FormatInt(expiresIn.Load(), 10) + `}`)
	})
	h := startGateway(t, up.url, nil)
	mk := func(ctxName string, ua *registryv1.UpstreamAuth) *registryv1.Api {
		a := h.reg.PublishedAPI(&registryv1.Api{Context: ctxName, OwnerAgency: agencyOK,
			Endpoints: []*registryv1.UpstreamEndpoint{{Url: up.url}}, UpstreamAuth: ua})
		h.reg.Subscribe(h.w.app1.GetId(), a.GetId(), "gold")
		return a
	}
	mk("bearer", &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER, BearerToken: "static-tok"})
	apiOAuth := mk("ngsp", &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS,
		TokenUrl: tokenSrv.url + "/token", ClientId: "ngsp-client", ClientSecret: "ngsp-secret"})
	mk("vdxp", &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER,
		SystemId: "province-sys", SigningSecret: "province-secret"})
	h.reload()
	tok := h.w.bearerOf("app1")

	if r := h.do("GET", "/bearer/1.0/x", tok, ""); r.status != 200 || hdr2(up, "Authorization") != "Bearer static-tok" {
		t.Fatalf("bearer: %d %q", r.status, hdr2(up, "Authorization"))
	}

	for i := 0; i < 5; i++ {
		if r := h.do("GET", "/ngsp/1.0/apiCSDLDKDN", tok, ""); r.status != 200 {
			t.Fatalf("oauth2: %d %s", r.status, r.body)
		}
		if got := hdr2(up, "Authorization"); got != "Bearer ngsp-token-1" {
			t.Fatalf("oauth2 upstream Authorization %q", got)
		}
	}
	if n := tokenCalls.Load(); n != 1 {
		t.Fatalf("token endpoint called %d times for 5 requests, want 1 (cached)", n)
	}
	// A 401 from the upstream drops the cached token.
	up.setReply(func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(401) })
	if r := h.do("GET", "/ngsp/1.0/x", tok, ""); r.status != 401 || r.header.Get(hdrError) != "" {
		t.Fatalf("upstream 401 must pass through: %d %v", r.status, r.header)
	}
	up.reply.Store(nil)
	if r := h.do("GET", "/ngsp/1.0/x", tok, ""); r.status != 200 || hdr2(up, "Authorization") != "Bearer ngsp-token-2" || tokenCalls.Load() != 2 {
		t.Fatalf("after 401: %d %q calls=%d", r.status, hdr2(up, "Authorization"), tokenCalls.Load())
	}
	// Survives a reload (another change in the registry) without a new
	// token.
	h.reg.Agency("000.00.00.G22")
	h.reload()
	if r := h.do("GET", "/ngsp/1.0/x", tok, ""); r.status != 200 || tokenCalls.Load() != 2 {
		t.Fatalf("after reload: %d calls=%d", r.status, tokenCalls.Load())
	}
	// A token server that fails answers 502 upstream_auth_failed.
	tokenSrv.setReply(func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(500) })
	h.reg.UpdateAPI(&registryv1.Api{Id: apiOAuth.GetId(), UpstreamAuth: &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS,
		TokenUrl: tokenSrv.url + "/token", ClientId: "ngsp-client", ClientSecret: "rotated"}}, "upstream_auth")
	h.reload()
	h.expectError(h.do("GET", "/ngsp/1.0/x", tok, ""), 502, "upstream_auth_failed")

	// Signed headers: the upstream verifies them like a national axis would.
	v := &signedheader.Verifier{Secret: func(id string) (string, bool) { return "province-secret", id == "province-sys" }}
	consumer := map[string]string{"Authorization": tok["Authorization"], "XroadVnpt-to": `["000.00.00.G22"]`, "XroadVnpt-docId": "doc=1&x"}
	if r := h.do("POST", "/vdxp/1.0/sendEdoc", consumer, "<edXML/>"); r.status != 200 {
		t.Fatalf("signed: %d %s", r.status, r.body)
	}
	got := up.lastRequest()
	res, err := v.Verify(func(n string) string { return string(got.Header.Peek(n)) })
	if err != nil {
		t.Fatalf("upstream cannot verify the gateway's signature: %v\n%s", err, got.Header.String())
	}
	if to, _ := res.Get("to"); to != `["000.00.00.G22"]` {
		t.Fatalf("signed to = %q", to)
	}
	if id, _ := res.Get("docId"); id != "doc=1&x" {
		t.Fatalf("signed docId = %q", id)
	}
	if len(got.Header.Peek("Authorization")) != 0 {
		t.Fatal("consumer bearer token leaked upstream")
	}
}

func basicFrom(h string) (string, string) {
	id, secret, _ := basicAuth([]byte(h))
	return id, secret
}

func TestBodyLimits(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, func(c *Config) { c.BodyCapBytes = 8 << 10; c.MaxBodyBytes = 4 << 10 })
	h.updateAPI1(&registryv1.Api{MaxBodyBytes: 1024}, "max_body_bytes")
	key := h.w.apiKey()
	if r := h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", key, strings.Repeat("a", 1024)); r.status != 200 {
		t.Fatalf("at the limit: %d %s", r.status, r.body)
	}
	h.expectError(h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", key, strings.Repeat("a", 1025)), 413, "body_too_large")
	// Above the server's cap the body is refused before it is read.
	r := h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", key, strings.Repeat("a", 20<<10))
	if r.status != 413 || r.err.Code != "body_too_large" {
		t.Fatalf("over the cap: %d %s", r.status, r.body)
	}
	if up.hits.Load() != 1 {
		t.Fatalf("upstream hits %d, want 1", up.hits.Load())
	}
}

func TestTimeoutAndRetries(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, func(c *Config) { c.BreakerFailures = 100 })
	h.updateAPI1(&registryv1.Api{TimeoutMs: 150, Retries: 2}, "timeout_ms", "retries")
	key := h.w.apiKey()

	// Timeout: 504 from the gateway; GET is retried (3 attempts).
	up.setReply(func(ctx *fasthttp.RequestCtx) { time.Sleep(400 * time.Millisecond) })
	h.expectError(h.do("GET", p1, key, ""), 504, "upstream_timeout")
	if n := up.hits.Swap(0); n != 3 {
		t.Fatalf("GET attempts %d, want 3", n)
	}
	// POST is not idempotent: one attempt.
	h.expectError(h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", key, "{}"), 504, "upstream_timeout")
	if n := up.hits.Swap(0); n != 1 {
		t.Fatalf("POST attempts %d, want 1", n)
	}

	// 503 from the upstream: retried for GET, then passed through as the
	// upstream's own answer.
	up.setReply(func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(503); ctx.SetBodyString("busy") })
	r := h.do("GET", p1, key, "")
	if r.status != 503 || r.header.Get(hdrError) != "" || string(r.body) != "busy" {
		t.Fatalf("upstream 503: %d %v %s", r.status, r.header, r.body)
	}
	if n := up.hits.Swap(0); n != 3 {
		t.Fatalf("GET attempts %d, want 3", n)
	}
	if r := h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", key, "{}"); r.status != 503 || up.hits.Swap(0) != 1 {
		t.Fatalf("POST with 503: %d", r.status)
	}
	// A retry that succeeds.
	var n atomic.Int64
	up.setReply(func(ctx *fasthttp.RequestCtx) {
		if n.Add(1) == 1 {
			ctx.SetStatusCode(502)
		}
	})
	if r := h.do("GET", p1, key, ""); r.status != 200 || up.hits.Swap(0) != 2 {
		t.Fatalf("retry then success: %d", r.status)
	}
}

func TestCircuitBreaker(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, func(c *Config) { c.BreakerFailures = 3; c.BreakerOpen = 300 * time.Millisecond })
	key := h.w.apiKey()
	up.setReply(func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(503) })
	for i := 0; i < 3; i++ {
		if r := h.do("GET", p1, key, ""); r.status != 503 || r.header.Get(hdrError) != "" {
			t.Fatalf("attempt %d: %d %v", i, r.status, r.header)
		}
	}
	// Open: answered by the gateway without calling the upstream.
	h.expectError(h.do("GET", p1, key, ""), 503, "circuit_open")
	h.expectError(h.do("GET", p1, key, ""), 503, "circuit_open")
	if n := up.hits.Load(); n != 3 {
		t.Fatalf("upstream hits %d while open, want 3", n)
	}
	// The upstream recovers; after the open period one trial request
	// closes the circuit.
	up.reply.Store(nil)
	time.Sleep(350 * time.Millisecond)
	for i := 0; i < 5; i++ {
		if r := h.do("GET", p1, key, ""); r.status != 200 {
			t.Fatalf("after recovery %d: %d %s", i, r.status, r.body)
		}
	}
	if n := up.hits.Load(); n != 8 {
		t.Fatalf("upstream hits %d, want 8", n)
	}
}

func TestLoadBalancingAndPassiveHealth(t *testing.T) {
	a, b := startUpstream(t), startUpstream(t)
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	h := startGateway(t, a.url, nil)
	h.updateAPI1(&registryv1.Api{Endpoints: []*registryv1.UpstreamEndpoint{{Url: a.url, Weight: 3}, {Url: b.url, Weight: 1}}}, "endpoints")
	key := h.w.apiKey()
	const n = 800
	for i := 0; i < n; i++ {
		if r := h.do("GET", p1, key, ""); r.status != 200 {
			t.Fatalf("%d: %d", i, r.status)
		}
	}
	ratio := float64(a.hits.Load()) / float64(b.hits.Load())
	if ratio < 2.2 || ratio > 4.1 {
		t.Fatalf("weights 3:1 gave %d:%d", a.hits.Load(), b.hits.Load())
	}

	// A dead endpoint: even POSTs (no retries) succeed, because a refused
	// connection never sent the request; and the endpoint is then avoided.
	h.updateAPI1(&registryv1.Api{Endpoints: []*registryv1.UpstreamEndpoint{{Url: dead, Weight: 10}, {Url: a.url, Weight: 1}}}, "endpoints")
	before := a.hits.Load()
	for i := 0; i < 50; i++ {
		if r := h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", key, "{}"); r.status != 200 {
			t.Fatalf("POST %d with a dead endpoint: %d %s", i, r.status, r.body)
		}
	}
	if got := a.hits.Load() - before; got != 50 {
		t.Fatalf("live endpoint served %d of 50", got)
	}
	h.gw.reloadMu.Lock()
	ep := h.gw.endpoints[dead]
	h.gw.reloadMu.Unlock()
	if ep == nil || ep.downUntil.Load() <= time.Now().UnixNano() {
		t.Fatal("dead endpoint not marked down")
	}
	// All endpoints dead: 502 upstream_unavailable.
	h.updateAPI1(&registryv1.Api{Endpoints: []*registryv1.UpstreamEndpoint{{Url: dead}}}, "endpoints")
	h.expectError(h.do("GET", p1, key, ""), 502, "upstream_unavailable")
}

func TestRateLimitAndQuota(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	bus := h.bus
	tiny := h.w.bearerOf("tiny")
	ok := 0
	var limited result
	for i := 0; i < 5; i++ {
		r := h.do("GET", p1, tiny, "")
		if r.status == 200 {
			ok++
		} else {
			limited = r
		}
	}
	if ok != 2 {
		t.Fatalf("tier burst 2 allowed %d of 5", ok)
	}
	h.expectError(limited, 429, "rate_limited")
	if ra, _ := strconv.Atoi(limited.header.Get("Retry-After")); ra < 1 {
		t.Fatalf("Retry-After %q", limited.header.Get("Retry-After"))
	}

	// Quota: the metering service marks sub-1 exhausted in the KV bucket.
	kv, err := natsx.EnsureQuotaBucket(context.Background(), bus.JS, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tok := h.w.bearerOf("app1")
	sub1 := h.w.sub1.GetId()
	reset := time.Now().Add(90 * time.Minute)
	put := func(st *meteringv1.QuotaState) {
		b, _ := proto.Marshal(st)
		if _, err := kv.Put(context.Background(), st.SubscriptionId, b); err != nil {
			t.Fatal(err)
		}
	}
	put(&meteringv1.QuotaState{SubscriptionId: sub1, Period: "2026-11", Used: 1000, Limit: 1000, Exhausted: true, ResetTime: timestamppb.New(reset)})
	var r result
	waitFor(t, 2*time.Second, "quota applied", func() bool { r = h.do("GET", p1, tok, ""); return r.status == 429 })
	h.expectError(r, 429, "quota_exceeded")
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra < 5300 || ra > 5400 {
		t.Fatalf("Retry-After %q, want about 5400", r.header.Get("Retry-After"))
	}
	if !strings.Contains(r.err.Message, reset.In(signedheader.Zone).Format("2006-01-02 15:04")) {
		t.Fatalf("message does not state the reset time: %q", r.err.Message)
	}
	// Other subscriptions are unaffected.
	if r := h.do("GET", p1, h.w.apiKey(), ""); r.status != 429 {
		t.Fatalf("api key of the same subscription: %d", r.status)
	}
	// A reset time in the past does not block; nor does a new month.
	put(&meteringv1.QuotaState{SubscriptionId: sub1, Period: "2026-12", Used: 3, Limit: 1000})
	waitFor(t, 2*time.Second, "quota lifted", func() bool { return h.do("GET", p1, tok, "").status == 200 })
	put(&meteringv1.QuotaState{SubscriptionId: sub1, Exhausted: true, ResetTime: timestamppb.New(time.Now().Add(-time.Minute))})
	time.Sleep(200 * time.Millisecond)
	if r := h.do("GET", p1, tok, ""); r.status != 200 {
		t.Fatalf("expired quota state still blocks: %d", r.status)
	}
}
