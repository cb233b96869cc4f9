package jwks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestValidTokenVerifies(t *testing.T) {
	iss := newIssuer(t, newClock())
	_, v := setup(t, iss, Options{})
	c := mustVerify(t, v, iss.sign("k1", nil))
	if c.Subject != "000.00.00.H26" || c.ClientID != "dvc-hanoi" || c.Issuer != testIssuer || c.Raw["jti"] != "t-1" {
		t.Fatalf("claims %+v", c)
	}
	// The second token is served from the cache.
	mustVerify(t, v, iss.sign("k1", map[string]any{"client_id": nil, "azp": "portal"}))
	if n := iss.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}

func TestClientIDFromAzp(t *testing.T) {
	iss := newIssuer(t, newClock())
	_, v := setup(t, iss, Options{})
	c := mustVerify(t, v, iss.sign("k1", map[string]any{"client_id": nil, "azp": "portal"}))
	if c.ClientID != "portal" || c.AuthorizedParty != "portal" {
		t.Fatalf("claims %+v", c)
	}
}

func TestRotationFetchesOnce(t *testing.T) {
	clk := newClock()
	iss := newIssuer(t, clk)
	ks, v := setup(t, iss, Options{})
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(DefaultMinRefreshGap)
	iss.addRSA("k2", 1)
	mustVerify(t, v, iss.sign("k2", nil))
	mustVerify(t, v, iss.sign("k2", nil))
	mustVerify(t, v, iss.sign("k1", nil))
	if got := fetchesNow(iss); got != "2" {
		t.Fatalf("%s fetches, want 2 (initial and rotation)", got)
	}
}

func TestConcurrentNewKidSharesOneFetch(t *testing.T) {
	clk := newClock()
	iss := newIssuer(t, clk)
	ks, v := setup(t, iss, Options{})
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	iss.addRSA("k2", 1)
	token := iss.sign("k2", nil)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := v.Verify(t.Context(), token); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := fetchesNow(iss); got != "2" {
		t.Fatalf("%s fetches, want 2 (initial and one for 50 callers)", got)
	}
}

func TestEndpointDownServesKnownKidsUntilMaxStale(t *testing.T) {
	for _, how := range []string{"500", "closed"} {
		t.Run(how, func(t *testing.T) {
			clk := newClock()
			iss := newIssuer(t, clk)
			ks, v := setup(t, iss, Options{MaxStale: 6 * time.Hour})
			if err := ks.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			if how == "500" {
				iss.status.Store(http.StatusInternalServerError)
			} else {
				iss.srv.Close()
			}
			if err := ks.Refresh(t.Context()); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("refresh while down: %v", err)
			}
			clk.Advance(6*time.Hour - time.Minute)
			mustVerify(t, v, iss.sign("k1", nil))
			if st := ks.Status(); st.Stale || st.LastError == nil || st.Keys != 1 {
				t.Fatalf("status %+v", st)
			}

			clk.Advance(2 * time.Minute)
			_, err := v.Verify(t.Context(), iss.sign("k1", nil))
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("after MaxStale: %v, want ErrUnavailable", err)
			}
			if !ks.Status().Stale {
				t.Fatal("status not stale")
			}
		})
	}
}

func TestRecoveryAfterOutage(t *testing.T) {
	clk := newClock()
	iss := newIssuer(t, clk)
	ks, v := setup(t, iss, Options{MaxStale: 2 * time.Hour})
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	iss.status.Store(http.StatusServiceUnavailable)
	clk.Advance(3 * time.Hour)
	if _, err := v.Verify(t.Context(), iss.sign("k1", nil)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
	iss.status.Store(http.StatusOK)
	// Within the gap the failed fetch is not repeated.
	if _, err := v.Verify(t.Context(), iss.sign("k1", nil)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
	clk.Advance(DefaultMinRefreshGap)
	mustVerify(t, v, iss.sign("k1", nil))
	if st := ks.Status(); st.LastError != nil || st.Stale {
		t.Fatalf("status %+v", st)
	}
}

func TestUnknownKidWhileDownIsUnavailable(t *testing.T) {
	clk := newClock()
	iss := newIssuer(t, clk)
	ks, v := setup(t, iss, Options{})
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	iss.status.Store(http.StatusInternalServerError)
	clk.Advance(time.Minute)
	_, err := v.Verify(t.Context(), iss.sign("k9", nil))
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "key set unavailable") {
		t.Fatalf("got %v, want key set unavailable", err)
	}
	// The known kid still verifies.
	mustVerify(t, v, iss.sign("k1", nil))
}

func TestMinRefreshGapLimitsUnknownKidFetches(t *testing.T) {
	clk := newClock()
	iss := newIssuer(t, clk)
	ks, v := setup(t, iss, Options{MinRefreshGap: 10 * time.Second})
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		clk.Advance(10 * time.Second)
		for i := range 20 {
			_, err := v.Verify(t.Context(), iss.sign("made-up-"+string(rune('a'+i)), nil))
			if !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("round %d: %v, want ErrUnknownKey", round, err)
			}
			clk.Advance(100 * time.Millisecond)
		}
		if got, want := iss.fetches.Load(), int64(round+2); got != want {
			t.Fatalf("round %d: %d fetches, want %d", round, got, want)
		}
	}
	// A forced refresh ignores the gap.
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := iss.fetches.Load(); got != 5 {
		t.Fatalf("%d fetches, want 5", got)
	}
}

func TestFirstKeyFetches(t *testing.T) {
	iss := newIssuer(t, newClock())
	ks, _ := setup(t, iss, Options{})
	k, err := ks.Key(t.Context(), "k1")
	if err != nil || k == nil {
		t.Fatalf("key %v, %v", k, err)
	}
	if _, err := ks.Key(t.Context(), "nope"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("got %v", err)
	}
}

func TestUnusableKeysAreSkipped(t *testing.T) {
	iss := newIssuer(t, newClock())
	small, err := rsaSmall()
	if err != nil {
		t.Fatal(err)
	}
	iss.mu.Lock()
	iss.extra = []any{
		map[string]any{"kty": "oct", "kid": "h1", "k": "c2VjcmV0"},
		map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "o1", "x": "AAAA"},
		func() map[string]any { j := rsaJWK("enc1", &rsaKey(t, 1).PublicKey); j["use"] = "enc"; return j }(),
		func() map[string]any { j := rsaJWK("ps1", &rsaKey(t, 1).PublicKey); j["alg"] = "PS256"; return j }(),
		map[string]any{"kty": "RSA", "kid": "bad", "n": "!!", "e": "AQAB"},
		rsaJWK("small", small),
		map[string]any{"kty": "EC", "crv": "P-256", "kid": "off", "x": b64(make([]byte, 32)), "y": b64(make([]byte, 32))},
		map[string]any{"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"},
		"not an object",
		rsaJWK("", &rsaKey(t, 1).PublicKey),
	}
	iss.mu.Unlock()
	iss.addEC("e1")
	ks, v := setup(t, iss, Options{})
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := ks.Status().Keys; n != 2 {
		t.Fatalf("%d keys, want 2 (k1, e1)", n)
	}
	mustVerify(t, v, iss.sign("k1", nil))
	mustVerify(t, v, iss.sign("e1", nil))
}

func TestNoUsableKeyIsRefused(t *testing.T) {
	clk := newClock()
	iss := newIssuer(t, clk)
	iss.mu.Lock()
	iss.raw = []byte(`{"keys":[{"kty":"oct","kid":"h1","k":"c2VjcmV0"},{"kty":"RSA","kid":"x","use":"enc","n":"AQAB","e":"AQAB"}]}`)
	iss.mu.Unlock()
	ks, v := setup(t, iss, Options{})
	err := ks.Refresh(t.Context())
	if !errors.Is(err, ErrNoUsableKey) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want ErrNoUsableKey", err)
	}
	if _, err := v.Verify(t.Context(), iss.sign("k1", nil)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v", err)
	}

	// A set that turns unusable later does not replace the cached one.
	iss.mu.Lock()
	iss.raw = nil
	iss.mu.Unlock()
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	iss.mu.Lock()
	iss.raw = []byte(`{"keys":[]}`)
	iss.mu.Unlock()
	if err := ks.Refresh(t.Context()); !errors.Is(err, ErrNoUsableKey) {
		t.Fatalf("got %v", err)
	}
	mustVerify(t, v, iss.sign("k1", nil))
}

func TestMalformedAndOversizedSets(t *testing.T) {
	for name, body := range map[string][]byte{
		"not json":  []byte(`<html>`),
		"oversized": []byte(`{"keys":[],"pad":"` + strings.Repeat("a", DefaultMaxBody) + `"}`),
	} {
		t.Run(name, func(t *testing.T) {
			iss := newIssuer(t, newClock())
			iss.raw = body
			ks, _ := setup(t, iss, Options{})
			if err := ks.Refresh(t.Context()); !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNoUsableKey) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	iss := newIssuer(t, newClock())
	// Same host: followed.
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusFound)
	})
	mux.HandleFunc("/new", iss.serve)
	same := httptest.NewServer(mux)
	defer same.Close()
	ks, _ := setup(t, iss, Options{URL: same.URL + "/old"})
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}

	// Another host (the issuer's server has another port): refused.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, iss.srv.URL+"/jwks", http.StatusFound)
	}))
	defer other.Close()
	before := iss.fetches.Load()
	ks, _ = setup(t, iss, Options{URL: other.URL, HTTPClient: &http.Client{}})
	if err := ks.Refresh(t.Context()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("cross-host redirect: %v", err)
	}
	if iss.fetches.Load() != before {
		t.Fatal("the redirect was followed")
	}
}

func TestOptionsValidation(t *testing.T) {
	bad := []Options{
		{},
		{URL: "jwks.json"},
		{URL: "ftp://issuer.gov.vn/jwks"},
		{URL: "http://issuer.gov.vn/jwks"},
		{URL: "https://user:pw@issuer.gov.vn/jwks"},
		{URL: "https://issuer.gov.vn/jwks", Timeout: -time.Second},
		{URL: "https://issuer.gov.vn/jwks", MinRefreshGap: 2 * time.Hour},
		{URL: "https://issuer.gov.vn/jwks", MaxStale: time.Minute},
		{URL: "https://issuer.gov.vn/jwks", MaxBody: -1},
	}
	for _, o := range bad {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		} else if !strings.Contains(err.Error(), " / ") {
			t.Errorf("message not bilingual: %v", err)
		}
	}
	good := []Options{
		{URL: "https://issuer.gov.vn/.well-known/jwks.json"},
		{URL: "http://127.0.0.1:8080/jwks"},
		{URL: "http://[::1]:8080/jwks"},
		{URL: "http://localhost/jwks"},
		{URL: "http://issuer.internal/jwks", AllowHTTP: true},
	}
	for _, o := range good {
		if _, err := New(o); err != nil {
			t.Errorf("New(%+v): %v", o, err)
		}
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	iss := newIssuer(t, newClock())
	ks, v := setup(t, iss, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		ks.Run(ctx)
		close(done)
	}()
	iss.waitFetch(t)
	// Joins Run's fetch, or fetches again if it has ended.
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	mustVerify(t, v, iss.sign("k1", nil))
}

func TestRunRetriesAfterFailure(t *testing.T) {
	iss := newIssuer(t, newClock())
	iss.status.Store(http.StatusInternalServerError)
	// Real time drives Run's timer: keep the gap short. Fetches are
	// counted, not timed.
	ks, _ := setup(t, iss, Options{MinRefreshGap: time.Millisecond, RefreshEvery: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		ks.Run(ctx)
		close(done)
	}()
	iss.waitFetch(t)
	iss.status.Store(http.StatusOK)
	// The retry after the failure waits for the gap on the test clock too.
	iss.clock.Advance(time.Second)
	iss.waitFetch(t)
	// Wait for the retry to finish without starting another fetch.
	ks.mu.Lock()
	c := ks.inflight
	ks.mu.Unlock()
	if c != nil {
		<-c.done
	}
	cancel()
	<-done
	if st := ks.Status(); st.Keys != 1 {
		t.Fatalf("status %+v", st)
	}
}

func TestWaiterLeavesOnItsContext(t *testing.T) {
	clk := newClock()
	iss := newIssuer(t, clk)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		iss.serve(w, r)
	}))
	defer slow.Close()
	defer close(release)
	ks, _ := setup(t, iss, Options{URL: slow.URL})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ks.Key(ctx, "k1"); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}
