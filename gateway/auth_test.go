package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/accesstoken"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

func TestRoutingAndOwnPaths(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	tok := h.w.tokens["app1"]

	r := h.do("GET", "/apiCSDLDKDN/1.0/chiTietDoanhNghiep?msdn=0101234567&ten=C%C3%B4ng+ty%20A", bearer(tok), "")
	if r.status != 200 || r.header.Get(hdrError) != "" {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	if got := up.lastURI(); got != "/base/chiTietDoanhNghiep?msdn=0101234567&ten=C%C3%B4ng+ty%20A" {
		t.Fatalf("upstream got %q: path and query must be preserved", got)
	}
	// Template with a parameter; percent-encoding in the path is kept.
	if r := h.do("GET", "/apiCSDLDKDN/1.0/doanhnghiep/01%2F02", bearer(tok), ""); r.status != 200 {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	if got := up.lastURI(); got != "/base/doanhnghiep/01%2F02" {
		t.Fatalf("upstream got %q", got)
	}

	h.expectError(h.do("GET", "/nope/1.0/x", nil, ""), 404, "route_not_found")
	h.expectError(h.do("GET", "/apiCSDLDKDN/9.9/chiTietDoanhNghiep", bearer(tok), ""), 404, "route_not_found")
	h.expectError(h.do("GET", "/apiCSDLDKDN/1.0/notInOpenAPI", bearer(tok), ""), 404, "route_not_found")
	h.expectError(h.do("DELETE", "/apiCSDLDKDN/1.0/doanhnghiep", bearer(tok), ""), 405, "method_not_allowed")
	h.expectError(h.do("GET", "/apiCSDLDKDN/1.0/echo/%2e%2e/admin", bearer(tok), ""), 400, "invalid_path")

	// The gateway's own paths.
	if r := h.do("GET", "/healthz", nil, ""); r.status != 200 {
		t.Fatalf("healthz %d", r.status)
	}
	if r := h.do("GET", "/readyz", nil, ""); r.status != 200 || !strings.Contains(string(r.body), "ready") {
		t.Fatalf("readyz %d %s", r.status, r.body)
	}
	r = h.do("GET", "/.well-known/jwks.json", nil, "")
	// The key set as the registry publishes it.
	if r.status != 200 || string(r.body) != string(h.reg.JWKS()) {
		t.Fatalf("jwks %d %s", r.status, r.body)
	}
}

// The registry refuses the gateway's own paths as API contexts; this test
// checks the gateway's second line of defence against a registry that
// would send them anyway, which only a stub can do.
func TestReservedContextsCannotShadowGatewayPaths(t *testing.T) {
	up := startUpstream(t)
	s := &registryv1.Snapshot{Revision: 1}
	for _, c := range []string{"token", "oauth2", ".well-known", "healthz", "readyz"} {
		s.Apis = append(s.Apis, &registryv1.ApiRoute{Id: "evil-" + c, Context: c, Version: "1.0", Public: true,
			Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED, Endpoints: []*registryv1.UpstreamEndpoint{{Url: up.url}}})
	}
	s.Apis = append(s.Apis, &registryv1.ApiRoute{Id: "evil-oauth2-token", Context: "oauth2", Version: "token", Public: true,
		Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED, Endpoints: []*registryv1.UpstreamEndpoint{{Url: up.url}}})
	h := startGatewayWith(t, up.url, setup{registry: stubRegistry{s}})
	if r := h.do("GET", "/healthz", nil, ""); r.status != 200 || string(r.body) != `{"status":"ok"}` {
		t.Fatalf("healthz shadowed: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/oauth2/token", nil, ""); r.status != 405 {
		t.Fatalf("token endpoint shadowed: %d %s", r.status, r.body)
	}
	h.expectError(h.do("GET", "/healthz/1.0/x", nil, ""), 404, "route_not_found")
	if up.hits.Load() != 0 {
		t.Fatalf("a reserved path reached an upstream")
	}
}

func TestAuthenticationAndAuthorisationFailures(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	w := h.w
	const p = "/apiCSDLDKDN/1.0/chiTietDoanhNghiep"

	// Tokens the registry never issues: its real claims signed with
	// another key, under the registry's kid and under an unknown one.
	var kids struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal(h.reg.JWKS(), &kids); err != nil || len(kids.Keys) == 0 {
		t.Fatalf("registry jwks: %v", err)
	}
	foreign, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	v, err := accesstoken.NewVerifier(h.reg.JWKS(), h.reg.Config.TokenIssuer, h.reg.Config.TokenAudience, nil)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := v.Verify(w.tokens["app1"])
	if err != nil {
		t.Fatal(err)
	}
	forged := func(kid string) map[string]string {
		tok, err := accesstoken.Sign(foreign, kid, *claims)
		if err != nil {
			t.Fatal(err)
		}
		return bearer(tok)
	}

	cases := []struct {
		name   string
		path   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"missing", p, nil, 401, "missing_credential"},
		{"malformed bearer", p, bearer("not.a.jwt"), 401, "invalid_token"},
		{"garbage bearer", p, bearer("abc"), 401, "invalid_token"},
		{"expired", p, w.bearerOf("expired"), 401, "token_expired"},
		{"bad signature", p, forged(kids.Keys[0].Kid), 401, "invalid_token"},
		{"unknown key", p, forged("not-a-registry-key"), 401, "invalid_token"},
		{"revoked credential", p, w.bearerOf("revoked"), 401, "credential_revoked"},
		{"invalid api key", p, map[string]string{"apikey": "wrong"}, 401, "invalid_api_key"},
		{"invalid X-API-Key", p, map[string]string{"X-API-Key": "wrong"}, 401, "invalid_api_key"},
		{"no subscription", p, w.bearerOf("nosub"), 403, "no_subscription"},
		{"pending subscription", p, w.bearerOf("pending"), 403, "no_subscription"},
		{"suspended subscription", p, w.bearerOf("subsusp"), 403, "subscription_suspended"},
		{"suspended application", p, w.bearerOf("off"), 403, "application_suspended"},
		{"suspended agency", p, w.bearerOf("agoff"), 403, "agency_suspended"},
		{"retired api", "/old/0.9/x", w.bearerOf("app1"), 410, "api_retired"},
		{"method not enabled", "/dep/2.0/x", w.apiKey(), 401, "auth_method_not_allowed"},
		{"bad signed headers", p, map[string]string{signedheader.HeaderHash: strings.Repeat("ab", 32), signedheader.HeaderSign: `{}`, "XroadVnpt-systemid": w.sysID}, 401, "invalid_signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.expectError(h.do("GET", c.path, c.hdr, ""), c.status, c.code)
		})
	}
	if n := up.hits.Load(); n != 0 {
		t.Fatalf("%d refused requests reached the upstream", n)
	}
	// And the good ones pass.
	for _, hdr := range []map[string]string{w.bearerOf("app1"), w.apiKey(), {"X-API-Key": w.apiKey1}} {
		if r := h.do("GET", p, hdr, ""); r.status != 200 {
			t.Fatalf("%v: %d %s", hdr, r.status, r.body)
		}
	}
}

func TestRevocationTakesEffectOnReload(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	const p = "/apiCSDLDKDN/1.0/chiTietDoanhNghiep"
	tok := h.w.bearerOf("app1")
	key := h.w.apiKey()
	for _, hdr := range []map[string]string{tok, key} {
		if r := h.do("GET", p, hdr, ""); r.status != 200 {
			t.Fatalf("before revocation: %d", r.status)
		}
	}
	h.reg.RevokeCredential(h.w.client1.CredentialID)
	h.reg.RevokeCredential(h.w.keyCred1)
	h.reload()
	// The token is cached as verified; revocation must still win.
	h.expectError(h.do("GET", p, tok, ""), 401, "credential_revoked")
	h.expectError(h.do("GET", p, key, ""), 401, "credential_revoked")
	// A key that never existed is merely invalid.
	h.expectError(h.do("GET", p, map[string]string{"apikey": "never"}, ""), 401, "invalid_api_key")

	// The refused token call is still metered to its application: the
	// token names it.
	var found *meteringv1.Event
	waitFor(t, 5*time.Second, "metering event of the revoked token's call", func() bool {
		for _, e := range streamEvents(t, h) {
			if e.ErrorCode == "credential_revoked" && e.ApplicationId != "" {
				found = e
				return true
			}
		}
		return false
	})
	if found.ApplicationId != h.w.app1.GetId() || found.AgencyCode == "" {
		t.Fatalf("refused call metered to %q (agency %q), want %s", found.ApplicationId, found.AgencyCode, h.w.app1.GetId())
	}
}

// streamEvents reads every metering event the gateway has published.
func streamEvents(t *testing.T, h *harness) []*meteringv1.Event {
	t.Helper()
	ctx := context.Background()
	stream, err := h.bus.JS.Stream(ctx, natsx.MeteringStream)
	if err != nil {
		return nil
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []*meteringv1.Event
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		var b meteringv1.EventBatch
		if err := proto.Unmarshal(msg.Data, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b.Events...)
	}
	return out
}

func TestSignedHeaderAuthentication(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	sysID, sysSecret := h.w.sysID, h.w.sysKey
	body := "<edXML>…</edXML>"
	hdrs := func(secret string, at time.Time, hashFile string) map[string]string {
		m := map[string]string{}
		for _, x := range signedheader.Sign(sysID, secret, at, []signedheader.Header{
			{Name: "from", Value: agencyOK}, {Name: "to", Value: `["000.00.00.G22"]`},
			{Name: "servicetype", Value: "eDoc"}, {Name: "messagetype", Value: "edoc"},
			{Name: "hash-file", Value: hashFile},
		}) {
			m[x.Name] = x.Value
		}
		return m
	}
	good := hdrs(sysSecret, time.Now(), signedheader.JavaHex(sha(body)))
	r := h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", good, body)
	if r.status != 200 {
		t.Fatalf("signed request: %d %s", r.status, r.body)
	}
	got := up.lastRequest()
	if string(got.Header.Peek("X-LGSP-Consumer")) != h.w.app1.GetId() || len(got.Header.Peek(signedheader.HeaderHash)) != 0 || len(got.Header.Peek(signedheader.HeaderSign)) != 0 {
		t.Fatalf("upstream headers: %s", got.Header.String())
	}
	// The business headers still travel.
	if string(got.Header.Peek("XroadVnpt-to")) != `["000.00.00.G22"]` {
		t.Fatalf("logical header dropped: %s", got.Header.String())
	}
	h.expectError(h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", good, body), 401, "invalid_signature") // replay
	// The national SDK sends the file followed by CRLF and hashes the file
	// alone.
	if r := h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", hdrs(sysSecret, time.Now(), signedheader.JavaHex(sha(body))), body+"\r\n"); r.status != 200 {
		t.Fatalf("SDK body with a trailing CRLF: %d %s", r.status, r.body)
	}
	h.expectError(h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", hdrs("wrong", time.Now(), ""), body), 401, "invalid_signature")
	h.expectError(h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", hdrs(sysSecret, time.Now().Add(-time.Hour), ""), body), 401, "invalid_signature")
	h.expectError(h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", hdrs(sysSecret, time.Now(), strings.Repeat("0", 64)), body), 401, "invalid_signature")
	tampered := hdrs(sysSecret, time.Now(), "")
	tampered["XroadVnpt-to"] = `["000.00.00.H99"]`
	h.expectError(h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", tampered, body), 401, "invalid_signature")
	// Revoking the system's credential.
	h.reg.RevokeCredential(h.w.sysCred)
	h.reload()
	h.expectError(h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", hdrs(sysSecret, time.Now(), ""), body), 401, "credential_revoked")
}

func TestPublicAndDeprecatedAPIs(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	r := h.do("GET", "/dmdc/1.0/AllCategory", nil, "")
	if r.status != 200 {
		t.Fatalf("public api without credential: %d %s", r.status, r.body)
	}
	if got := up.lastURI(); got != "/AllCategory" {
		t.Fatalf("upstream uri %q", got)
	}
	if r.header.Get("Deprecation") != "" {
		t.Fatal("published API must not be marked deprecated")
	}
	r = h.do("GET", "/dep/2.0/x", h.w.bearerOf("app1"), "")
	if r.status != 200 || r.header.Get("Deprecation") != "true" || r.header.Get("Sunset") != "Wed, 30 Jun 2027 00:00:00 GMT" {
		t.Fatalf("deprecated api: %d %v", r.status, r.header)
	}
}

// percentAll percent-encodes every byte, so that a decoder that skipped
// the RFC 6749 form-decoding of Basic credentials would fail.
func percentAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

func TestTokenEndpoint(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	id, secret := h.w.client1.ID, h.w.client1.Secret
	form := "application/x-www-form-urlencoded"
	type tokenResp struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	call := func(path string, hdr map[string]string, body string) (int, tokenResp, http.Header) {
		if hdr == nil {
			hdr = map[string]string{}
		}
		hdr["Content-Type"] = form
		r := h.do("POST", path, hdr, body)
		var tr tokenResp
		if err := json.Unmarshal(r.body, &tr); err != nil {
			t.Fatalf("%s: not JSON: %s", path, r.body)
		}
		return r.status, tr, r.header
	}
	basic := func(id, secret string) map[string]string {
		req, _ := http.NewRequest("POST", "/", nil)
		req.SetBasicAuth(id, secret)
		return map[string]string{"Authorization": req.Header.Get("Authorization")}
	}
	st, tr, hdr := call("/token", basic(id, secret), "grant_type=client_credentials")
	if st != 200 || tr.TokenType != "Bearer" || tr.ExpiresIn != int64(h.reg.Config.TokenTTL/time.Second) || tr.AccessToken == "" ||
		tr.Scope != registry.DefaultTokenScope || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("basic: %d %+v", st, tr)
	}
	// What the registry issued verifies with the key set as the gateway
	// serves it, through the same contract the gateway verifies with.
	jwks := h.do("GET", "/.well-known/jwks.json", nil, "")
	v, err := accesstoken.NewVerifier(jwks.body, h.reg.Config.TokenIssuer, h.reg.Config.TokenAudience, nil)
	if err != nil {
		t.Fatalf("served jwks %s: %v", jwks.body, err)
	}
	if c, err := v.Verify(tr.AccessToken); err != nil || c.Subject != h.w.app1.GetId() || c.CredentialID != h.w.client1.CredentialID ||
		c.ClientID != id || c.Agency != agencyOK {
		t.Fatalf("issued token against the served jwks: %+v, %v", c, err)
	}
	// The token works at the gateway.
	if r := h.do("GET", "/apiCSDLDKDN/1.0/chiTietDoanhNghiep", bearer(tr.AccessToken), ""); r.status != 200 {
		t.Fatalf("issued token refused: %d %s", r.status, r.body)
	}
	if st, tr, _ = call("/oauth2/token", nil, "grant_type=client_credentials&client_id="+url.QueryEscape(id)+"&client_secret="+url.QueryEscape(secret)); st != 200 || tr.AccessToken == "" {
		t.Fatalf("form: %d %+v", st, tr)
	}
	// RFC 6749: Basic credentials are form-encoded first.
	if st, _, _ = call("/token", map[string]string{"Authorization": "Basic " + b64(percentAll(id)+":"+percentAll(secret))}, "grant_type=client_credentials"); st != 200 {
		t.Fatalf("encoded basic credentials: %d", st)
	}
	if st, tr, hdr = call("/token", basic(id, "wrong"), "grant_type=client_credentials"); st != 401 || tr.Error != "invalid_client" || hdr.Get("WWW-Authenticate") == "" {
		t.Fatalf("wrong secret: %d %+v", st, tr)
	}
	if st, tr, _ = call("/token", nil, "grant_type=client_credentials"); st != 401 || tr.Error != "invalid_client" {
		t.Fatalf("no client: %d %+v", st, tr)
	}
	if st, tr, _ = call("/token", basic(id, secret), "grant_type=password"); st != 400 || tr.Error != "unsupported_grant_type" {
		t.Fatalf("password grant: %d %+v", st, tr)
	}
	if st, tr, _ = call("/token", basic(id, secret), ""); st != 400 || tr.Error != "invalid_request" {
		t.Fatalf("no grant: %d %+v", st, tr)
	}
}

// TestPublicRateLimit: a public API has no tier, so each client address
// gets its own bucket: past the burst one address is refused with 429 and
// Retry-After, while another address is still served.
func TestPublicRateLimit(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, func(c *Config) {
		c.PublicRate, c.PublicBurst = 0.5, 3
		c.TrustForwarded = true
	})
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	for i := range 3 {
		if r := h.do("GET", "/dmdc/1.0/AllCategory", from("192.0.2.10"), ""); r.status != 200 {
			t.Fatalf("call %d within the burst: %d %s", i, r.status, r.body)
		}
	}
	r := h.do("GET", "/dmdc/1.0/AllCategory", from("192.0.2.10"), "")
	h.expectError(r, 429, "rate_limited")
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	if r := h.do("GET", "/dmdc/1.0/AllCategory", from("192.0.2.11"), ""); r.status != 200 {
		t.Fatalf("another address: %d %s", r.status, r.body)
	}
	// Authenticated APIs keep their tiers: the limit is for public ones.
	if r := h.do("GET", "/dep/2.0/x", h.w.bearerOf("app1"), ""); r.status != 200 {
		t.Fatalf("authenticated API: %d", r.status)
	}
}

// TestPublicLimiterBounded: IPv6 addresses of one /64 share a bucket, and
// buckets full again are forgotten.
func TestPublicLimiterBounded(t *testing.T) {
	p := newPublicLimiter(1, 1)
	now := time.Now().UnixNano()
	a, b := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	if ok, _ := p.allow("x/1", a, now); !ok {
		t.Fatal("first call refused")
	}
	if ok, _ := p.allow("x/1", b, now); ok {
		t.Fatal("the same /64 has its own bucket")
	}
	if ok, _ := p.allow("y/1", b, now); !ok {
		t.Fatal("another API shares the bucket")
	}
	p.mu.Lock()
	p.sweep(now + int64(10*time.Second))
	n := len(p.buckets)
	p.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d buckets left after a sweep", n)
	}
	if newPublicLimiter(0, 1) != nil {
		t.Fatal("rate 0 must disable the limit")
	}
}
