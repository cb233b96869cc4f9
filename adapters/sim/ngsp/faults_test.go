package ngsp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestLatencyIsAtLeastConfigured(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{Latency: Duration(120 * time.Millisecond), Jitter: Duration(30 * time.Millisecond)}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	wantCode(t, h.get(PathAllCategory, nil, tok, nil), http.StatusOK, CodeSuccess)
	if took := time.Since(start); took < 120*time.Millisecond {
		t.Fatalf("call took %v, latency knob is 120ms", took)
	}
}

// failurePattern makes n calls and records which ones failed.
func failurePattern(t *testing.T, h *harness, tok string, n int) []int {
	t.Helper()
	var pattern []int
	for i := range n {
		res := h.get(PathAllCategory, nil, tok, nil)
		switch res.status {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			var f gatewayFault
			res.json(t, &f)
			if f.Fault.Code != 101503 {
				t.Fatalf("injected failure body: %s", res.body)
			}
			pattern = append(pattern, i)
		default:
			t.Fatalf("unexpected status %d: %s", res.status, res.body)
		}
	}
	return pattern
}

func TestFailureRateIsDeterministicWithSeed(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	f := Faults{FaultProfile: FaultProfile{FailureRate: 0.3}, Seed: 42}
	if err := h.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	first := failurePattern(t, h, tok, 200)
	if err := h.sim.SetFaults(f); err != nil { // restarts the sequence
		t.Fatal(err)
	}
	second := failurePattern(t, h, tok, 200)
	if len(first) == 0 || len(first) == 200 {
		t.Fatalf("failure rate 0.3 failed %d of 200 calls", len(first))
	}
	// Loose sanity bound: the draw is seeded, so this never flakes.
	if len(first) < 30 || len(first) > 90 {
		t.Errorf("failure rate 0.3 failed %d of 200 calls", len(first))
	}
	if !equalInts(first, second) {
		t.Fatalf("same seed, different failures:\n%v\n%v", first, second)
	}
	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{FailureRate: 0.3}, Seed: 43}); err != nil {
		t.Fatal(err)
	}
	if equalInts(first, failurePattern(t, h, tok, 200)) {
		t.Fatal("different seeds gave the same failure pattern")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFailureStatusAndTokenEndpoint(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{FailureRate: 1, FailureStatus: 500}}); err != nil {
		t.Fatal(err)
	}
	// Faults apply to the token endpoint too: connectors must retry it.
	res := h.tokenForm(url.Values{"grant_type": {"client_credentials"}}, DemoConsumerKey, DemoConsumerSecret)
	var f gatewayFault
	res.json(t, &f)
	if res.status != http.StatusInternalServerError || f.Fault.Code != 101500 {
		t.Fatalf("token under failure: %d %s", res.status, res.body)
	}
}

func TestTimeoutHangsUntilClientGivesUp(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{TimeoutRate: 1, TimeoutMax: Duration(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	req := h.request(http.MethodGet, PathAllCategory, nil, map[string]string{"Authorization": "Bearer " + tok})
	_, err := h.hc.Do(req.WithContext(ctx))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the client to time out, got %v", err)
	}
	// The server sees the client leave and counts it.
	deadline := time.Now().Add(5 * time.Second)
	for h.sim.Stats().Paths[PathAllCategory]["499"] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("client-gone call not counted: %+v", h.sim.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTimeoutMaxAnswers504(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{TimeoutRate: 1, TimeoutMax: Duration(50 * time.Millisecond)}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := h.get(PathAllCategory, nil, tok, nil)
	var f gatewayFault
	res.json(t, &f)
	if res.status != http.StatusGatewayTimeout || f.Fault.Code != 101504 {
		t.Fatalf("hang past max: %d %s", res.status, res.body)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("answered before timeoutMax")
	}
}

func TestCloseReleasesHangingCalls(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{TimeoutRate: 1, TimeoutMax: Duration(10 * time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan response, 1)
	go func() { done <- h.get(PathAllCategory, nil, tok, nil) }()
	// Give the call time to start hanging. Either order ends the same way,
	// so this sleep only makes the test exercise the interesting one.
	time.Sleep(100 * time.Millisecond)
	h.sim.Close()
	select {
	case res := <-done:
		if res.status != http.StatusServiceUnavailable {
			t.Fatalf("released call: %d %s", res.status, res.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not release the hanging call")
	}
}

func TestPerPathOverrides(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()
	f := Faults{Paths: map[string]FaultProfile{
		"/apiCSDLDKDN/*":   {FailureRate: 1},
		PathBusinessSearch: {}, // exact key beats the prefix
		"/dmdc/*":          {FailureRate: 1, FailureStatus: 502},
		PathCategory:       {FailureRate: 1, FailureStatus: 500},
	}}
	if err := h.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	if res := h.get(PathBusinessDetail, url.Values{"msdn": {demo.MSDN}}, tok, nil); res.status != http.StatusServiceUnavailable {
		t.Errorf("prefix override: %d", res.status)
	}
	wantCode(t, h.get(PathBusinessSearch, url.Values{"ten": {"sao mai"}}, tok, nil), http.StatusOK, CodeSuccess)
	if res := h.get(PathAllCategory, nil, tok, nil); res.status != http.StatusBadGateway {
		t.Errorf("second prefix: %d", res.status)
	}
	if res := h.get(PathCategory, url.Values{"ma": {"TINH"}}, tok, nil); res.status != http.StatusInternalServerError {
		t.Errorf("exact over prefix: %d", res.status)
	}
	// Paths without an override use the top-level profile (none here).
	wantCode(t, h.get(PathCitizen, url.Values{"soDinhDanh": {demo.SoDinhDanh}}, tok, personalHeaders), http.StatusOK, CodeSuccess)
}

func TestAdminFaultsEndpoint(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()

	// Authentication of the admin surface.
	for name, hdr := range map[string]map[string]string{
		"none":                    nil,
		"wrong":                   {"Authorization": "Bearer wrong-token-123"},
		"data token is not admin": {"Authorization": "Bearer " + tok},
	} {
		res := h.do(h.request(http.MethodGet, "/_sim/faults", nil, hdr))
		if res.status != http.StatusUnauthorized {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
	res := h.do(h.request(http.MethodGet, "/_sim/faults", nil, map[string]string{"X-Sim-Admin-Token": testAdminToken}))
	if res.status != http.StatusOK {
		t.Fatalf("X-Sim-Admin-Token: %d", res.status)
	}

	body := `{"latency":"5ms","jitter":"2ms","failureRate":0.25,"failureStatus":500,"seed":7,
	          "malformedRate":0.125,"tokenRejectRate":0.0625,
	          "paths":{"/apiCSDLDC/*":{"timeoutRate":0.5,"timeoutMax":"1s"}}}`
	res = h.admin(http.MethodPost, "/_sim/faults", body)
	if res.status != http.StatusOK {
		t.Fatalf("POST faults: %d %s", res.status, res.body)
	}
	got := h.sim.Faults()
	if time.Duration(got.Latency) != 5*time.Millisecond || time.Duration(got.Jitter) != 2*time.Millisecond ||
		got.FailureRate != 0.25 || got.FailureStatus != 500 || got.Seed != 7 ||
		got.MalformedRate != 0.125 || got.TokenRejectRate != 0.0625 ||
		time.Duration(got.Paths["/apiCSDLDC/*"].TimeoutMax) != time.Second {
		t.Fatalf("faults after POST: %+v", got)
	}
	res = h.admin(http.MethodGet, "/_sim/faults", "")
	var echoed map[string]any
	res.json(t, &echoed)
	if echoed["latency"] != "5ms" || echoed["failureRate"] != 0.25 ||
		echoed["malformedRate"] != 0.125 || echoed["tokenRejectRate"] != 0.0625 {
		t.Errorf("GET faults: %s", res.body)
	}

	for _, bad := range []string{
		`{"failureRate":1.5}`,
		`{"failureRate":0.6,"timeoutRate":0.6}`,
		`{"failureStatus":404,"failureRate":0.1}`,
		`{"latency":"-1s"}`,
		`{"latency":"1h"}`,
		`{"latency":"soon"}`,
		`{"paths":{"noslash":{}}}`,
		`{"paths":{"/a*b":{}}}`,
		`{"failureRat":0.1}`,
		`{"malformedRate":1.5}`,
		`{"failureRate":0.5,"timeoutRate":0.3,"malformedRate":0.3}`,
		`{"tokenRejectRate":-0.1}`,
		`{"paths":{"/dmdc/*":{"tokenRejectRate":2}}}`,
		`not json`,
	} {
		res := h.admin(http.MethodPost, "/_sim/faults", bad)
		var e adminError
		res.json(t, &e)
		if res.status != http.StatusBadRequest || e.Message == "" || e.MessageVI == "" {
			t.Errorf("%s: %d %s", bad, res.status, res.body)
		}
	}
	// A rejected change leaves the knobs alone.
	if h.sim.Faults().Seed != 7 {
		t.Error("a rejected POST changed the knobs")
	}
	if res := h.admin(http.MethodPut, "/_sim/faults", "{}"); res.status != http.StatusMethodNotAllowed {
		t.Errorf("PUT faults: %d", res.status)
	}
	if res := h.admin(http.MethodGet, "/_sim/nothing", ""); res.status != http.StatusNotFound {
		t.Errorf("unknown admin path: %d", res.status)
	}
}

func TestAdminDisabledWithoutToken(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AdminToken = "" })
	res := h.do(h.request(http.MethodGet, "/_sim/stats", nil, map[string]string{"Authorization": "Bearer anything-at-all"}))
	if res.status != http.StatusNotFound {
		t.Fatalf("admin without token configured: %d", res.status)
	}
	// Health and demo stay public.
	if res := h.do(h.request(http.MethodGet, "/_sim/health", nil, nil)); res.status != http.StatusOK {
		t.Fatalf("health: %d", res.status)
	}
	res = h.do(h.request(http.MethodGet, "/_sim/demo", nil, nil))
	var d Demo
	res.json(t, &d)
	if d != h.sim.Demo() {
		t.Fatalf("demo endpoint: %s", res.body)
	}
}

func TestStats(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()
	h.get(PathBusinessDetail, url.Values{"msdn": {demo.MSDN}}, tok, nil)
	h.get(PathBusinessDetail, url.Values{"msdn": {demo.MSDN}}, tok, nil)
	h.get(PathBusinessDetail, url.Values{"msdn": {"0000000000"}}, tok, nil)
	h.get(PathBusinessDetail, nil, "", nil)
	h.get("/khong/co/gi", nil, tok, nil)
	h.admin(http.MethodGet, "/_sim/faults", "") // admin calls are not counted

	res := h.admin(http.MethodGet, "/_sim/stats", "")
	var st Stats
	res.json(t, &st)
	want := map[string]map[string]int64{
		PathToken:          {"200": 1},
		PathBusinessDetail: {"200": 2, "404": 1, "401": 1},
		"other":            {"404": 1},
	}
	if st.Total != 6 || len(st.Paths) != len(want) {
		t.Fatalf("stats: %s", res.body)
	}
	for p, codes := range want {
		for code, n := range codes {
			if st.Paths[p][code] != n {
				t.Errorf("stats[%s][%s] = %d, want %d", p, code, st.Paths[p][code], n)
			}
		}
	}
	if res := h.admin(http.MethodDelete, "/_sim/stats", ""); res.status != http.StatusNoContent {
		t.Fatalf("reset: %d", res.status)
	}
	if st := h.sim.Stats(); st.Total != 0 || len(st.Paths) != 0 {
		t.Fatalf("after reset: %+v", st)
	}
}

func TestDurationJSON(t *testing.T) {
	var p FaultProfile
	if err := json.Unmarshal([]byte(`{"latency":250}`), &p); err == nil || !strings.Contains(err.Error(), `"250ms"`) {
		t.Fatalf("a bare number: %v, want the fix shown", err)
	}
	if err := json.Unmarshal([]byte(`{"latency":"250ms","jitter":"1.5s"}`), &p); err != nil {
		t.Fatal(err)
	}
	if time.Duration(p.Latency) != 250*time.Millisecond || time.Duration(p.Jitter) != 1500*time.Millisecond {
		t.Fatalf("decoded %+v", p)
	}
	b, _ := json.Marshal(p)
	if !strings.Contains(string(b), `"latency":"250ms"`) {
		t.Fatalf("encoded %s", b)
	}
	if err := json.Unmarshal([]byte(`{"latency":true}`), &p); err == nil {
		t.Fatal("a boolean latency was accepted")
	}
}

// TestMalformedAnswerIsCutShort: the call is served, with its status and
// Content-Type, but the body stops halfway and is not valid JSON.
func TestMalformedAnswerIsCutShort(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	whole := h.get(PathBusinessDetail, url.Values{"msdn": {h.sim.Demo().MSDN}}, tok, nil)
	wantCode(t, whole, http.StatusOK, CodeSuccess)
	if err := h.sim.SetFaults(Faults{Paths: map[string]FaultProfile{
		BusinessRegistrationContext + "/*": {MalformedRate: 1},
	}}); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		msdn   string
		status int
	}{
		"found":     {h.sim.Demo().MSDN, http.StatusOK},
		"not found": {"0100000000", http.StatusNotFound},
	} {
		res := h.get(PathBusinessDetail, url.Values{"msdn": {c.msdn}}, tok, nil)
		if res.status != c.status {
			t.Errorf("%s: status = %d, want %d", name, res.status, c.status)
		}
		if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type = %q", name, ct)
		}
		if len(res.body) == 0 || json.Valid(res.body) || !strings.HasPrefix(string(res.body), `{"errorCode":`) {
			t.Errorf("%s: body is not a cut JSON answer: %s", name, res.body)
		}
	}
	if len(whole.body) < 2*len(h.get(PathBusinessDetail, url.Values{"msdn": {h.sim.Demo().MSDN}}, tok, nil).body)-1 {
		t.Error("the cut answer is longer than half the whole one")
	}
	// Other paths are untouched, and the token was not consumed.
	wantCode(t, h.get(PathAllCategory, nil, tok, nil), http.StatusOK, CodeSuccess)
	if n := h.sim.Stats().Paths[PathBusinessDetail]["200"]; n != 3 {
		t.Errorf("stats count %d served calls with 200, want 3", n)
	}
}

// TestMalformedRateIsDeterministicWithSeed: the same seed cuts the same
// calls, and a malformed draw takes its share after failures.
func TestMalformedRateIsDeterministicWithSeed(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	pattern := func() (failed, cut []int) {
		for i := range 200 {
			res := h.get(PathAllCategory, nil, tok, nil)
			switch {
			case res.status == http.StatusServiceUnavailable:
				failed = append(failed, i)
			case res.status == http.StatusOK && !json.Valid(res.body):
				cut = append(cut, i)
			case res.status != http.StatusOK:
				t.Fatalf("unexpected status %d: %s", res.status, res.body)
			}
		}
		return failed, cut
	}
	f := Faults{FaultProfile: FaultProfile{FailureRate: 0.2, MalformedRate: 0.3}, Seed: 42}
	if err := h.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	failed1, cut1 := pattern()
	if err := h.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	failed2, cut2 := pattern()
	if len(cut1) < 30 || len(cut1) > 90 || len(failed1) < 15 || len(failed1) > 70 {
		t.Errorf("rates 0.2/0.3 failed %d and cut %d of 200 calls", len(failed1), len(cut1))
	}
	if !equalInts(failed1, failed2) || !equalInts(cut1, cut2) {
		t.Fatalf("same seed, different faults:\n%v %v\n%v %v", failed1, cut1, failed2, cut2)
	}
	// The failures are those the same seed gives without the new knob:
	// adding it does not shift an existing sequence.
	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{FailureRate: 0.2}, Seed: 42}); err != nil {
		t.Fatal(err)
	}
	if alone := failurePattern(t, h, tok, 200); !equalInts(alone, failed1) {
		t.Fatalf("malformedRate shifted the failure draws:\n%v\n%v", alone, failed1)
	}
}

// TestTokenRejectedAsExpiredEarly: a valid token is refused with the
// gateway's 900901 fault and forgotten; a new token is issued, even with
// token reuse on; other refusals and /token are unaffected.
func TestTokenRejectedAsExpiredEarly(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ReuseActiveToken = true })
	tok := h.token()
	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{TokenRejectRate: 1}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{PathAllCategory, PathCitizen} {
		res := h.get(path, url.Values{"soDinhDanh": {h.sim.Demo().SoDinhDanh}}, tok, personalHeaders)
		if res.status != http.StatusUnauthorized {
			t.Fatalf("%s: status = %d, want 401: %s", path, res.status, res.body)
		}
		var f gatewayFault
		res.json(t, &f)
		if f.Fault.Code != 900901 || f.Fault.Message != "Invalid Credentials" || f.Fault.Description == "" {
			t.Fatalf("%s: body = %s", path, res.body)
		}
		if !strings.Contains(res.header.Get("WWW-Authenticate"), "invalid_token") {
			t.Fatalf("%s: WWW-Authenticate = %q", path, res.header.Get("WWW-Authenticate"))
		}
		next := h.token() // /token is not refused
		if next == tok {
			t.Fatalf("%s: the refused token was handed out again", path)
		}
		tok = next
	}
	// A call refused for another reason keeps its own answer.
	wantCode(t, h.get(PathAllCategory, nil, "not-a-token", nil), http.StatusUnauthorized, CodeAuthenError)
	wantCode(t, h.get(PathAllCategory, nil, "", nil), http.StatusUnauthorized, CodeAuthenError)

	// The refused token stays refused once the knob is off.
	refused := tok
	_ = h.get(PathAllCategory, nil, refused, nil)
	if err := h.sim.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, h.get(PathAllCategory, nil, refused, nil), http.StatusUnauthorized, CodeAuthenError)
	wantCode(t, h.get(PathAllCategory, nil, h.token(), nil), http.StatusOK, CodeSuccess)
}

// TestTokenRejectRateIsDeterministicWithSeed: with a seed, the same calls
// have their token refused.
func TestTokenRejectRateIsDeterministicWithSeed(t *testing.T) {
	h := newHarness(t, nil)
	pattern := func() []int {
		var refused []int
		tok := h.token() // draws nothing: the profile only refuses data calls
		for i := range 100 {
			res := h.get(PathAllCategory, nil, tok, nil)
			switch res.status {
			case http.StatusOK:
			case http.StatusUnauthorized:
				refused = append(refused, i)
				tok = h.token()
			default:
				t.Fatalf("unexpected status %d: %s", res.status, res.body)
			}
		}
		return refused
	}
	f := Faults{Paths: map[string]FaultProfile{PathAllCategory: {TokenRejectRate: 0.25}}, Seed: 11}
	if err := h.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	first := pattern()
	if err := h.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	second := pattern()
	if len(first) < 10 || len(first) > 45 {
		t.Errorf("token reject rate 0.25 refused %d of 100 calls", len(first))
	}
	if !equalInts(first, second) {
		t.Fatalf("same seed, different refusals:\n%v\n%v", first, second)
	}
}
