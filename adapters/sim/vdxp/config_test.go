package vdxp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
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
		{"LGSP_SIM_VDXP_ADDR", func(c *Config) { c.Addr = "no-port" }},
		{"LGSP_SIM_VDXP_SYSTEM_ID", func(c *Config) { c.SystemID = " " }},
		{"LGSP_SIM_VDXP_SYSTEM_ID", func(c *Config) { c.SystemID = "a:b" }},
		{"LGSP_SIM_VDXP_SECRET", func(c *Config) { c.Secret = "" }},
		{"LGSP_SIM_VDXP_SYSTEMS", func(c *Config) { c.Systems = []string{"only-an-id"} }},
		{"LGSP_SIM_VDXP_SYSTEMS", func(c *Config) { c.Systems = []string{DevSystemID + ":x:"} }},
		{"LGSP_SIM_VDXP_SYSTEMS", func(c *Config) { c.Systems = []string{"a:x:000.00.00.H99", "b:y:000.00.00.H99"} }},
		{"LGSP_SIM_VDXP_SYSTEMS", func(c *Config) { c.Systems = []string{"a::000.00.00.H99"} }},
		{"LGSP_SIM_VDXP_SYSTEMS", func(c *Config) { c.Systems = []string{"a:x:not a code"} }},
		{"LGSP_SIM_VDXP_ADMIN_TOKEN", func(c *Config) { c.AdminToken = "short" }},
		{"LGSP_SIM_VDXP_TIMESTAMP_WINDOW", func(c *Config) { c.Window = 0 }},
		{"LGSP_SIM_VDXP_ANSWER_DELAY", func(c *Config) { c.AnswerDelay = 2 * time.Hour }},
		{"LGSP_SIM_VDXP_MAX_PACKAGE_BYTES", func(c *Config) { c.MaxPackageBytes = 10 }},
		{"LGSP_SIM_VDXP_MAX_DOCUMENTS", func(c *Config) { c.MaxDocuments = 0 }},
		{"LGSP_SIM_VDXP_ERROR_RATE", func(c *Config) { c.Faults.ErrorRate = 2 }},
		{"LGSP_SIM_VDXP_LATENCY", func(c *Config) { c.Faults.Latency = Duration(time.Hour) }},
		{"LGSP_SIM_VDXP_OUTAGE", func(c *Config) { c.Faults.Outage = "down" }},
		{"LGSP_SIM_VDXP_CALLS", func(c *Config) { c.Faults.Calls = []string{"nope"} }},
	} {
		cfg := DefaultConfig()
		c.mutate(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.env) {
			t.Errorf("%s: error %v does not name it", c.env, err)
		}
	}
}

func TestSystemsSetting(t *testing.T) {
	systems, err := parseSystems(DevSystemID, []string{"tinh-a:bi:mat:000.00.00.H99;000.00.01.H99", "tinh-b:k:"})
	if err != nil {
		t.Fatal(err)
	}
	if len(systems) != 2 || systems[0].id != "tinh-a" || systems[0].secret != "bi:mat" || !systems[0].codes["000.00.01.H99"] ||
		systems[1].id != "tinh-b" || systems[1].secret != "k" || len(systems[1].codes) != 0 {
		t.Fatalf("systems %+v %+v", systems[0], systems[1])
	}
}

// The settings load from the environment like every other section, the
// fault knobs by their own variables or as JSON.
func TestLoadFromEnvironment(t *testing.T) {
	cfg := DefaultConfig()
	_, err := config.Load(config.Options{Environ: []string{
		"LGSP_SIM_VDXP_SYSTEMS=tinh-a:s1:000.00.00.H99,tinh-b:s2:",
		"LGSP_SIM_VDXP_ANSWER_DELAY=1s",
		"LGSP_SIM_VDXP_REJECT_RECIPIENTS=000.00.00.G22,000.00.00.H14",
		"LGSP_SIM_VDXP_LATENCY=250ms",
		"LGSP_SIM_VDXP_SEED=9",
	}}, config.Section{Name: Definition.Name, Value: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Systems) != 2 || cfg.AnswerDelay != time.Second || len(cfg.Faults.RejectRecipients) != 2 ||
		cfg.Faults.Latency != Duration(250*time.Millisecond) || cfg.Faults.Seed != 9 {
		t.Fatalf("loaded %+v", cfg)
	}
	cfg = DefaultConfig()
	if _, err := config.Load(config.Options{Environ: []string{`LGSP_SIM_VDXP_FAULTS={"errorRate":0.5,"outage":"unavailable","outageFor":"2s"}`}},
		config.Section{Name: Definition.Name, Value: &cfg}); err != nil {
		t.Fatal(err)
	}
	if cfg.Faults.ErrorRate != 0.5 || cfg.Faults.Outage != OutageUnavailable || cfg.Faults.OutageFor != Duration(2*time.Second) {
		t.Fatalf("faults %+v", cfg.Faults)
	}
	cfg = DefaultConfig()
	if _, err := config.Load(config.Options{Environ: []string{"LGSP_SIM_VDXP_LATENCY=250"}},
		config.Section{Name: Definition.Name, Value: &cfg}); err == nil || !strings.Contains(err.Error(), "LGSP_SIM_VDXP_LATENCY") {
		t.Fatalf("a bare number: %v", err)
	}
}

func TestInvalidConfigFailsStart(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Secret = ""
	sim := New(cfg, nil)
	if _, err := sim.Start(context.Background(), "127.0.0.1:0"); err == nil {
		t.Fatal("started with an invalid configuration")
	}
	// Served anyway as a Handler, it answers the axis's platform error.
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/"+wire.CallGetAgenciesList, nil))
	r := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	r.wantFail(t, http.StatusServiceUnavailable, wire.CodePlatformError)
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
	if !Definition.DevOnly || Definition.Name != "sim_vdxp" {
		t.Fatal("the simulator is dev-only, section sim_vdxp")
	}
	done := make(chan error, 1)
	go func() { done <- si.Run(ctx) }()
	if err := si.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	if eps := si.Endpoints(); len(eps) != 1 || eps[0].URL != si.URL() || eps[0].Name != EndpointName {
		t.Fatalf("endpoints %+v", eps)
	}
	h := &harness{t: t, sim: si.Simulator, base: si.URL(), hc: &http.Client{Timeout: 5 * time.Second}}
	c := si.Config()
	r := h.call(c.SystemID, c.Secret, http.MethodPost, wire.CallGetAgenciesList, nil, nil)
	r.wantOK(t)
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
