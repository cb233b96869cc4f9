package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Test fixtures: one signing key for the whole test binary.
var (
	keyOnce    sync.Once
	signingKey *rsa.PrivateKey
	otherKey   *rsa.PrivateKey
)

const (
	testKid      = "k1"
	testIssuer   = "https://lgsp.test"
	testAudience = "lgsp-gateway"
	agencyOK     = "000.00.00.H30"
	agencyOff    = "000.00.00.H99"
	apiKeyOne    = "key-one-0123456789"
	sysID        = "sys-1"
	sysSecret    = "sig-secret"
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		var err error
		if signingKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if otherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return signingKey, otherKey
}

func jwksJSON(pub *rsa.PublicKey) string {
	b, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": testKid, "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	return string(b)
}

type tokenOpts struct {
	key      *rsa.PrivateKey
	sub, cid string
	aud      string
	exp      time.Duration
}

func signToken(t testing.TB, o tokenOpts) string {
	k, _ := keys(t)
	if o.key == nil {
		o.key = k
	}
	if o.aud == "" {
		o.aud = testAudience
	}
	if o.exp == 0 {
		o.exp = time.Hour
	}
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": testIssuer, "aud": o.aud, "sub": o.sub, "cid": o.cid, "client_id": "client-" + o.sub,
		"agency": agencyOK, "iat": now.Unix(), "exp": now.Add(o.exp).Unix(), "jti": randomID(8),
	})
	tok.Header["kid"] = testKid
	s, err := tok.SignedString(o.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keyHash(k string) []byte { s := sha256.Sum256([]byte(k)); return s[:] }

// baseSnapshot is a small registry: one published API at
// /apiCSDLDKDN/1.0 served by upstreamURL, applications in every state.
func baseSnapshot(t testing.TB, upstreamURL string) *registryv1.Snapshot {
	k, _ := keys(t)
	approved := registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED
	allAuth := []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_JWT, registryv1.AuthMethod_AUTH_METHOD_API_KEY, registryv1.AuthMethod_AUTH_METHOD_SIGNED_HEADER}
	return &registryv1.Snapshot{
		Revision: 1,
		Token:    &registryv1.TokenConfig{Issuer: testIssuer, Audience: testAudience, JwksJson: jwksJSON(&k.PublicKey)},
		Agencies: []*registryv1.AgencyConfig{{Code: agencyOK, Active: true}, {Code: agencyOff, Active: false}},
		Tiers: []*registryv1.TierConfig{
			{Name: "gold", RatePerSecond: 100000, Burst: 100000},
			{Name: "tiny", RatePerSecond: 1, Burst: 2},
		},
		Applications: []*registryv1.ApplicationConfig{
			{Id: "app-1", AgencyCode: agencyOK, Active: true, Credentials: []*registryv1.CredentialConfig{
				{Id: "cred-jwt-1", Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT, KeyId: "client-app-1"},
				{Id: "cred-key-1", Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY, KeyId: "key-1", KeyHash: keyHash(apiKeyOne)},
				{Id: "cred-sig-1", Type: registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER, KeyId: sysID, HmacSecret: sysSecret},
			}},
			{Id: "app-nosub", AgencyCode: agencyOK, Active: true, Credentials: []*registryv1.CredentialConfig{
				{Id: "cred-jwt-nosub", Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT},
			}},
			{Id: "app-pending", AgencyCode: agencyOK, Active: true, Credentials: []*registryv1.CredentialConfig{
				{Id: "cred-jwt-pending", Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT},
			}},
			{Id: "app-subsusp", AgencyCode: agencyOK, Active: true, Credentials: []*registryv1.CredentialConfig{
				{Id: "cred-jwt-subsusp", Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT},
			}},
			{Id: "app-off", AgencyCode: agencyOK, Active: false, Credentials: []*registryv1.CredentialConfig{
				{Id: "cred-jwt-off", Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT},
			}},
			{Id: "app-agoff", AgencyCode: agencyOff, Active: true, Credentials: []*registryv1.CredentialConfig{
				{Id: "cred-jwt-agoff", Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT},
			}},
			{Id: "app-tiny", AgencyCode: agencyOK, Active: true, Credentials: []*registryv1.CredentialConfig{
				{Id: "cred-jwt-tiny", Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT},
			}},
		},
		Subscriptions: []*registryv1.SubscriptionConfig{
			{Id: "sub-1", ApplicationId: "app-1", ApiId: "api-1", Tier: "gold", State: approved},
			{Id: "sub-pending", ApplicationId: "app-pending", ApiId: "api-1", Tier: "gold", State: registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING},
			{Id: "sub-susp", ApplicationId: "app-subsusp", ApiId: "api-1", Tier: "gold", State: registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED},
			{Id: "sub-off", ApplicationId: "app-off", ApiId: "api-1", Tier: "gold", State: approved},
			{Id: "sub-agoff", ApplicationId: "app-agoff", ApiId: "api-1", Tier: "gold", State: approved},
			{Id: "sub-tiny", ApplicationId: "app-tiny", ApiId: "api-1", Tier: "tiny", State: approved},
			{Id: "sub-1-retired", ApplicationId: "app-1", ApiId: "api-retired", Tier: "gold", State: approved},
			{Id: "sub-1-dep", ApplicationId: "app-1", ApiId: "api-dep", Tier: "gold", State: approved},
		},
		Apis: []*registryv1.ApiRoute{
			{Id: "api-1", Name: "Doanh nghiệp", Context: "apiCSDLDKDN", Version: "1.0", OwnerAgency: agencyOK,
				Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED, AuthMethods: allAuth,
				Endpoints: []*registryv1.UpstreamEndpoint{{Url: upstreamURL + "/base", Weight: 1}},
				Resources: []*registryv1.ApiResource{
					{Method: "GET", Path: "/chiTietDoanhNghiep"},
					{Method: "GET", Path: "/doanhnghiep/{msdn}"},
					{Method: "POST", Path: "/doanhnghiep"},
					{Method: "*", Path: "/echo/{rest+}"},
				}},
			{Id: "api-public", Context: "dmdc", Version: "1.0", Public: true, OwnerAgency: agencyOK,
				Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED,
				Endpoints: []*registryv1.UpstreamEndpoint{{Url: upstreamURL, Weight: 1}}},
			{Id: "api-retired", Context: "old", Version: "0.9", OwnerAgency: agencyOK,
				Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED,
				Endpoints: []*registryv1.UpstreamEndpoint{{Url: upstreamURL, Weight: 1}}},
			{Id: "api-dep", Context: "dep", Version: "2.0", OwnerAgency: agencyOK,
				Lifecycle:  registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED,
				SunsetTime: timestamppb.New(time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)),
				Endpoints:  []*registryv1.UpstreamEndpoint{{Url: upstreamURL, Weight: 1}}},
		},
	}
}

// testRegistry is a real Registry over a snapshot the test controls.
type testRegistry struct {
	mu        sync.Mutex
	snap      *registryv1.Snapshot
	clients   map[string]string // client id → secret
	fetches   atomic.Int64
	failIssue error
}

func (r *testRegistry) set(s *registryv1.Snapshot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.snap != nil && s.Revision <= r.snap.Revision {
		s.Revision = r.snap.Revision + 1
	}
	r.snap = s
}

// update applies f to a copy of the current snapshot and bumps the revision.
func (r *testRegistry) update(f func(s *registryv1.Snapshot)) {
	r.mu.Lock()
	s := proto.Clone(r.snap).(*registryv1.Snapshot)
	r.mu.Unlock()
	f(s)
	r.set(s)
}

func (r *testRegistry) GetSnapshot(_ context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error) {
	r.fetches.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.GetKnownRevision() == r.snap.GetRevision() {
		return &registryv1.GetSnapshotResponse{NotModified: true}, nil
	}
	return &registryv1.GetSnapshotResponse{Snapshot: proto.Clone(r.snap).(*registryv1.Snapshot)}, nil
}

func (r *testRegistry) IssueToken(_ context.Context, req *registryv1.IssueTokenRequest) (*registryv1.IssueTokenResponse, error) {
	if r.failIssue != nil {
		return nil, r.failIssue
	}
	r.mu.Lock()
	secret, ok := r.clients[req.GetClientId()]
	r.mu.Unlock()
	if !ok || secret != req.GetClientSecret() {
		return nil, status.Error(codes.Unauthenticated, "bad client")
	}
	k, _ := keys(nil)
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": "app-1", "cid": "cred-jwt-1", "client_id": req.GetClientId(),
		"agency": agencyOK, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": randomID(8),
	})
	tok.Header["kid"] = testKid
	s, err := tok.SignedString(k)
	if err != nil {
		return nil, err
	}
	return &registryv1.IssueTokenResponse{AccessToken: s, TokenType: "Bearer", ExpiresIn: 3600, Scope: "am_application_scope default"}, nil
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

// harness runs a real gateway on loopback with a real embedded NATS.
type harness struct {
	t      testing.TB
	reg    *testRegistry
	gw     *Gateway
	url    string
	bus    *natsx.Bus
	cancel context.CancelFunc
	done   chan error
	client *http.Client
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
}

func startGateway(t testing.TB, snap *registryv1.Snapshot, tweak func(*Config)) *harness {
	t.Helper()
	_, bus := natstest.Start(t)
	return startGatewayOn(t, bus, snap, tweak)
}

func startGatewayOn(t testing.TB, bus *natsx.Bus, snap *registryv1.Snapshot, tweak func(*Config), opts ...Option) *harness {
	t.Helper()
	reg := &testRegistry{clients: map[string]string{"client-app-1": "s3cret", "we:ird": "p@ss:word"}}
	reg.set(snap)
	cfg := DefaultConfig()
	cfg.PollInterval = 2 * time.Second
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.MeteringFlush = 20 * time.Millisecond
	cfg.AccessLog = "off"
	if tweak != nil {
		tweak(&cfg)
	}
	gw, err := New(cfg, reg, bus, quietLogger(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, reg: reg, gw: gw, url: "http://" + ln.Addr().String(), bus: bus, cancel: cancel, done: make(chan error, 1),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
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

// reload pushes the registry's snapshot to the gateway now.
func (h *harness) reload() {
	h.t.Helper()
	if err := h.gw.Reload(context.Background()); err != nil {
		h.t.Fatal(err)
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

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func natstestStart(t testing.TB) (*natsx.Embedded, *natsx.Bus) { return natstest.Start(t) }

func natstestStartAt(t testing.TB, dir string) (*natsx.Embedded, *natsx.Bus) {
	return natstest.StartAt(t, dir)
}

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
