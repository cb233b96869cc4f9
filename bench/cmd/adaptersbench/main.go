package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/bench/internal/benchcmd"
	"github.com/lgsp-vn/lgsp/bench/internal/benchdoc"
	"github.com/lgsp-vn/lgsp/bench/internal/devchild"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
	"github.com/lgsp-vn/lgsp/bench/internal/jsoncall"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// sectionName names the markers of this benchmark's section of
// docs/BENCHMARKS.md.
const sectionName = "adaptersbench"

type settings struct {
	benchcmd.Settings
	clients  []int
	rounds   int
	warmup   time.Duration
	duration time.Duration
	burst    int
}

func main() {
	var s settings
	var clients string
	s.Register(sectionName, "temporary data directories and logs")
	flag.StringVar(&clients, "clients", "32,64", "concurrent clients of each scenario, comma-separated")
	flag.IntVar(&s.rounds, "rounds", 3, "interleaved rounds of every scenario for each number of clients")
	flag.DurationVar(&s.warmup, "warmup", 2*time.Second, "warm-up of each run, not measured")
	flag.DurationVar(&s.duration, "duration", 10*time.Second, "measured period of each run")
	flag.IntVar(&s.burst, "burst", 200, "citizen lookups fired at once in the token-refresh test")
	flag.Parse()
	benchcmd.Log("adaptersbench")
	var err error
	if s.clients, err = benchcmd.Counts(clients); err != nil {
		log.Fatalf("-clients: %v", err)
	}
	if s.rounds < 1 || s.duration <= 0 || s.warmup < 0 || s.burst < 1 {
		log.Fatal("-rounds, -duration and -burst must be positive, -warmup not negative")
	}
	command := benchdoc.CommandLine("adaptersbench", os.Args[1:])
	benchcmd.Run(s.LGSP, func(ctx context.Context) error { return run(ctx, s, command) })
}

func run(ctx context.Context, s settings, command string) error {
	rep := report{settings: s, runs: map[runKey][]loadResult{}, titles: map[string]string{}, intro: benchdoc.Intro{
		Title: "National-database adapters benchmark", Command: "adaptersbench", Target: "bench-adapters", CommandLine: command,
	}}
	rep.intro.Begin()
	ids, err := runCached(ctx, s, &rep)
	if err != nil {
		return fmt.Errorf("first child (business cache on): %w", err)
	}
	if err := runUncached(ctx, s, ids, &rep); err != nil {
		return fmt.Errorf("second child (business cache off): %w", err)
	}
	rep.intro.End(s.LGSP)
	return benchdoc.Publish(s.Out, sectionName, rep.render())
}

// child is a started lgsp dev with what the benchmark needs of it.
type child struct {
	*devchild.Child
	dir   string
	admin *jsoncall.Admin
	sim   simControl
	keep  bool
}

// startChild starts lgsp dev with env added, logs in as its admin and
// lifts the demo tier.
func startChild(ctx context.Context, s settings, name string, env ...string) (*child, error) {
	dir, err := os.MkdirTemp("", "lgsp-adbench-"+name+"-*")
	if err != nil {
		return nil, err
	}
	c := &child{dir: dir, keep: s.Keep}
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return nil, err
	}
	c.sim.token = hex.EncodeToString(token)
	env = append(env, "LGSP_SIM_NGSP_ADMIN_TOKEN="+c.sim.token,
		"LGSP_SIM_NGSP_CONSUMER_KEY="+ngsp.DemoConsumerKey, "LGSP_SIM_NGSP_CONSUMER_SECRET="+ngsp.DemoConsumerSecret)
	t0 := time.Now()
	c.Child, err = devchild.Start(devchild.Options{
		Bin: s.LGSP, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "lgsp.log"),
		Env: env, Extra: []devchild.Listener{simListener},
	})
	if err != nil {
		c.stop()
		return nil, err
	}
	c.sim.base, c.sim.hc = c.URL(simListener), pooledClient(4)
	log.Printf("%s: lgsp dev (pid %d) ready in %s: gateway %s, admin %s, NGSP simulator %s",
		name, c.PID(), time.Since(t0).Round(time.Millisecond), c.GatewayURL, c.AdminURL, c.sim.base)
	pw, err := c.AdminPassword()
	if err == nil {
		c.admin, err = jsoncall.LoginAdmin(ctx, c.AdminURL, pw)
	}
	if err == nil {
		err = liftDemoTier(ctx, c.admin)
	}
	if err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *child) stop() {
	if c.Child != nil {
		if err := c.Stop(); err != nil {
			log.Printf("lgsp dev: %v", err)
		}
	}
	if c.keep {
		log.Printf("kept %s", c.dir)
		return
	}
	_ = os.RemoveAll(c.dir)
}

// Scenario keys.
const (
	keyTypedCached   = "a1"
	keyTypedUncached = "a2"
	keyProxied       = "b"
	keyProxied2      = "b2"
	keyDirect        = "c"
	keyCitizen       = "d"
	keyCitizenProxy  = "e"
)

// typedBusiness is scenario (a): the adapter through the gateway.
func typedBusiness(key, title, gateway string, codes []string, hc *http.Client) *scenario {
	return &scenario{key: key, title: title, simPath: ngsp.PathBusinessDetail, hc: hc,
		request: func(ctx context.Context, i int) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, gateway+"/ngsp-business/v1/enterprises/"+codes[i%len(codes)], nil)
			if err == nil {
				req.Header.Set("apikey", registry.AdaptersDemoAPIKey)
			}
			return req, err
		}}
}

// proxiedBusiness is scenario (b): the demo's business-registration API
// proxied to the simulator, with the demo client's gateway token.
func proxiedBusiness(key, gateway, bearer string, codes []string, hc *http.Client) *scenario {
	base := gateway + "/" + registry.DemoAPIContext + "/" + registry.DemoAPIVersion + "/chiTietDoanhNghiep?msdn="
	return &scenario{key: key, title: fmt.Sprintf("proxied: the gateway to the simulator (OAuth2 both ways), %d codes", len(codes)),
		simPath: ngsp.PathBusinessDetail, envelope: true, hc: hc,
		request: func(ctx context.Context, i int) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+codes[i%len(codes)], nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			return req, err
		}}
}

// typedCitizen is scenario (d): a citizen through the gateway and the
// adapter, with a legal basis and a case.
func typedCitizen(gateway string, citizens []string, hc *http.Client) *scenario {
	q := url.Values{"legalBasis": {benchLegalBasis}, "caseRef": {benchCaseRef}}.Encode()
	return &scenario{key: keyCitizen, title: "typed citizen with a purpose: not cached, one access-log entry per call",
		simPath: ngsp.PathCitizen, hc: hc,
		request: func(ctx context.Context, i int) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, gateway+"/ngsp-population/v1/citizens/"+citizens[i%len(citizens)]+"?"+q, nil)
			if err == nil {
				req.Header.Set("apikey", registry.AdaptersDemoAPIKey)
			}
			return req, err
		}}
}

// runCached is the first child: scenarios a1, b, c, d and e in
// interleaved rounds. It returns the identifiers it found, for the
// second.
func runCached(ctx context.Context, s settings, rep *report) (identifiers, error) {
	c, err := startChild(ctx, s, "cached")
	if err != nil {
		return identifiers{}, err
	}
	defer c.stop()
	if err := registerPopulationProxy(ctx, c.admin, c.sim.base); err != nil {
		return identifiers{}, err
	}
	conns := maxOf(s.clients)
	direct := pooledClient(conns)
	simBearer, err := clientToken(ctx, direct, c.sim.base+ngsp.PathToken, ngsp.DemoConsumerKey, ngsp.DemoConsumerSecret)
	if err != nil {
		return identifiers{}, err
	}
	ids, err := discover(ctx, c.sim, direct, simBearer)
	if err != nil {
		return ids, err
	}
	rep.enterprises, rep.citizens = len(ids.enterprises), len(ids.citizens)
	log.Printf("cached: %d enterprises and %d citizens answered in full by the simulator", len(ids.enterprises), len(ids.citizens))
	gwClient := pooledClient(conns)
	// The token lists the subscriptions: it is fetched once the
	// population API is subscribed to.
	gwBearer, err := clientToken(ctx, gwClient, c.GatewayURL+"/token", registry.DemoClientID, registry.DemoClientSecret)
	if err != nil {
		return ids, err
	}
	// The proxied population API's path on the gateway is the
	// simulator's: /apiCSDLDC/1.0/congDan.
	proxiedCitizen := func(base, bearer, agency string) func(ctx context.Context, i int) (*http.Request, error) {
		return func(ctx context.Context, i int) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+ngsp.PathCitizen+"?soDinhDanh="+ids.citizens[i%len(ids.citizens)], nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+bearer)
				setRequester(req.Header, agency)
			}
			return req, err
		}
	}
	directBusiness := func(ctx context.Context, i int) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.sim.base+ngsp.PathBusinessDetail+"?msdn="+ids.enterprises[i%len(ids.enterprises)], nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+simBearer)
		}
		return req, err
	}
	scenarios := []*scenario{
		typedBusiness(keyTypedCached, "typed: the gateway and the adapter, one code (business cache on: every call after the first a hit)",
			c.GatewayURL, ids.enterprises[:1], gwClient),
		proxiedBusiness(keyProxied, c.GatewayURL, gwBearer, ids.enterprises, gwClient),
		{key: keyDirect, title: fmt.Sprintf("the simulator directly (floor), %d codes", len(ids.enterprises)), simPath: ngsp.PathBusinessDetail, envelope: true, hc: direct, request: directBusiness},
		typedCitizen(c.GatewayURL, ids.citizens, gwClient),
		{key: keyCitizenProxy, title: "proxied population API (registered by the benchmark), requester headers", simPath: ngsp.PathCitizen,
			envelope: true, hc: gwClient, request: proxiedCitizen(c.GatewayURL, gwBearer, registry.DemoAgencyCode)},
	}
	for _, sc := range scenarios {
		if err := waitServed(ctx, sc.key, func(ctx context.Context) error { return sc.do(ctx, 0) }); err != nil {
			return ids, err
		}
	}
	return ids, rep.rounds(ctx, s, c, scenarios)
}

// runUncached is the second child, started with the business cache off:
// the token-refresh bursts first, on the fresh child, then a2 against b.
func runUncached(ctx context.Context, s settings, ids identifiers, rep *report) error {
	c, err := startChild(ctx, s, "uncached", "LGSP_ADAPTERS_CACHE_BUSINESS=0")
	if err != nil {
		return err
	}
	defer c.stop()
	conns := max(maxOf(s.clients), s.burst)
	gwClient := pooledClient(conns)
	// The shared catalogs are answered from the cache the adapter warmed at
	// start: waiting for the lifted tier costs NGSP nothing.
	catalogs := &scenario{key: "catalogs", hc: gwClient, request: func(ctx context.Context, _ int) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.GatewayURL+"/ngsp-catalogs/v1", nil)
		if err == nil {
			req.Header.Set("apikey", registry.AdaptersDemoAPIKey)
		}
		return req, err
	}}
	if err := waitServed(ctx, "catalogs", func(ctx context.Context) error { return catalogs.do(ctx, 0) }); err != nil {
		return err
	}
	st, err := c.sim.stats(ctx)
	if err != nil {
		return err
	}
	rep.tokensAtStart = tokenRequests(st)
	citizen := typedCitizen(c.GatewayURL, ids.citizens, gwClient)
	b, err := fireBurst(ctx, citizen, c.sim, "as started (the adapter holds the token it fetched to warm the catalogs)", s.burst, 0)
	if err != nil {
		return err
	}
	logBurst(b)
	rep.bursts = append(rep.bursts, b)
	revoked, err := c.sim.revokeTokens(ctx)
	if err != nil {
		return err
	}
	b, err = fireBurst(ctx, citizen, c.sim, "after DELETE /_sim/tokens (the adapter's token is invalid)", s.burst, revoked)
	if err != nil {
		return err
	}
	logBurst(b)
	rep.bursts = append(rep.bursts, b)

	gwBearer, err := clientToken(ctx, gwClient, c.GatewayURL+"/token", registry.DemoClientID, registry.DemoClientSecret)
	if err != nil {
		return err
	}
	scenarios := []*scenario{
		typedBusiness(keyTypedUncached, fmt.Sprintf("typed: the gateway and the adapter, %d codes, business cache off (LGSP_ADAPTERS_CACHE_BUSINESS=0)", len(ids.enterprises)),
			c.GatewayURL, ids.enterprises, gwClient),
		proxiedBusiness(keyProxied2, c.GatewayURL, gwBearer, ids.enterprises, gwClient),
	}
	for _, sc := range scenarios {
		if err := waitServed(ctx, sc.key, func(ctx context.Context) error { return sc.do(ctx, 0) }); err != nil {
			return err
		}
	}
	return rep.rounds(ctx, s, c, scenarios)
}

func logBurst(b burstResult) {
	log.Printf("  burst of %d, %s: %d answered 200, %d token requests, %d lookups reached the simulator (%d refused 401), all answered in %s (p50 %s, max %s)",
		b.callers, b.name, b.ok, b.tokens, b.reached, b.rejected, b.wall.Round(time.Millisecond), b.p50.Round(100*time.Microsecond), b.max.Round(100*time.Microsecond))
	if len(b.errors) > 0 {
		log.Printf("    failed: %s", failures.Summary(b.errors))
	}
}

// rounds runs every scenario for each number of clients, in interleaved
// rounds, and reads the simulator's calls around each run.
func (r *report) rounds(ctx context.Context, s settings, c *child, scenarios []*scenario) error {
	for _, clients := range s.clients {
		for round := 1; round <= s.rounds; round++ {
			for _, sc := range scenarios {
				before, err := c.sim.stats(ctx)
				if err != nil {
					return err
				}
				res := runLoad(ctx, sc, c.PID(), clients, s.warmup, s.duration)
				if err := ctx.Err(); err != nil {
					return err
				}
				after, err := c.sim.stats(ctx)
				if err != nil {
					return err
				}
				res.simCalls = calls(after, sc.simPath) - calls(before, sc.simPath)
				k := runKey{sc.key, clients}
				r.runs[k] = append(r.runs[k], res)
				r.titles[sc.key] = sc.title
				log.Printf("  %d clients, round %d, %s: %.0f req/s, p50 %s p99 %s, failed %d, CPU %s, %.2f simulator calls per call",
					clients, round, sc.key, res.rate(), ms(res.p50), ms(res.p99), res.failed, res.cpu, res.perCall())
				if res.failed > 0 {
					log.Printf("    failed: %s", failures.Summary(res.errors))
				}
			}
		}
	}
	return nil
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
