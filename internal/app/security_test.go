package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

const userPassword = "a-user-password-1"

// loginAs logs in over REST, sending an X-Forwarded-For the caller wrote.
func loginAs(t *testing.T, a *app.App, user string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.Info.AdminURL+"/admin/v1/auth/login",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, userPassword)))
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	var session struct {
		SessionToken string `json:"sessionToken"`
	}
	doJSON(t, req, http.StatusOK, &session)
	return session.SessionToken
}

func createUsers(t *testing.T, a *app.App) {
	t.Helper()
	reg := a.Instance(app.RegistryName).(*registry.Service)
	ctx := authn.WithPrincipal(context.Background(), authn.Principal{Subject: "test", Role: authn.RolePlatformAdmin})
	if _, err := reg.CreateAgency(ctx, &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: "000.00.09.H30", Name: "Sở thử nghiệm"}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*registryv1.User{
		{Username: "ops", Role: registryv1.UserRole_USER_ROLE_PLATFORM_ADMIN},
		{Username: "aud", Role: registryv1.UserRole_USER_ROLE_AUDITOR},
		{Username: "pub", Role: registryv1.UserRole_USER_ROLE_AGENCY_PUBLISHER, AgencyCode: "000.00.09.H30"},
		{Username: "dev", Role: registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, AgencyCode: "000.00.09.H30"},
	} {
		if _, err := reg.CreateUser(ctx, &registryv1.CreateUserRequest{User: u, Password: userPassword}); err != nil {
			t.Fatal(err)
		}
	}
}

func getWith(t *testing.T, url, bearer string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// /metrics names every agency's APIs: platform admins, auditors, other LGSP
// processes and the scraper read it, agency users do not. A login behind
// no trusted proxy records the socket peer, not the X-Forwarded-For the
// caller wrote.
func TestMetricsReadersAndLoginSource(t *testing.T) {
	const (
		scraper  = "scraper-token-0123456789abcdefghijklmnop"
		internal = "internal-token-0123456789abcdefghijklmnop"
	)
	a, _ := startDev(t, t.TempDir(), "LGSP_METRICS_TOKEN="+scraper, "LGSP_INTERNAL_TOKEN="+internal)
	waitReady(t, a.Info.AdminURL)
	createUsers(t, a)
	tokens := map[string]string{}
	for _, u := range []string{"ops", "aud", "pub", "dev"} {
		tokens[u] = loginAs(t, a, u)
	}
	for _, c := range []struct {
		who, token string
		want       int
	}{
		{"platform admin", tokens["ops"], http.StatusOK},
		{"auditor", tokens["aud"], http.StatusOK},
		{"internal token", internal, http.StatusOK},
		{"scraper token", scraper, http.StatusOK},
		{"agency publisher", tokens["pub"], http.StatusForbidden},
		{"agency developer", tokens["dev"], http.StatusForbidden},
		{"nobody", "", http.StatusUnauthorized},
	} {
		if got := getWith(t, a.Info.AdminURL+"/metrics", c.token); got != c.want {
			t.Errorf("/metrics as %s = %d, want %d", c.who, got, c.want)
		}
	}
	// The refusals above are counted.
	req, _ := http.NewRequest(http.MethodGet, a.Info.AdminURL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+scraper)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `lgsp_admin_refused_total{reason="forbidden"}`) {
		t.Error("/metrics lacks lgsp_admin_refused_total")
	}

	if src := loginSource(t, a, tokens["ops"], "pub"); src != "127.0.0.1" {
		t.Errorf("login source without trusted proxies = %q, want the socket peer", src)
	}
}

// Behind a trusted proxy, the login records the client it forwards.
func TestTrustedProxyLoginSource(t *testing.T) {
	a, _ := startDev(t, t.TempDir(), "LGSP_TRUSTED_PROXIES=127.0.0.1/32,::1")
	waitReady(t, a.Info.AdminURL)
	createUsers(t, a)
	tok := loginAs(t, a, "ops")
	if src := loginSource(t, a, tok, "ops"); src != "203.0.113.9" {
		t.Errorf("login source behind a trusted proxy = %q, want the forwarded client", src)
	}
}

// loginSource is the source address of user's latest login in the audit
// log, read over REST.
func loginSource(t *testing.T, a *app.App, token, user string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.Info.AdminURL+"/admin/v1/audit-entries?action=login&actor="+user, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	var out struct {
		Entries []struct {
			SourceAddress string `json:"sourceAddress"`
		} `json:"entries"`
	}
	doJSON(t, req, http.StatusOK, &out)
	if len(out.Entries) == 0 {
		t.Fatalf("no login of %s in the audit log", user)
	}
	return out.Entries[0].SourceAddress
}
