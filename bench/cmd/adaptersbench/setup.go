package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/bench/internal/devchild"
	"github.com/lgsp-vn/lgsp/bench/internal/jsoncall"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// simListener is the NGSP simulator's address in lgsp dev's banner.
var simListener = devchild.Listener{Name: "NGSP simulator", Label: "National-system simulators:", Ready: ngsp.AdminPrefix + "health"}

// The demo tier's 20 requests a second would measure the tier. It is
// lifted through the admin API, still checked on every call: a rate no
// run reaches and the registry's largest burst, no monthly quota.
const (
	liftedRate  = 100_000
	liftedBurst = 1_000_000
)

// Requester fields the proxied population calls send, as the adapter
// sends its own: the agency, the officer and the purpose (NĐ 13/2023).
const (
	benchLegalBasis = "Luat Cu tru 2020"
	benchCaseRef    = "BENCH-0001"
	benchOfficer    = "canbo-bench"
)

// liftDemoTier lifts the demo tier every demo subscription is on.
func liftDemoTier(ctx context.Context, a *jsoncall.Admin) error {
	body := map[string]any{"ratePerSecond": liftedRate, "burst": liftedBurst, "monthlyQuota": 0}
	if err := a.Do(ctx, http.MethodPatch, "/admin/v1/tiers/"+url.PathEscape(registry.DemoTierName), body, nil); err != nil {
		return fmt.Errorf("lift the demo tier: %w", err)
	}
	return nil
}

// registerPopulationProxy registers the simulator's population API behind
// the gateway as the demo registers its business API (OAuth2 client
// credentials to the simulator), publishes it and subscribes the demo
// application to it on the demo tier, approved.
func registerPopulationProxy(ctx context.Context, a *jsoncall.Admin, simURL string) error {
	ctxName, version, _ := strings.Cut(strings.Trim(ngsp.PopulationContext, "/"), "/")
	var created struct {
		API struct {
			ID string `json:"id"`
		} `json:"api"`
	}
	err := a.Do(ctx, http.MethodPost, "/admin/v1/apis", map[string]any{"api": map[string]any{
		"name": "CSDL quốc gia về dân cư (mô phỏng, đo tải)", "context": ctxName, "version": version,
		"description":  "Population lookup proxied to the NGSP simulator, for the adapters benchmark / Tra cứu dân cư qua mô phỏng NGSP",
		"ownerAgency":  registry.DemoAgencyCode,
		"visibility":   "API_VISIBILITY_PUBLIC",
		"approvalMode": "APPROVAL_MODE_MANUAL",
		"endpoints":    []map[string]any{{"url": simURL + ngsp.PopulationContext, "weight": 1}},
		"upstreamAuth": map[string]any{
			"type": "UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS", "tokenUrl": simURL + ngsp.PathToken,
			"clientId": ngsp.DemoConsumerKey, "clientSecret": ngsp.DemoConsumerSecret,
		},
	}}, &created)
	if err != nil {
		return fmt.Errorf("population API: %w", err)
	}
	id := created.API.ID
	if err := a.Do(ctx, http.MethodPost, "/admin/v1/apis/"+id+":transition", map[string]any{"lifecycle": "API_LIFECYCLE_PUBLISHED"}, nil); err != nil {
		return fmt.Errorf("publish the population API: %w", err)
	}
	var apps struct {
		Applications []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"applications"`
	}
	if err := a.Do(ctx, http.MethodGet, "/admin/v1/applications?agencyCode="+url.QueryEscape(registry.DemoAgencyCode), nil, &apps); err != nil {
		return fmt.Errorf("demo applications: %w", err)
	}
	appID := ""
	for _, app := range apps.Applications {
		if app.Name == registry.DemoAppName {
			appID = app.ID
		}
	}
	if appID == "" {
		return fmt.Errorf("the dev demo has no application %q", registry.DemoAppName)
	}
	var sub struct {
		Subscription struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"subscription"`
	}
	if err := a.Do(ctx, http.MethodPost, "/admin/v1/subscriptions", map[string]any{"applicationId": appID, "apiId": id, "tier": registry.DemoTierName}, &sub); err != nil {
		return fmt.Errorf("subscribe the demo application: %w", err)
	}
	if sub.Subscription.State == "SUBSCRIPTION_STATE_PENDING" {
		if err := a.Do(ctx, http.MethodPost, "/admin/v1/subscriptions/"+sub.Subscription.ID+":approve", map[string]any{"reason": "benchmark"}, nil); err != nil {
			return fmt.Errorf("approve the subscription: %w", err)
		}
	}
	return nil
}

// waitServed calls probe until it succeeds more times in a row than the
// demo tier's burst (40): the gateway, which reloads the registry within
// a second of a change, then routes the change and applies the lifted
// tier.
func waitServed(ctx context.Context, what string, probe func(context.Context) error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		for range 100 {
			if err = probe(ctx); err != nil {
				break
			}
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s: still refused after 30 s: %w", what, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// clientToken gets an access token by OAuth2 client credentials (the
// gateway's /token and the simulator's take the same form).
func clientToken(ctx context.Context, hc *http.Client, tokenURL, id, secret string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &tr) != nil || tr.AccessToken == "" {
		return "", fmt.Errorf("token from %s: HTTP %d", tokenURL, resp.StatusCode)
	}
	return tr.AccessToken, nil
}

// simControl reads and drives the simulator's admin surface.
type simControl struct {
	base, token string
	hc          *http.Client
}

func (s simControl) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + s.token}}
}

func (s simControl) stats(ctx context.Context) (ngsp.Stats, error) {
	var st ngsp.Stats
	err := jsoncall.Do(ctx, s.hc, http.MethodGet, s.base+ngsp.AdminPrefix+"stats", s.header(), nil, &st)
	return st, err
}

// revokeTokens makes every token the simulator issued invalid, as NGSP
// revoking them early would.
func (s simControl) revokeTokens(ctx context.Context) (int, error) {
	var out struct {
		Revoked int `json:"revoked"`
	}
	err := jsoncall.Do(ctx, s.hc, http.MethodDelete, s.base+ngsp.AdminPrefix+"tokens", s.header(), nil, &out)
	return out.Revoked, err
}

func (s simControl) demo(ctx context.Context) (ngsp.Demo, error) {
	var d ngsp.Demo
	err := jsoncall.Do(ctx, s.hc, http.MethodGet, s.base+ngsp.AdminPrefix+"demo", nil, nil, &d)
	return d, err
}

// calls is how many calls path received, every status counted.
func calls(st ngsp.Stats, path string) int64 {
	var n int64
	for _, c := range st.Paths[path] {
		n += c
	}
	return n
}

// tokenRequests is how many token requests the simulator received, under
// either of its token paths.
func tokenRequests(st ngsp.Stats) int64 {
	return calls(st, ngsp.PathToken) + calls(st, ngsp.PathOAuth2Token)
}

// identifiers are the records the load spreads its calls over.
type identifiers struct {
	enterprises []string
	citizens    []string
}

// discover lists the simulator's enterprises (a search of "công ty",
// which every name holds) and the citizens /_sim/demo names, keeping
// those the simulator answers in full (errorCode 0): the incomplete
// records answer 200 with a partial record, which the typed and proxied
// paths do not treat alike.
func discover(ctx context.Context, sim simControl, direct *http.Client, bearer string) (identifiers, error) {
	var ids identifiers
	get := func(path string, q url.Values, out any) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, sim.base+path+"?"+q.Encode(), nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", "Bearer "+bearer)
		setRequester(req.Header, registry.DemoAgencyCode)
		resp, err := direct.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var env struct {
			ErrorCode string          `json:"errorCode"`
			Data      json.RawMessage `json:"data"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&env); err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		if out != nil && env.ErrorCode == "0" {
			if err := json.Unmarshal(env.Data, out); err != nil {
				return "", fmt.Errorf("%s: %w", path, err)
			}
		}
		return env.ErrorCode, nil
	}
	var found struct {
		DanhSach []struct {
			MaSoDoanhNghiep string `json:"maSoDoanhNghiep"`
		} `json:"danhSach"`
	}
	if _, err := get(ngsp.PathBusinessSearch, url.Values{"ten": {"công ty"}, "soLuong": {"100"}}, &found); err != nil {
		return ids, err
	}
	for _, e := range found.DanhSach {
		code, err := get(ngsp.PathBusinessDetail, url.Values{"msdn": {e.MaSoDoanhNghiep}}, nil)
		if err != nil {
			return ids, err
		}
		if code == "0" {
			ids.enterprises = append(ids.enterprises, e.MaSoDoanhNghiep)
		}
	}
	d, err := sim.demo(ctx)
	if err != nil {
		return ids, err
	}
	for _, id := range []string{d.SoDinhDanh, d.UnmarriedSoDinhDanh, d.DeceasedSoDinhDanh, d.IncompleteSoDinhDanh} {
		code, err := get(ngsp.PathCitizen, url.Values{"soDinhDanh": {id}}, nil)
		if err != nil {
			return ids, err
		}
		if code == "0" {
			ids.citizens = append(ids.citizens, id)
		}
	}
	if len(ids.enterprises) == 0 || len(ids.citizens) == 0 {
		return ids, errors.New("the simulator answered no enterprise or no citizen in full")
	}
	return ids, nil
}

// setRequester sets the requester fields NGSP wants with a personal-data
// lookup: the agency, the officer and the purpose.
func setRequester(h http.Header, agency string) {
	h.Set("maDonVi", agency)
	h.Set("maCanBo", benchOfficer)
	h.Set("mucDich", benchLegalBasis+" | "+benchCaseRef)
}
