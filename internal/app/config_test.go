package app_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/config"
)

// customBad gives a refused value for each setting whose check is custom
// (its owner's Validate decides). A new custom setting fails the test until
// it is listed here, so every setting is proven to be validated.
var customBad = map[string]string{
	"LGSP_NATS_URL":                  "", // checked by mode, see TestServeNeedsSettings
	"LGSP_DATABASE_URL":              "mysql://x",
	"LGSP_TRUSTED_PROXIES":           "10.0.0.0/33",
	"LGSP_MASTER_KEY":                "not-base64",
	"LGSP_TOKEN_ISSUER":              " ",
	"LGSP_TOKEN_AUDIENCE":            " ",
	"LGSP_REGISTRY_KEY_ROTATION":     "1m",
	"LGSP_REGISTRY_UPSTREAM_ALLOW":   "10.0.0.0/99",
	"LGSP_METERING_CONSUMER":         "a.b",
	"LGSP_METERING_TIMEZONE":         "Mars/Olympus",
	"LGSP_SIM_NGSP_CONSUMER_KEY":     " ",
	"LGSP_SIM_NGSP_ALLOWED_IPS":      "10.0.0.0/33",
	"LGSP_SIM_NGSP_ALLOWED_AGENCIES": "H30",
	"LGSP_SIM_NGSP_FAULTS":           `{"failureRate":2}`,
	"LGSP_SIM_NGSP_LATENCY":          "1h",
	"LGSP_SIM_NGSP_JITTER":           "1h",
	"LGSP_SIM_NGSP_FAILURE_STATUS":   "200",
	"LGSP_SIM_NGSP_TIMEOUT_MAX":      "1h",
	"LGSP_GATEWAY_INSTANCE_ID":       "a.b",
	"LGSP_DOCEXCHANGE_NATIONAL_URL":  "ftp://x",
	"LGSP_DOCEXCHANGE_WEBHOOK_ALLOW": "10.0.0.0/99",
	"LGSP_ONESTOP_LEVELS":            "commune,commune",
	"LGSP_ONESTOP_DAY_ENDS":          "25:00",
	"LGSP_ONESTOP_PORTAL_URL":        "ftp://x",
	"LGSP_ADAPTERS_NGSP_URL":         "ftp://x",
	"LGSP_ADAPTERS_NGSP_TOKEN_URL":   "https://user:pw@x/token",
	"LGSP_ADAPTERS_AUDIT_KEY":        "too-short",

	// The national document axis simulator.
	"LGSP_SIM_VDXP_SYSTEM_ID":         "a:b",
	"LGSP_SIM_VDXP_SYSTEMS":           "no-secret-or-codes",
	"LGSP_SIM_VDXP_FAULTS":            `{"errorRate":2}`,
	"LGSP_SIM_VDXP_LATENCY":           "1h",
	"LGSP_SIM_VDXP_JITTER":            "1h",
	"LGSP_SIM_VDXP_ERROR_STATUS":      "200",
	"LGSP_SIM_VDXP_OUTAGE":            "down",
	"LGSP_SIM_VDXP_OUTAGE_FOR":        "2h",
	"LGSP_SIM_VDXP_REJECT_RECIPIENTS": "not a code",
	"LGSP_SIM_VDXP_CALLS":             "sendDoc",

	// The national public-service portal simulator.
	"LGSP_SIM_DVCQG_FAULTS":  `{"error_rate":2}`,
	"LGSP_SIM_DVCQG_LATENCY": "1h",
	"LGSP_SIM_DVCQG_REJECT":  "not-a-dossier-code",
}

// TestEverySetting walks every configuration struct of the table: each
// setting has an environment name, a YAML key, help, a rule, a line in
// docs/configuration.md, and a value its rules refuse with an error that
// names it.
func TestEverySetting(t *testing.T) {
	docs, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.DefaultConfig(false)
	seenEnv := map[string]bool{}
	for _, s := range config.Describe(cfg.Sections()...) {
		if s.Group {
			continue
		}
		if s.Env == "" || !strings.HasPrefix(s.Env, "LGSP_") {
			t.Errorf("%s: no LGSP_* environment variable", s.YAML)
		}
		if seenEnv[s.Env] {
			t.Errorf("%s: environment variable used twice", s.Env)
		}
		seenEnv[s.Env] = true
		if s.YAML == "" || strings.HasSuffix(s.YAML, ".") {
			t.Errorf("%s: no YAML key", s.Env)
		}
		if s.Help == "" {
			t.Errorf("%s: no help text", s.Env)
		}
		if s.Check == "" {
			t.Errorf("%s: no validation rule (use check:\"any\" for a switch)", s.Env)
		}
		if !bytes.Contains(docs, []byte("| `"+s.YAML+"` | `"+s.Env+"` |")) {
			t.Errorf("%s: missing from docs/configuration.md (run: lgsp config docs > docs/configuration.md)", s.Env)
		}
		bad, ok := s.BadValue()
		if strings.Contains(s.Check, "custom") {
			bad, ok = customBad[s.Env]
			if !ok {
				t.Errorf("%s: custom check without a refused value in customBad", s.Env)
				continue
			}
			if bad == "" {
				continue
			}
		}
		if !ok {
			if !strings.Contains(s.Check, "any") {
				t.Errorf("%s: rule %q refuses no value the test can make", s.Env, s.Check)
			}
			continue
		}
		if err := loadAndValidate(s.Env + "=" + bad); err == nil || !strings.Contains(err.Error(), s.Env) {
			t.Errorf("%s=%q: error %v does not name the setting", s.Env, bad, err)
		}
	}
}

// loadAndValidate is what a start does with the configuration, short of
// starting anything.
func loadAndValidate(env ...string) error {
	cfg, _, err := app.LoadConfig(app.LoadOptions{Environ: append([]string{
		"LGSP_MASTER_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	}, env...)})
	if err != nil {
		return err
	}
	if err := cfg.Validate(true, nil); err != nil {
		return err
	}
	for _, s := range cfg.Sections() {
		if v, ok := s.Value.(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestConfigDocsUpToDate(t *testing.T) {
	want, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := app.ConfigDocs(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatal("docs/configuration.md is out of date: run `go run ./cmd/lgsp config docs > docs/configuration.md`")
	}
}

func TestServeNeedsSettings(t *testing.T) {
	base := []string{"LGSP_NATS_URL=nats://127.0.0.1:4222", "LGSP_INTERNAL_TOKEN=" + strings.Repeat("t", 32)}
	for _, tc := range []struct {
		service string
		env     []string
		want    string
	}{
		{"gateway", nil, "LGSP_NATS_URL"},
		{"gateway", base[:1], "LGSP_INTERNAL_TOKEN"},
		{"gateway", base, "LGSP_REGISTRY_ADDR"},
		{"metering", base, "LGSP_DATABASE_URL"},
		{"registry", base, "LGSP_DATABASE_URL"},
		{"sim_ngsp", base, "service"},
		{"nosuch", base, "service"},
	} {
		cfg, _, err := app.LoadConfig(app.LoadOptions{Environ: tc.env})
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Validate(false, []string{tc.service})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %s with %v: %v, want an error naming %s", tc.service, tc.env, err, tc.want)
		}
	}
}

func TestUnknownVariablesReported(t *testing.T) {
	_, res, err := app.LoadConfig(app.LoadOptions{Environ: []string{"LGSP_GATEWAY_UPSTREAM_TIMOUT=5s", "LGSP_ADMIN_URL=http://x", "LGSP_TEST_POSTGRES_DSN=x"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unknown) != 1 || res.Unknown[0].Suggestion != "LGSP_GATEWAY_UPSTREAM_TIMEOUT" {
		t.Fatalf("unknown = %+v", res.Unknown)
	}
}

func TestConfigFileSections(t *testing.T) {
	path := t.TempDir() + "/lgsp.yaml"
	body := "log_level: debug\ngateway:\n  upstream_timeout: 2s\nmetering:\n  time_zone: Asia/Bangkok\nregistry:\n  token_ttl: 30m\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := app.LoadConfig(app.LoadOptions{File: path, Environ: []string{"LGSP_TOKEN_TTL=20m"}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := config.Print(&out, cfg.Sections()...); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`log_level: "debug"`, `upstream_timeout: "2s"`, `time_zone: "Asia/Bangkok"`, `token_ttl: "20m0s"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed config lacks %s:\n%s", want, out.String())
		}
	}
	if err := os.WriteFile(path, []byte("gateway:\n  upstream_timout: 2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := app.LoadConfig(app.LoadOptions{File: path, Environ: []string{}}); err == nil || !strings.Contains(err.Error(), "upstream_timeout") {
		t.Fatalf("unknown key: %v", err)
	}
}
