package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// nationalIssuer plays the national platform: a real HTTP server serving
// its JWKS, and RS256 tokens signed with its current key.
type nationalIssuer struct {
	t      testing.TB
	srv    *httptest.Server
	iss    string
	mu     sync.Mutex
	keys   map[string]*rsa.PrivateKey // published
	kid    string                     // signs
	seq    int
	down   atomic.Bool
	served atomic.Int64 // JWKS documents served
}

// rsaKeys are generated once per test binary: 2048-bit generation is slow.
var (
	rsaKeysOnce sync.Once
	rsaKeys     []*rsa.PrivateKey
)

func testRSAKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	rsaKeysOnce.Do(func() {
		for range 3 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys = append(rsaKeys, k)
		}
	})
	return rsaKeys[i%len(rsaKeys)]
}

func startNationalIssuer(t testing.TB) *nationalIssuer {
	t.Helper()
	n := &nationalIssuer{t: t, keys: map[string]*rsa.PrivateKey{}}
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		n.served.Add(1)
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(n.jwks())
	}))
	t.Cleanup(n.srv.Close)
	n.iss = "https://ngsp.gov.vn/oauth2/token"
	n.rotate()
	return n
}

func (n *nationalIssuer) jwksURL() string { return n.srv.URL + "/oauth2/jwks" }

// rotate publishes a new key, signs with it from now on, and withdraws the
// previous ones.
func (n *nationalIssuer) rotate() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seq++
	n.kid = "ngsp-" + strconv.Itoa(n.seq)
	n.keys = map[string]*rsa.PrivateKey{n.kid: testRSAKey(n.t, n.seq)}
	return n.kid
}

func (n *nationalIssuer) jwks() []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	for kid, k := range n.keys {
		doc.Keys = append(doc.Keys, map[string]string{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
			"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
		})
	}
	b, _ := json.Marshal(doc)
	return b
}

// token signs claims over the defaults (iss, aud, client_id, iat, exp in
// ten minutes); a nil value removes a default.
func (n *nationalIssuer) token(claims map[string]any) string {
	n.t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": n.iss, "aud": "lgsp-tinh-x", "client_id": "lgsp-tinh-x", "sub": "ngsp",
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": strconv.FormatInt(now.UnixNano(), 36)}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	n.mu.Lock()
	kid, key := n.kid, n.keys[n.kid]
	n.mu.Unlock()
	return signRS256(n.t, key, kid, c)
}

func signRS256(t testing.TB, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// federation is a gateway harness with a national issuer trusted for the
// application ngspApp, which is subscribed to the harness's API. The
// gateway runs on clock, which tests move forward instead of waiting.
type federation struct {
	*harness
	up      *upstream
	nat     *nationalIssuer
	clock   *settableClock
	ngspApp *registryv1.Application
	trusted *registryv1.TrustedIssuer
}

// advance moves the gateway's clock, past the JWKS refetch gap or the
// verified-token recheck.
func (f *federation) advance(d time.Duration) { f.clock.offset.Add(int64(d)) }

// keys is the gateway's key set of the trusted issuer.
func (f *federation) keys() *fedKeys {
	f.gw.reloadMu.Lock()
	defer f.gw.reloadMu.Unlock()
	return f.gw.fedKeys[f.trusted.GetId()]
}

// refused checks a refusal of the gateway.
func (f *federation) refused(name string, r result, status int, code string) {
	f.t.Helper()
	if r.status != status || r.err.Code != code || r.err.MessageVI == "" || r.header.Get(hdrError) != "gateway" {
		f.t.Fatalf("%s: got %d %q (%s), want %d %q", name, r.status, r.err.Code, r.body, status, code)
	}
}

const fedPath = "/apiCSDLDKDN/1.0/chiTietDoanhNghiep"

func startFederation(t *testing.T, tweak func(*Config)) *federation {
	t.Helper()
	f := &federation{up: startUpstream(t), nat: startNationalIssuer(t), clock: &settableClock{}}
	f.harness = startGatewayWith(t, f.up.url, setup{tweak: tweak, opts: []Option{WithClock(f.clock.now)}})
	f.ngspApp = f.reg.Application(agencyOK)
	f.reg.Subscribe(f.ngspApp.GetId(), f.w.api1.GetId(), "gold")
	f.trusted = f.reg.TrustedIssuer(&registryv1.TrustedIssuer{Name: "NGSP", Issuer: f.nat.iss, JwksUrl: f.nat.jwksURL(), AllowHttp: true,
		Audiences: []string{"lgsp-tinh-x"}, ApplicationId: f.ngspApp.GetId(), RequiredClaims: map[string]string{"client_id": "lgsp-tinh-x"}, LeewaySeconds: 5})
	f.reload()
	return f
}

// TestFederatedTokens: a token of the trusted national issuer calls a
// provincial API as the mapped application, and is metered to it; tokens
// that are not right are refused 401 with the gateway's codes.
func TestFederatedTokens(t *testing.T) {
	f := startFederation(t, nil)
	before := f.up.hits.Load()
	tok := f.nat.token(nil)
	for range 3 {
		if r := f.do("GET", fedPath, bearer(tok), ""); r.status != 200 {
			t.Fatalf("federated call: %d %s", r.status, r.body)
		}
	}
	if got := f.up.hits.Load() - before; got != 3 {
		t.Fatalf("upstream got %d calls, want 3", got)
	}
	// The token is not forwarded: the upstream never sees the national
	// platform's credential.
	if a := f.up.lastRequest().Header.Peek("Authorization"); len(a) != 0 {
		t.Fatalf("upstream received Authorization %q", a)
	}
	// Verified once, then served from the cache; one JWKS fetch.
	if n := f.nat.served.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times, want 1", n)
	}

	// Refusals, each with its stable code.
	other := startNationalIssuer(t)
	other.iss = "https://stranger.example"
	for _, c := range []struct {
		name, tok string
		status    int
		code      string
	}{
		{"unknown issuer", other.token(nil), 401, "invalid_token"},
		{"trusted iss and kid, another key", signRS256(t, testRSAKey(t, 0), f.nat.kid, jwt.MapClaims{"iss": f.nat.iss, "aud": "lgsp-tinh-x",
			"client_id": "lgsp-tinh-x", "exp": time.Now().Add(time.Hour).Unix()}), 401, "invalid_token"},
		{"trusted iss, unknown kid", signRS256(t, testRSAKey(t, 0), "forged", jwt.MapClaims{"iss": f.nat.iss, "aud": "lgsp-tinh-x",
			"client_id": "lgsp-tinh-x", "exp": time.Now().Add(time.Hour).Unix()}), 401, "invalid_token"},
		{"wrong audience", f.nat.token(map[string]any{"aud": "another-province"}), 401, "invalid_token_audience"},
		{"expired", f.nat.token(map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "iat": time.Now().Add(-2 * time.Hour).Unix()}), 401, "token_expired"},
		{"no expiry", f.nat.token(map[string]any{"exp": nil}), 401, "token_expired"},
		{"not yet valid", f.nat.token(map[string]any{"nbf": time.Now().Add(time.Hour).Unix()}), 401, "invalid_token"},
		{"required claim missing", f.nat.token(map[string]any{"client_id": nil}), 401, "invalid_token"},
		{"required claim different", f.nat.token(map[string]any{"client_id": "someone-else"}), 401, "invalid_token"},
		{"tampered payload", tamper(f.nat.token(nil)), 401, "invalid_token"},
		{"alg none", noneToken(f.nat.iss), 401, "invalid_token"},
	} {
		f.refused(c.name, f.do("GET", fedPath, bearer(c.tok), ""), c.status, c.code)
	}

	// Calls are metered to the mapped application and its agency.
	waitFor(t, 5*time.Second, "metering events of the federated calls", func() bool {
		n := 0
		for _, e := range streamEvents(t, f.harness) {
			if e.ApplicationId == f.ngspApp.GetId() && e.Status == 200 {
				n++
			}
		}
		return n == 3
	})
	for _, e := range streamEvents(t, f.harness) {
		if e.ApplicationId == f.ngspApp.GetId() && e.AgencyCode != agencyOK {
			t.Fatalf("federated call metered to agency %q: %v", e.AgencyCode, e)
		}
	}
}

// tamper changes the payload of a signed token (its sub) and keeps the
// signature.
func tamper(tok string) string {
	parts := splitToken(tok)
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	m["sub"] = "somebody-else"
	b, _ := json.Marshal(m)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

func splitToken(tok string) [3]string {
	var out [3]string
	i := 0
	start := 0
	for j := 0; j < len(tok) && i < 2; j++ {
		if tok[j] == '.' {
			out[i] = tok[start:j]
			i++
			start = j + 1
		}
	}
	rest := tok[start:]
	out[2] = rest
	return out
}

func noneToken(iss string) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"ngsp-1"}`))
	p, _ := json.Marshal(map[string]any{"iss": iss, "aud": "lgsp-tinh-x", "client_id": "lgsp-tinh-x", "exp": time.Now().Add(time.Hour).Unix()})
	return h + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}

// TestFederatedAppRules: the mapped application's subscriptions and state
// apply as to any credential of it.
func TestFederatedAppRules(t *testing.T) {
	f := startFederation(t, nil)
	// No subscription to the API: refused as for other credentials.
	f.reg.UpdateTrustedIssuer(&registryv1.TrustedIssuer{Id: f.trusted.GetId(), ApplicationId: f.w.apps["nosub"].GetId()}, "application_id")
	f.reload()
	f.expectError(f.do("GET", fedPath, bearer(f.nat.token(nil)), ""), 403, "no_subscription")
	// A suspended application.
	f.reg.UpdateTrustedIssuer(&registryv1.TrustedIssuer{Id: f.trusted.GetId(), ApplicationId: f.w.apps["off"].GetId()}, "application_id")
	f.reload()
	f.expectError(f.do("GET", fedPath, bearer(f.nat.token(nil)), ""), 403, "application_suspended")
	// Back to ngspApp: served.
	f.reg.UpdateTrustedIssuer(&registryv1.TrustedIssuer{Id: f.trusted.GetId(), ApplicationId: f.ngspApp.GetId()}, "application_id")
	f.reload()
	tok := f.nat.token(nil)
	if r := f.do("GET", fedPath, bearer(tok), ""); r.status != 200 {
		t.Fatalf("after mapping back: %d %s", r.status, r.body)
	}
	// The API accepts API keys only: a bearer token of any issuer is not
	// an accepted credential type.
	f.updateAPI1(&registryv1.Api{Id: f.w.api1.GetId(), AuthMethods: []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_API_KEY}}, "auth_methods")
	f.expectError(f.do("GET", fedPath, bearer(tok), ""), 401, "auth_method_not_allowed")
	f.updateAPI1(&registryv1.Api{Id: f.w.api1.GetId(), AuthMethods: []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_JWT}}, "auth_methods")

	// Disabling the issuer refuses its tokens, cached ones included.
	f.reg.UpdateTrustedIssuer(&registryv1.TrustedIssuer{Id: f.trusted.GetId(), Disabled: true}, "disabled")
	f.reload()
	f.expectError(f.do("GET", fedPath, bearer(tok), ""), 401, "invalid_token")
	f.reg.UpdateTrustedIssuer(&registryv1.TrustedIssuer{Id: f.trusted.GetId(), Disabled: false}, "disabled")
	f.reload()
	if r := f.do("GET", fedPath, bearer(tok), ""); r.status != 200 {
		t.Fatalf("enabled again: %d %s", r.status, r.body)
	}
	// A changed audience invalidates tokens verified under the old one.
	f.reg.UpdateTrustedIssuer(&registryv1.TrustedIssuer{Id: f.trusted.GetId(), Audiences: []string{"lgsp-moi"}}, "audiences")
	f.reload()
	f.expectError(f.do("GET", fedPath, bearer(tok), ""), 401, "invalid_token_audience")

	// Platform tokens are unaffected by federation.
	if r := f.do("GET", fedPath, f.w.bearerOf("app1"), ""); r.status != 200 {
		t.Fatalf("platform token: %d %s", r.status, r.body)
	}
}

// TestFederatedKeyRotation: the issuer rotates to a new key; the first
// token naming it makes the gateway refetch the JWKS, and a token of the
// withdrawn key stops being accepted once it is verified again.
func TestFederatedKeyRotation(t *testing.T) {
	f := startFederation(t, nil)
	old := f.nat.token(nil)
	if r := f.do("GET", fedPath, bearer(old), ""); r.status != 200 {
		t.Fatalf("before rotation: %d %s", r.status, r.body)
	}
	fetches := f.nat.served.Load()
	f.nat.rotate()
	fresh := f.nat.token(nil)
	// Within the refetch gap an unknown kid is not fetched for.
	f.refused("new key within the refetch gap", f.do("GET", fedPath, bearer(fresh), ""), 401, "invalid_token")
	f.advance(DefaultConfig().FederationJWKSMinGap + time.Second)
	if r := f.do("GET", fedPath, bearer(fresh), ""); r.status != 200 {
		t.Fatalf("token of the new key: %d %s", r.status, r.body)
	}
	if n := f.nat.served.Load(); n != fetches+1 {
		t.Fatalf("JWKS fetched %d more times, want 1", n-fetches)
	}
	// The old token is cached as verified until fedRecheck; then it is
	// verified against the new set, which no longer has its key.
	if r := f.do("GET", fedPath, bearer(old), ""); r.status != 200 {
		t.Fatalf("cached token of the old key: %d %s", r.status, r.body)
	}
	f.advance(fedRecheck + time.Second)
	f.refused("token of the withdrawn key", f.do("GET", fedPath, bearer(old), ""), 401, "invalid_token")
	if r := f.do("GET", fedPath, bearer(fresh), ""); r.status != 200 {
		t.Fatalf("token of the new key after the recheck: %d %s", r.status, r.body)
	}
}

// TestFederatedIssuerOutage: with keys cached, the JWKS endpoint going down
// changes nothing for tokens of those keys (until max stale); a gateway
// that never obtained the keys answers 503 with Retry-After, and serves
// once the issuer is back.
func TestFederatedIssuerOutage(t *testing.T) {
	gap := DefaultConfig().FederationJWKSMinGap + time.Second
	t.Run("down after keys were cached", func(t *testing.T) {
		f := startFederation(t, nil)
		first := f.nat.kid
		if r := f.do("GET", fedPath, bearer(f.nat.token(nil)), ""); r.status != 200 {
			t.Fatalf("before the outage: %d %s", r.status, r.body)
		}
		f.nat.down.Store(true)
		if err := f.keys().ks.Refresh(context.Background()); err == nil {
			t.Fatal("refresh succeeded while the issuer is down")
		}
		// New tokens (not in the verified cache) of the cached key, and a
		// cached one past its recheck.
		for i, d := range []time.Duration{0, gap, fedRecheck + time.Second} {
			f.advance(d)
			if r := f.do("GET", fedPath, bearer(f.nat.token(map[string]any{"jti": "outage-" + strconv.Itoa(i)})), ""); r.status != 200 {
				t.Fatalf("during the outage (%d): %d %s", i, r.status, r.body)
			}
		}
		// A key the cache does not hold cannot be checked while the issuer
		// is down: 503, not 401.
		firstKey := testRSAKey(t, 1)
		f.nat.rotate()
		f.advance(gap)
		f.refused("unknown key while the issuer is down", f.do("GET", fedPath, bearer(f.nat.token(nil)), ""), 503, "issuer_keys_unavailable")
		// Past max stale the cached keys no longer serve.
		f.advance(DefaultConfig().FederationJWKSMaxStale)
		stale := signRS256(t, firstKey, first, jwt.MapClaims{"iss": f.nat.iss, "aud": "lgsp-tinh-x", "client_id": "lgsp-tinh-x",
			"exp": f.clock.now().Add(time.Hour).Unix()})
		f.refused("past max stale", f.do("GET", fedPath, bearer(stale), ""), 503, "issuer_keys_unavailable")
	})
	t.Run("down from the start", func(t *testing.T) {
		f := startFederation(t, nil)
		f.nat.down.Store(true)
		// A new JWKS URL: a key set that has never been fetched.
		f.reg.UpdateTrustedIssuer(&registryv1.TrustedIssuer{Id: f.trusted.GetId(), JwksUrl: f.nat.jwksURL() + "?v=2"}, "jwks_url")
		f.reload()
		if f.keys().ks.Status().Keys != 0 {
			t.Fatal("the new key set has keys")
		}
		r := f.do("GET", fedPath, bearer(f.nat.token(nil)), "")
		f.refused("keys never obtained", r, 503, "issuer_keys_unavailable")
		if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra != int(DefaultConfig().FederationJWKSMinGap/time.Second) {
			t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
		}
		f.nat.down.Store(false)
		f.advance(gap)
		if r := f.do("GET", fedPath, bearer(f.nat.token(nil)), ""); r.status != 200 {
			t.Fatalf("the issuer is back: %d %s", r.status, r.body)
		}
	})
}

// TestFederatedKeySetLifecycle: reloads keep the key set (no refetch), a
// removed issuer's refresh loop stops, and stopping the gateway stops them
// all.
func TestFederatedKeySetLifecycle(t *testing.T) {
	f := startFederation(t, nil)
	if r := f.do("GET", fedPath, bearer(f.nat.token(nil)), ""); r.status != 200 {
		t.Fatalf("call: %d %s", r.status, r.body)
	}
	fetches := f.nat.served.Load()
	ks := f.keys()
	if ks == nil || ks.done == nil {
		t.Fatal("the key set's refresh loop does not run")
	}
	// Unrelated registry changes, and settings changes other than the
	// URL, keep the same key set.
	f.reg.Tier("silver", 10, 10, 0)
	f.reload()
	f.reg.UpdateTrustedIssuer(&registryv1.TrustedIssuer{Id: f.trusted.GetId(), LeewaySeconds: 10}, "leeway_seconds")
	f.reload()
	if f.keys() != ks {
		t.Fatal("a reload replaced the key set")
	}
	if r := f.do("GET", fedPath, bearer(f.nat.token(map[string]any{"jti": "after-reloads"})), ""); r.status != 200 {
		t.Fatalf("after reloads: %d %s", r.status, r.body)
	}
	if n := f.nat.served.Load(); n != fetches {
		t.Fatalf("reloads refetched the JWKS (%d fetches, want %d)", n, fetches)
	}

	// Removing the issuer stops its loop; its tokens are refused.
	f.reg.DeleteTrustedIssuer(f.trusted.GetId())
	f.reload()
	if f.keys() != nil {
		t.Fatal("the removed issuer's key set is still held")
	}
	select {
	case <-ks.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the removed issuer's refresh loop did not end")
	}
	f.refused("removed issuer", f.do("GET", fedPath, bearer(f.nat.token(nil)), ""), 401, "invalid_token")

	// Stopping the gateway ends every refresh loop before RunListener
	// returns.
	f.trusted = f.reg.TrustedIssuer(&registryv1.TrustedIssuer{Issuer: f.nat.iss, JwksUrl: f.nat.jwksURL(), AllowHttp: true,
		Audiences: []string{"lgsp-tinh-x"}, ApplicationId: f.ngspApp.GetId()})
	f.reload()
	running := f.keys()
	if running == nil || running.done == nil {
		t.Fatal("the new issuer's key set does not run")
	}
	f.stop()
	select {
	case <-running.done:
	default:
		t.Fatal("a refresh loop still runs after the gateway stopped")
	}
}
