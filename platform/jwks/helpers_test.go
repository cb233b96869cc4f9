package jwks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://xacthuc.ndxp.gov.vn"
	testAudience = "lgsp-hanoi"
)

// clock is a settable Clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// RSA key generation is slow; the tests share a few keys.
var (
	rsaOnce sync.Once
	rsaKeys []*rsa.PrivateKey
)

func rsaKey(t *testing.T, i int) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		for range 4 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys = append(rsaKeys, k)
		}
	})
	return rsaKeys[i]
}

// issuer plays the national platform: it serves a JWKS over real HTTP and
// signs tokens.
type issuer struct {
	t      *testing.T
	srv    *httptest.Server
	clock  *clock
	status atomic.Int32 // HTTP status to answer; 200 serves the set

	mu    sync.Mutex
	rsa   map[string]*rsa.PrivateKey
	ec    map[string]*ecdsa.PrivateKey
	order []string
	extra []any // further JWKs served as they are
	raw   []byte

	fetches atomic.Int64
	fetched chan struct{} // one value per fetch, dropped when full
}

func newIssuer(t *testing.T, c *clock) *issuer {
	t.Helper()
	iss := &issuer{t: t, clock: c, rsa: map[string]*rsa.PrivateKey{}, ec: map[string]*ecdsa.PrivateKey{},
		fetched: make(chan struct{}, 1024)}
	iss.status.Store(http.StatusOK)
	iss.srv = httptest.NewServer(http.HandlerFunc(iss.serve))
	t.Cleanup(iss.srv.Close)
	iss.addRSA("k1", 0)
	return iss
}

func (iss *issuer) serve(w http.ResponseWriter, r *http.Request) {
	iss.fetches.Add(1)
	select {
	case iss.fetched <- struct{}{}:
	default:
	}
	if st := int(iss.status.Load()); st != http.StatusOK {
		http.Error(w, "down", st)
		return
	}
	iss.mu.Lock()
	body := iss.raw
	if body == nil {
		body = iss.document()
	}
	iss.mu.Unlock()
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_, _ = w.Write(body)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
}

// document must be called with mu held.
func (iss *issuer) document() []byte {
	var keys []any
	for _, kid := range iss.order {
		if k, ok := iss.rsa[kid]; ok {
			keys = append(keys, rsaJWK(kid, &k.PublicKey))
		} else {
			k := iss.ec[kid]
			keys = append(keys, map[string]any{"kty": "EC", "crv": "P-256", "use": "sig", "kid": kid,
				"x": b64(k.X.FillBytes(make([]byte, 32))), "y": b64(k.Y.FillBytes(make([]byte, 32)))})
		}
	}
	keys = append(keys, iss.extra...)
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return b
}

func (iss *issuer) addRSA(kid string, i int) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.rsa[kid] = rsaKey(iss.t, i)
	iss.order = append(iss.order, kid)
}

func (iss *issuer) addEC(kid string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		iss.t.Fatal(err)
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.ec[kid] = k
	iss.order = append(iss.order, kid)
}

// claims are a valid token's claims at the issuer's clock, with changes.
func (iss *issuer) claims(changes map[string]any) jwt.MapClaims {
	now := iss.clock.Now()
	c := jwt.MapClaims{
		"iss": testIssuer, "aud": []string{testAudience}, "sub": "000.00.00.H26",
		"client_id": "dvc-hanoi", "jti": "t-1",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// sign signs claims with the key kid names; changes alter the claims.
func (iss *issuer) sign(kid string, changes map[string]any) string {
	iss.t.Helper()
	iss.mu.Lock()
	rk, ec := iss.rsa[kid], iss.ec[kid]
	iss.mu.Unlock()
	var tok *jwt.Token
	var key any
	switch {
	case rk != nil:
		tok, key = jwt.NewWithClaims(jwt.SigningMethodRS256, iss.claims(changes)), rk
	case ec != nil:
		tok, key = jwt.NewWithClaims(jwt.SigningMethodES256, iss.claims(changes)), ec
	default:
		// A kid the issuer does not publish, signed with its first key.
		tok, key = jwt.NewWithClaims(jwt.SigningMethodRS256, iss.claims(changes)), rsaKey(iss.t, 0)
	}
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		iss.t.Fatal(err)
	}
	return s
}

func (iss *issuer) waitFetch(t *testing.T) {
	t.Helper()
	select {
	case <-iss.fetched:
	case <-time.After(30 * time.Second):
		t.Fatal("no fetch of the key set")
	}
}

// setup returns a key set and a verifier over iss, with the key set
// loaded once.
func setup(t *testing.T, iss *issuer, opts Options) (*KeySet, *Verifier) {
	t.Helper()
	if opts.URL == "" {
		opts.URL = iss.srv.URL + "/.well-known/jwks.json"
	}
	opts.Clock = iss.clock.Now
	ks, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(ks, testIssuer, []string{"other", testAudience}, 30*time.Second, iss.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return ks, v
}

func mustVerify(t *testing.T, v *Verifier, token string) Claims {
	t.Helper()
	c, err := v.Verify(t.Context(), token)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return c
}

func fetchesNow(iss *issuer) string { return fmt.Sprint(iss.fetches.Load()) }

// rsaSmall is a 1024-bit key, below MinRSABits.
func rsaSmall() (*rsa.PublicKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		return nil, err
	}
	return &k.PublicKey, nil
}
