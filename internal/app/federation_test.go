package app_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestFederatedIssuer runs the dev platform and federates it with a
// national issuer the test plays (its JWKS on a real HTTP server): an
// admin registers the national platform's application, subscribes it to
// the demo API and trusts the issuer, all over the admin REST API; the
// issuer's RS256 token then calls the demo API through the gateway.
func TestFederatedIssuer(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwksDoc, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "ngsp-2026",
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	national := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(jwksDoc)
	}))
	defer national.Close()
	const iss, aud = "https://ngsp.gov.vn/oauth2/token", "lgsp-tinh-demo"
	token := func(claims jwt.MapClaims) string {
		c := jwt.MapClaims{"iss": iss, "aud": aud, "client_id": "ngsp-lienthong", "iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix()}
		for k, v := range claims {
			c[k] = v
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
		tok.Header["kid"] = "ngsp-2026"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	a, stop := startDev(t, t.TempDir())
	defer stop()
	waitReady(t, a.Info.GatewayURL)
	waitReady(t, a.Info.AdminURL)

	login, _ := http.NewRequest(http.MethodPost, a.Info.AdminURL+"/admin/v1/auth/login",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, a.Info.AdminPassword)))
	var session struct {
		SessionToken string `json:"sessionToken"`
	}
	doJSON(t, login, http.StatusOK, &session)
	admin := func(method, path, body string, out any) {
		t.Helper()
		req, _ := http.NewRequest(method, a.Info.AdminURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+session.SessionToken)
		req.Header.Set("Content-Type", "application/json")
		doJSON(t, req, http.StatusOK, out)
	}

	// The demo API, and an application standing for the national platform.
	var apis struct {
		Apis []struct{ ID string } `json:"apis"`
	}
	admin("GET", "/admin/v1/apis?context=apiCSDLDKDN", "", &apis)
	if len(apis.Apis) != 1 {
		t.Fatalf("demo API: %+v", apis)
	}
	var app struct {
		Application struct{ ID string } `json:"application"`
	}
	admin("POST", "/admin/v1/applications", `{"name":"NGSP - liên thông quốc gia","agencyCode":"000.00.00.H30"}`, &app)
	var sub struct {
		Subscription struct{ ID string } `json:"subscription"`
	}
	admin("POST", "/admin/v1/subscriptions", fmt.Sprintf(`{"applicationId":%q,"apiId":%q,"tier":"Demo"}`, app.Application.ID, apis.Apis[0].ID), &sub)
	admin("POST", "/admin/v1/subscriptions/"+sub.Subscription.ID+":approve", `{"reason":"liên thông NGSP"}`, nil)
	var ti struct {
		TrustedIssuer struct {
			ID string `json:"id"`
		} `json:"trustedIssuer"`
	}
	admin("POST", "/admin/v1/trusted-issuers", fmt.Sprintf(`{"name":"NGSP","issuer":%q,"jwksUrl":%q,"allowHttp":true,
		"audiences":[%q],"applicationId":%q,"requiredClaims":{"client_id":"ngsp-lienthong"},"leewaySeconds":30}`,
		iss, national.URL+"/jwks", aud, app.Application.ID), &ti)
	if ti.TrustedIssuer.ID == "" {
		t.Fatal("no trusted issuer id")
	}

	call := func(tok string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, a.Info.GatewayURL+a.Info.DemoAPIPath, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct {
			Code string `json:"code"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Code
	}
	// The gateway learns of the issuer from the registry's change events.
	tok := token(nil)
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, code := call(tok)
		if st == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("federated call through the gateway: %d %s", st, code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range []struct {
		name   string
		claims jwt.MapClaims
		code   string
	}{
		{"wrong audience", jwt.MapClaims{"aud": "another-province"}, "invalid_token_audience"},
		{"expired", jwt.MapClaims{"exp": time.Now().Add(-time.Hour).Unix(), "iat": time.Now().Add(-2 * time.Hour).Unix()}, "token_expired"},
		{"unknown issuer", jwt.MapClaims{"iss": "https://stranger.example"}, "invalid_token"},
		{"another client", jwt.MapClaims{"client_id": "someone-else"}, "invalid_token"},
	} {
		if st, code := call(token(c.claims)); st != http.StatusUnauthorized || code != c.code {
			t.Errorf("%s: %d %q, want 401 %q", c.name, st, code, c.code)
		}
	}

	// Disabled over REST: its tokens are refused once the gateway reloads.
	admin("PATCH", "/admin/v1/trusted-issuers/"+url.PathEscape(ti.TrustedIssuer.ID), `{"disabled":true}`, nil)
	fresh := token(jwt.MapClaims{"jti": "after-disable"})
	deadline = time.Now().Add(15 * time.Second)
	for {
		st, code := call(fresh)
		if st == http.StatusUnauthorized && code == "invalid_token" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("disabled issuer's token: %d %s", st, code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
