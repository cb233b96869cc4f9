package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lgsp-vn/lgsp/platform/netguard"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

// dnsTable is a resolver whose answers a test changes, as DNS changes
// after an upstream was registered.
type dnsTable struct {
	mu sync.Mutex
	m  map[string][]netip.Addr
}

func (d *dnsTable) set(host string, addrs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[string][]netip.Addr{}
	}
	d.m[host] = nil
	for _, a := range addrs {
		d.m[host] = append(d.m[host], netip.MustParseAddr(a))
	}
}

func (d *dnsTable) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if a, ok := d.m[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

// TestUpstreamAddressCheckedAtDial registers an upstream by name, then
// changes what the name resolves to: the gateway must refuse to connect to
// loopback (outside "public") and to the metadata address, and answer 502
// without the upstream seeing anything.
func TestUpstreamAddressCheckedAtDial(t *testing.T) {
	up := startUpstream(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(up.url, "http://"))
	dns := &dnsTable{}
	dns.set("api.tinh.example", "127.0.0.1")
	h := startGatewayWith(t, up.url, setup{
		tweak:   func(c *Config) { c.UpstreamAllow = []string{"public"} },
		opts:    []Option{WithResolver(dns)},
		regOpts: []registrytest.Option{registrytest.WithConfig(func(c *registry.Config) { c.UpstreamAllow = append(c.UpstreamAllow, "*.tinh.example") })},
	})
	h.updateAPI1(&registryv1.Api{Endpoints: []*registryv1.UpstreamEndpoint{{Url: "http://api.tinh.example:" + port + "/base", Weight: 1}}}, "endpoints")
	tok := h.w.bearerOf("app1")
	refused := func() float64 {
		return testutil.ToFloat64(h.gw.metrics.upstreamErrors.WithLabelValues(h.w.api1.GetId(), "forbidden_address"))
	}
	before := refused()

	h.expectError(h.do("GET", p1, tok, ""), 502, "upstream_unavailable")
	dns.set("api.tinh.example", "169.254.169.254")
	start := time.Now()
	h.expectError(h.do("GET", p1, tok, ""), 502, "upstream_unavailable")
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing the metadata address took %s: it was dialled", d)
	}
	if n := up.hits.Load(); n != 0 {
		t.Fatalf("upstream received %d requests through a refused address", n)
	}
	if got := refused() - before; got < 2 {
		t.Errorf("forbidden_address counted %v times, want 2", got)
	}

	// The same name is served once the policy admits what it resolves to:
	// the refusals above came from the policy, not from DNS.
	dns.set("api.tinh.example", "127.0.0.1")
	h2 := startGatewayWith(t, up.url, setup{
		tweak:   func(c *Config) { c.UpstreamAllow = []string{"public", "127.0.0.0/8"} },
		opts:    []Option{WithResolver(dns)},
		regOpts: []registrytest.Option{registrytest.WithConfig(func(c *registry.Config) { c.UpstreamAllow = append(c.UpstreamAllow, "*.tinh.example") })},
	})
	h2.updateAPI1(&registryv1.Api{Endpoints: []*registryv1.UpstreamEndpoint{{Url: "http://api.tinh.example:" + port + "/base", Weight: 1}}}, "endpoints")
	if r := h2.do("GET", p1, h2.w.bearerOf("app1"), ""); r.status != 200 || up.hits.Load() != 1 {
		t.Fatalf("allowed address: %d %s, upstream hits %d", r.status, r.body, up.hits.Load())
	}
}

// tokenServer is an OAuth2 token endpoint counting its calls; redirect,
// when set, answers 302 to it instead.
func tokenServer(t *testing.T, redirect string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if redirect != "" {
			http.Redirect(w, r, redirect, http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func guardOf(t *testing.T, dns netguard.Resolver, entries ...string) *netguard.Policy {
	t.Helper()
	p, err := netguard.Parse(entries)
	if err != nil {
		t.Fatal(err)
	}
	return p.WithResolver(dns)
}

// TestUpstreamTokenAddressCheckedAtDial: upstream token requests carry the
// client secret, so they go through the same check as the proxy.
func TestUpstreamTokenAddressCheckedAtDial(t *testing.T) {
	srv, hits := tokenServer(t, "")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	dns := &dnsTable{}
	tokenURL := "http://idp.tinh.example:" + port + "/token"
	now := time.Now

	dns.set("idp.tinh.example", "127.0.0.1")
	src := newOAuthSource(tokenURL, "id", "secret", "", now, guardOf(t, dns, "public"))
	if _, err := src.authorization(context.Background()); !errors.Is(err, netguard.ErrDialDenied) {
		t.Fatalf("token endpoint on loopback under \"public\": %v, want refused", err)
	}
	dns.set("idp.tinh.example", "169.254.169.254")
	src = newOAuthSource(tokenURL, "id", "secret", "", now, guardOf(t, dns, "0.0.0.0/0"))
	if _, err := src.authorization(context.Background()); !errors.Is(err, netguard.ErrDialDenied) {
		t.Fatalf("token endpoint on the metadata address: %v, want refused", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("token endpoint reached %d times through refused addresses", n)
	}
	dns.set("idp.tinh.example", "127.0.0.1")
	src = newOAuthSource(tokenURL, "id", "secret", "", now, guardOf(t, dns, "public", "127.0.0.0/8"))
	if h, err := src.authorization(context.Background()); err != nil || h != "Bearer tok" {
		t.Fatalf("allowed token endpoint: %q %v", h, err)
	}
}

// TestUpstreamTokenRedirectNotFollowed: a redirect would send the client
// secret to an address nobody checked.
func TestUpstreamTokenRedirectNotFollowed(t *testing.T) {
	target, targetHits := tokenServer(t, "")
	first, firstHits := tokenServer(t, target.URL+"/token")
	dns := &dnsTable{}
	src := newOAuthSource(first.URL+"/token", "id", "secret", "", time.Now, guardOf(t, dns, "public", "127.0.0.0/8"))
	_, err := src.authorization(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not followed") || !strings.Contains(err.Error(), "302") {
		t.Fatalf("redirecting token endpoint: %v, want a failure naming the redirect", err)
	}
	if firstHits.Load() != 1 || targetHits.Load() != 0 {
		t.Fatalf("first endpoint %d calls, redirect target %d; want 1 and 0", firstHits.Load(), targetHits.Load())
	}
}
