package metering

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/lgsp-vn/lgsp/internal/testnet"
	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

// logRecorder keeps the messages logged through it.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Level.String()+" "+r.Message)
	return nil
}

// count returns how many messages contain s.
func (l *logRecorder) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

// adminSession logs in to reg as its platform administrator and returns
// the session token.
func adminSession(t *testing.T, reg *registrytest.Registry) string {
	t.Helper()
	ctx := context.Background()
	const password = "mat-khau-quan-tri-2026"
	if _, err := reg.Service.EnsureAdmin(ctx, password); err != nil {
		t.Fatal(err)
	}
	login, err := reg.Server().Login(ctx, &registryv1.LoginRequest{Username: registry.AdminUsername, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return login.GetSessionToken()
}

// dialRegistry connects to the registry at addr as a process without the
// registry does, with the internal token. A lost connection is retried
// within 100ms rather than after gRPC's default backoff of seconds.
func dialRegistry(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authn.PerRPCToken{Token: registrytest.InternalToken, AllowInsecure: true}),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.5, Jitter: 0.2, MaxDelay: 100 * time.Millisecond},
			MinConnectTimeout: 2 * time.Second,
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// serveRegistry serves reg's gRPC API on addr, authenticating callers as
// the registry's listener does, until stop is called: stopping it is the
// registry going down. (registrytest's ServeGRPC stops only with the
// registry.)
func serveRegistry(t *testing.T, reg *registrytest.Registry, addr string) (stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(authn.UnaryInterceptor(reg.Service.Authenticator(), registry.PublicGRPCMethods)))
	reg.Service.RegisterGRPC(srv)
	go func() { _ = srv.Serve(ln) }()
	var once sync.Once
	stop = func() { once.Do(srv.Stop) }
	t.Cleanup(stop)
	return stop
}

// adminSurface mounts metering's REST face and CSV export behind the
// authentication middleware, the way the composition root does.
func adminSurface(t *testing.T, s *Service, a authn.Authenticator) *httptest.Server {
	t.Helper()
	mux := runtime.NewServeMux(runtime.WithErrorHandler(apierr.GatewayErrorHandler))
	if err := s.RegisterREST(context.Background(), mux); err != nil {
		t.Fatal(err)
	}
	protected := http.NewServeMux()
	protected.Handle("/admin/", mux)
	protected.Handle("GET "+CSVPath, s.CSVHandler())
	srv := httptest.NewServer(authn.Middleware(a, nil, apierr.WriteJSON)(protected))
	t.Cleanup(srv.Close)
	return srv
}

func getAs(t *testing.T, u, token string) (int, apierr.Body) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b apierr.Body
	_ = json.NewDecoder(resp.Body).Decode(&b)
	return resp.StatusCode, b
}

func reportService(t *testing.T, log *slog.Logger, limits Limits) (*Service, *sqlstore.DB, *natsx.Bus) {
	t.Helper()
	db := sqltest.Open(t, sqltest.SQLite)
	_, bus := natstest.Start(t)
	s, err := New(testConfig(), db, bus, limits, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, db, bus
}

func wantRegistryUnavailable(t *testing.T, what string, code int, b apierr.Body) {
	t.Helper()
	if code != http.StatusServiceUnavailable || b.Code != "registry_unavailable" || b.Message == "" || b.MessageVI == "" ||
		strings.Contains(b.Message, "dial") || strings.Contains(b.Message, "127.0.0.1") {
		t.Errorf("%s: %d %+v, want 503 registry_unavailable with both messages and no transport detail", what, code, b)
	}
}

// In split mode, callers are authenticated through the registry's gRPC
// API. While the registry is stopped, calls are answered 503
// registry_unavailable rather than with the dial error, and each outage is
// logged once when it starts and once when it ends.
func TestRegistryDownAuthentication(t *testing.T) {
	ctx := context.Background()
	rec := &logRecorder{}
	s, _, _ := reportService(t, testLogger(), nil)
	addr := testnet.FreeAddr(t)
	remote := registry.NewRemoteAuthenticator(registryv1.NewRegistryServiceClient(dialRegistry(t, addr)), registrytest.InternalToken, slog.New(rec))
	srv := adminSurface(t, s, remote)

	reg := registrytest.Start(t)
	session := adminSession(t, reg)

	q := url.Values{"granularity": {"day"}, "startTime": {"2026-01-01"}, "endTime": {"2026-01-02"}}.Encode()
	report := srv.URL + pathUsage + "?" + q
	for round := 1; round <= 2; round++ {
		for _, p := range []string{pathUsage, pathTopAPIs, pathAgencyYearTotals, CSVPath, "/admin/v1/metering/quotas/sub-1"} {
			for range 2 {
				code, b := getAs(t, srv.URL+p+"?"+q, session)
				wantRegistryUnavailable(t, p, code, b)
			}
		}
		if n := rec.count("cannot be reached"); n != round {
			t.Errorf("outage %d was logged %d times in all: %v", round, n, rec.msgs)
		}
		// The internal token needs no registry: the call reaches metering,
		// which does not let services read reports; and it does not show
		// the registry is back.
		if code, b := getAs(t, report, registrytest.InternalToken); code != http.StatusForbidden || b.Code != "forbidden" {
			t.Errorf("internal token while the registry is down: %d %+v", code, b)
		}
		if n := rec.count("reachable again"); n != round-1 {
			t.Errorf("during outage %d, the registry was logged back %d times: %v", round, n, rec.msgs)
		}

		stop := serveRegistry(t, reg, addr)
		eventually(t, "the session accepted once the registry is up", func() bool {
			code, _ := getAs(t, report, session)
			return code == http.StatusOK
		})
		// A refusal by the registry is not an outage, nor hidden as one.
		if code, b := getAs(t, report, "lgsp_s_not-a-session"); code != http.StatusUnauthorized || b.Code != "unauthenticated" {
			t.Errorf("unknown session: %d %+v", code, b)
		}
		if n := rec.count("reachable again"); n != round {
			t.Errorf("after outage %d, the registry was logged back %d times: %v", round, n, rec.msgs)
		}
		stop()
	}

	// A caller who gave up is not an outage.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := remote.Authenticate(cctx, session)
	if b, _ := apierr.FromError(err); err == nil || b.Code == "registry_unavailable" {
		t.Errorf("a cancelled caller: %v, %+v", err, b)
	}
}

// Quota limits and the agencies a subscription belongs to come from the
// registry's GetQuotaLimits. Until it has answered once, GetQuotaState says the
// registry is unavailable instead of "unlimited" or "not found".
func TestRegistryDownQuotaState(t *testing.T) {
	rec := &logRecorder{}
	addr := testnet.FreeAddr(t)
	client := LimitsFromClient(registryv1.NewGatewayServiceClient(dialRegistry(t, addr)))
	var calls atomic.Int64
	// counted passes the reads through to the real client, counting them.
	counted := LimitsFunc(func(ctx context.Context, req *registryv1.GetQuotaLimitsRequest) (*registryv1.GetQuotaLimitsResponse, error) {
		defer calls.Add(1)
		return client.GetQuotaLimits(ctx, req)
	})
	s, _, bus := reportService(t, slog.New(rec), counted)
	start(t, s)
	// The registry exists but does not serve gRPC yet: callers are
	// authenticated by it in process, while metering's limits come over
	// the network from where it does not listen.
	w := newQuotaWorld(t, bus)
	session := adminSession(t, w.reg)
	eventually(t, "the failed read of the limits logged", func() bool { return rec.count("cannot read quota limits") > 0 })
	// Every change the registry announces makes metering try again at
	// once; the failure is still logged once.
	for i := range 2 {
		want := calls.Load() + 1
		w.reg.Tier(fmt.Sprintf("silver-%d", i), 10, 10, 100)
		eventually(t, "another read of the limits", func() bool { return calls.Load() >= want })
	}
	g := &grpcServer{s: s}
	for _, ctx := range []context.Context{admin(), asPrincipal(authn.RoleAgencyDeveloper, agencyA), asPrincipal(authn.RoleService, "")} {
		_, err := g.GetQuotaState(ctx, &meteringv1.GetQuotaStateRequest{SubscriptionId: "sub-1"})
		if b, code := apierr.FromError(err); code != http.StatusServiceUnavailable || b.Code != "registry_unavailable" {
			t.Errorf("GetQuotaState while the registry is down: %v", err)
		}
	}
	srv := adminSurface(t, s, w.reg.Service.Authenticator())
	code, b := getAs(t, srv.URL+"/admin/v1/metering/quotas/"+w.bronze, session)
	wantRegistryUnavailable(t, "REST quota state", code, b)
	if n := rec.count("cannot read quota limits"); n != 1 {
		t.Errorf("the failing registry was logged %d times, want once: %v", n, rec.msgs)
	}
	// Reports do not need the registry.
	if code, b := getAs(t, srv.URL+pathUsage+"?granularity=day&startTime=2026-01-01&endTime=2026-01-02", session); code != http.StatusOK {
		t.Errorf("report while the registry is down: %d %+v", code, b)
	}

	// The registry comes up: the quota state is answered from its
	// limits, and its return is logged once.
	serveRegistry(t, w.reg, addr)
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; s.snap.Load() == nil; i++ {
		if time.Now().After(deadline) {
			t.Fatal("the limits were not read within 15s of the registry's return")
		}
		// A change makes metering ask without waiting for its retry.
		w.reg.Tier(fmt.Sprintf("gold-%d", i), 10, 10, 1000)
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := g.GetQuotaState(asPrincipal(authn.RoleAgencyDeveloper, agencyA), &meteringv1.GetQuotaStateRequest{SubscriptionId: w.bronze})
	if err != nil || resp.GetState().GetLimit() != 5 || resp.GetState().GetUsed() != 0 {
		t.Errorf("quota state once the registry is back: %v, %v", resp, err)
	}
	if down, back := rec.count("cannot read quota limits"), rec.count("read from the registry again"); down != 1 || back != 1 {
		t.Errorf("logged the failure %d times and the return %d times, want once each: %v", down, back, rec.msgs)
	}
}
