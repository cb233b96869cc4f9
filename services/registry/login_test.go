package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

const adminPassword = "the-admin-password"

func from(addr string) context.Context { return authn.WithSource(context.Background(), addr) }

func login(e *env, ctx context.Context, user, password string) error {
	_, err := e.s.Login(ctx, &registryv1.LoginRequest{Username: user, Password: password})
	return err
}

// retryAfter returns the wait a too_many_login_attempts answer names, or 0
// for any other answer.
func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Code != "too_many_login_attempts" {
		return 0
	}
	var secs int
	if _, err := fmt.Sscanf(ae.Message[strings.LastIndex(ae.Message, "in ")+3:], "%d seconds", &secs); err != nil {
		t.Fatalf("no wait in %q", ae.Message)
	}
	return time.Duration(secs) * time.Second
}

// Failures slow a user down with doubling waits, never a lockout: guessing
// the only admin's password from many addresses delays the admin by at
// most loginUserMaxDelay, not 15 minutes.
func TestLoginBackoffPerUser(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		must(e.s.EnsureAdmin(context.Background(), adminPassword))(t)
		var waits []time.Duration
		for i := range 12 {
			// Each guess from another address: only the user's count grows.
			src := fmt.Sprintf("198.51.100.%d", i+1)
			if err := login(e, from(src), AdminUsername, "wrong-password-x"); err == nil || retryAfter(t, err) != 0 {
				t.Fatalf("guess %d: %v", i, err)
			}
			w := e.s.logins.wait(AdminUsername, "203.0.113.250", e.clock.Now())
			waits = append(waits, w)
			if i < 11 {
				e.clock.Advance(w)
			}
		}
		want := []time.Duration{0, 0, 0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute}
		for i := range want {
			if waits[i] != want[i] {
				t.Fatalf("waits after each failure = %v, want %v", waits, want)
			}
		}
		// Even the right password waits, from any address, but only a minute:
		// no 15-minute lockout.
		err := login(e, from("203.0.113.250"), AdminUsername, adminPassword)
		wantErr(t, err, codes.ResourceExhausted, "too_many_login_attempts")
		if w := retryAfter(t, err); w != time.Minute {
			t.Fatalf("the admin waits %v, want 1m", w)
		}
		e.clock.Advance(time.Minute)
		must(e.s.Login(from("203.0.113.250"), &registryv1.LoginRequest{Username: AdminUsername, Password: adminPassword}))(t)
		// And success starts the user afresh.
		if err := login(e, from("198.51.100.200"), AdminUsername, "wrong-password-x"); retryAfter(t, err) != 0 {
			t.Fatalf("after a success: %v", err)
		}
	})
}

// One address trying many user names is slowed, whoever the names are;
// other addresses are not.
func TestLoginBackoffPerSource(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		must(e.s.EnsureAdmin(context.Background(), adminPassword))(t)
		sprayer := from("192.0.2.66")
		for i := range loginFreeFailures + 1 {
			if err := login(e, sprayer, fmt.Sprintf("user%d", i), "password-spray-1"); retryAfter(t, err) != 0 {
				t.Fatalf("attempt %d refused early: %v", i, err)
			}
		}
		err := login(e, sprayer, "yet-another-name", "password-spray-1")
		if retryAfter(t, err) != time.Second {
			t.Fatalf("the sprayer's next name: %v, want a 1s wait", err)
		}
		wantErr(t, err, codes.ResourceExhausted, "too_many_login_attempts")
		// Another address, the same /64 for IPv6, counts apart.
		must(e.s.Login(from("192.0.2.67"), &registryv1.LoginRequest{Username: AdminUsername, Password: adminPassword}))(t)
		for i := range loginFreeFailures + 1 {
			_ = login(e, from(fmt.Sprintf("2001:db8:1:2::%x", i+1)), fmt.Sprintf("v6user%d", i), "password-spray-1")
		}
		if w := retryAfter(t, login(e, from("2001:db8:1:2::ffff"), "v6-other", "password-spray-1")); w != time.Second {
			t.Fatalf("a neighbour in the same /64: wait %v, want 1s", w)
		}
		// Unknown names leave no per-user trace: a real user is not slowed by
		// the spray, from a clean address.
		if n := e.s.logins.users.len(); n != 0 {
			t.Fatalf("%d user entries for unknown names", n)
		}
	})
}

// The tables are bounded: the least recently failing keys are forgotten,
// one at a time, never the whole table.
func TestLoginThrottleBounded(t *testing.T) {
	th := newLoginThrottle()
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for range loginMaxFailures {
		th.fail("admin", "10.9.9.9", now)
	}
	for i := range loginTrackedSources + 500 {
		now = now.Add(time.Millisecond)
		th.fail(fmt.Sprintf("u%d", i%(loginTrackedUsers+500)), net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)).String(), now)
	}
	if th.sources.len() != loginTrackedSources || th.users.len() != loginTrackedUsers {
		t.Fatalf("tables hold %d sources and %d users, want %d and %d", th.sources.len(), th.users.len(), loginTrackedSources, loginTrackedUsers)
	}
	// The most recent keys are still there and still wait.
	for range loginMaxFailures {
		th.fail("", "10.0.0.1", now)
	}
	if th.wait("", "10.0.0.1", now) == 0 {
		t.Fatal("a recent address lost its wait")
	}
}

// A password longer than the policy allows is refused before argon2 reads
// it (a 32 MB password used to be copied and hashed whole).
func TestLoginOversizedPassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		must(e.s.EnsureAdmin(context.Background(), adminPassword))(t)
		huge := adminPassword + strings.Repeat("x", 32<<20)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := login(e, from("192.0.2.1"), AdminUsername, huge)
		runtime.ReadMemStats(&after)
		wantErr(t, err, codes.Unauthenticated, "invalid_credentials")
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Fatalf("the login allocated %d MB for an oversized password", grew>>20)
		}
		if checkPassword(hashPassword(adminPassword), adminPassword+strings.Repeat("x", maxPasswordLen)) {
			t.Fatal("an oversized password matched")
		}
		admin := authn.WithPrincipal(context.Background(), authn.Principal{Subject: AdminUsername, Role: authn.RolePlatformAdmin})
		_, err = e.s.ChangePassword(admin, &registryv1.ChangePasswordRequest{CurrentPassword: huge, NewPassword: "another-password-1"})
		wantErr(t, err, codes.InvalidArgument, "wrong_password")
	})
}

// The login records the address the admin listener established, never a
// client-written X-Forwarded-For.
func TestLoginSource(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		must(e.s.EnsureAdmin(context.Background(), adminPassword))(t)
		spoofed := metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-forwarded-for", "203.0.113.9"))
		spoofed = peer.NewContext(spoofed, &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 40000}})
		for _, c := range []struct {
			ctx  context.Context
			want string
		}{
			{spoofed, "10.0.0.5"},
			{authn.WithSource(spoofed, "198.51.100.20"), "198.51.100.20"},
		} {
			lr := must(e.s.Login(c.ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: adminPassword}))(t)
			p := must(e.s.Authenticate(context.Background(), lr.GetSessionToken()))(t)
			var src string
			must(0, db.QueryRowContext(context.Background(), db.Rebind(`SELECT source FROM registry_sessions WHERE id = ?`), p.SessionID).Scan(&src))(t)
			entries := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{ResourceKind: "session", ResourceId: p.SessionID}))(t).GetEntries()
			if src != c.want || len(entries) != 1 || entries[0].GetSourceAddress() != c.want {
				t.Fatalf("session source %q, audit %v, want %q", src, entries, c.want)
			}
		}
	})
}

func refusedCount(t *testing.T, reason string) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "lgsp_admin_refused_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// What the permission matrix forbids is counted as a refused admin call.
func TestForbiddenCounted(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		before := refusedCount(t, authn.RefusedForbidden)
		_, err := e.s.ListUsers(as(authn.RoleAgencyDeveloper, agencyA), &registryv1.ListUsersRequest{})
		wantErr(t, err, codes.PermissionDenied, "forbidden")
		_, err = e.s.ListCredentials(as(authn.RoleAgencyDeveloper, agencyB), &registryv1.ListCredentialsRequest{ApplicationId: f.appA.GetId()})
		wantErr(t, err, codes.PermissionDenied, "forbidden")
		// Refusals decided by the resource, past the permission matrix.
		_, err = e.s.ListApplications(as(authn.RoleAgencyDeveloper, agencyB), &registryv1.ListApplicationsRequest{AgencyCode: agencyA})
		wantErr(t, err, codes.PermissionDenied, "forbidden")
		if got := refusedCount(t, authn.RefusedForbidden) - before; got != 3 {
			t.Fatalf("forbidden calls counted %v, want 3", got)
		}
	})
}
