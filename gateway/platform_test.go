package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/gatewayid"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

const testInternalToken = "internal-token-of-the-gateway-tests-0123456789"

func testIdentityKey(t testing.TB) gatewayid.Key {
	t.Helper()
	k, err := gatewayid.NewKey(testInternalToken)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// platformAPI publishes an API at /edoc/1.0 whose upstream (url) is a
// platform service, with app1 subscribed.
func (h *harness) platformAPI(url string, retries int32) *registryv1.Api {
	h.t.Helper()
	a := h.reg.PublishedAPI(&registryv1.Api{Context: "edoc", OwnerAgency: agencyOK, Retries: retries,
		AuthMethods:  []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_JWT, registryv1.AuthMethod_AUTH_METHOD_API_KEY, registryv1.AuthMethod_AUTH_METHOD_SIGNED_HEADER},
		Endpoints:    []*registryv1.UpstreamEndpoint{{Url: url}},
		UpstreamAuth: &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM}})
	h.reg.Subscribe(h.w.app1.GetId(), a.GetId(), "gold")
	h.reload()
	return a
}

// signedHeaders signs a request of app1's signed-header system.
func (h *harness) signedHeaders(at time.Time, extra ...signedheader.Header) map[string]string {
	m := map[string]string{}
	for _, x := range signedheader.Sign(h.w.sysID, h.w.sysKey, at, append([]signedheader.Header{
		{Name: "from", Value: agencyOK}, {Name: "servicetype", Value: vdxp.ServiceEDoc}, {Name: "messagetype", Value: vdxp.MessageEdoc},
	}, extra...)) {
		m[x.Name] = x.Value
	}
	return m
}

// TestPlatformUpstream: a platform service behind the gateway receives the
// gateway's identity assertion, naming the application, its agency, the API,
// the request and the signed-header system, and none of the consumer's
// credentials, whichever the consumer presented. Every attempt carries its
// own assertion.
func TestPlatformUpstream(t *testing.T) {
	key := testIdentityKey(t)
	up := startUpstream(t)
	var (
		mu    sync.Mutex
		auths []string
	)
	clock := &settableClock{}
	fail := make(chan struct{}, 1)
	up.setReply(func(ctx *fasthttp.RequestCtx) {
		mu.Lock()
		auths = append(auths, string(ctx.Request.Header.Peek("Authorization")))
		mu.Unlock()
		select {
		case <-fail:
			// The retry comes a little later on the gateway's clock.
			clock.offset.Add(int64(10 * time.Second))
			ctx.SetStatusCode(503)
		default:
			ctx.SetBodyString(`{"ok":true}`)
		}
	})
	h := startGatewayWith(t, up.url, setup{opts: []Option{WithIdentityKey(key), WithClock(clock.now)}})
	api := h.platformAPI(up.url, 1)
	app := h.w.app1.GetId()

	lastAuth := func() string {
		mu.Lock()
		defer mu.Unlock()
		return auths[len(auths)-1]
	}
	check := func(name string, r result, sys string) gatewayid.Identity {
		t.Helper()
		if r.status != 200 {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		got := up.lastRequest()
		for _, hdr := range []string{"Apikey", "X-Api-Key", signedheader.HeaderHash, signedheader.HeaderSign, signedheader.HeaderSignKey} {
			if v := got.Header.Peek(hdr); len(v) != 0 {
				t.Errorf("%s: the consumer's %s reached the platform service: %q", name, hdr, v)
			}
		}
		tok, ok := strings.CutPrefix(lastAuth(), "Bearer ")
		if !ok || !strings.HasPrefix(tok, gatewayid.Prefix) {
			t.Fatalf("%s: Authorization upstream is %q, want the gateway's assertion", name, lastAuth())
		}
		id, err := key.Verify(tok, clock.now())
		if err != nil {
			t.Fatalf("%s: assertion refused: %v", name, err)
		}
		if id.App != app || id.Agency != agencyOK || id.API != api.GetId() || id.SystemID != sys || id.RequestID == "" || id.RequestID != r.header.Get(hdrRequestID) {
			t.Fatalf("%s: assertion %+v; want app %s, agency %s, api %s, system %q, request %s", name, id, app, agencyOK, api.GetId(), sys, r.header.Get(hdrRequestID))
		}
		return id
	}

	check("access token", h.do("GET", "/edoc/1.0/inbox", h.w.bearerOf("app1"), ""), "")
	check("API key", h.do("GET", "/edoc/1.0/inbox", h.w.apiKey(), ""), "")
	body := "<edXML/>"
	signed := h.signedHeaders(clock.now(), signedheader.Header{Name: "hash-file", Value: signedheader.JavaHex(sha(body))})
	check("signed headers", h.do("POST", "/edoc/1.0/sendEdoc", signed, body), h.w.sysID)

	// The service's authenticator takes the assertion as the application.
	tok := strings.TrimPrefix(lastAuth(), "Bearer ")
	authr := gatewayid.Authenticator{Key: key, Next: refuseAll{}, Now: clock.now}
	p, err := authr.Authenticate(context.Background(), tok)
	if err != nil || p.Role != authn.RoleConsumer || p.Subject != app || p.Agency != agencyOK {
		t.Fatalf("principal %+v, %v", p, err)
	}

	// A retry is signed again, at its own time.
	mu.Lock()
	before := len(auths)
	mu.Unlock()
	fail <- struct{}{}
	r := h.do("GET", "/edoc/1.0/inbox", h.w.bearerOf("app1"), "")
	second := check("retried call", r, "")
	mu.Lock()
	tries := auths[before:]
	mu.Unlock()
	if len(tries) != 2 || tries[0] == tries[1] {
		t.Fatalf("attempts carried %q; want two different assertions", tries)
	}
	first, err := key.Verify(strings.TrimPrefix(tries[0], "Bearer "), clock.now())
	if err != nil || second.Issued.Sub(first.Issued) < 9*time.Second {
		t.Fatalf("first attempt's assertion issued %v (%v), the retry's %v: want the retry's about 10s later", first.Issued, err, second.Issued)
	}
}

type refuseAll struct{}

func (refuseAll) Authenticate(context.Context, string) (authn.Principal, error) {
	return authn.Principal{}, authn.ErrUnauthenticated
}

// TestForgedAssertionsRefused: what a service's authenticator does with
// assertions that were not made by a gateway of its installation, were
// changed on the way, or are too old; other credentials go on to Next.
func TestForgedAssertionsRefused(t *testing.T) {
	key := testIdentityKey(t)
	now := time.Now()
	good := key.Sign(gatewayid.Identity{App: "app_1", Agency: agencyOK, API: "api_1", RequestID: "r-1", Issued: now})
	other, err := gatewayid.NewKey("another-installation-internal-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	payload, mac, _ := strings.Cut(strings.TrimPrefix(good, gatewayid.Prefix), ".")
	// The same MAC over a payload that names another agency.
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	altered := gatewayid.Prefix + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), agencyOK, agencyOff, 1))) + "." + mac
	if altered == good {
		t.Fatal("the payload did not change")
	}
	authr := func(at time.Time) gatewayid.Authenticator {
		return gatewayid.Authenticator{Key: key, Next: refuseAll{}, Now: func() time.Time { return at }}
	}
	if p, err := authr(now).Authenticate(context.Background(), good); err != nil || p.Role != authn.RoleConsumer {
		t.Fatalf("a good assertion: %+v %v", p, err)
	}
	for name, c := range map[string]struct {
		token string
		at    time.Time
	}{
		"another installation's key": {other.Sign(gatewayid.Identity{App: "app_1", Agency: agencyOK, Issued: now}), now},
		"payload changed":            {altered, now},
		"MAC cut":                    {gatewayid.Prefix + payload + "." + mac[:len(mac)-4], now},
		"no MAC":                     {gatewayid.Prefix + payload, now},
		"expired":                    {good, now.Add(gatewayid.MaxAge + time.Second)},
		"issued in the future":       {good, now.Add(-time.Minute)},
		"not an assertion":           {"lgsp_s_session", now},
	} {
		p, err := authr(c.at).Authenticate(context.Background(), c.token)
		if !errors.Is(err, authn.ErrUnauthenticated) {
			t.Errorf("%s: principal %+v, err %v; want refused", name, p, err)
		}
	}
}

// TestPlatformUpstreamWithoutKey: a gateway that has no internal token
// refuses calls to a platform service rather than send them unasserted.
func TestPlatformUpstreamWithoutKey(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	h.platformAPI(up.url, 0)
	h.expectError(h.do("GET", "/edoc/1.0/inbox", h.w.bearerOf("app1"), ""), 502, "upstream_auth_failed")
	if n := up.hits.Load(); n != 0 {
		t.Fatalf("the platform service was called %d times without an assertion", n)
	}
	// Other APIs are served as before.
	if r := h.do("GET", p1, h.w.bearerOf("app1"), ""); r.status != 200 {
		t.Fatalf("another API: %d %s", r.status, r.body)
	}
}

// expectNational checks a refusal in the national axis's shape: the HTTP
// status the gateway always uses, the stable code in X-LGSP-Error, and a
// body with exactly status, ErrorCode, ErrorDesc (Vietnamese / English) and
// DocId.
func expectNational(t *testing.T, name string, r result, status int, stable, code string) {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("%s: %d, body not JSON: %q", name, r.status, r.body)
	}
	desc, _ := body["ErrorDesc"].(string)
	vi, en, _ := strings.Cut(desc, " / ")
	if r.status != status || r.header.Get(hdrError) != stable || body["status"] != vdxp.StatusFail || body["ErrorCode"] != code ||
		body["DocId"] != "" || len(body) != 4 || vi == "" || en == "" || vi == en {
		t.Fatalf("%s: %d %s %s; want %d, X-LGSP-Error %s, ErrorCode %s", name, r.status, r.header.Get(hdrError), r.body, status, stable, code)
	}
	if r.header.Get(hdrRequestID) == "" {
		t.Fatalf("%s: no request id", name)
	}
}

// TestNationalAxisRefusals: on an API whose error style is NATIONAL_AXIS,
// every refusal of the gateway's own takes the national shape, with the
// national code of its kind.
func TestNationalAxisRefusals(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	h.updateAPI1(&registryv1.Api{ErrorStyle: registryv1.ErrorStyle_ERROR_STYLE_NATIONAL_AXIS, MaxBodyBytes: 1024}, "error_style", "max_body_bytes")
	tok := h.w.bearerOf("app1")
	body := "<edXML/>"

	// Credentials, signatures, timestamps, replays: 15.
	expectNational(t, "no credential", h.do("GET", p1, nil, ""), 401, "missing_credential", vdxp.CodeBadCredentials)
	expectNational(t, "bad token", h.do("GET", p1, bearer("x.y.z"), ""), 401, "invalid_token", vdxp.CodeBadCredentials)
	bad := h.signedHeaders(time.Now())
	bad[signedheader.HeaderSign] = `{"sign":"AAAA"}`
	expectNational(t, "bad signature", h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", bad, body), 401, "invalid_signature", vdxp.CodeBadCredentials)
	expectNational(t, "stale timestamp", h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", h.signedHeaders(time.Now().Add(-time.Hour)), body), 401, "invalid_signature", vdxp.CodeBadCredentials)
	good := h.signedHeaders(time.Now(), signedheader.Header{Name: "hash-file", Value: signedheader.JavaHex(sha(body))})
	if r := h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", good, body); r.status != 200 {
		t.Fatalf("signed request: %d %s", r.status, r.body)
	}
	expectNational(t, "replay", h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", good, body), 401, "invalid_signature", vdxp.CodeBadCredentials)
	// The body: 10.
	mismatch := h.signedHeaders(time.Now(), signedheader.Header{Name: "hash-file", Value: strings.Repeat("0", 64)})
	expectNational(t, "hash-file mismatch", h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", mismatch, body), 401, "invalid_signature", vdxp.CodeInvalidFile)
	expectNational(t, "body over the API's limit", h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", tok, strings.Repeat("a", 1025)), 413, "body_too_large", vdxp.CodeInvalidFile)
	resp, raw, _ := h.rawExchange("POST /apiCSDLDKDN/1.0/doanhnghiep HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer "+h.w.tokens["app1"]+"\r\nContent-Length: 62914560\r\n\r\n", 5*time.Second)
	expectNational(t, "body refused before reading", result{status: resp.StatusCode, header: resp.Header, body: raw}, 413, "body_too_large", vdxp.CodeInvalidFile)
	// The caller may not: 25.
	expectNational(t, "no subscription", h.do("GET", p1, h.w.bearerOf("nosub"), ""), 403, "no_subscription", vdxp.CodeForbidden)
	expectNational(t, "pending subscription", h.do("GET", p1, h.w.bearerOf("pending"), ""), 403, "no_subscription", vdxp.CodeForbidden)
	expectNational(t, "suspended application", h.do("GET", p1, h.w.bearerOf("off"), ""), 403, "application_suspended", vdxp.CodeForbidden)
	// Too much: 26, with Retry-After.
	var limited result
	for i := 0; i < 10; i++ {
		if limited = h.do("GET", p1, h.w.bearerOf("tiny"), ""); limited.status == 429 {
			break
		}
	}
	expectNational(t, "rate limit", limited, 429, "rate_limited", vdxp.CodeTooManyRequests)
	if limited.header.Get("Retry-After") == "" {
		t.Fatal("rate limit refusal without Retry-After")
	}
	// Calls the API does not offer: 27.
	expectNational(t, "unknown path", h.do("GET", "/apiCSDLDKDN/1.0/khongco", tok, ""), 404, "route_not_found", vdxp.CodeMethodNotAllowed)
	expectNational(t, "unknown method", h.do("DELETE", p1, tok, ""), 405, "method_not_allowed", vdxp.CodeMethodNotAllowed)
	// The upstream: 20.
	up.srv.Shutdown() //nolint:errcheck // the upstream goes away
	expectNational(t, "upstream down", h.do("GET", p1, tok, ""), 502, "upstream_unavailable", vdxp.CodePlatformError)

	// The platform's shape elsewhere, and before an API is known.
	h.expectError(h.do("GET", "/dep/2.0/x", h.w.bearerOf("nosub"), ""), 403, "no_subscription")
	h.expectError(h.do("GET", "/khongco/1.0/x", tok, ""), 404, "route_not_found")
}

// TestNationalErrorBodies checks every catalogue entry's national answer.
func TestNationalErrorBodies(t *testing.T) {
	for _, e := range []*gwError{errRouteNotFound, errMissingCredential, errInvalidSignature, errHashFileMismatch, errNoSubscription,
		errRateLimited, errQuotaExceeded.withMessage("reset soon", "đặt lại sớm"), errBodyTooLarge, errUpstreamTimeout, errCircuitOpen, errNoIdentityKey} {
		var r vdxp.SendResult
		if err := json.Unmarshal(e.nationalBody, &r); err != nil {
			t.Fatalf("%s: %v %s", e.code, err, e.nationalBody)
		}
		if !r.Failed() || r.ErrorCode != e.national || r.ErrorDesc != e.vi+" / "+e.en || !strings.Contains(string(e.nationalBody), `"DocId":""`) {
			t.Errorf("%s: %s", e.code, e.nationalBody)
		}
	}
	for code, want := range map[*gwError]string{
		errInvalidToken: vdxp.CodeBadCredentials, errCredentialRevoked: vdxp.CodeBadCredentials, errHashFileMismatch: vdxp.CodeInvalidFile,
		errSubSuspended: vdxp.CodeForbidden, errAgencySuspended: vdxp.CodeForbidden, errQuotaExceeded: vdxp.CodeTooManyRequests,
		errMethodNotAllowed: vdxp.CodeMethodNotAllowed, errCircuitOpen: vdxp.CodePlatformError, errUpstreamTimeout: vdxp.CodePlatformError,
	} {
		if code.national != want {
			t.Errorf("%s answers national code %s, want %s", code.code, code.national, want)
		}
	}
}

// TestPlatformServiceAnswer: a platform service's own 503 (a system behind
// it is down, marked apierr.ServiceAnswerHeader) goes back as it is, is not
// retried and does not open the service's circuit; an unmarked 503 is.
func TestPlatformServiceAnswer(t *testing.T) {
	up := startUpstream(t)
	h := startGatewayWith(t, up.url, setup{opts: []Option{WithIdentityKey(testIdentityKey(t))}})
	h.platformAPI(up.url, 2)
	marked := true
	up.setReply(func(ctx *fasthttp.RequestCtx) {
		if marked {
			ctx.Response.Header.Set(apierr.ServiceAnswerHeader, "1")
		}
		ctx.Response.Header.Set("Retry-After", "30")
		ctx.SetStatusCode(503)
		ctx.SetBodyString(`{"code":"national_unavailable"}`)
	})
	key := h.w.apiKey()
	for i := range 20 {
		r := h.do("GET", "/edoc/1.0/x", key, "")
		if r.status != 503 || !strings.Contains(string(r.body), "national_unavailable") {
			t.Fatalf("call %d: %d %s", i, r.status, r.body)
		}
	}
	if n := up.hits.Load(); n != 20 {
		t.Fatalf("upstream saw %d calls for 20, want no retries", n)
	}
	// Unmarked, the same answer is the service failing: retried, and the
	// circuit opens.
	marked = false
	var open bool
	for range 20 {
		if r := h.do("GET", "/edoc/1.0/x", key, ""); strings.Contains(string(r.body), "circuit_open") {
			open = true
			break
		}
	}
	if !open || up.hits.Load() <= 20+1 {
		t.Fatalf("unmarked 503s: circuit open %v after %d upstream calls", open, up.hits.Load()-20)
	}
}
