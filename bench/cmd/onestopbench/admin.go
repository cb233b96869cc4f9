package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/bench/internal/jsoncall"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// The demo tier's 20 requests a second and 100,000 a month would measure
// the tier, not the service. The benchmark lifts it through the admin API
// to demoTierRate with a burst of demoTierBurst (the registry's largest)
// and no monthly quota: still checked on every call, never refusing at
// these rates.
const (
	demoTierRate  = 50_000
	demoTierBurst = 1_000_000
)

// oneStopSetup is what the benchmark needs of the one-stop demo.
type oneStopSetup struct {
	agency string // the demo commune
	apiKey string // its one-stop software's demo API key
	appID  string // that application's id
	apiID  string // onestop/v1's id
}

// prepareDemo lifts the demo tier and finds the demo commune's one-stop
// application and the onestop/v1 API, for the identity assertion of the
// reference path.
func prepareDemo(ctx context.Context, a *jsoncall.Admin) (*oneStopSetup, error) {
	tier := map[string]any{"ratePerSecond": demoTierRate, "burst": demoTierBurst, "monthlyQuota": 0}
	if err := a.Do(ctx, http.MethodPatch, "/admin/v1/tiers/"+url.PathEscape(registry.DemoTierName), tier, nil); err != nil {
		return nil, fmt.Errorf("demo tier: %w", err)
	}
	commune := registry.OneStopDemoAgencies[0].Code
	s := &oneStopSetup{agency: commune, apiKey: registry.OneStopDemoAPIKey(commune)}
	var apis struct {
		Apis []struct {
			ID      string `json:"id"`
			Version string `json:"version"`
		} `json:"apis"`
	}
	if err := a.Do(ctx, http.MethodGet, "/admin/v1/apis?context="+url.QueryEscape(registry.OneStopAPIContext), nil, &apis); err != nil {
		return nil, fmt.Errorf("apis: %w", err)
	}
	for _, api := range apis.Apis {
		if api.Version == registry.OneStopAPIVersion {
			s.apiID = api.ID
		}
	}
	var apps struct {
		Applications []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"applications"`
	}
	if err := a.Do(ctx, http.MethodGet, "/admin/v1/applications?agencyCode="+url.QueryEscape(commune), nil, &apps); err != nil {
		return nil, fmt.Errorf("applications: %w", err)
	}
	for _, app := range apps.Applications {
		if strings.Contains(strings.ToLower(app.Name), "một cửa") {
			s.appID = app.ID
		}
	}
	if s.apiID == "" || s.appID == "" {
		return nil, fmt.Errorf("the dev demo has no onestop/%s API (%q) or no one-stop application of %s (%q)", registry.OneStopAPIVersion, s.apiID, commune, s.appID)
	}
	return s, nil
}

// portalSim reads the portal simulator's control surface.
type portalSim struct {
	base string
	hdr  http.Header
	hc   *http.Client
}

func newPortalSim(base string) *portalSim {
	return &portalSim{base: base + strings.TrimSuffix(simdvcqg.AdminPrefix, "/"),
		hdr: http.Header{"Authorization": {"Bearer " + simdvcqg.DevAdminToken}}, hc: httpClient(16)}
}

// reset makes the simulator forget everything, between runs.
func (p *portalSim) reset(ctx context.Context) error {
	return jsoncall.Do(ctx, p.hc, http.MethodPost, p.base+"/reset", p.hdr, nil, nil)
}

func (p *portalSim) stats(ctx context.Context) (simdvcqg.Stats, error) {
	var s simdvcqg.Stats
	err := jsoncall.Do(ctx, p.hc, http.MethodGet, p.base+"/stats", p.hdr, nil, &s)
	return s, err
}

// history is when the simulator received each version of a dossier.
func (p *portalSim) history(ctx context.Context, code string) (map[int64]time.Time, error) {
	var d struct {
		History []struct {
			PhienBan int64     `json:"PhienBan"`
			Received time.Time `json:"received"`
		} `json:"history"`
	}
	if err := jsoncall.Do(ctx, p.hc, http.MethodGet, p.base+"/dossiers/"+url.PathEscape(code), p.hdr, nil, &d); err != nil {
		return nil, err
	}
	out := make(map[int64]time.Time, len(d.History))
	for _, r := range d.History {
		out[r.PhienBan] = r.Received
	}
	return out, nil
}
