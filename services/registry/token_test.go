package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/accesstoken"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

func (e *env) issue(id, secret string) (*registryv1.IssueTokenResponse, error) {
	return e.s.LocalGatewayClient().IssueToken(context.Background(), &registryv1.IssueTokenRequest{ClientId: id, ClientSecret: secret, SourceAddress: "198.51.100.4"})
}

func (e *env) verify(t *testing.T, token string, at time.Time) (*accesstoken.Claims, error) {
	t.Helper()
	jwks := must(e.s.JWKS(context.Background()))(t)
	keys := must(accesstoken.Parse(jwks))(t)
	return accesstoken.Verify(token, keys, e.cfg.TokenIssuer, e.cfg.TokenAudience, at)
}

func TestTokenIssuance(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		id, secret, credID := e.oauthClient(t, f.appA.GetId())

		resp := must(e.issue(id, secret))(t)
		if resp.GetTokenType() != "Bearer" || resp.GetExpiresIn() != 3600 || resp.GetScope() != DefaultTokenScope {
			t.Fatalf("response = %v", resp)
		}
		c := must(e.verify(t, resp.GetAccessToken(), e.clock.Now()))(t)
		if c.Subject != f.appA.GetId() || c.ClientID != id || c.CredentialID != credID || c.Agency != agencyA ||
			c.Issuer != "lgsp" || len(c.Audience) != 1 || c.Audience[0] != "lgsp-gateway" || c.ID == "" {
			t.Fatalf("claims = %+v", c)
		}
		if got := c.ExpiresAt.Sub(c.IssuedAt.Time); got != time.Hour {
			t.Fatalf("lifetime = %s, want 1h", got)
		}
		if r := must(e.issue(id, secret))(t); r.GetAccessToken() == resp.GetAccessToken() {
			t.Fatal("two tokens are identical (jti not unique)")
		}
		scoped := must(e.s.LocalGatewayClient().IssueToken(context.Background(), &registryv1.IssueTokenRequest{ClientId: id, ClientSecret: secret, Scope: "read"}))(t)
		if scoped.GetScope() != "read" {
			t.Fatalf("scope = %q", scoped.GetScope())
		}

		// Refusals.
		_, err := e.issue(id, secret+"x")
		wantErr(t, err, codes.Unauthenticated, "invalid_client")
		_, err = e.issue("no-such-client", secret)
		wantErr(t, err, codes.Unauthenticated, "invalid_client")
		_, err = e.issue(id, "")
		wantErr(t, err, codes.Unauthenticated, "invalid_client")
		// An API key's id is not an OAuth2 client id.
		key := must(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY}))(t)
		_, err = e.issue(key.GetCredential().GetKeyId(), key.GetSecret())
		wantErr(t, err, codes.Unauthenticated, "invalid_client")

		must(e.s.SuspendApplication(adminCtx(), &registryv1.SuspendApplicationRequest{Id: f.appA.GetId()}))(t)
		_, err = e.issue(id, secret)
		wantErr(t, err, codes.FailedPrecondition, "unauthorized_client")
		must(e.s.ResumeApplication(adminCtx(), &registryv1.ResumeApplicationRequest{Id: f.appA.GetId()}))(t)
		must(e.issue(id, secret))(t)

		must(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: agencyA, Status: registryv1.AgencyStatus_AGENCY_STATUS_INACTIVE}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}}))(t)
		_, err = e.issue(id, secret)
		wantErr(t, err, codes.FailedPrecondition, "unauthorized_client")
		must(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: agencyA, Status: registryv1.AgencyStatus_AGENCY_STATUS_ACTIVE}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}}))(t)

		must(e.s.RevokeCredential(adminCtx(), &registryv1.RevokeCredentialRequest{Id: credID}))(t)
		_, err = e.issue(id, secret)
		wantErr(t, err, codes.Unauthenticated, "invalid_client")
	})
}

func TestTokenExpiry(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil, func(c *Config) { c.TokenTTL = 10 * time.Minute })
		f := e.fixture(t)
		id, secret, _ := e.oauthClient(t, f.appA.GetId())
		resp := must(e.issue(id, secret))(t)
		if resp.GetExpiresIn() != 600 {
			t.Fatalf("expires_in = %d, want the configured 600", resp.GetExpiresIn())
		}
		issued := e.clock.Now()
		must(e.verify(t, resp.GetAccessToken(), issued.Add(599*time.Second)))(t)
		if _, err := e.verify(t, resp.GetAccessToken(), issued.Add(601*time.Second)); err == nil {
			t.Fatal("token still valid after its TTL")
		}

		// A credential that expires sooner caps the token, then stops working.
		cr := must(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(),
			Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT, ExpireTime: timestamppb.New(issued.Add(2 * time.Minute))}))(t)
		short := must(e.issue(cr.GetCredential().GetKeyId(), cr.GetSecret()))(t)
		if short.GetExpiresIn() != 120 {
			t.Fatalf("expires_in = %d, want 120 (capped by the credential)", short.GetExpiresIn())
		}
		e.clock.Advance(2 * time.Minute)
		_, err := e.issue(cr.GetCredential().GetKeyId(), cr.GetSecret())
		wantErr(t, err, codes.FailedPrecondition, "unauthorized_client")
	})
}

func TestKeyRotation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		id, secret, _ := e.oauthClient(t, f.appA.GetId())
		old := must(e.issue(id, secret))(t).GetAccessToken()
		oldKid := kidOf(t, old)

		rot := must(e.s.RotateSigningKey(adminCtx(), &registryv1.RotateSigningKeyRequest{}))(t).GetKey()
		if rot.GetKid() == oldKid || rot.GetState() != registryv1.SigningKeyState_SIGNING_KEY_STATE_CURRENT {
			t.Fatalf("rotated key = %v (old kid %s)", rot, oldKid)
		}
		fresh := must(e.issue(id, secret))(t).GetAccessToken()
		if kidOf(t, fresh) != rot.GetKid() {
			t.Fatalf("new token signed by %s, want %s", kidOf(t, fresh), rot.GetKid())
		}
		// Both verify with the published JWKS: the old key stays until the
		// old token has expired.
		must(e.verify(t, old, e.clock.Now()))(t)
		must(e.verify(t, fresh, e.clock.Now()))(t)
		snap := must(e.s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
		keys := must(accesstoken.Parse([]byte(snap.GetToken().GetJwksJson())))(t)
		if len(keys) != 2 || keys[oldKid] == nil || keys[rot.GetKid()] == nil {
			t.Fatalf("snapshot JWKS has %d keys, want old and new", len(keys))
		}
		must(accesstoken.Verify(old, keys, snap.GetToken().GetIssuer(), snap.GetToken().GetAudience(), e.clock.Now()))(t)

		// After the TTL (and leeway) the old key leaves the JWKS.
		e.clock.Advance(e.cfg.TokenTTL + verifierLeeway + time.Second)
		keys = must(accesstoken.Parse(must(e.s.JWKS(context.Background()))(t)))(t)
		if len(keys) != 1 || keys[rot.GetKid()] == nil {
			t.Fatalf("JWKS after retirement has %v", keys)
		}
		list := must(e.s.ListSigningKeys(adminCtx(), &registryv1.ListSigningKeysRequest{}))(t).GetKeys()
		states := map[string]registryv1.SigningKeyState{}
		for _, k := range list {
			states[k.GetKid()] = k.GetState()
		}
		if states[oldKid] != registryv1.SigningKeyState_SIGNING_KEY_STATE_RETIRED || states[rot.GetKid()] != registryv1.SigningKeyState_SIGNING_KEY_STATE_CURRENT {
			t.Fatalf("key states = %v", states)
		}

		// Automatic rotation happens once the current key is older than
		// KeyRotation, and not before.
		must(0, e.s.rotateIfDue(context.Background()))(t)
		if k := currentKid(t, e); k != rot.GetKid() {
			t.Fatalf("rotated early: %s", k)
		}
		e.clock.Advance(e.cfg.KeyRotation)
		must(0, e.s.rotateIfDue(context.Background()))(t)
		if k := currentKid(t, e); k == rot.GetKid() {
			t.Fatal("no automatic rotation after KeyRotation")
		}
	})
}

func currentKid(t *testing.T, e *env) string {
	t.Helper()
	for _, k := range must(e.s.ListSigningKeys(adminCtx(), &registryv1.ListSigningKeysRequest{}))(t).GetKeys() {
		if k.GetState() == registryv1.SigningKeyState_SIGNING_KEY_STATE_CURRENT {
			return k.GetKid()
		}
	}
	t.Fatal("no current key")
	return ""
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	raw := must(decodeSegment(strings.Split(token, ".")[0]))(t)
	return jsonField(string(raw), "kid")
}

// TestTokenFailuresCountedNotLeaked checks the refused-attempt metric and
// that the secret never reaches the log.
// counterValue reads a counter as /metrics serves it: from the default
// gatherer, by name and label values. The counters are per process, so
// tests compare values before and after.
func counterValue(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func TestTokenFailuresCountedNotLeaked(t *testing.T) {
	const failuresMetric = "lgsp_registry_token_failures_total"
	wrongSecret := map[string]string{"reason": "wrong_secret"}
	db := sqltest.Open(t, sqltest.SQLite)
	var logs bytes.Buffer
	cfg := testConfig()
	clock := &testClock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	s := must(New(context.Background(), cfg, db, nil, slog.New(slog.NewJSONHandler(&logs, nil)), clock.Now))(t)
	e := &env{s: s, db: db, clock: clock, cfg: cfg}
	f := e.fixture(t)
	id, secret, _ := e.oauthClient(t, f.appA.GetId())
	wrong := secret[:10] + "WRONGWRONGWRONG"
	before := counterValue(t, failuresMetric, wrongSecret)
	for range 3 {
		_, err := e.issue(id, wrong)
		wantErr(t, err, codes.Unauthenticated, "invalid_client")
	}
	if failures := counterValue(t, failuresMetric, wrongSecret) - before; failures != 3 {
		t.Fatalf("wrong_secret failures counted = %v, want 3", failures)
	}
	out := logs.String()
	if !strings.Contains(out, "token request refused") || !strings.Contains(out, id) {
		t.Fatalf("refusals not logged with the client id: %s", out)
	}
	if strings.Contains(out, wrong) || strings.Contains(out, secret) {
		t.Fatal("a client secret reached the log")
	}
}

func TestCredentialKinds(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		key := must(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY}))(t)
		if !strings.HasPrefix(key.GetSecret(), APIKeyPrefix+key.GetCredential().GetKeyId()+"_") || len(key.GetSecret()) < 40 {
			t.Fatalf("API key %q lacks the prefix and key id", key.GetSecret())
		}
		sh := must(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(),
			Type: registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER, SystemId: "000.00.01.H30-vpdt"}))(t)
		if sh.GetCredential().GetKeyId() != "000.00.01.H30-vpdt" || sh.GetSecret() == "" {
			t.Fatalf("signed-header credential = %v", sh)
		}
		// Secrets are never listed again.
		for _, c := range must(e.s.ListCredentials(adminCtx(), &registryv1.ListCredentialsRequest{ApplicationId: f.appA.GetId()}))(t).GetCredentials() {
			if strings.Contains(c.String(), key.GetSecret()) || strings.Contains(c.String(), sh.GetSecret()) {
				t.Fatal("a listed credential carries its secret")
			}
		}
		// The API key is stored only as its hash; the HMAC secret is sealed.
		var hash, sealed string
		must(0, db.QueryRowContext(context.Background(), db.Rebind(`SELECT secret_hash FROM registry_credentials WHERE id = ?`), key.GetCredential().GetId()).Scan(&hash))(t)
		must(0, db.QueryRowContext(context.Background(), db.Rebind(`SELECT secret_sealed FROM registry_credentials WHERE id = ?`), sh.GetCredential().GetId()).Scan(&sealed))(t)
		if hash != sha256Hex(key.GetSecret()) || strings.Contains(sealed, sh.GetSecret()) || sealed == "" {
			t.Fatal("secrets stored in the clear")
		}
		snap := must(e.s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
		found := 0
		for _, app := range snap.GetApplications() {
			for _, c := range app.GetCredentials() {
				switch c.GetId() {
				case key.GetCredential().GetId():
					sum := sha256.Sum256([]byte(key.GetSecret()))
					if !bytes.Equal(c.GetKeyHash(), sum[:]) {
						t.Fatal("snapshot key_hash is not SHA-256 of the whole key")
					}
					found++
				case sh.GetCredential().GetId():
					if c.GetHmacSecret() != sh.GetSecret() || c.GetKeyId() != "000.00.01.H30-vpdt" {
						t.Fatal("snapshot lacks the decrypted HMAC secret")
					}
					found++
				}
			}
		}
		if found != 2 {
			t.Fatalf("snapshot has %d of the 2 credentials", found)
		}
	})
}
