package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/platform/gatewayid"
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

// jsonCall makes a JSON call and decodes a 200 answer into out.
func jsonCall(ctx context.Context, hc *http.Client, method, u string, header http.Header, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		if len(raw) > 300 {
			raw = raw[:300]
		}
		return fmt.Errorf("%s %s: %s: %s", method, req.URL.Path, resp.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// adminClient calls the admin REST API with an admin session.
type adminClient struct {
	base string
	hdr  http.Header
	hc   *http.Client
}

func loginAdmin(ctx context.Context, base, password string) (*adminClient, error) {
	a := &adminClient{base: base, hc: &http.Client{Timeout: 30 * time.Second}}
	var out struct {
		SessionToken string `json:"sessionToken"`
	}
	if err := jsonCall(ctx, a.hc, http.MethodPost, base+"/admin/v1/auth/login", nil, map[string]string{"username": "admin", "password": password}, &out); err != nil {
		return nil, fmt.Errorf("admin login: %w", err)
	}
	if out.SessionToken == "" {
		return nil, errors.New("admin login: no session token")
	}
	a.hdr = http.Header{"Authorization": {"Bearer " + out.SessionToken}}
	return a, nil
}

func (a *adminClient) do(ctx context.Context, method, path string, in, out any) error {
	return jsonCall(ctx, a.hc, method, a.base+path, a.hdr, in, out)
}

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
func prepareDemo(ctx context.Context, a *adminClient) (*oneStopSetup, error) {
	tier := map[string]any{"ratePerSecond": demoTierRate, "burst": demoTierBurst, "monthlyQuota": 0}
	if err := a.do(ctx, http.MethodPatch, "/admin/v1/tiers/"+url.PathEscape(registry.DemoTierName), tier, nil); err != nil {
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
	if err := a.do(ctx, http.MethodGet, "/admin/v1/apis?context="+url.QueryEscape(registry.OneStopAPIContext), nil, &apis); err != nil {
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
	if err := a.do(ctx, http.MethodGet, "/admin/v1/applications?agencyCode="+url.QueryEscape(commune), nil, &apps); err != nil {
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

// asserter signs the gateway's identity assertion for the reference path,
// as the gateway does for a platform upstream; an assertion lives
// gatewayid.MaxAge (30 s), a fresh one is signed every 10 s.
type asserter struct {
	key gatewayid.Key
	id  gatewayid.Identity
	cur atomic.Pointer[signedAssertion]
}

type signedAssertion struct {
	bearer string
	at     time.Time
}

func newAsserter(internalToken string, id gatewayid.Identity) (*asserter, error) {
	key, err := gatewayid.NewKey(internalToken)
	if err != nil {
		return nil, err
	}
	return &asserter{key: key, id: id}, nil
}

func (a *asserter) bearer() string {
	now := time.Now()
	if cur := a.cur.Load(); cur != nil && now.Sub(cur.at) < 10*time.Second {
		return cur.bearer
	}
	id := a.id
	id.Issued = now
	s := &signedAssertion{bearer: "Bearer " + a.key.Sign(id), at: now}
	a.cur.Store(s)
	return s.bearer
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
	return jsonCall(ctx, p.hc, http.MethodPost, p.base+"/reset", p.hdr, nil, nil)
}

func (p *portalSim) stats(ctx context.Context) (simdvcqg.Stats, error) {
	var s simdvcqg.Stats
	err := jsonCall(ctx, p.hc, http.MethodGet, p.base+"/stats", p.hdr, nil, &s)
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
	if err := jsonCall(ctx, p.hc, http.MethodGet, p.base+"/dossiers/"+url.PathEscape(code), p.hdr, nil, &d); err != nil {
		return nil, err
	}
	out := make(map[int64]time.Time, len(d.History))
	for _, r := range d.History {
		out[r.PhienBan] = r.Received
	}
	return out, nil
}
