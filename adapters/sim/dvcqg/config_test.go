package dvcqg

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/service"
)

func TestDefaultConfigIsValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidateNamesSetting(t *testing.T) {
	for _, c := range []struct {
		env    string
		mutate func(*Config)
	}{
		{"LGSP_SIM_DVCQG_ADDR", func(c *Config) { c.Addr = "no-port" }},
		{"LGSP_SIM_DVCQG_USERNAME", func(c *Config) { c.Username = "" }},
		{"LGSP_SIM_DVCQG_PASSWORD", func(c *Config) { c.Password = "" }},
		{"LGSP_SIM_DVCQG_ADMIN_TOKEN", func(c *Config) { c.AdminToken = "short" }},
		{"LGSP_SIM_DVCQG_SESSION_TTL", func(c *Config) { c.SessionTTL = 0 }},
		{"LGSP_SIM_DVCQG_SESSION_TTL", func(c *Config) { c.SessionTTL = 48 * time.Hour }},
		{"LGSP_SIM_DVCQG_MAX_DOSSIERS", func(c *Config) { c.MaxDossiers = 0 }},
		{"LGSP_SIM_DVCQG_LATENCY", func(c *Config) { c.Faults.Latency = Duration(time.Hour) }},
		{"LGSP_SIM_DVCQG_ERROR_RATE", func(c *Config) { c.Faults.ErrorRate = 2 }},
		{"LGSP_SIM_DVCQG_MALFORMED_RATE", func(c *Config) { c.Faults.MalformedRate = -1 }},
		{"LGSP_SIM_DVCQG_REJECT", func(c *Config) { c.Faults.Reject = []string{"x"} }},
		{"LGSP_SIM_DVCQG_FAULTS", func(c *Config) { c.Faults.SessionTTL = Duration(time.Millisecond) }},
	} {
		cfg := DefaultConfig()
		c.mutate(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.env) {
			t.Errorf("%s: error %v does not name it", c.env, err)
		}
	}
}

// The settings load from the environment like every other section, the
// fault knobs by their own variables or as JSON.
func TestLoadFromEnvironment(t *testing.T) {
	cfg := DefaultConfig()
	_, err := config.Load(config.Options{Environ: []string{
		"LGSP_SIM_DVCQG_USERNAME=tinh-h56",
		"LGSP_SIM_DVCQG_SESSION_TTL=5m",
		"LGSP_SIM_DVCQG_REJECT=000.00.14.H56-260302-0001,000.00.14.H56-260302-0002",
		"LGSP_SIM_DVCQG_LATENCY=250ms",
		"LGSP_SIM_DVCQG_OUTAGE=true",
		"LGSP_SIM_DVCQG_SEED=9",
	}}, config.Section{Name: Definition.Name, Value: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Username != "tinh-h56" || cfg.SessionTTL != 5*time.Minute || len(cfg.Faults.Reject) != 2 ||
		cfg.Faults.Latency != Duration(250*time.Millisecond) || !cfg.Faults.Outage || cfg.Faults.Seed != 9 {
		t.Fatalf("loaded %+v", cfg)
	}
	cfg = DefaultConfig()
	if _, err := config.Load(config.Options{Environ: []string{`LGSP_SIM_DVCQG_FAULTS={"error_rate":0.5,"malformed_rate":0.1,"expire_sessions":true,"session_ttl":"2m"}`}},
		config.Section{Name: Definition.Name, Value: &cfg}); err != nil {
		t.Fatal(err)
	}
	if cfg.Faults.ErrorRate != 0.5 || cfg.Faults.MalformedRate != 0.1 || !cfg.Faults.ExpireSessions || cfg.Faults.SessionTTL != Duration(2*time.Minute) {
		t.Fatalf("faults %+v", cfg.Faults)
	}
	cfg = DefaultConfig()
	if _, err := config.Load(config.Options{Environ: []string{"LGSP_SIM_DVCQG_LATENCY=250"}},
		config.Section{Name: Definition.Name, Value: &cfg}); err == nil || !strings.Contains(err.Error(), "LGSP_SIM_DVCQG_LATENCY") {
		t.Fatalf("a bare number: %v", err)
	}
}

func TestInvalidConfigFailsStart(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Password = ""
	sim := New(cfg, nil)
	if _, err := sim.Start(context.Background(), "127.0.0.1:0"); err == nil {
		t.Fatal("started with an invalid configuration")
	}
	// Served anyway as a Handler, it answers the portal's system error.
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/"+wire.CallLayPhien, strings.NewReader(`{}`)))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"error_code":"99"`) {
		t.Fatalf("misconfigured: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_sim/health", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("health of a misconfigured simulator: %d", rec.Code)
	}
}

func TestDefinitionRunsAndStops(t *testing.T) {
	cfg := Definition.Config(true).(*Config)
	cfg.Addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	inst, err := Definition.New(ctx, service.Deps{Dev: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	si := inst.(*Instance)
	if !Definition.DevOnly || Definition.Name != "sim_dvcqg" {
		t.Fatal("the simulator is dev-only, section sim_dvcqg")
	}
	done := make(chan error, 1)
	go func() { done <- si.Run(ctx) }()
	if err := si.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	if eps := si.Endpoints(); len(eps) != 1 || eps[0].URL != si.URL() || eps[0].Name != EndpointName {
		t.Fatalf("endpoints %+v", eps)
	}
	banner := strings.Join(si.Banner(), "\n")
	for _, want := range []string{DevUsername, DevPassword + " (public demo value)", si.URL() + "/" + wire.CallLayPhien, "Bearer " + DevAdminToken} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	h := &harness{t: t, sim: si.Simulator, base: si.URL(), hc: &http.Client{Timeout: 5 * time.Second}}
	h.login()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop")
	}
}

// A configured password is never shown by the banner.
func TestBannerHidesConfiguredSecrets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Password = "mat-khau-that-cua-tinh"
	cfg.AdminToken = "token-that-cua-tinh"
	inst, err := Definition.New(context.Background(), service.Deps{Dev: true}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	si := inst.(*Instance)
	defer si.CloseListener()
	banner := strings.Join(si.Banner(), "\n")
	if strings.Contains(banner, cfg.Password) || strings.Contains(banner, cfg.AdminToken) ||
		!strings.Contains(banner, "LGSP_SIM_DVCQG_PASSWORD") {
		t.Fatalf("banner:\n%s", banner)
	}
}
