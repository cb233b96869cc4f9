package metering

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
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

// downRegistry returns a connection to an address where no registry
// listens any more, as in split mode while the registry is stopped.
func downRegistry(t *testing.T) *grpc.ClientConn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authn.PerRPCToken{Token: "internal", AllowInsecure: true}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
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
// API; with the registry stopped, report calls are answered 503
// registry_unavailable rather than with the dial error.
func TestRegistryDownAuthentication(t *testing.T) {
	rec := &logRecorder{}
	s, _, _ := reportService(t, testLogger(), nil)
	remote := registry.RemoteAuthenticator{Client: registryv1.NewRegistryServiceClient(downRegistry(t)), InternalToken: "internal"}
	srv := adminSurface(t, s, RegistryAuthenticator(remote, slog.New(rec)))

	q := url.Values{"granularity": {"day"}, "startTime": {"2026-01-01"}, "endTime": {"2026-01-02"}}.Encode()
	for _, p := range []string{pathUsage, pathTopAPIs, CSVPath, "/admin/v1/metering/quotas/sub-1"} {
		for range 2 {
			code, b := getAs(t, srv.URL+p+"?"+q, "a-session-token")
			wantRegistryUnavailable(t, p, code, b)
		}
	}
	if n := rec.count("cannot be reached"); n != 1 {
		t.Errorf("the outage was logged %d times, want once: %v", n, rec.msgs)
	}
	// The internal token needs no registry: the call reaches metering,
	// which does not let services read reports.
	if code, b := getAs(t, srv.URL+pathUsage+"?"+q, "internal"); code != http.StatusForbidden || b.Code != "forbidden" {
		t.Errorf("internal token while the registry is down: %d %+v", code, b)
	}
	if n := rec.count("reachable again"); n != 0 {
		t.Errorf("the internal token was taken for the registry's return: %v", rec.msgs)
	}
}

// flakyAuthenticator is the registry's authenticator as seen from a remote
// process, failing with codes.Unavailable while down is set.
//
// It is a stub rather than a real registry because the real one cannot be
// made to answer Unavailable from inside its own process; the end-to-end
// failure is in TestRegistryDownAuthentication.
type flakyAuthenticator struct{ down atomic.Bool }

func (f *flakyAuthenticator) Authenticate(_ context.Context, token string) (authn.Principal, error) {
	switch {
	case f.down.Load():
		return authn.Principal{}, status.Error(codes.Unavailable, "connection error: desc = \"transport: Error while dialing: dial tcp 10.0.0.9:9090: connect: connection refused\"")
	case token == "admin-session":
		return authn.Principal{Subject: "admin", Role: authn.RolePlatformAdmin}, nil
	}
	return authn.Principal{}, authn.ErrUnauthenticated
}

// Each outage is logged once when it starts and once when it ends.
func TestRegistryOutageLoggedOnce(t *testing.T) {
	rec := &logRecorder{}
	s, _, _ := reportService(t, testLogger(), nil)
	flaky := &flakyAuthenticator{}
	srv := adminSurface(t, s, RegistryAuthenticator(flaky, slog.New(rec)))
	u := srv.URL + pathAgencyYearTotals + "?year=2026"
	for round := 1; round <= 2; round++ {
		flaky.down.Store(true)
		for range 3 {
			code, b := getAs(t, u, "admin-session")
			wantRegistryUnavailable(t, "while down", code, b)
		}
		// A refusal by the registry is not an outage, nor hidden as one.
		flaky.down.Store(false)
		if code, b := getAs(t, u, "stolen"); code != http.StatusUnauthorized || b.Code != "unauthenticated" {
			t.Errorf("unknown session: %d %+v", code, b)
		}
		if code, b := getAs(t, u, "admin-session"); code != http.StatusOK {
			t.Errorf("registry back: %d %+v", code, b)
		}
		if down, back := rec.count("cannot be reached"), rec.count("reachable again"); down != round || back != round {
			t.Errorf("after outage %d: logged down %d times and back %d times: %v", round, down, back, rec.msgs)
		}
	}
	// A caller who gave up is not an outage.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	flaky.down.Store(true)
	if _, err := RegistryAuthenticator(flaky, slog.New(rec)).Authenticate(ctx, "admin-session"); status.Code(err) != codes.Unavailable {
		t.Errorf("cancelled call: %v", err)
	} else if b, _ := apierr.FromError(err); b.Code == "registry_unavailable" {
		t.Error("a cancelled caller was answered as if the registry were down")
	}
}

// Quota limits and the agencies a subscription belongs to come from the
// registry's snapshot. Until it has answered once, GetQuotaState says the
// registry is unavailable instead of "unlimited" or "not found".
func TestRegistryDownQuotaState(t *testing.T) {
	rec := &logRecorder{}
	client := LimitsFromClient(registryv1.NewGatewayServiceClient(downRegistry(t)))
	var calls atomic.Int64
	counted := LimitsFunc(func(ctx context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error) {
		defer calls.Add(1)
		return client.GetSnapshot(ctx, req)
	})
	s, _, bus := reportService(t, slog.New(rec), counted)
	start(t, s)
	eventually(t, "the failed read of the limits logged", func() bool { return rec.count("cannot read quota limits") > 0 })
	// Registry change events make metering try again at once.
	for want := int64(2); want <= 3; want++ {
		if err := bus.Conn.Publish(natsx.RegistryChangeSubject+".tier", []byte("x")); err != nil {
			t.Fatal(err)
		}
		eventually(t, "another read of the limits", func() bool { return calls.Load() >= want })
	}
	g := &grpcServer{s: s}
	for _, ctx := range []context.Context{admin(), asPrincipal(authn.RoleAgencyDeveloper, agencyA), asPrincipal(authn.RoleService, "")} {
		_, err := g.GetQuotaState(ctx, &meteringv1.GetQuotaStateRequest{SubscriptionId: "sub-1"})
		if b, code := apierr.FromError(err); code != http.StatusServiceUnavailable || b.Code != "registry_unavailable" {
			t.Errorf("GetQuotaState while the registry is down: %v", err)
		}
	}
	srv := adminSurface(t, s, authn.Authenticator(authnFunc(func(context.Context, string) (authn.Principal, error) {
		return authn.Principal{Subject: "admin", Role: authn.RolePlatformAdmin}, nil
	})))
	code, b := getAs(t, srv.URL+"/admin/v1/metering/quotas/sub-1", "x")
	wantRegistryUnavailable(t, "REST quota state", code, b)
	if n := rec.count("cannot read quota limits"); n != 1 {
		t.Errorf("the failing registry was logged %d times, want once: %v", n, rec.msgs)
	}
	// Reports do not need the registry.
	if code, b := getAs(t, srv.URL+pathUsage+"?granularity=day&startTime=2026-01-01&endTime=2026-01-02", "x"); code != http.StatusOK {
		t.Errorf("report while the registry is down: %d %+v", code, b)
	}
}

// authnFunc adapts a function to authn.Authenticator.
type authnFunc func(ctx context.Context, token string) (authn.Principal, error)

func (f authnFunc) Authenticate(ctx context.Context, token string) (authn.Principal, error) {
	return f(ctx, token)
}
