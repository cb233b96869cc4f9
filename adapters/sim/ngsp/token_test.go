package ngsp

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var reUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestTokenBasicAuth(t *testing.T) {
	h := newHarness(t, nil)
	res := h.tokenForm(url.Values{"grant_type": {"client_credentials"}}, DemoConsumerKey, DemoConsumerSecret)
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	var tr tokenResponse
	res.json(t, &tr)
	if !reUUID.MatchString(tr.AccessToken) {
		t.Errorf("access_token %q is not an opaque UUID-shaped token", tr.AccessToken)
	}
	if tr.Scope != "am_application_scope default" || tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 {
		t.Errorf("token response = %+v", tr)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	// The token opens the data APIs.
	wantCode(t, h.get(PathAllCategory, nil, tr.AccessToken, nil), http.StatusOK, CodeSuccess)
	// A second request gets a different token; both stay valid.
	other := h.token()
	if other == tr.AccessToken {
		t.Fatal("two token requests returned the same token without reuse configured")
	}
	wantCode(t, h.get(PathAllCategory, nil, tr.AccessToken, nil), http.StatusOK, CodeSuccess)
	wantCode(t, h.get(PathAllCategory, nil, other, nil), http.StatusOK, CodeSuccess)
}

func TestTokenFormCredentialsAndOAuth2Path(t *testing.T) {
	h := newHarness(t, nil)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoConsumerKey}, "client_secret": {DemoConsumerSecret}}
	res := h.tokenForm(form, "", "")
	if res.status != http.StatusOK {
		t.Fatalf("form credentials: %d %s", res.status, res.body)
	}
	req := h.request(http.MethodPost, PathOAuth2Token, strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if res := h.do(req); res.status != http.StatusOK {
		t.Fatalf("%s: %d %s", PathOAuth2Token, res.status, res.body)
	}
}

func TestTokenFormEncodedBasic(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.ConsumerKey = "khoá tỉnh/30"
		c.ConsumerSecret = "p@ss:word+%"
	})
	cc := url.Values{"grant_type": {"client_credentials"}}
	// RFC 6749 clients form-encode before Basic; others send raw bytes.
	if res := h.tokenForm(cc, url.QueryEscape("khoá tỉnh/30"), url.QueryEscape("p@ss:word+%")); res.status != http.StatusOK {
		t.Fatalf("form-encoded basic: %d %s", res.status, res.body)
	}
	if res := h.tokenForm(cc, "khoá tỉnh/30", "p@ss:word+%"); res.status != http.StatusOK {
		t.Fatalf("raw basic: %d %s", res.status, res.body)
	}
	if res := h.tokenForm(cc, url.QueryEscape("khoá tỉnh/30"), url.QueryEscape("p@ss:word")); res.status != http.StatusUnauthorized {
		t.Fatalf("wrong encoded secret: %d %s", res.status, res.body)
	}
}

func TestTokenErrors(t *testing.T) {
	h := newHarness(t, nil)
	cc := url.Values{"grant_type": {"client_credentials"}}
	cases := []struct {
		name        string
		form        url.Values
		key, secret string
		status      int
		err, desc   string
	}{
		{"wrong secret", cc, DemoConsumerKey, "nope", http.StatusUnauthorized, "invalid_client", "Client credentials are invalid."},
		{"unknown key", cc, "someone-else", DemoConsumerSecret, http.StatusUnauthorized, "invalid_client", "A valid OAuth client could not be found for client_id: someone-else"},
		{"no credentials", cc, "", "", http.StatusUnauthorized, "invalid_client", "Client Authentication failed."},
		{"no grant type", url.Values{}, DemoConsumerKey, DemoConsumerSecret, http.StatusBadRequest, "invalid_request", "Missing grant_type parameter value"},
		{"password grant", url.Values{"grant_type": {"password"}}, DemoConsumerKey, DemoConsumerSecret, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type value"},
		{"form secret wrong", url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoConsumerKey}, "client_secret": {"x"}}, "", "", http.StatusUnauthorized, "invalid_client", "Client credentials are invalid."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := h.tokenForm(c.form, c.key, c.secret)
			if res.status != c.status {
				t.Fatalf("status %d, want %d: %s", res.status, c.status, res.body)
			}
			var e oauthError
			res.json(t, &e)
			if e.Error != c.err || e.Description != c.desc {
				t.Fatalf("error = %+v, want %s / %s", e, c.err, c.desc)
			}
			if c.status == http.StatusUnauthorized && res.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	t.Run("GET", func(t *testing.T) {
		res := h.do(h.request(http.MethodGet, PathToken, nil, nil))
		if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != http.MethodPost {
			t.Fatalf("GET /token: %d Allow=%q", res.status, res.header.Get("Allow"))
		}
	})
	t.Run("oversized body", func(t *testing.T) {
		body := "grant_type=client_credentials&pad=" + strings.Repeat("a", maxFormBytes)
		req := h.request(http.MethodPost, PathToken, strings.NewReader(body), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		req.SetBasicAuth(DemoConsumerKey, DemoConsumerSecret)
		if res := h.do(req); res.status != http.StatusBadRequest {
			t.Fatalf("oversized form: %d %s", res.status, res.body)
		}
	})
}

func TestTokenExpiry(t *testing.T) {
	clock := newManualClock()
	h := newHarness(t, func(c *Config) {
		c.TokenTTL = 2 * time.Minute
		c.Clock = clock.Now
	})
	res := h.tokenForm(url.Values{"grant_type": {"client_credentials"}}, DemoConsumerKey, DemoConsumerSecret)
	var tr tokenResponse
	res.json(t, &tr)
	if tr.ExpiresIn != 120 {
		t.Fatalf("expires_in = %d, want 120", tr.ExpiresIn)
	}
	wantCode(t, h.get(PathAllCategory, nil, tr.AccessToken, nil), http.StatusOK, CodeSuccess)
	clock.Advance(2*time.Minute - time.Second)
	wantCode(t, h.get(PathAllCategory, nil, tr.AccessToken, nil), http.StatusOK, CodeSuccess)
	clock.Advance(time.Second)
	res = h.get(PathAllCategory, nil, tr.AccessToken, nil)
	e := wantCode(t, res, http.StatusUnauthorized, CodeAuthenError)
	if !strings.Contains(e.ErrorMessage, "expired") || !strings.Contains(e.ErrorMessageVi, "hết hạn") {
		t.Errorf("expiry message: %+v", e)
	}
	if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate = %q", res.header.Get("WWW-Authenticate"))
	}
	// An expired token is forgotten: the next use is simply invalid.
	e = wantCode(t, h.get(PathAllCategory, nil, tr.AccessToken, nil), http.StatusUnauthorized, CodeAuthenError)
	if !strings.Contains(e.ErrorMessage, "invalid") {
		t.Errorf("second use of expired token: %+v", e)
	}
	// A fresh token works again.
	wantCode(t, h.get(PathAllCategory, nil, h.token(), nil), http.StatusOK, CodeSuccess)
}

func TestTokenReuseActive(t *testing.T) {
	clock := newManualClock()
	h := newHarness(t, func(c *Config) {
		c.ReuseActiveToken = true
		c.Clock = clock.Now
	})
	first := h.token()
	clock.Advance(10 * time.Minute)
	res := h.tokenForm(url.Values{"grant_type": {"client_credentials"}}, DemoConsumerKey, DemoConsumerSecret)
	var tr tokenResponse
	res.json(t, &tr)
	if tr.AccessToken != first || tr.ExpiresIn != 3000 {
		t.Fatalf("reuse: got %+v, want the first token with 3000s left", tr)
	}
	clock.Advance(50 * time.Minute)
	if again := h.token(); again == first {
		t.Fatal("an expired token was handed out again")
	}
}

func TestMissingAndBadBearer(t *testing.T) {
	h := newHarness(t, nil)
	for name, hdr := range map[string]map[string]string{
		"none":          nil,
		"basic scheme":  {"Authorization": "Basic abc"},
		"empty bearer":  {"Authorization": "Bearer "},
		"unknown token": {"Authorization": "Bearer 00000000-0000-4000-8000-000000000000"},
	} {
		t.Run(name, func(t *testing.T) {
			res := h.get(PathBusinessDetail, url.Values{"msdn": {h.sim.Demo().MSDN}}, "", hdr)
			wantCode(t, res, http.StatusUnauthorized, CodeAuthenError)
		})
	}
}

func TestRevokeTokens(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	res := h.admin(http.MethodDelete, "/_sim/tokens", "")
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"revoked":1`) {
		t.Fatalf("revoke: %d %s", res.status, res.body)
	}
	wantCode(t, h.get(PathAllCategory, nil, tok, nil), http.StatusUnauthorized, CodeAuthenError)
}

func TestTokenStoreBounded(t *testing.T) {
	clock := newManualClock()
	st := newTokenStore(3, clock.Now)
	var toks []string
	for range 3 {
		tok, _ := st.issue(time.Minute, false)
		toks = append(toks, tok)
	}
	clock.Advance(2 * time.Minute) // all three expire
	st.issue(time.Minute, false)
	if len(st.tokens) != 1 {
		t.Fatalf("expired tokens not evicted: %d left", len(st.tokens))
	}
	for range 5 {
		st.issue(time.Minute, false)
	}
	if len(st.tokens) > 3 {
		t.Fatalf("store grew to %d, bound is 3", len(st.tokens))
	}
	if known, _ := st.check(toks[0]); known {
		t.Fatal("evicted expired token still known")
	}
}
