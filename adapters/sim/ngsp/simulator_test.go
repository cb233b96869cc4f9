package ngsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
	"github.com/lgsp-vn/lgsp/platform/config"
)

func TestStartServesAndStopsOnCancel(t *testing.T) {
	cfg := DefaultConfig()
	sim := New(cfg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, sim: sim, base: base, hc: &http.Client{Timeout: 10 * time.Second}}
	wantCode(t, h.get(PathBusinessDetail, url.Values{"msdn": {sim.Demo().MSDN}}, h.token(), nil), http.StatusOK, CodeSuccess)

	if _, err := sim.Start(ctx, "127.0.0.1:0"); err == nil {
		t.Fatal("a second Start succeeded")
	}
	cancel()
	select {
	case <-sim.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("simulator did not stop after cancel")
	}
	addr := strings.TrimPrefix(base, "http://")
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("listener still open after stop")
	}
}

func TestServeReleasesHangsOnShutdown(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Faults = Faults{Paths: map[string]FaultProfile{PathAllCategory: {TimeoutRate: 1, TimeoutMax: Duration(10 * time.Minute)}}}
	sim := New(cfg, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- sim.Serve(ctx, ln) }()
	h := &harness{t: t, sim: sim, base: "http://" + ln.Addr().String(), hc: &http.Client{Timeout: 20 * time.Second}}
	tok := h.token()
	got := make(chan int, 1)
	go func() {
		res, err := h.hc.Do(h.request(http.MethodGet, PathAllCategory, nil, map[string]string{"Authorization": "Bearer " + tok}))
		if err != nil {
			got <- -1
			return
		}
		res.Body.Close()
		got <- res.StatusCode
	}()
	time.Sleep(100 * time.Millisecond) // let the call start hanging
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return; a hanging call blocked shutdown")
	}
	if status := <-got; status != http.StatusServiceUnavailable {
		t.Fatalf("hanging call ended with %d, want 503", status)
	}
}

func TestInvalidConfigFailsStart(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AllowedIPs = []string{"not-an-ip"}
	sim := New(cfg, nil)
	_, err := sim.Start(context.Background(), "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "LGSP_SIM_NGSP_ALLOWED_IPS") {
		t.Fatalf("Start with a bad config: %v", err)
	}
}

func TestConfigValidateNamesSetting(t *testing.T) {
	cases := map[string]func(*Config){
		"CONSUMER_KEY":      func(c *Config) { c.ConsumerKey = " " },
		"CONSUMER_SECRET":   func(c *Config) { c.ConsumerSecret = "" },
		"ADMIN_TOKEN":       func(c *Config) { c.AdminToken = "short" },
		"TOKEN_TTL":         func(c *Config) { c.TokenTTL = 0 },
		"MAX_TOKENS":        func(c *Config) { c.MaxTokens = 0 },
		"ALLOWED_IPS":       func(c *Config) { c.AllowedIPs = []string{"10.0.0.0/33"} },
		"ALLOWED_AGENCIES":  func(c *Config) { c.AllowedAgencies = []string{"H30"} },
		"FAILURE_RATE":      func(c *Config) { c.Faults.FailureRate = 2 },
		"FAULTS":            func(c *Config) { c.Faults.Latency = Duration(time.Hour) },
		"MALFORMED_RATE":    func(c *Config) { c.Faults.FailureRate, c.Faults.MalformedRate = 0.6, 0.6 },
		"TOKEN_REJECT_RATE": func(c *Config) { c.Faults.TokenRejectRate = -0.1 },
	}
	for name, mutate := range cases {
		cfg := DefaultConfig()
		mutate(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), EnvPrefix+name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
}

func TestApplyEnv(t *testing.T) {
	env := map[string]string{
		EnvPrefix + "CONSUMER_KEY":       "key-from-env",
		EnvPrefix + "CONSUMER_SECRET":    "secret-from-env",
		EnvPrefix + "ADMIN_TOKEN":        "admin-from-env",
		EnvPrefix + "TOKEN_TTL":          "90s",
		EnvPrefix + "REUSE_ACTIVE_TOKEN": "true",
		EnvPrefix + "ALLOWED_IPS":        "127.0.0.1, 10.0.0.0/8",
		EnvPrefix + "LATENCY":            "20ms",
		EnvPrefix + "FAILURE_RATE":       "0.1",
		EnvPrefix + "SEED":               "99",
		EnvPrefix + "MALFORMED_RATE":     "0.05",
		EnvPrefix + "TOKEN_REJECT_RATE":  "0.02",
		EnvPrefix + "FAULTS":             `{"timeoutRate":0.2,"paths":{"/dmdc/*":{"failureRate":1}}}`,
	}
	lookup := func() []string {
		var out []string
		for k, v := range env {
			out = append(out, k+"="+v)
		}
		return out
	}
	load := func(cfg *Config) error {
		_, err := config.Load(config.Options{Environ: lookup()}, config.Section{Name: "sim_ngsp", Value: cfg})
		return err
	}
	cfg := DefaultConfig()
	if err := load(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ConsumerKey != "key-from-env" || cfg.ConsumerSecret != "secret-from-env" || cfg.AdminToken != "admin-from-env" ||
		cfg.TokenTTL != 90*time.Second || !cfg.ReuseActiveToken || len(cfg.AllowedIPs) != 2 ||
		time.Duration(cfg.Faults.Latency) != 20*time.Millisecond || cfg.Faults.FailureRate != 0.1 || cfg.Faults.Seed != 99 ||
		cfg.Faults.TimeoutRate != 0.2 || cfg.Faults.Paths["/dmdc/*"].FailureRate != 1 ||
		cfg.Faults.MalformedRate != 0.05 || cfg.Faults.TokenRejectRate != 0.02 {
		t.Fatalf("config from env: %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	env[EnvPrefix+"TOKEN_TTL"] = "an hour"
	if err := load(&cfg); err == nil || !strings.Contains(err.Error(), EnvPrefix+"TOKEN_TTL") {
		t.Fatalf("bad duration: %v", err)
	}
	env[EnvPrefix+"TOKEN_TTL"] = "90s"
	env[EnvPrefix+"LATENCY"] = "20"
	if err := load(&cfg); err == nil || !strings.Contains(err.Error(), EnvPrefix+"LATENCY") || !strings.Contains(err.Error(), "20ms") {
		t.Fatalf("bare number as a duration: %v", err)
	}
	env[EnvPrefix+"LATENCY"] = "20ms"
	env[EnvPrefix+"FAILURE_RATE"] = "high"
	if err := load(&cfg); err == nil || !strings.Contains(err.Error(), EnvPrefix+"FAILURE_RATE") {
		t.Fatalf("bad number: %v", err)
	}
	env[EnvPrefix+"FAILURE_RATE"] = "0.1"
	env[EnvPrefix+"FAULTS"] = `{"latncy":"1s"}`
	if err := load(&cfg); err == nil || !strings.Contains(err.Error(), EnvPrefix+"FAULTS") {
		t.Fatalf("bad faults JSON: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxTokens = 16 })
	demo := h.sim.Demo()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				switch (w + i) % 5 {
				case 0:
					tok := h.token()
					res := h.get(PathBusinessDetail, url.Values{"msdn": {demo.MSDN}}, tok, nil)
					// Another worker may have revoked the token or
					// injected failures meanwhile.
					if res.status != http.StatusOK && res.status != http.StatusUnauthorized && res.status != http.StatusServiceUnavailable {
						errs <- fmt.Errorf("detail: %d", res.status)
					}
				case 1:
					h.get(PathBusinessSearch, url.Values{"ten": {"cong ty"}}, h.token(), nil)
				case 2:
					// The token endpoint is exempt so that workers can
					// always get a token (h.token may not fail off the
					// test goroutine).
					f := Faults{FaultProfile: FaultProfile{FailureRate: float64(i%3) / 10}, Seed: uint64(i), Paths: map[string]FaultProfile{PathToken: {}}}
					if err := h.sim.SetFaults(f); err != nil {
						errs <- err
					}
				case 3:
					h.sim.Stats()
					h.admin(http.MethodGet, "/_sim/stats", "")
				case 4:
					if i%10 == 4 {
						h.sim.RevokeTokens()
					}
					h.get(PathCitizen, url.Values{"soDinhDanh": {demo.SoDinhDanh}}, h.token(), personalHeaders)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := h.sim.Stats()
	var sum int64
	for _, codes := range st.Paths {
		for _, n := range codes {
			sum += n
		}
	}
	if sum != st.Total || st.Total == 0 {
		t.Fatalf("stats inconsistent: total %d, sum %d", st.Total, sum)
	}
	if n := len(h.sim.tokens.tokens); n > 16 {
		t.Fatalf("token store grew to %d beyond its bound", n)
	}
}

// TestLogsNeverCarryIdentifiers checks the audit trail of a personal-data
// lookup: who, for which agency and why are there; the citizen id and the
// token are not.
func TestLogsNeverCarryIdentifiers(t *testing.T) {
	var buf safeBuffer
	cfg := DefaultConfig()
	sim := New(cfg, slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	base := simtest.Start(t, sim)
	h := &harness{t: t, sim: sim, base: base, hc: &http.Client{Timeout: 10 * time.Second}}
	tok := h.token()
	id := sim.Demo().SoDinhDanh
	wantCode(t, h.get(PathCitizen, url.Values{"soDinhDanh": {id}}, tok, personalHeaders), http.StatusOK, CodeSuccess)
	wantCode(t, h.get(PathInsurance, url.Values{"maSoBHXH": {sim.Demo().MaSoBHXH}}, tok, personalHeaders), http.StatusOK, CodeSuccess)

	logs := buf.String()
	for _, secret := range []string{id, sim.Demo().MaSoBHXH, tok, DemoConsumerSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "personal data lookup" && rec["api"] == PathCitizen {
			found = true
			if rec["ma_can_bo"] != personalHeaders["maCanBo"] || rec["muc_dich"] != personalHeaders["mucDich"] ||
				rec["ma_don_vi"] != demoAgency || rec["subject"] != maskID(id) {
				t.Errorf("audit record: %v", rec)
			}
		}
	}
	if !found {
		t.Fatalf("no audit record in logs:\n%s", logs)
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
