package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/spf13/cobra"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
	"github.com/lgsp-vn/lgsp/services/registry/secretbox"
)

const cliAdminPassword = "cli-admin-password"

// startAdminAPI serves a real registry's admin REST API on a loopback port
// and points the CLI at it with LGSP_ADMIN_URL.
func startAdminAPI(t *testing.T, dbURL string) *registry.Service {
	s, url := serveAdminAPI(t, dbURL)
	t.Setenv(envAdminURL, url)
	return s
}

// serveAdminAPI serves a real registry's admin REST API on a loopback port
// and returns it with its base URL.
func serveAdminAPI(t *testing.T, dbURL string) (*registry.Service, string) {
	t.Helper()
	db := sqltest.OpenURL(t, dbURL)
	cfg := registry.DefaultConfig()
	cfg.MasterKey = secretbox.GenerateKey()
	cfg.UpstreamAllow = []string{"public", "127.0.0.0/8"}
	s, err := registry.New(context.Background(), cfg, db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureAdmin(context.Background(), cliAdminPassword); err != nil {
		t.Fatal(err)
	}
	mux := runtime.NewServeMux(runtime.WithErrorHandler(apierr.GatewayErrorHandler))
	if err := s.RegisterREST(context.Background(), mux); err != nil {
		t.Fatal(err)
	}
	onError := func(w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, authn.ErrUnauthenticated) {
			err = apierr.ErrUnauthenticated
		}
		apierr.WriteJSON(w, r, err)
	}
	srv := httptest.NewServer(authn.Middleware(s, registry.IsPublicREST, onError)(mux))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// runCLI runs `lgsp <args>` with fresh commands and returns stdout.
func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "lgsp", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(NewAdminCommand(), NewAuditCommand())
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, "", args...)
	if err != nil {
		t.Fatalf("lgsp %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// jsonPath reads a string at a dotted path of JSON output.
func jsonPath(t *testing.T, out, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %s", out)
	}
	for _, k := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

func TestAdminCLI(t *testing.T) {
	for _, engine := range sqltest.Engines {
		t.Run(engine, func(t *testing.T) {
			dbURL := sqltest.URL(t, engine)
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			t.Setenv(envAdminToken, "")
			t.Setenv(envAdminPass, "")
			t.Setenv("LGSP_DATABASE_URL", "")
			s := startAdminAPI(t, dbURL)

			if _, err := runCLI(t, "", "admin", "whoami"); err == nil || !strings.Contains(err.Error(), "not logged in") {
				t.Fatalf("whoami before login: %v", err)
			}
			if _, err := runCLI(t, "wrong-password\n", "admin", "login", "-u", "admin", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "invalid_credentials") {
				t.Fatalf("bad login: %v", err)
			}
			out, err := runCLI(t, cliAdminPassword+"\n", "admin", "login", "-u", "admin", "--password-stdin")
			if err != nil || !strings.Contains(out, "logged in as admin") {
				t.Fatalf("login: %v %s", err, out)
			}
			p, _ := sessionPath(os.Getenv(envAdminURL))
			if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("session file %s: %v %v", p, st, err)
			}
			if out := mustCLI(t, "admin", "whoami"); !strings.Contains(out, "platform_admin") {
				t.Fatalf("whoami: %s", out)
			}

			// Errors carry the stable code and both languages.
			_, err = runCLI(t, "", "admin", "agencies", "create", "--code", "28.22.H17", "--name", "x")
			if err == nil || !strings.Contains(err.Error(), "invalid_agency_code") || !strings.Contains(err.Error(), "mã định danh") {
				t.Fatalf("bad agency code: %v", err)
			}
			mustCLI(t, "admin", "agencies", "create", "--code", "000.00.00.H30", "--name", "UBND tỉnh")
			if out := mustCLI(t, "admin", "agencies", "list"); !strings.Contains(out, "000.00.00.H30") || !strings.Contains(out, "active") {
				t.Fatalf("agencies list: %s", out)
			}
			mustCLI(t, "admin", "tiers", "create", "--name", "Gold", "--rate", "10", "--burst", "20", "--quota", "100000")

			spec := filepath.Join(t.TempDir(), "dkdn.yaml")
			if err := os.WriteFile(spec, []byte("swagger: '2.0'\ninfo: {title: CSDL DKDN, version: '1.0'}\npaths:\n  /chiTietDoanhNghiep:\n    get: {}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out = mustCLI(t, "admin", "apis", "create", "--context", "apiCSDLDKDN", "--version", "1.0", "--owner", "000.00.00.H30",
				"--upstream", "http://127.0.0.1:9/apiCSDLDKDN/1.0", "--visibility", "public", "--openapi", spec, "-o", "json")
			apiID := jsonPath(t, out, "api.id")
			if apiID == "" || jsonPath(t, out, "api.name") != "CSDL DKDN" {
				t.Fatalf("apis create: %s", out)
			}
			if _, err := runCLI(t, "", "admin", "apis", "transition", apiID, "retired"); err == nil || !strings.Contains(err.Error(), "illegal_transition") {
				t.Fatalf("illegal transition: %v", err)
			}
			mustCLI(t, "admin", "apis", "transition", apiID, "published")
			t.Setenv("LGSP_UPSTREAM_SECRET", "axis-hmac-secret")
			mustCLI(t, "admin", "apis", "set-upstream", apiID, "--upstream", "http://127.0.0.1:10/v2|3",
				"--upstream-auth", "signed-header", "--upstream-user", "000.00.00.H30-lgsp")
			snap, err := s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{})
			if err != nil {
				t.Fatal(err)
			}
			route := snap.GetSnapshot().GetApis()[0]
			if route.GetEndpoints()[0].GetUrl() != "http://127.0.0.1:10/v2" || route.GetEndpoints()[0].GetWeight() != 3 ||
				route.GetUpstreamAuth().GetSigningSecret() != "axis-hmac-secret" || route.GetUpstreamAuth().GetSystemId() != "000.00.00.H30-lgsp" {
				t.Fatalf("after set-upstream: %v", route)
			}
			if out := mustCLI(t, "admin", "apis", "get", apiID); !strings.Contains(out, "GET /chiTietDoanhNghiep") || !strings.Contains(out, "published") {
				t.Fatalf("apis get: %s", out)
			}
			// -o json has the REST API's field names, and table headers are those names.
			checkSameJSON(t, "/admin/v1/apis/"+apiID, "admin", "apis", "get", apiID)
			checkSameJSON(t, "/admin/v1/agencies", "admin", "agencies", "list")
			checkHeader(t, apiTable, "admin", "apis", "list")
			checkHeader(t, agencyTable, "admin", "agencies", "list")

			out = mustCLI(t, "admin", "apps", "create", "--name", "Một cửa điện tử", "--agency", "000.00.00.H30", "-o", "json")
			appID := jsonPath(t, out, "application.id")
			out = mustCLI(t, "admin", "credentials", "create", "--app", appID, "--type", "oauth2", "-o", "json")
			clientID, secret := jsonPath(t, out, "credential.keyId"), jsonPath(t, out, "secret")
			if clientID == "" || secret == "" {
				t.Fatalf("credentials create: %s", out)
			}
			if out := mustCLI(t, "admin", "credentials", "list", "--app", appID); strings.Contains(out, secret) || !strings.Contains(out, clientID) {
				t.Fatalf("credentials list: %s", out)
			}
			checkSameJSON(t, "/admin/v1/applications/"+appID+"/credentials", "admin", "credentials", "list", "--app", appID)
			checkHeader(t, credTable, "admin", "credentials", "list", "--app", appID)
			out = mustCLI(t, "admin", "subscriptions", "create", "--app", appID, "--api", apiID, "--tier", "Gold", "-o", "json")
			subID := jsonPath(t, out, "subscription.id")
			if out := mustCLI(t, "admin", "subscriptions", "list", "--state", "pending"); !strings.Contains(out, subID) {
				t.Fatalf("pending subscriptions: %s", out)
			}
			if out := mustCLI(t, "admin", "subscriptions", "approve", subID); !strings.Contains(out, "approved") {
				t.Fatalf("approve: %s", out)
			}
			checkSameJSON(t, "/admin/v1/subscriptions", "admin", "subscriptions", "list")
			checkHeader(t, subTable, "admin", "subscriptions", "list")
			// The application now gets a token.
			tok, err := s.LocalGatewayClient().IssueToken(context.Background(), &registryv1.IssueTokenRequest{ClientId: clientID, ClientSecret: secret})
			if err != nil || tok.GetAccessToken() == "" {
				t.Fatalf("token after the CLI onboarding: %v", err)
			}
			mustCLI(t, "admin", "subscriptions", "suspend", subID, "--reason", "abuse")
			mustCLI(t, "admin", "apps", "suspend", appID)
			mustCLI(t, "admin", "keys", "rotate")
			if out := mustCLI(t, "admin", "keys", "list"); strings.Count(out, "RS256") != 2 {
				t.Fatalf("keys list: %s", out)
			}
			if _, err := runCLI(t, "developer-pass\n", "admin", "users", "create", "--username", "dev", "--role", "agency-developer",
				"--agency", "000.00.00.H30", "--password-stdin"); err != nil {
				t.Fatal(err)
			}
			if out := mustCLI(t, "admin", "users", "list"); !strings.Contains(out, "agency_developer") {
				t.Fatalf("users list: %s", out)
			}
			if out := mustCLI(t, "audit", "list", "--kind", "subscription"); strings.Count(out, subID) != 3 {
				t.Fatalf("audit list: %s", out)
			}

			// audit verify, through the API and directly in the database.
			if out := mustCLI(t, "audit", "verify"); !strings.HasPrefix(out, "OK: ") {
				t.Fatalf("audit verify: %s", out)
			}
			if out := mustCLI(t, "audit", "verify", "--database-url", dbURL); !strings.HasPrefix(out, "OK: ") {
				t.Fatalf("audit verify --database-url: %s", out)
			}
			raw := sqltest.OpenURL(t, dbURL)
			if _, err := raw.ExecContext(context.Background(), `UPDATE registry_audit_log SET actor = 'mallory' WHERE seq = 5`); err != nil {
				t.Fatal(err)
			}
			out, err = runCLI(t, "", "audit", "verify", "--database-url", dbURL)
			var ec exitCoder
			if !errors.As(err, &ec) || ec.ExitCode() != 2 || !strings.Contains(out, "BROKEN at entry 5") {
				t.Fatalf("tampered chain: %v %s", err, out)
			}

			mustCLI(t, "admin", "logout")
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("session file after logout: %v", err)
			}
		})
	}
}

// writeClientCert writes a self-signed client certificate (PEM, with its
// private key first, as many tools write them) and returns the file and
// the certificate's SHA-256 fingerprint.
func writeClientCert(t *testing.T, cn string) (file, fingerprint string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(t.TempDir(), cn+".pem")
	data := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return file, hex.EncodeToString(sum[:])
}

// TestAdminCLIMutualTLS: mTLS has the same CLI as the other credentials:
// an API accepts it with --auth mtls, an application's certificate is
// bound from its file or fingerprint, refused on a second application, and
// cleared (revoked).
func TestAdminCLIMutualTLS(t *testing.T) {
	for _, engine := range sqltest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			t.Setenv(envAdminToken, "")
			t.Setenv(envAdminPass, "")
			s := startAdminAPI(t, sqltest.URL(t, engine))
			if _, err := runCLI(t, cliAdminPassword+"\n", "admin", "login", "-u", "admin", "--password-stdin"); err != nil {
				t.Fatal(err)
			}
			mustCLI(t, "admin", "agencies", "create", "--code", "000.00.00.H30", "--name", "UBND tỉnh")
			mustCLI(t, "admin", "agencies", "create", "--code", "000.00.01.H30", "--name", "Sở Tư pháp")

			out := mustCLI(t, "admin", "apis", "create", "--name", "Hộ tịch", "--context", "hotich", "--version", "1.0",
				"--owner", "000.00.00.H30", "--upstream", "http://127.0.0.1:9/hotich", "--auth", "mtls", "--auth", "jwt", "-o", "json")
			apiID := jsonPath(t, out, "api.id")
			authOf := func() []registryv1.AuthMethod {
				a, err := s.GetApi(adminPrincipal(), &registryv1.GetApiRequest{Id: apiID})
				if err != nil {
					t.Fatal(err)
				}
				return a.GetApi().GetAuthMethods()
			}
			if got := authOf(); len(got) != 2 || got[0] != registryv1.AuthMethod_AUTH_METHOD_MTLS || got[1] != registryv1.AuthMethod_AUTH_METHOD_JWT {
				t.Fatalf("auth methods after create: %v", got)
			}
			if out := mustCLI(t, "admin", "apis", "set-auth", apiID, "--auth", "mtls"); !strings.Contains(out, "mtls") || strings.Contains(out, "jwt") {
				t.Fatalf("apis set-auth: %s", out)
			}
			if got := authOf(); len(got) != 1 || got[0] != registryv1.AuthMethod_AUTH_METHOD_MTLS {
				t.Fatalf("auth methods after set-auth: %v", got)
			}
			if out := mustCLI(t, "admin", "apis", "get", apiID); !strings.Contains(out, "mtls") {
				t.Fatalf("apis get does not show the auth methods: %s", out)
			}
			if _, err := runCLI(t, "", "admin", "apis", "set-auth", apiID, "--auth", "kerberos"); err == nil || !strings.Contains(err.Error(), "mtls") {
				t.Fatalf("unknown auth method: %v", err)
			}

			certFile, fp := writeClientCert(t, "motcua")
			appA := jsonPath(t, mustCLI(t, "admin", "apps", "create", "--name", "Một cửa", "--agency", "000.00.00.H30", "--cert", certFile, "-o", "json"), "application.id")
			appB := jsonPath(t, mustCLI(t, "admin", "apps", "create", "--name", "Cổng dịch vụ công", "--agency", "000.00.01.H30", "-o", "json"), "application.id")
			certOf := func(id string) string {
				snap, err := s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{})
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range snap.GetSnapshot().GetApplications() {
					if a.GetId() == id {
						return a.GetCertFingerprint()
					}
				}
				t.Fatalf("no application %s in the snapshot", id)
				return ""
			}
			if got := certOf(appA); got != fp {
				t.Fatalf("fingerprint from --cert = %q, want %q", got, fp)
			}
			// Another agency's application cannot take it, in any spelling.
			colons := strings.ToUpper(fp[:2])
			for i := 2; i < len(fp); i += 2 {
				colons += ":" + strings.ToUpper(fp[i:i+2])
			}
			for _, args := range [][]string{{"--cert", certFile}, {"--fingerprint", colons}} {
				_, err := runCLI(t, "", append([]string{"admin", "apps", "set-certificate", appB}, args...)...)
				if err == nil || !strings.Contains(err.Error(), "duplicate_cert_fingerprint") || !strings.Contains(err.Error(), "chứng thư") {
					t.Fatalf("second application with the same certificate (%v): %v", args, err)
				}
			}
			// One of --cert, --fingerprint or --clear, and a real certificate.
			notCert := filepath.Join(t.TempDir(), "key.pem")
			if err := os.WriteFile(notCert, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{}, {"--clear", "--fingerprint", fp}, {"--cert", certFile, "--fingerprint", fp}, {"--cert", notCert}} {
				if _, err := runCLI(t, "", append([]string{"admin", "apps", "set-certificate", appA}, args...)...); err == nil {
					t.Fatalf("set-certificate %v succeeded", args)
				}
			}
			// Cleared, the certificate no longer names the application, and
			// another application may bind it.
			if out := mustCLI(t, "admin", "apps", "set-certificate", appA, "--clear"); !regexp.MustCompile(`certFingerprint:\s+-\n`).MatchString(out) {
				t.Fatalf("set-certificate --clear: %s", out)
			}
			if got := certOf(appA); got != "" {
				t.Fatalf("fingerprint after --clear = %q", got)
			}
			if out := mustCLI(t, "admin", "apps", "set-certificate", appB, "--fingerprint", colons); !strings.Contains(out, fp) {
				t.Fatalf("set-certificate --fingerprint: %s", out)
			}
			if got := certOf(appB); got != fp {
				t.Fatalf("fingerprint from --fingerprint = %q", got)
			}
		})
	}
}

func adminPrincipal() context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "admin", Role: authn.RolePlatformAdmin})
}
