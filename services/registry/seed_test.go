package registry

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

func TestSeedDemo(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		d := must(e.s.SeedDemo(ctx, DemoOptions{UpstreamURL: "http://127.0.0.1:18080/apiCSDLDKDN/1.0", FixedCredentials: true}))(t)
		if d.ClientID != DemoClientID || d.ClientSecret != DemoClientSecret || d.APIID == "" || d.SubscriptionID == "" {
			t.Fatalf("demo = %+v", d)
		}
		tok := must(e.issue(d.ClientID, d.ClientSecret))(t)
		c := must(e.verify(t, tok.GetAccessToken(), e.clock.Now()))(t)
		if c.Subject != d.ApplicationID || c.Agency != DemoAgencyCode {
			t.Fatalf("claims = %+v", c)
		}
		snap := must(e.s.LocalGatewayClient().GetSnapshot(ctx, &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
		if len(snap.GetApis()) != 1 || snap.GetApis()[0].GetContext() != DemoAPIContext ||
			snap.GetApis()[0].GetLifecycle() != registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED ||
			len(snap.GetSubscriptions()) != 1 || snap.GetSubscriptions()[0].GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED {
			t.Fatalf("snapshot after seeding = %v", snap)
		}

		// A second run (the simulator on another port) changes nothing but
		// the upstream.
		e.clock.Advance(time.Minute)
		d2 := must(e.s.SeedDemo(ctx, DemoOptions{UpstreamURL: "http://127.0.0.1:18081/apiCSDLDKDN/1.0", FixedCredentials: true}))(t)
		if d2 != (DemoData{AgencyCode: d.AgencyCode, APIID: d.APIID, APIContext: d.APIContext, APIVersion: d.APIVersion,
			ApplicationID: d.ApplicationID, SubscriptionID: d.SubscriptionID, ClientID: d.ClientID, ClientSecret: d.ClientSecret}) {
			t.Fatalf("second run = %+v, first %+v", d2, d)
		}
		api := must(e.s.GetApi(adminCtx(), &registryv1.GetApiRequest{Id: d.APIID}))(t).GetApi()
		if api.GetEndpoints()[0].GetUrl() != "http://127.0.0.1:18081/apiCSDLDKDN/1.0" {
			t.Fatalf("upstream not updated: %v", api.GetEndpoints())
		}
		creds := must(e.s.ListCredentials(adminCtx(), &registryv1.ListCredentialsRequest{ApplicationId: d.ApplicationID}))(t).GetCredentials()
		if len(creds) != 1 {
			t.Fatalf("%d credentials after two runs", len(creds))
		}
		entries := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{Actor: "system:demo", PageSize: 100}))(t).GetEntries()
		if len(entries) == 0 {
			t.Fatal("seeding not audited")
		}
	})
}

func TestSeedDemoRandomCredentials(t *testing.T) {
	db := sqltest.Open(t, sqltest.SQLite)
	e := newEnv(t, db, nil)
	d := must(e.s.SeedDemo(context.Background(), DemoOptions{UpstreamURL: "http://127.0.0.1:18080/x"}))(t)
	if d.ClientID == DemoClientID || len(d.ClientSecret) < 26 || strings.Contains(d.ClientSecret, "demo") {
		t.Fatalf("random demo client = %+v", d)
	}
	must(e.issue(d.ClientID, d.ClientSecret))(t)
	again := must(e.s.SeedDemo(context.Background(), DemoOptions{UpstreamURL: "http://127.0.0.1:18080/x"}))(t)
	if again.ClientID != d.ClientID || again.ClientSecret != "" {
		t.Fatalf("second run = %+v: the secret is shown only once", again)
	}
	// A strict production policy refuses the loopback simulator.
	strict := newEnv(t, sqltest.Open(t, sqltest.SQLite), nil, func(c *Config) { c.UpstreamAllow = []string{"public"} })
	if _, err := strict.s.SeedDemo(context.Background(), DemoOptions{UpstreamURL: "http://127.0.0.1:18080/x"}); err == nil ||
		!strings.Contains(err.Error(), "upstream_address_not_allowed") {
		t.Fatalf("seeding against loopback with the default policy: %v", err)
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{
		"LGSP_MASTER_KEY":              "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"LGSP_TOKEN_TTL":               "10m",
		"LGSP_REGISTRY_KEY_ROTATION":   "720h",
		"LGSP_REGISTRY_UPSTREAM_ALLOW": "public, 10.20.0.0/16 ,*.gov.vn",
		"LGSP_REGISTRY_SESSION_TTL":    "8h",
	}
	cfg := DefaultConfig()
	cfg.InternalToken, cfg.StreamReplicas = strings.Repeat("t", 40), 3
	if _, err := config.Load(config.Options{Environ: environ(env)}, config.Section{Name: "registry", Value: &cfg}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.TokenTTL != 10*time.Minute || cfg.KeyRotation != 30*24*time.Hour || len(cfg.UpstreamAllow) != 3 || cfg.UpstreamAllow[1] != "10.20.0.0/16" ||
		cfg.SessionTTL != 8*time.Hour || cfg.StreamReplicas != 3 {
		t.Fatalf("config = %+v", cfg)
	}
	bad := map[string]func(c *Config){
		"LGSP_MASTER_KEY":              func(c *Config) { c.MasterKey = "" },
		"LGSP_INTERNAL_TOKEN":          func(c *Config) { c.InternalToken = "short" },
		"LGSP_TOKEN_TTL":               func(c *Config) { c.TokenTTL = time.Second },
		"LGSP_REGISTRY_KEY_ROTATION":   func(c *Config) { c.KeyRotation = time.Minute },
		"LGSP_REGISTRY_SESSION_TTL":    func(c *Config) { c.SessionTTL = 0 },
		"LGSP_REGISTRY_UPSTREAM_ALLOW": func(c *Config) { c.UpstreamAllow = []string{"10.0.0.0/99"} },
		"LGSP_NATS_REPLICAS":           func(c *Config) { c.StreamReplicas = 0 },
		"LGSP_TOKEN_ISSUER":            func(c *Config) { c.TokenIssuer = " " },
	}
	for name, mod := range bad {
		c := cfg
		mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: Validate() = %v, want an error naming it", name, err)
		}
	}
	c := DefaultConfig()
	for _, v := range []string{"soon", "600"} {
		if _, err := config.Load(config.Options{Environ: []string{"LGSP_TOKEN_TTL=" + v}}, config.Section{Name: "registry", Value: &c}); err == nil || !strings.Contains(err.Error(), "LGSP_TOKEN_TTL") {
			t.Errorf("unparsable duration %q: %v", v, err)
		}
	}
}

func environ(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}
