package registry

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

func ngspIssuer(appID string) *registryv1.TrustedIssuer {
	return &registryv1.TrustedIssuer{
		Name: "NGSP - Nền tảng tích hợp quốc gia", Issuer: "https://ngsp.gov.vn/oauth2/token",
		JwksUrl: "https://127.0.0.1:8443/oauth2/jwks", Audiences: []string{"lgsp-tinh-x", "lgsp"}, ApplicationId: appID,
		RequiredClaims: map[string]string{"client_id": "lgsp-tinh-x"}, LeewaySeconds: 30,
	}
}

func snapshotIssuerIDs(t *testing.T, e *env) []string {
	t.Helper()
	snap := must(e.s.GatewayServer().GetSnapshot(serviceCtxForTest(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
	var ids []string
	for _, ti := range snap.GetTrustedIssuers() {
		ids = append(ids, ti.GetId())
	}
	return ids
}

// TestTrustedIssuerCRUD creates, reads, lists, updates, disables and
// deletes trusted issuers, and checks what gateways and auditors see.
func TestTrustedIssuerCRUD(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		rev0 := must(e.s.Revision(t.Context()))(t)

		in := ngspIssuer(f.appA.GetId())
		in.Audiences = append(in.Audiences, "  lgsp-extra  ")
		created := must(e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: in}))(t).GetTrustedIssuer()
		if !strings.HasPrefix(created.GetId(), "tis_") || created.GetCreateTime() == nil || created.GetDisabled() {
			t.Fatalf("created %v", created)
		}
		if got := created.GetAudiences(); len(got) != 3 || got[2] != "lgsp-extra" {
			t.Fatalf("audiences %q, want trimmed", got)
		}
		if rev := must(e.s.Revision(t.Context()))(t); rev != rev0+1 {
			t.Fatalf("revision %d after create, want %d", rev, rev0+1)
		}
		got := must(e.s.GetTrustedIssuer(adminCtx(), &registryv1.GetTrustedIssuerRequest{Id: created.GetId()}))(t).GetTrustedIssuer()
		if !proto.Equal(got, created) {
			t.Fatalf("get %v, want %v", got, created)
		}

		// The snapshot carries it for gateways.
		snap := must(e.s.GatewayServer().GetSnapshot(serviceCtxForTest(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
		if len(snap.GetTrustedIssuers()) != 1 {
			t.Fatalf("snapshot issuers %v", snap.GetTrustedIssuers())
		}
		sc := snap.GetTrustedIssuers()[0]
		if sc.GetIssuer() != in.GetIssuer() || sc.GetJwksUrl() != in.GetJwksUrl() || sc.GetApplicationId() != f.appA.GetId() ||
			sc.GetRequiredClaims()["client_id"] != "lgsp-tinh-x" || sc.GetLeewaySeconds() != 30 || len(sc.GetAudiences()) != 3 {
			t.Fatalf("snapshot issuer %v", sc)
		}

		// A second issuer for application B; list all, by application, by page.
		other := ngspIssuer(f.appB.GetId())
		other.Issuer, other.RequiredClaims = "https://vnconnect.gov.vn", nil
		second := must(e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: other}))(t).GetTrustedIssuer()
		if n := len(must(e.s.ListTrustedIssuers(adminCtx(), &registryv1.ListTrustedIssuersRequest{}))(t).GetTrustedIssuers()); n != 2 {
			t.Fatalf("list: %d issuers", n)
		}
		byApp := must(e.s.ListTrustedIssuers(adminCtx(), &registryv1.ListTrustedIssuersRequest{ApplicationId: f.appB.GetId()}))(t).GetTrustedIssuers()
		if len(byApp) != 1 || byApp[0].GetId() != second.GetId() {
			t.Fatalf("list by application: %v", byApp)
		}
		page := must(e.s.ListTrustedIssuers(adminCtx(), &registryv1.ListTrustedIssuersRequest{PageSize: 1}))(t)
		if len(page.GetTrustedIssuers()) != 1 || page.GetNextPageToken() == "" {
			t.Fatalf("first page %v", page)
		}
		page2 := must(e.s.ListTrustedIssuers(adminCtx(), &registryv1.ListTrustedIssuersRequest{PageSize: 1, PageToken: page.GetNextPageToken()}))(t)
		if len(page2.GetTrustedIssuers()) != 1 || page2.GetTrustedIssuers()[0].GetId() == page.GetTrustedIssuers()[0].GetId() || page2.GetNextPageToken() != "" {
			t.Fatalf("second page %v", page2)
		}

		// Update by mask: only the named fields change.
		upd := must(e.s.UpdateTrustedIssuer(adminCtx(), &registryv1.UpdateTrustedIssuerRequest{
			TrustedIssuer: &registryv1.TrustedIssuer{Id: created.GetId(), Audiences: []string{"lgsp-moi"}, LeewaySeconds: 120, Name: "ignored"},
			UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"audiences", "leeway_seconds"}}}))(t).GetTrustedIssuer()
		if upd.GetName() != created.GetName() || len(upd.GetAudiences()) != 1 || upd.GetAudiences()[0] != "lgsp-moi" || upd.GetLeewaySeconds() != 120 ||
			upd.GetIssuer() != created.GetIssuer() || upd.GetRequiredClaims()["client_id"] != "lgsp-tinh-x" {
			t.Fatalf("updated %v", upd)
		}

		// Disabled issuers leave the snapshot; enabled again, they return.
		setDisabled := func(v bool) *registryv1.TrustedIssuer {
			return must(e.s.UpdateTrustedIssuer(adminCtx(), &registryv1.UpdateTrustedIssuerRequest{
				TrustedIssuer: &registryv1.TrustedIssuer{Id: created.GetId(), Disabled: v},
				UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}}))(t).GetTrustedIssuer()
		}
		if !setDisabled(true).GetDisabled() {
			t.Fatal("not disabled")
		}
		if ids := snapshotIssuerIDs(t, e); len(ids) != 1 || ids[0] != second.GetId() {
			t.Fatalf("snapshot after disabling: %v", ids)
		}
		setDisabled(false)
		if ids := snapshotIssuerIDs(t, e); len(ids) != 2 {
			t.Fatalf("snapshot after enabling: %v", ids)
		}

		// Delete; then it is gone everywhere.
		must(e.s.DeleteTrustedIssuer(adminCtx(), &registryv1.DeleteTrustedIssuerRequest{Id: created.GetId()}))(t)
		_, err := e.s.GetTrustedIssuer(adminCtx(), &registryv1.GetTrustedIssuerRequest{Id: created.GetId()})
		wantErr(t, err, codes.NotFound, "trusted_issuer_not_found")
		_, err = e.s.DeleteTrustedIssuer(adminCtx(), &registryv1.DeleteTrustedIssuerRequest{Id: created.GetId()})
		wantErr(t, err, codes.NotFound, "trusted_issuer_not_found")
		if ids := snapshotIssuerIDs(t, e); len(ids) != 1 || ids[0] != second.GetId() {
			t.Fatalf("snapshot after delete: %v", ids)
		}
		// The iss is free again.
		must(e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: ngspIssuer(f.appA.GetId())}))(t)

		// Every write is audited, with who did it and the resource before
		// and after.
		entries := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{ResourceKind: "trusted_issuer", ResourceId: created.GetId()}))(t).GetEntries()
		var actions []string
		for _, en := range entries {
			actions = append(actions, en.GetAction())
			if en.GetActor() == "" || en.GetRole() != string(authn.RolePlatformAdmin) {
				t.Errorf("audit entry without its actor: %v", en)
			}
		}
		if got := strings.Join(actions, ","); got != "delete,enable,disable,update,create" {
			t.Fatalf("audit actions (newest first) %s", got)
		}
		if del := entries[0]; del.GetBeforeJson() == "" || del.GetAfterJson() != "" || !strings.Contains(del.GetBeforeJson(), "lgsp-moi") {
			t.Fatalf("delete entry %v", del)
		}
		if v := must(e.s.VerifyAuditChain(adminCtx(), &registryv1.VerifyAuditChainRequest{}))(t); !v.GetOk() {
			t.Fatalf("audit chain: %v", v)
		}
	})
}

// TestTrustedIssuerValidation checks each refusal's stable code.
func TestTrustedIssuerValidation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		appID := f.appA.GetId()
		tooMany := make([]string, 11)
		for i := range tooMany {
			tooMany[i] = fmt.Sprintf("aud-%d", i)
		}
		cases := []struct {
			name  string
			edit  func(*registryv1.TrustedIssuer)
			grpc  codes.Code
			code  string
			field string
		}{
			{"no name", func(ti *registryv1.TrustedIssuer) { ti.Name = " " }, codes.InvalidArgument, "invalid_trusted_issuer_name", "trusted_issuer.name"},
			{"name with markup", func(ti *registryv1.TrustedIssuer) { ti.Name = "<b>NGSP</b>" }, codes.InvalidArgument, "invalid_characters", "trusted_issuer.name"},
			{"no issuer", func(ti *registryv1.TrustedIssuer) { ti.Issuer = "" }, codes.InvalidArgument, "invalid_issuer", "trusted_issuer.issuer"},
			{"issuer with a line break", func(ti *registryv1.TrustedIssuer) { ti.Issuer = "a\nb" }, codes.InvalidArgument, "invalid_issuer", "trusted_issuer.issuer"},
			{"platform issuer", func(ti *registryv1.TrustedIssuer) { ti.Issuer = e.cfg.TokenIssuer }, codes.InvalidArgument, "issuer_is_platform", "trusted_issuer.issuer"},
			{"no JWKS URL", func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "" }, codes.InvalidArgument, "invalid_jwks_url", "trusted_issuer.jwks_url"},
			{"relative JWKS URL", func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "/jwks.json" }, codes.InvalidArgument, "invalid_jwks_url", "trusted_issuer.jwks_url"},
			{"ftp JWKS URL", func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "ftp://127.0.0.1/jwks" }, codes.InvalidArgument, "invalid_jwks_url", "trusted_issuer.jwks_url"},
			{"JWKS URL with credentials", func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "https://u:p@127.0.0.1/jwks" }, codes.InvalidArgument, "invalid_jwks_url", "trusted_issuer.jwks_url"},
			{"http JWKS URL", func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "http://127.0.0.1/jwks" }, codes.InvalidArgument, "jwks_url_not_https", "trusted_issuer.jwks_url"},
			{"metadata address", func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "https://169.254.169.254/jwks" }, codes.InvalidArgument, "jwks_address_not_allowed", "trusted_issuer.jwks_url"},
			{"private address", func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "https://10.1.2.3/jwks" }, codes.InvalidArgument, "jwks_address_not_allowed", "trusted_issuer.jwks_url"},
			{"no audience", func(ti *registryv1.TrustedIssuer) { ti.Audiences = nil }, codes.InvalidArgument, "invalid_audiences", "trusted_issuer.audiences"},
			{"empty audience", func(ti *registryv1.TrustedIssuer) { ti.Audiences = []string{"a", " "} }, codes.InvalidArgument, "invalid_audiences", "trusted_issuer.audiences"},
			{"duplicate audience", func(ti *registryv1.TrustedIssuer) { ti.Audiences = []string{"a", "a"} }, codes.InvalidArgument, "invalid_audiences", "trusted_issuer.audiences"},
			{"11 audiences", func(ti *registryv1.TrustedIssuer) { ti.Audiences = tooMany }, codes.InvalidArgument, "invalid_audiences", "trusted_issuer.audiences"},
			{"no application", func(ti *registryv1.TrustedIssuer) { ti.ApplicationId = "" }, codes.InvalidArgument, "missing_id", "trusted_issuer.application_id"},
			{"unknown application", func(ti *registryv1.TrustedIssuer) { ti.ApplicationId = "app_nothere" }, codes.InvalidArgument, "unknown_application", "trusted_issuer.application_id"},
			{"required exp", func(ti *registryv1.TrustedIssuer) { ti.RequiredClaims = map[string]string{"exp": "1"} }, codes.InvalidArgument, "invalid_required_claims", "trusted_issuer.required_claims"},
			{"bad claim name", func(ti *registryv1.TrustedIssuer) { ti.RequiredClaims = map[string]string{"client id": "x"} }, codes.InvalidArgument, "invalid_required_claims", "trusted_issuer.required_claims"},
			{"empty claim value", func(ti *registryv1.TrustedIssuer) { ti.RequiredClaims = map[string]string{"azp": " "} }, codes.InvalidArgument, "invalid_required_claims", "trusted_issuer.required_claims"},
			{"negative leeway", func(ti *registryv1.TrustedIssuer) { ti.LeewaySeconds = -1 }, codes.InvalidArgument, "invalid_leeway", "trusted_issuer.leeway_seconds"},
			{"leeway over 5 minutes", func(ti *registryv1.TrustedIssuer) { ti.LeewaySeconds = 301 }, codes.InvalidArgument, "invalid_leeway", "trusted_issuer.leeway_seconds"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ti := ngspIssuer(appID)
				c.edit(ti)
				_, err := e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: ti})
				wantErr(t, err, c.grpc, c.code)
				var ae *apierr.Error
				if errors.As(err, &ae) && ae.Field != c.field {
					t.Fatalf("field %q, want %q", ae.Field, c.field)
				}
			})
		}
		_, err := e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{})
		wantErr(t, err, codes.InvalidArgument, "trusted_issuer_required")

		// http is accepted when asked for explicitly.
		dev := ngspIssuer(appID)
		dev.Issuer, dev.JwksUrl, dev.AllowHttp = "http://sim.local/issuer", "http://127.0.0.1:9/jwks", true
		devIss := must(e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: dev}))(t).GetTrustedIssuer()
		// ... and turning allow_http off with an http URL is refused.
		_, err = e.s.UpdateTrustedIssuer(adminCtx(), &registryv1.UpdateTrustedIssuerRequest{TrustedIssuer: &registryv1.TrustedIssuer{Id: devIss.GetId()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"allow_http"}}})
		wantErr(t, err, codes.InvalidArgument, "jwks_url_not_https")

		// One issuer per iss.
		ok := must(e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: ngspIssuer(appID)}))(t).GetTrustedIssuer()
		_, err = e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: ngspIssuer(f.appB.GetId())})
		wantErr(t, err, codes.AlreadyExists, "duplicate_issuer")
		_, err = e.s.UpdateTrustedIssuer(adminCtx(), &registryv1.UpdateTrustedIssuerRequest{TrustedIssuer: &registryv1.TrustedIssuer{Id: devIss.GetId(), Issuer: ok.GetIssuer()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"issuer"}}})
		wantErr(t, err, codes.AlreadyExists, "duplicate_issuer")

		// Updates are checked as creations are.
		update := func(ti *registryv1.TrustedIssuer, paths ...string) error {
			_, err := e.s.UpdateTrustedIssuer(adminCtx(), &registryv1.UpdateTrustedIssuerRequest{TrustedIssuer: ti, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
			return err
		}
		wantErr(t, update(&registryv1.TrustedIssuer{Id: ok.GetId(), Issuer: e.cfg.TokenIssuer}, "issuer"), codes.InvalidArgument, "issuer_is_platform")
		wantErr(t, update(&registryv1.TrustedIssuer{Id: ok.GetId(), ApplicationId: "app_nothere"}, "application_id"), codes.InvalidArgument, "unknown_application")
		wantErr(t, update(&registryv1.TrustedIssuer{Id: ok.GetId()}, "audiences"), codes.InvalidArgument, "invalid_audiences")
		wantErr(t, update(&registryv1.TrustedIssuer{Id: ok.GetId()}, "id"), codes.InvalidArgument, "invalid_update_mask")
		wantErr(t, update(&registryv1.TrustedIssuer{Id: "tis_nothere"}, "disabled"), codes.NotFound, "trusted_issuer_not_found")
		wantErr(t, update(&registryv1.TrustedIssuer{}, "disabled"), codes.InvalidArgument, "missing_id")
		// Nothing refused was stored.
		if got := must(e.s.GetTrustedIssuer(adminCtx(), &registryv1.GetTrustedIssuerRequest{Id: ok.GetId()}))(t).GetTrustedIssuer(); !proto.Equal(got, ok) {
			t.Fatalf("after refused updates: %v, want %v", got, ok)
		}
		// The application moves to another one that exists.
		moved := must(e.s.UpdateTrustedIssuer(adminCtx(), &registryv1.UpdateTrustedIssuerRequest{TrustedIssuer: &registryv1.TrustedIssuer{Id: ok.GetId(), ApplicationId: f.appB.GetId()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"application_id"}}}))(t).GetTrustedIssuer()
		if moved.GetApplicationId() != f.appB.GetId() {
			t.Fatalf("moved %v", moved)
		}
	})
}

// TestTrustedIssuersREST drives the trusted issuers over the admin REST
// API, as an operator does with curl.
func TestTrustedIssuersREST(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		must(e.s.EnsureAdmin(t.Context(), "rest-admin-password"))(t)
		mux := runtime.NewServeMux(runtime.WithErrorHandler(apierr.GatewayErrorHandler))
		must(0, e.s.RegisterREST(t.Context(), mux))(t)
		onError := func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, authn.ErrUnauthenticated) {
				err = apierr.ErrUnauthenticated
			}
			apierr.WriteJSON(w, r, err)
		}
		srv := httptest.NewServer(authn.Middleware(e.s, IsPublicREST, onError)(mux))
		t.Cleanup(srv.Close)
		anon := restClient{t: t, base: srv.URL}
		code, body := anon.do("POST", "/admin/v1/auth/login", `{"username":"admin","password":"rest-admin-password"}`)
		if code != http.StatusOK {
			t.Fatalf("login: %d %v", code, body)
		}
		admin := restClient{t: t, base: srv.URL, token: body["sessionToken"].(string)}

		if code, body := anon.do("GET", "/admin/v1/trusted-issuers", ""); code != http.StatusUnauthorized {
			t.Fatalf("anonymous list: %d %v", code, body)
		}
		code, body = admin.do("POST", "/admin/v1/trusted-issuers", fmt.Sprintf(`{"name":"NGSP","issuer":"https://ngsp.gov.vn","jwksUrl":"https://127.0.0.1:8443/jwks",
			"audiences":["lgsp-tinh-x"],"applicationId":%q,"requiredClaims":{"azp":"lgsp-tinh-x"},"leewaySeconds":60}`, f.appA.GetId()))
		if code != http.StatusOK {
			t.Fatalf("create: %d %v", code, body)
		}
		ti := body["trustedIssuer"].(map[string]any)
		id := ti["id"].(string)
		if ti["issuer"] != "https://ngsp.gov.vn" || ti["leewaySeconds"] != float64(60) {
			t.Fatalf("created %v", ti)
		}
		code, body = admin.do("POST", "/admin/v1/trusted-issuers", fmt.Sprintf(`{"name":"x","issuer":"y","jwksUrl":"http://127.0.0.1/jwks","audiences":["a"],"applicationId":%q}`, f.appA.GetId()))
		if code != http.StatusBadRequest || body["code"] != "jwks_url_not_https" || body["message_vi"] == "" {
			t.Fatalf("http JWKS: %d %v", code, body)
		}
		if code, body := admin.do("GET", "/admin/v1/trusted-issuers/"+id, ""); code != http.StatusOK || body["trustedIssuer"].(map[string]any)["name"] != "NGSP" {
			t.Fatalf("get: %d %v", code, body)
		}
		code, body = admin.do("PATCH", "/admin/v1/trusted-issuers/"+id, `{"disabled":true}`)
		if code != http.StatusOK || body["trustedIssuer"].(map[string]any)["disabled"] != true || body["trustedIssuer"].(map[string]any)["name"] != "NGSP" {
			t.Fatalf("disable: %d %v", code, body)
		}
		if code, body := admin.do("GET", "/admin/v1/trusted-issuers?applicationId="+f.appA.GetId(), ""); code != http.StatusOK || len(body["trustedIssuers"].([]any)) != 1 {
			t.Fatalf("list: %d %v", code, body)
		}
		if code, body := admin.do("DELETE", "/admin/v1/trusted-issuers/"+id, ""); code != http.StatusOK {
			t.Fatalf("delete: %d %v", code, body)
		}
		if code, body := admin.do("GET", "/admin/v1/trusted-issuers/"+id, ""); code != http.StatusNotFound || body["code"] != "trusted_issuer_not_found" {
			t.Fatalf("get after delete: %d %v", code, body)
		}
	})
}
