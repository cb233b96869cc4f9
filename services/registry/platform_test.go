package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/pressly/goose/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/migrations"
)

var platformAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM}

// TestPlatformUpstream: only a platform admin creates or changes an API
// whose upstream receives the gateway's identity assertion; the type has no
// secret and reaches the gateway in the snapshot.
func TestPlatformUpstream(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.agency(t, agencyA)
		pub := as(authn.RoleAgencyPublisher, agencyA)
		n := 0
		spec := func(ua *registryv1.UpstreamAuth) *registryv1.Api {
			n++
			return &registryv1.Api{
				Name: "Document exchange", Context: fmt.Sprintf("edoc%d", n), Version: "1.0", OwnerAgency: agencyA,
				Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}}, UpstreamAuth: ua,
			}
		}

		// An admin creates one; it has no secret and the gateway learns its type.
		a := must(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: spec(platformAuth)}))(t).GetApi()
		if a.GetUpstreamAuth().GetType() != registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM || a.GetUpstreamAuth().GetHasSecret() {
			t.Fatalf("created upstream auth %v", a.GetUpstreamAuth())
		}
		must(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))(t)
		if ua := routeOf(t, e, a.GetId()).GetUpstreamAuth(); ua.GetType() != registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM || secretOf(ua) != "" {
			t.Fatalf("snapshot upstream auth %v", ua)
		}

		// It takes no credential, not even from an admin.
		_, err := e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: spec(&registryv1.UpstreamAuth{
			Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM, BearerToken: "a-token"})})
		wantErr(t, err, codes.InvalidArgument, "invalid_upstream_auth")

		// An agency publisher may not create one, ...
		_, err = e.s.CreateApi(pub, &registryv1.CreateApiRequest{Api: spec(platformAuth)})
		wantErr(t, err, codes.PermissionDenied, "platform_upstream_admin_only")
		// ... turn its own API into one, ...
		own := must(e.s.CreateApi(pub, &registryv1.CreateApiRequest{Api: spec(nil)}))(t).GetApi()
		_, err = e.s.UpdateApi(pub, &registryv1.UpdateApiRequest{
			Api:        &registryv1.Api{Id: own.GetId(), UpstreamAuth: platformAuth},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"upstream_auth"}},
		})
		wantErr(t, err, codes.PermissionDenied, "platform_upstream_admin_only")
		// ... nor change one its agency owns, in any way.
		_, err = e.s.UpdateApi(pub, &registryv1.UpdateApiRequest{
			Api:        &registryv1.Api{Id: a.GetId(), Endpoints: []*registryv1.UpstreamEndpoint{{Url: "http://127.0.0.1:10/elsewhere"}}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"endpoints"}},
		})
		wantErr(t, err, codes.PermissionDenied, "platform_upstream_admin_only")
		_, err = e.s.UpdateApi(pub, &registryv1.UpdateApiRequest{
			Api:        &registryv1.Api{Id: a.GetId(), Description: "changed"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}},
		})
		wantErr(t, err, codes.PermissionDenied, "platform_upstream_admin_only")
		_, err = e.s.TransitionApi(pub, &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED})
		wantErr(t, err, codes.PermissionDenied, "platform_upstream_admin_only")
		if got := routeOf(t, e, a.GetId()); got.GetEndpoints()[0].GetUrl() != loopbackURL || got.GetLifecycle() != registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED {
			t.Fatalf("a refused change reached the snapshot: %v", got)
		}

		// An admin turns an API with a secret into a PLATFORM one without
		// sending anything else: the stored secret goes.
		basic := must(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: spec(&registryv1.UpstreamAuth{
			Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC, Username: "u", Password: "p-secret"})}))(t).GetApi()
		moved := must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{
			Api:        &registryv1.Api{Id: basic.GetId(), UpstreamAuth: platformAuth},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"upstream_auth"}},
		}))(t).GetApi()
		if moved.GetUpstreamAuth().GetType() != registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM || moved.GetUpstreamAuth().GetHasSecret() {
			t.Fatalf("after the change: %v", moved.GetUpstreamAuth())
		}
		// And back: the old secret is not resurrected, so one is required.
		_, err = e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{
			Api:        &registryv1.Api{Id: basic.GetId(), UpstreamAuth: &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC, Username: "u"}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"upstream_auth"}},
		})
		wantErr(t, err, codes.InvalidArgument, "invalid_upstream_auth")
	})
}

// TestErrorStyle: the style is stored, defaults to LGSP, is settable on
// create and update (gRPC and REST), returned on get and list, and carried
// in the snapshot.
func TestErrorStyle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.agency(t, agencyA)
		pub := as(authn.RoleAgencyPublisher, agencyA)
		national := registryv1.ErrorStyle_ERROR_STYLE_NATIONAL_AXIS

		plain := e.api(t, agencyA, "plain", registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, registryv1.ApprovalMode_APPROVAL_MODE_MANUAL, true)
		if plain.GetErrorStyle() != registryv1.ErrorStyle_ERROR_STYLE_LGSP || routeOf(t, e, plain.GetId()).GetErrorStyle() != registryv1.ErrorStyle_ERROR_STYLE_LGSP {
			t.Fatalf("default style %v", plain.GetErrorStyle())
		}

		// An agency publisher sets it on its own API.
		a := must(e.s.CreateApi(pub, &registryv1.CreateApiRequest{Api: &registryv1.Api{
			Name: "Axis", Context: "axis", Version: "1.0", ErrorStyle: national,
			Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}},
		}}))(t).GetApi()
		if a.GetErrorStyle() != national {
			t.Fatalf("created style %v", a.GetErrorStyle())
		}
		if got := must(e.s.GetApi(pub, &registryv1.GetApiRequest{Id: a.GetId()}))(t).GetApi(); got.GetErrorStyle() != national {
			t.Fatalf("get style %v", got.GetErrorStyle())
		}
		must(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))(t)
		if got := routeOf(t, e, a.GetId()).GetErrorStyle(); got != national {
			t.Fatalf("snapshot style %v", got)
		}
		for _, l := range must(e.s.ListApis(adminCtx(), &registryv1.ListApisRequest{}))(t).GetApis() {
			want := registryv1.ErrorStyle_ERROR_STYLE_LGSP
			if l.GetId() == a.GetId() {
				want = national
			}
			if l.GetErrorStyle() != want {
				t.Errorf("list: %s has style %v, want %v", l.GetContext(), l.GetErrorStyle(), want)
			}
		}

		// Unspecified on update means LGSP; an unknown value is refused.
		upd := must(e.s.UpdateApi(pub, &registryv1.UpdateApiRequest{
			Api: &registryv1.Api{Id: a.GetId()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"error_style"}},
		}))(t).GetApi()
		if upd.GetErrorStyle() != registryv1.ErrorStyle_ERROR_STYLE_LGSP {
			t.Fatalf("updated style %v", upd.GetErrorStyle())
		}
		_, err := e.s.UpdateApi(pub, &registryv1.UpdateApiRequest{
			Api: &registryv1.Api{Id: a.GetId(), ErrorStyle: 9}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"error_style"}},
		})
		wantErr(t, err, codes.InvalidArgument, "invalid_error_style")

		// Over REST, as the console and integrators use it.
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
		code, body := restClient{t: t, base: srv.URL}.do("POST", "/admin/v1/auth/login", `{"username":"admin","password":"rest-admin-password"}`)
		if code != http.StatusOK {
			t.Fatalf("login: %d %v", code, body)
		}
		admin := restClient{t: t, base: srv.URL, token: body["sessionToken"].(string)}
		code, body = admin.do("POST", "/admin/v1/apis", `{"api":{"name":"Axis REST","context":"axisRest","version":"1.0","ownerAgency":"`+agencyA+
			`","endpoints":[{"url":"`+loopbackURL+`"}],"errorStyle":"ERROR_STYLE_NATIONAL_AXIS"}}`)
		api, _ := body["api"].(map[string]any)
		if code != http.StatusOK || api["errorStyle"] != "ERROR_STYLE_NATIONAL_AXIS" {
			t.Fatalf("REST create: %d %v", code, body)
		}
		id := api["id"].(string)
		code, body = admin.do("PATCH", "/admin/v1/apis/"+id, `{"errorStyle":"ERROR_STYLE_LGSP"}`)
		if api, _ = body["api"].(map[string]any); code != http.StatusOK || api["errorStyle"] != "ERROR_STYLE_LGSP" {
			t.Fatalf("REST update: %d %v", code, body)
		}
		code, body = admin.do("GET", "/admin/v1/apis/"+id, "")
		if api, _ = body["api"].(map[string]any); code != http.StatusOK || api["errorStyle"] != "ERROR_STYLE_LGSP" {
			t.Fatalf("REST get: %d %v", code, body)
		}
		// A PATCH that does not name the style keeps it.
		must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{
			Api: &registryv1.Api{Id: id, ErrorStyle: national}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"error_style"}},
		}))(t)
		code, body = admin.do("PATCH", "/admin/v1/apis/"+id, `{"description":"national answers"}`)
		if api, _ = body["api"].(map[string]any); code != http.StatusOK || api["errorStyle"] != "ERROR_STYLE_NATIONAL_AXIS" {
			t.Fatalf("REST update of another field: %d %v", code, body)
		}
	})
}

// TestErrorStyleMigration: APIs stored before the column answer in the
// platform's style; the column takes no other value; down removes it.
func TestErrorStyleMigration(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		before := fstest.MapFS{}
		for _, name := range []string{"00001_registry.sql", "00002_ownership.sql"} {
			b, err := fs.ReadFile(migrations.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			before[name] = &fstest.MapFile{Data: b}
		}
		if err := db.Migrate(ctx, before, ServiceName); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) error {
			_, err := db.ExecContext(ctx, db.Rebind(q), args...)
			return err
		}
		if err := exec(`INSERT INTO registry_agencies (code, name, status, created_ms, updated_ms) VALUES (?, ?, 'active', 1, 1)`, agencyA, agencyA); err != nil {
			t.Fatal(err)
		}
		if err := exec(`INSERT INTO registry_apis (id, name, context, context_key, version, owner_agency, visibility, lifecycle, spec, created_ms, updated_ms)
			VALUES ('api_old', 'old', 'old', 'old', '1.0', ?, 'private', 'published', '{}', 1, 1)`, agencyA); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx, migrations.FS, ServiceName); err != nil {
			t.Fatal(err)
		}
		var style string
		if err := db.QueryRowContext(ctx, `SELECT error_style FROM registry_apis WHERE id = 'api_old'`).Scan(&style); err != nil || style != styleLGSP {
			t.Fatalf("error_style of an older API = %q (%v), want %q", style, err, styleLGSP)
		}
		if err := exec(`UPDATE registry_apis SET error_style = 'soap' WHERE id = 'api_old'`); err == nil {
			t.Fatal("the column took an unknown style")
		}
		if err := exec(`UPDATE registry_apis SET error_style = ? WHERE id = 'api_old'`, styleNational); err != nil {
			t.Fatal(err)
		}

		dialect := goose.DialectSQLite3
		if db.Dialect == sqlstore.Postgres {
			dialect = goose.DialectPostgres
		}
		p, err := goose.NewProvider(dialect, db.DB, migrations.FS, goose.WithTableName(sqlstore.VersionTable(ServiceName)), goose.WithDisableGlobalRegistry(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 2); err != nil {
			t.Fatalf("down: %v", err)
		}
		if err := exec(`SELECT error_style FROM registry_apis`); err == nil {
			t.Fatal("error_style survived the down migration")
		}
	})
}
