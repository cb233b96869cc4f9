package registry

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

func TestSessions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil, func(c *Config) { c.SessionTTL = time.Hour })
		ctx := context.Background()
		created := must(e.s.EnsureAdmin(ctx, "first-admin-password"))(t)
		again := must(e.s.EnsureAdmin(ctx, "other-admin-password"))(t)
		if !created || again {
			t.Fatalf("EnsureAdmin created=%v then %v", created, again)
		}
		if _, err := e.s.Login(ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: "other-admin-password"}); err == nil {
			t.Fatal("EnsureAdmin reset an existing password")
		}
		lr := must(e.s.Login(ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: "first-admin-password"}))(t)
		if !strings.HasPrefix(lr.GetSessionToken(), SessionTokenPrefix) || !lr.GetExpireTime().AsTime().Equal(e.clock.Now().Add(time.Hour)) {
			t.Fatalf("login = %v", lr)
		}
		// Stored hashed only.
		var n int
		must(0, db.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(*) FROM registry_sessions WHERE token_hash = ?`), lr.GetSessionToken()).Scan(&n))(t)
		if n != 0 {
			t.Fatal("session token stored in the clear")
		}
		p := must(e.s.Authenticate(ctx, lr.GetSessionToken()))(t)
		if p.Subject != AdminUsername || p.Role != authn.RolePlatformAdmin || p.SessionID == "" {
			t.Fatalf("principal = %+v", p)
		}
		who := must(e.s.WhoAmI(authn.WithPrincipal(ctx, p), &registryv1.WhoAmIRequest{}))(t)
		if who.GetSubject() != AdminUsername || who.GetRole() != "platform_admin" || who.GetSessionExpireTime() == nil {
			t.Fatalf("whoami = %v", who)
		}

		// Expiry.
		e.clock.Advance(time.Hour)
		if _, err := e.s.Authenticate(ctx, lr.GetSessionToken()); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Fatalf("expired session: %v", err)
		}

		// Logout.
		lr = must(e.s.Login(ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: "first-admin-password"}))(t)
		p = must(e.s.Authenticate(ctx, lr.GetSessionToken()))(t)
		must(e.s.Logout(authn.WithPrincipal(ctx, p), &registryv1.LogoutRequest{}))(t)
		if _, err := e.s.Authenticate(ctx, lr.GetSessionToken()); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Fatalf("session after logout: %v", err)
		}

		// Changing one's password ends the other sessions, not this one.
		one := must(e.s.Login(ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: "first-admin-password"}))(t)
		two := must(e.s.Login(ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: "first-admin-password"}))(t)
		p = must(e.s.Authenticate(ctx, one.GetSessionToken()))(t)
		must(e.s.ChangePassword(authn.WithPrincipal(ctx, p), &registryv1.ChangePasswordRequest{CurrentPassword: "first-admin-password", NewPassword: "second-admin-password"}))(t)
		must(e.s.Authenticate(ctx, one.GetSessionToken()))(t)
		if _, err := e.s.Authenticate(ctx, two.GetSessionToken()); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Fatalf("other session after a password change: %v", err)
		}
		must(e.s.Login(ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: "second-admin-password"}))(t)

		// Disabling a user ends its sessions and refuses its logins.
		e.agency(t, agencyA)
		must(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "dev", Role: registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, AgencyCode: agencyA}, Password: "developer-pass"}))(t)
		dev := must(e.s.Login(ctx, &registryv1.LoginRequest{Username: "dev", Password: "developer-pass"}))(t)
		if p := must(e.s.Authenticate(ctx, dev.GetSessionToken()))(t); p.Agency != agencyA || p.Role != authn.RoleAgencyDeveloper {
			t.Fatalf("developer principal = %+v", p)
		}
		must(e.s.UpdateUser(adminCtx(), &registryv1.UpdateUserRequest{User: &registryv1.User{Username: "dev", Disabled: true}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}}))(t)
		if _, err := e.s.Authenticate(ctx, dev.GetSessionToken()); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Fatalf("disabled user's session: %v", err)
		}
		if _, err := e.s.Login(ctx, &registryv1.LoginRequest{Username: "dev", Password: "developer-pass"}); err == nil {
			t.Fatal("disabled user logged in")
		}
		// An admin can reset a password.
		must(e.s.UpdateUser(adminCtx(), &registryv1.UpdateUserRequest{User: &registryv1.User{Username: "dev", Disabled: false}, NewPassword: "reset-password-1",
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}}))(t)
		must(e.s.Login(ctx, &registryv1.LoginRequest{Username: "dev", Password: "reset-password-1"}))(t)

		// The internal token is the service principal; near misses are not.
		if p := must(e.s.Authenticate(ctx, testInternal))(t); p.Role != authn.RoleService {
			t.Fatalf("internal token principal = %+v", p)
		}
		for _, bad := range []string{testInternal[:len(testInternal)-1], testInternal + "x", "", "lgsps_garbage"} {
			if _, err := e.s.Authenticate(ctx, bad); !errors.Is(err, authn.ErrUnauthenticated) {
				t.Fatalf("Authenticate(%q) = %v", bad, err)
			}
		}
		// Logins and logouts are audited (without revision changes).
		logins := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{Action: "login", PageSize: 100}))(t).GetEntries()
		if len(logins) != 7 {
			t.Fatalf("audited logins = %d, want 7", len(logins))
		}

		// Sweeping removes long-ended sessions.
		e.clock.Advance(48 * time.Hour)
		must(0, e.s.sweepSessions(ctx))(t)
		must(0, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_sessions`).Scan(&n))(t)
		if n != 0 {
			t.Fatalf("%d sessions left after the sweep", n)
		}
	})
}

// TestRemoteAuthenticator resolves sessions through a real gRPC server, as
// metering does in per-service mode.
func TestRemoteAuthenticator(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		must(e.s.EnsureAdmin(ctx, "first-admin-password"))(t)
		lr := must(e.s.Login(ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: "first-admin-password"}))(t)

		lis := must(net.Listen("tcp", "127.0.0.1:0"))(t)
		srv := grpc.NewServer(grpc.UnaryInterceptor(authn.UnaryInterceptor(e.s, PublicGRPCMethods)))
		e.s.RegisterGRPC(srv)
		go func() { _ = srv.Serve(lis) }()
		t.Cleanup(srv.Stop)

		conn := must(grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithPerRPCCredentials(authn.PerRPCToken{Token: testInternal, AllowInsecure: true})))(t)
		t.Cleanup(func() { _ = conn.Close() })
		ra := RemoteAuthenticator{Client: registryv1.NewRegistryServiceClient(conn), InternalToken: testInternal}

		p := must(ra.Authenticate(ctx, lr.GetSessionToken()))(t)
		if p.Subject != AdminUsername || p.Role != authn.RolePlatformAdmin {
			t.Fatalf("remote principal = %+v", p)
		}
		if _, err := ra.Authenticate(ctx, SessionTokenPrefix+"bogus"); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Fatalf("bogus session: %v", err)
		}
		if p := must(ra.Authenticate(ctx, testInternal))(t); p.Role != authn.RoleService {
			t.Fatalf("internal token: %+v", p)
		}
		// Login is public over gRPC; the snapshot needs the service token.
		anon := must(grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials())))(t)
		t.Cleanup(func() { _ = anon.Close() })
		must(registryv1.NewRegistryServiceClient(anon).Login(ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: "first-admin-password"}))(t)
		if _, err := registryv1.NewGatewayServiceClient(anon).GetSnapshot(ctx, &registryv1.GetSnapshotRequest{}); statusCode(err).String() != "Unauthenticated" {
			t.Fatalf("anonymous snapshot: %v", err)
		}
		snap := must(registryv1.NewGatewayServiceClient(conn).GetSnapshot(ctx, &registryv1.GetSnapshotRequest{}))(t)
		if snap.GetSnapshot().GetRevision() == 0 {
			t.Fatal("empty snapshot over gRPC")
		}
	})
}
