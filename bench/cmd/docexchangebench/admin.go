package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/bench/internal/jsoncall"
)

// The agencies of the dev demo the benchmark sends between.
const (
	agencyG22 = "000.00.00.G22"
	agencyH41 = "000.00.00.H41"
	agencyH14 = "000.00.00.H14"
)

// benchTier lifts the demo tier's 20 requests a second: checked on every
// call like any tier, it never refuses one on this machine, and has no
// monthly quota. Its burst is the registry's largest, 20 s of calls at its
// rate: the gateway checks the rate with the time it read before
// authenticating the call, so a burst of a fraction of a second (1,000,000
// a second with a burst of 100,000 is 0.1 s) refuses calls whose
// authentication waited longer than that behind others.
const (
	benchTier      = "bench"
	benchTierRate  = 50_000
	benchTierBurst = 1_000_000
)

// benchApp is an application the benchmark registered for one agency,
// with the signed-header credential national software would use.
type benchApp struct {
	agency, appID    string
	systemID, secret string
}

// benchSetup is what the benchmark registered.
type benchSetup struct {
	apiID string // vdxp/1.0
	apps  map[string]benchApp
}

// registerBench creates, through the admin REST API only, the tier
// "bench" and, for each agency, an application with a signed-header
// credential subscribed to vdxp/1.0 on that tier (approved at once: the
// demo API approves automatically).
func registerBench(ctx context.Context, a *jsoncall.Admin, agencies []string) (*benchSetup, error) {
	tier := map[string]any{
		"name": benchTier, "description": "Benchmark: checked on every call, never refusing / Gói đo tải",
		"ratePerSecond": benchTierRate, "burst": benchTierBurst, "monthlyQuota": 0,
	}
	if err := a.Do(ctx, http.MethodPost, "/admin/v1/tiers", tier, nil); err != nil {
		return nil, fmt.Errorf("tier: %w", err)
	}
	var apis struct {
		Apis []struct {
			ID      string `json:"id"`
			Version string `json:"version"`
		} `json:"apis"`
	}
	if err := a.Do(ctx, http.MethodGet, "/admin/v1/apis?context="+url.QueryEscape("vdxp"), nil, &apis); err != nil {
		return nil, fmt.Errorf("apis: %w", err)
	}
	s := &benchSetup{apps: map[string]benchApp{}}
	for _, api := range apis.Apis {
		if api.Version == "1.0" {
			s.apiID = api.ID
		}
	}
	if s.apiID == "" {
		return nil, errors.New("the dev demo has no vdxp/1.0 API")
	}
	for _, code := range agencies {
		var app struct {
			Application struct {
				ID string `json:"id"`
			} `json:"application"`
		}
		if err := a.Do(ctx, http.MethodPost, "/admin/v1/applications", map[string]any{
			"name": "Đo tải liên thông văn bản " + code, "agencyCode": code,
			"description": "Document exchange benchmark / Ứng dụng đo tải",
		}, &app); err != nil {
			return nil, fmt.Errorf("application of %s: %w", code, err)
		}
		var cred struct {
			Credential struct {
				KeyID string `json:"keyId"`
			} `json:"credential"`
			Secret string `json:"secret"`
		}
		if err := a.Do(ctx, http.MethodPost, "/admin/v1/applications/"+app.Application.ID+"/credentials", map[string]any{
			"type": "CREDENTIAL_TYPE_SIGNED_HEADER", "description": "benchmark",
		}, &cred); err != nil {
			return nil, fmt.Errorf("credential of %s: %w", code, err)
		}
		var sub struct {
			Subscription struct {
				State string `json:"state"`
			} `json:"subscription"`
		}
		if err := a.Do(ctx, http.MethodPost, "/admin/v1/subscriptions", map[string]any{
			"applicationId": app.Application.ID, "apiId": s.apiID, "tier": benchTier,
		}, &sub); err != nil {
			return nil, fmt.Errorf("subscription of %s: %w", code, err)
		}
		if sub.Subscription.State != "SUBSCRIPTION_STATE_APPROVED" {
			return nil, fmt.Errorf("subscription of %s is %s, not approved", code, sub.Subscription.State)
		}
		s.apps[code] = benchApp{agency: code, appID: app.Application.ID, systemID: cred.Credential.KeyID, secret: cred.Secret}
	}
	return s, nil
}

// waitRoutable waits until the gateway, which reloads the registry within
// a second of a change, lets every bench application through.
func waitRoutable(ctx context.Context, gatewayURL string, s *benchSetup) error {
	deadline := time.Now().Add(30 * time.Second)
	for _, app := range s.apps {
		c := vdxp.New(gatewayURL+"/vdxp/1.0", app.systemID, app.secret)
		c.Retries = 0
		for {
			_, err := c.Count(ctx, vdxp.MessageEdoc)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the gateway still refuses %s's bench application: %w", app.agency, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

// goMemory is the Go runtime's view of the platform's memory, from its
// /metrics: what the heap holds against what the process keeps resident.
type goMemory struct {
	// heapInuse is the heap's spans in use (live objects and garbage not
	// yet collected); heapRetained is free heap the runtime has not yet
	// returned to the system; sys is everything the runtime obtained.
	heapInuse, heapRetained, sys int64
}

// readGoMemory reads the platform's /metrics with the admin session.
func readGoMemory(ctx context.Context, a *jsoncall.Admin) (goMemory, error) {
	page, err := a.Text(ctx, "/metrics", 16<<20)
	if err != nil {
		return goMemory{}, err
	}
	return parseGoMemory(page), nil
}

// parseGoMemory reads the go_memstats gauges of a Prometheus text page.
func parseGoMemory(page string) goMemory {
	v := map[string]int64{}
	for _, line := range strings.Split(page, "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(name, "go_memstats_") {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err == nil {
			v[name] = int64(f)
		}
	}
	return goMemory{
		heapInuse:    v["go_memstats_heap_inuse_bytes"],
		heapRetained: v["go_memstats_heap_idle_bytes"] - v["go_memstats_heap_released_bytes"],
		sys:          v["go_memstats_sys_bytes"],
	}
}
