package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

const (
	agencyOK  = "000.00.00.H30"
	agencyOff = "000.00.00.H99"
)

// world is the registry the gateway tests run against: a real registry
// (registrytest) filled through its public RPCs with one published API at
// /apiCSDLDKDN/1.0 served by the test's upstream, and applications in every
// state.
type world struct {
	reg   *registrytest.Registry
	clock *settableClock

	api1, apiPublic, apiRetired, apiDep *registryv1.Api

	app1     *registryv1.Application
	client1  *registrytest.Client
	sub1     *registryv1.Subscription
	apiKey1  string // API key of app1
	keyCred1 string
	sysID    string // signed-header system of app1
	sysKey   string
	sysCred  string

	// tokens of app1 and of applications in other states, by name: app1,
	// nosub, pending, subsusp, off, agoff, tiny, expired (app1, issued two
	// hours ago) and revoked (a credential revoked since).
	tokens map[string]string
	apps   map[string]*registryv1.Application
}

// settableClock lets a test issue tokens from the past.
type settableClock struct{ offset atomic.Int64 }

func (c *settableClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func newWorld(t testing.TB, reg *registrytest.Registry, clock *settableClock, upstreamURL string) *world {
	t.Helper()
	w := &world{reg: reg, clock: clock, tokens: map[string]string{}, apps: map[string]*registryv1.Application{}}
	reg.Agency(agencyOK)
	reg.Agency(agencyOff)
	reg.Tier("gold", 100000, 100000, 0)
	reg.Tier("tiny", 1, 2, 0)

	w.api1 = reg.PublishedAPI(&registryv1.Api{Name: "Doanh nghiệp", Context: "apiCSDLDKDN", Version: "1.0", OwnerAgency: agencyOK,
		AuthMethods: []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_JWT, registryv1.AuthMethod_AUTH_METHOD_API_KEY, registryv1.AuthMethod_AUTH_METHOD_SIGNED_HEADER},
		Endpoints:   []*registryv1.UpstreamEndpoint{{Url: upstreamURL + "/base", Weight: 1}},
		Resources: []*registryv1.ApiResource{
			{Method: "GET", Path: "/chiTietDoanhNghiep"},
			{Method: "GET", Path: "/doanhnghiep/{msdn}"},
			{Method: "POST", Path: "/doanhnghiep"},
			{Method: "*", Path: "/echo/{rest+}"},
		}})
	w.apiPublic = reg.PublishedAPI(&registryv1.Api{Context: "dmdc", OwnerAgency: agencyOK, AnonymousAccess: true,
		Endpoints: []*registryv1.UpstreamEndpoint{{Url: upstreamURL}}})
	w.apiRetired = reg.PublishedAPI(&registryv1.Api{Context: "old", Version: "0.9", OwnerAgency: agencyOK,
		Endpoints: []*registryv1.UpstreamEndpoint{{Url: upstreamURL}}})
	w.apiDep = reg.PublishedAPI(&registryv1.Api{Context: "dep", Version: "2.0", OwnerAgency: agencyOK,
		AuthMethods: []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_JWT},
		Endpoints:   []*registryv1.UpstreamEndpoint{{Url: upstreamURL}}})

	// app1 holds every kind of credential and is subscribed to every API.
	w.app1 = reg.Application(agencyOK)
	w.client1 = reg.OAuth2Client(w.app1.GetId())
	w.apiKey1, w.keyCred1 = reg.APIKey(w.app1.GetId())
	w.sysID, w.sysKey, w.sysCred = reg.SignedHeader(w.app1.GetId(), "sys-1")
	w.sub1 = reg.Subscribe(w.app1.GetId(), w.api1.GetId(), "gold")
	reg.Subscribe(w.app1.GetId(), w.apiRetired.GetId(), "gold")
	reg.Subscribe(w.app1.GetId(), w.apiDep.GetId(), "gold")
	w.tokens["app1"] = w.client1.Token()
	w.apps["app1"] = w.app1

	// Tokens are issued before suspensions: the registry refuses to issue
	// them afterwards, but tokens already out must be refused by the
	// gateway.
	consumer := func(name, agency, tier string, state func(sub *registryv1.Subscription)) {
		app := reg.Application(agency)
		w.apps[name] = app
		c := reg.OAuth2Client(app.GetId())
		if tier != "" {
			sub := reg.Subscription(app.GetId(), w.api1.GetId(), tier)
			if state != nil {
				state(sub)
			}
		}
		w.tokens[name] = c.Token()
	}
	approve := func(s *registryv1.Subscription) { reg.Approve(s.GetId()) }
	consumer("nosub", agencyOK, "", nil)
	consumer("pending", agencyOK, "gold", func(*registryv1.Subscription) {})
	consumer("subsusp", agencyOK, "gold", func(s *registryv1.Subscription) { reg.Approve(s.GetId()); reg.SuspendSubscription(s.GetId()) })
	consumer("off", agencyOK, "gold", approve)
	consumer("agoff", agencyOff, "gold", approve)
	consumer("tiny", agencyOK, "tiny", approve)
	reg.SuspendApplication(w.apps["off"].GetId())
	reg.DeactivateAgency(agencyOff)

	// A credential revoked after its token was issued.
	gone := reg.OAuth2Client(w.app1.GetId())
	w.tokens["revoked"] = gone.Token()
	reg.RevokeCredential(gone.CredentialID)

	// A token issued two hours ago, expired for an hour.
	clock.offset.Store(int64(-2 * time.Hour))
	w.tokens["expired"] = w.client1.Token()
	clock.offset.Store(0)

	reg.Transition(w.apiRetired.GetId(), registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED, time.Time{})
	reg.Transition(w.apiRetired.GetId(), registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED, time.Time{})
	reg.Transition(w.apiDep.GetId(), registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED, time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC))
	return w
}

// bearerOf is the Authorization header of a named token of the world.
func (w *world) bearerOf(name string) map[string]string {
	tok, ok := w.tokens[name]
	if !ok {
		panic("no token " + name)
	}
	return bearer(tok)
}

func (w *world) apiKey() map[string]string { return map[string]string{"apikey": w.apiKey1} }

// countingRegistry counts snapshot fetches of the real registry behind it
// and remembers the source address of the last token request.
type countingRegistry struct {
	Registry
	fetches     atomic.Int64
	tokenSource atomic.Value // string
	tokenCalls  atomic.Int64
}

func (c *countingRegistry) IssueToken(ctx context.Context, req *registryv1.IssueTokenRequest) (*registryv1.IssueTokenResponse, error) {
	c.tokenCalls.Add(1)
	c.tokenSource.Store(req.GetSourceAddress())
	return c.Registry.IssueToken(ctx, req)
}

func (c *countingRegistry) GetSnapshot(ctx context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error) {
	c.fetches.Add(1)
	return c.Registry.GetSnapshot(ctx, req)
}

// stubRegistry serves a fixed snapshot. It is only for what the real
// registry refuses to produce (see each use).
type stubRegistry struct{ snap *registryv1.Snapshot }

func (r stubRegistry) GetSnapshot(_ context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error) {
	if req.GetKnownRevision() == r.snap.GetRevision() {
		return &registryv1.GetSnapshotResponse{NotModified: true}, nil
	}
	return &registryv1.GetSnapshotResponse{Snapshot: proto.Clone(r.snap).(*registryv1.Snapshot)}, nil
}

func (stubRegistry) IssueToken(context.Context, *registryv1.IssueTokenRequest) (*registryv1.IssueTokenResponse, error) {
	return nil, status.Error(codes.Unauthenticated, "stub registry issues no tokens")
}

// upstream is a real HTTP server on loopback that records what it received.
type upstream struct {
	url   string
	hits  atomic.Int64
	mu    sync.Mutex
	last  *fasthttp.Request
	uri   string // request target exactly as received
	reply atomic.Pointer[func(ctx *fasthttp.RequestCtx)]
	srv   *fasthttp.Server
}

func startUpstream(t testing.TB) *upstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{url: "http://" + ln.Addr().String()}
	u.srv = &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		u.hits.Add(1)
		cp := &fasthttp.Request{}
		ctx.Request.CopyTo(cp)
		u.mu.Lock()
		u.last = cp
		u.uri = string(ctx.Request.Header.RequestURI())
		u.mu.Unlock()
		if f := u.reply.Load(); f != nil {
			(*f)(ctx)
			return
		}
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"ok":true,"uri":` + quoteJSON(string(ctx.RequestURI())) + `}`)
	}, CloseOnShutdown: true}
	go u.srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { _ = u.srv.Shutdown() })
	return u
}

func (u *upstream) setReply(f func(ctx *fasthttp.RequestCtx)) { u.reply.Store(&f) }

func (u *upstream) lastRequest() *fasthttp.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last
}

func (u *upstream) lastURI() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.uri
}

func quoteJSON(s string) string { b, _ := json.Marshal(s); return string(b) }

// harness runs a real gateway on loopback with a real registry and a real
// embedded NATS, which the registry publishes its change events on.
type harness struct {
	t      testing.TB
	reg    *registrytest.Registry
	w      *world
	counts *countingRegistry
	gw     *Gateway
	url    string
	bus    *natsx.Bus
	nats   *natsx.Embedded
	cancel context.CancelFunc
	done   chan error
	client *http.Client
}

func init() {
	// The registry's migrations log through the default logger; keep test
	// and benchmark output to what they report.
	slog.SetDefault(quietLogger())
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
}

// setup varies a harness.
type setup struct {
	tweak func(*Config)
	// natsDir keeps NATS's store there, so that a test can restart it.
	natsDir string
	// ownRegistryBus gives the registry its own NATS: the gateway then
	// sees no change events and learns of changes by polling.
	ownRegistryBus bool
	// registry replaces the real registry (stubs only; see stubRegistry).
	registry Registry
	opts     []Option
	logger   *slog.Logger
	// regOpts adjust the real registry.
	regOpts []registrytest.Option
}

func startGateway(t testing.TB, upstreamURL string, tweak func(*Config)) *harness {
	t.Helper()
	return startGatewayWith(t, upstreamURL, setup{tweak: tweak})
}

func startGatewayWith(t testing.TB, upstreamURL string, s setup) *harness {
	t.Helper()
	h := &harness{t: t, done: make(chan error, 1),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if s.natsDir == "" {
		s.natsDir = t.TempDir()
	}
	h.nats, h.bus = natstest.StartAt(t, s.natsDir)
	reg := s.registry
	if reg == nil {
		clock := &settableClock{}
		opts := []registrytest.Option{registrytest.WithClock(clock.now)}
		if !s.ownRegistryBus {
			opts = append(opts, registrytest.WithBus(h.bus))
		}
		opts = append(opts, s.regOpts...)
		h.reg = registrytest.Start(t, opts...)
		h.w = newWorld(t, h.reg, clock, upstreamURL)
		h.counts = &countingRegistry{Registry: RegistryFromClient(h.reg.GatewayClient())}
		reg = h.counts
	}
	cfg := DefaultConfig()
	cfg.PollInterval = 2 * time.Second
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.MeteringFlush = 20 * time.Millisecond
	cfg.AccessLog = "off"
	cfg.MeteringJournalDir = t.TempDir()
	// The test upstreams listen on loopback, as in dev mode.
	cfg.UpstreamAllow = []string{"public", "127.0.0.0/8", "::1"}
	if s.tweak != nil {
		s.tweak(&cfg)
	}
	log := s.logger
	if log == nil {
		log = quietLogger()
	}
	gw, err := New(cfg, reg, h.bus, log, s.opts...)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.gw, h.url, h.cancel = gw, "http://"+ln.Addr().String(), cancel
	go func() { h.done <- gw.RunListener(ctx, ln) }()
	t.Cleanup(h.stop)
	deadline := time.Now().Add(10 * time.Second)
	for gw.Ready(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("gateway not ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return h
}

// stop shuts the gateway down gracefully and returns RunListener's error.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			h.t.Errorf("gateway stopped with %v", err)
		}
	case <-time.After(15 * time.Second):
		h.t.Error("gateway did not stop")
	}
}

// reload makes the gateway take the registry's current revision now.
func (h *harness) reload() {
	h.t.Helper()
	if err := h.gw.Reload(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	if h.reg != nil {
		if got, want := h.gw.Revision(), h.reg.Revision(); got != want {
			h.t.Fatalf("gateway at revision %d after reload, registry at %d", got, want)
		}
	}
}

type result struct {
	status int
	header http.Header
	body   []byte
	err    errBody
}

type errBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
	RequestID string `json:"request_id"`
}

func (h *harness) do(method, path string, hdr map[string]string, body string) result {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range hdr {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.Header.Get(hdrError) == "gateway" {
		if err := json.Unmarshal(b, &r.err); err != nil {
			h.t.Fatalf("gateway error body is not JSON: %q", b)
		}
	}
	return r
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func (h *harness) expectError(r result, status int, code string) {
	h.t.Helper()
	if r.status != status || r.err.Code != code {
		h.t.Fatalf("got %d %q (%s), want %d %q", r.status, r.err.Code, r.body, status, code)
	}
	if r.header.Get(hdrError) != "gateway" {
		h.t.Fatalf("gateway error without X-LGSP-Error: %v", r.header)
	}
	if r.err.Message == "" || r.err.MessageVI == "" || r.err.RequestID == "" || r.err.RequestID != r.header.Get(hdrRequestID) {
		h.t.Fatalf("incomplete error body %s / request id header %q", r.body, r.header.Get(hdrRequestID))
	}
}

func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sha(s string) []byte { sum := sha256.Sum256([]byte(s)); return sum[:] }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// restartNATS starts a server on the same address and store as a stopped one.
func restartNATS(t testing.TB, dir, clientURL string) *natsx.Embedded {
	t.Helper()
	u, err := url.Parse(clientURL)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: dir, Listen: u.Host}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}
