package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/secretbox"
)

const (
	agencyA      = "000.00.01.H30"
	agencyB      = "000.00.02.H30"
	testInternal = "internal-token-for-tests-0123456789abcdef"
	loopbackURL  = "http://127.0.0.1:9/upstream"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	s     *Service
	db    *sqlstore.DB
	clock *testClock
	cfg   Config
}

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.MasterKey = secretbox.GenerateKey()
	cfg.InternalToken = testInternal
	cfg.UpstreamAllow = []string{"public", "127.0.0.0/8"}
	return cfg
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t *testing.T, db *sqlstore.DB, bus *natsx.Bus, mods ...func(*Config)) *env {
	t.Helper()
	cfg := testConfig()
	for _, m := range mods {
		m(&cfg)
	}
	clock := &testClock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	s, err := New(context.Background(), cfg, db, bus, quietLog(), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &env{s: s, db: db, clock: clock, cfg: cfg}
}

func as(role authn.Role, agency string) context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "test-" + string(role) + "-" + agency, Role: role, Agency: agency, Source: "192.0.2.7"})
}

func adminCtx() context.Context { return as(authn.RolePlatformAdmin, "") }

// must(call())(t) returns call's value and fails the test on its error.
func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// wantErr asserts the gRPC code and the stable error code of err.
func wantErr(t *testing.T, err error, c codes.Code, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s %s, got success", c, code)
	}
	if got := status.Code(err); got != c {
		t.Fatalf("want gRPC code %s (%s), got %s: %v", c, code, got, err)
	}
	var ae *apierr.Error
	if code != "" {
		if !errors.As(err, &ae) || ae.Code != code {
			body, _ := apierr.FromError(err)
			t.Fatalf("want error code %q, got %q: %v", code, body.Code, err)
		}
		if ae.Message == "" || ae.MessageVI == "" {
			t.Fatalf("error %q lacks its English or Vietnamese message", code)
		}
	}
}

// fixture holds a small registry: agencies A and B, tier Gold, a published
// public API and a published private API of A, a draft API of A, and one
// application per agency.
type fixture struct {
	a, b                            string
	publicAPI, privateAPI, draftAPI *registryv1.Api
	appA, appB                      *registryv1.Application
}

func (e *env) agency(t *testing.T, code string) {
	t.Helper()
	must(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: code, Name: "Agency " + code}}))(t)
}

func (e *env) api(t *testing.T, owner, ctxName string, vis registryv1.ApiVisibility, mode registryv1.ApprovalMode, publish bool) *registryv1.Api {
	t.Helper()
	a := must(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{
		Name: "API " + ctxName, Context: ctxName, Version: "1.0", OwnerAgency: owner, Visibility: vis, ApprovalMode: mode,
		Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}},
	}}))(t).GetApi()
	if publish {
		a = must(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))(t).GetApi()
	}
	return a
}

func (e *env) app(t *testing.T, agency, name string) *registryv1.Application {
	t.Helper()
	return must(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: name, AgencyCode: agency}}))(t).GetApplication()
}

func (e *env) fixture(t *testing.T) *fixture { return e.fixtureFor(t, agencyA, agencyB, "") }

// fixtureFor builds the fixture for agencies a and b; suffix keeps API
// contexts unique when several fixtures share a database.
func (e *env) fixtureFor(t *testing.T, a, b, suffix string) *fixture {
	t.Helper()
	e.agency(t, a)
	e.agency(t, b)
	_, err := e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "Gold", RatePerSecond: 10, Burst: 20, MonthlyQuota: 1000}})
	if ignoreExists(err) != nil {
		t.Fatal(err)
	}
	return &fixture{
		a: a, b: b,
		publicAPI:  e.api(t, a, "pubApi"+suffix, registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, registryv1.ApprovalMode_APPROVAL_MODE_MANUAL, true),
		privateAPI: e.api(t, a, "privApi"+suffix, registryv1.ApiVisibility_API_VISIBILITY_PRIVATE, registryv1.ApprovalMode_APPROVAL_MODE_AUTOMATIC, true),
		draftAPI:   e.api(t, a, "draftApi"+suffix, registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, registryv1.ApprovalMode_APPROVAL_MODE_MANUAL, false),
		appA:       e.app(t, a, "app-a"),
		appB:       e.app(t, b, "app-b"),
	}
}

func (e *env) oauthClient(t *testing.T, appID string) (clientID, secret, credID string) {
	t.Helper()
	r := must(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: appID, Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT}))(t)
	return r.GetCredential().GetKeyId(), r.GetSecret(), r.GetCredential().GetId()
}

func serviceCtxForTest() context.Context { return as(authn.RoleService, "") }

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// jsonField returns a string field of a flat JSON object.
func jsonField(obj, name string) string {
	var m map[string]any
	if json.Unmarshal([]byte(obj), &m) != nil {
		return ""
	}
	v, _ := m[name].(string)
	return v
}

func readFile(name string) ([]byte, error) { return os.ReadFile(name) }

func statusCode(err error) codes.Code { return status.Code(err) }
