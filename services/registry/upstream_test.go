package registry

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// routeOf returns the gateway's view of a published API, secrets included.
func routeOf(t *testing.T, e *env, id string) *registryv1.ApiRoute {
	t.Helper()
	snap := must(e.s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
	for _, r := range snap.GetApis() {
		if r.GetId() == id {
			return r
		}
	}
	t.Fatalf("api %s is not in the snapshot", id)
	return nil
}

// secretOf is the secret the gateway would present upstream.
func secretOf(u *registryv1.UpstreamAuthConfig) string {
	return u.GetPassword() + u.GetBearerToken() + u.GetClientSecret() + u.GetSigningSecret()
}

// withSecret returns a copy of ua carrying secret in its type's field.
func withSecret(ua *registryv1.UpstreamAuth, secret string) *registryv1.UpstreamAuth {
	ua = proto.Clone(ua).(*registryv1.UpstreamAuth)
	switch ua.GetType() {
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC:
		ua.Password = secret
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER:
		ua.BearerToken = secret
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS:
		ua.ClientSecret = secret
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER:
		ua.SigningSecret = secret
	}
	return ua
}

var upstreamKinds = map[string]*registryv1.UpstreamAuth{
	"basic":  {Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC, Username: "province"},
	"bearer": {Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER},
	"oauth2": {Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS,
		TokenUrl: "http://127.0.0.1:9/token", ClientId: "province", Scope: "default"},
	"signed": {Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER, SystemId: "000.00.00.H30-lgsp"},
}

// TestUpstreamSecretStaysWithItsAddress is the regression test of the
// review's first finding: changing where an upstream secret goes (endpoint
// URLs, token URL, auth type, signing system id) without sending the secret
// again is refused, and the stored secret never reaches the new address.
// Changes that do not move the secret keep it.
func TestUpstreamSecretStaysWithItsAddress(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.agency(t, agencyA)
		n := 0
		newAPI := func(t *testing.T, ua *registryv1.UpstreamAuth) *registryv1.Api {
			t.Helper()
			n++
			a := must(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{
				Name: "NGSP", Context: "ngsp" + string(rune('a'+n)), Version: "1.0", OwnerAgency: agencyA,
				Endpoints:    []*registryv1.UpstreamEndpoint{{Url: loopbackURL}},
				UpstreamAuth: withSecret(ua, "province-secret"),
			}}))(t).GetApi()
			must(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))(t)
			return a
		}
		moves := map[string]struct {
			kinds []string
			paths []string
			move  func(a *registryv1.Api)
		}{
			"endpoint replaced": {nil, []string{"endpoints"}, func(a *registryv1.Api) {
				a.Endpoints = []*registryv1.UpstreamEndpoint{{Url: "http://127.0.0.2/collect"}}
			}},
			"endpoint added": {nil, []string{"endpoints"}, func(a *registryv1.Api) {
				a.Endpoints = append(a.Endpoints, &registryv1.UpstreamEndpoint{Url: "http://127.0.0.2/collect"})
			}},
			"token URL": {[]string{"oauth2"}, []string{"upstream_auth"}, func(a *registryv1.Api) {
				a.UpstreamAuth.TokenUrl = "http://127.0.0.2/token"
			}},
			"system id": {[]string{"signed"}, []string{"upstream_auth"}, func(a *registryv1.Api) {
				a.UpstreamAuth.SystemId = "000.00.00.H30-other"
			}},
			"endpoints and token URL at once": {[]string{"oauth2"}, nil, func(a *registryv1.Api) {
				a.Endpoints = []*registryv1.UpstreamEndpoint{{Url: "http://127.0.0.2/collect"}}
				a.UpstreamAuth.TokenUrl = "http://127.0.0.2/token"
			}},
		}
		for kind, ua := range upstreamKinds {
			for name, m := range moves {
				if m.kinds != nil && m.kinds[0] != kind {
					continue
				}
				t.Run(kind+"/"+name, func(t *testing.T) {
					a := newAPI(t, ua)
					before := routeOf(t, e, a.GetId())
					// What the owner reads back (no secret), moved.
					in := proto.Clone(must(e.s.GetApi(adminCtx(), &registryv1.GetApiRequest{Id: a.GetId()}))(t).GetApi()).(*registryv1.Api)
					m.move(in)
					_, err := e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: in, UpdateMask: mask(m.paths...)})
					wantErr(t, err, codes.InvalidArgument, "upstream_secret_required")
					if after := routeOf(t, e, a.GetId()); !proto.Equal(after, before) {
						t.Fatalf("a refused change altered the route:\n%v\n%v", before, after)
					}
					// With the secret sent again, the change is made.
					in.UpstreamAuth = withSecret(in.GetUpstreamAuth(), "new-secret")
					paths := m.paths
					if paths != nil {
						paths = append(paths, "upstream_auth")
					}
					must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: in, UpdateMask: mask(paths...)}))(t)
					if got := secretOf(routeOf(t, e, a.GetId()).GetUpstreamAuth()); got != "new-secret" {
						t.Fatalf("secret after the change = %q", got)
					}
				})
			}
			t.Run(kind+"/auth type", func(t *testing.T) {
				a := newAPI(t, ua)
				for other, oua := range upstreamKinds {
					if other == kind {
						continue
					}
					_, err := e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: a.GetId(), UpstreamAuth: oua}, UpdateMask: mask("upstream_auth")})
					if statusCode(err) != codes.InvalidArgument {
						t.Fatalf("%s → %s without a secret: %v", kind, other, err)
					}
				}
				if got := secretOf(routeOf(t, e, a.GetId()).GetUpstreamAuth()); got != "province-secret" {
					t.Fatalf("secret after refused type changes = %q", got)
				}
			})
			t.Run(kind+"/same address keeps the secret", func(t *testing.T) {
				a := newAPI(t, ua)
				in := proto.Clone(must(e.s.GetApi(adminCtx(), &registryv1.GetApiRequest{Id: a.GetId()}))(t).GetApi()).(*registryv1.Api)
				in.Endpoints[0].Weight = 7
				in.UpstreamAuth.Scope = "other-scope"
				in.TimeoutMs, in.Description = 2000, "Mô tả mới"
				must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: in}))(t)
				r := routeOf(t, e, a.GetId())
				if secretOf(r.GetUpstreamAuth()) != "province-secret" || r.GetEndpoints()[0].GetWeight() != 7 {
					t.Fatalf("route after a change that moves no secret: %v", r)
				}
			})
		}
	})
}

// TestWhoMayChangeTheUpstream checks the rules docs/security.md states: a
// publisher may not change an upstream whose secret a platform admin set,
// may change its own agency's other upstreams only by sending the secret
// again, and never another agency's.
func TestWhoMayChangeTheUpstream(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.agency(t, agencyA)
		e.agency(t, agencyB)
		pubA, pubB := as(authn.RoleAgencyPublisher, agencyA), as(authn.RoleAgencyPublisher, agencyB)
		update := func(ctx context.Context, a *registryv1.Api, paths ...string) error {
			return ignore(e.s.UpdateApi(ctx, &registryv1.UpdateApiRequest{Api: a, UpdateMask: mask(paths...)}))
		}
		publish := func(a *registryv1.Api) {
			must(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))(t)
		}

		// The province's NGSP credentials, configured by a platform admin on
		// an API agency A owns.
		ngsp := must(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{
			Name: "CSDL DKDN", Context: "ngsp", Version: "1.0", OwnerAgency: agencyA,
			Endpoints:    []*registryv1.UpstreamEndpoint{{Url: loopbackURL}},
			UpstreamAuth: withSecret(upstreamKinds["oauth2"], "province-ngsp-secret"),
		}}))(t).GetApi()
		publish(ngsp)
		id := ngsp.GetId()
		steal := withSecret(upstreamKinds["oauth2"], "")
		steal.TokenUrl = "http://127.0.0.2/token"
		for name, err := range map[string]error{
			"token URL":             update(pubA, &registryv1.Api{Id: id, UpstreamAuth: steal}, "upstream_auth"),
			"token URL and secret":  update(pubA, &registryv1.Api{Id: id, UpstreamAuth: withSecret(steal, "mine")}, "upstream_auth"),
			"endpoints":             update(pubA, &registryv1.Api{Id: id, Endpoints: []*registryv1.UpstreamEndpoint{{Url: "http://127.0.0.2/x"}}}, "endpoints"),
			"endpoint weight":       update(pubA, &registryv1.Api{Id: id, Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL, Weight: 5}}}, "endpoints"),
			"auth removed":          update(pubA, &registryv1.Api{Id: id}, "upstream_auth"),
			"secret replaced":       update(pubA, &registryv1.Api{Id: id, UpstreamAuth: withSecret(upstreamKinds["oauth2"], "mine")}, "upstream_auth"),
			"scope":                 update(pubA, &registryv1.Api{Id: id, UpstreamAuth: &registryv1.UpstreamAuth{Type: upstreamKinds["oauth2"].Type, TokenUrl: upstreamKinds["oauth2"].TokenUrl, ClientId: "province", Scope: "x"}}, "upstream_auth"),
			"full object, endpoint": update(pubA, &registryv1.Api{Id: id, Name: "CSDL DKDN", Context: "ngsp", Version: "1.0", Endpoints: []*registryv1.UpstreamEndpoint{{Url: "http://127.0.0.2/x"}}}),
		} {
			if statusCode(err) != codes.PermissionDenied {
				t.Fatalf("publisher of the owner agency, %s: %v", name, err)
			}
			if name == "token URL" {
				wantErr(t, err, codes.PermissionDenied, "upstream_managed_by_admin")
			}
		}
		if err := update(pubB, &registryv1.Api{Id: id, Description: "x"}, "description"); statusCode(err) != codes.PermissionDenied {
			t.Fatalf("publisher of another agency: %v", err)
		}
		// What the owner agency may still do: its API's contract, and an
		// update that sends back what it read.
		must(e.s.UpdateApi(pubA, &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: id, Description: "Tra cứu doanh nghiệp", TimeoutMs: 3000},
			UpdateMask: mask("description", "timeout_ms")}))(t)
		read := must(e.s.GetApi(pubA, &registryv1.GetApiRequest{Id: id}))(t).GetApi()
		read.Name = "CSDL đăng ký doanh nghiệp"
		must(e.s.UpdateApi(pubA, &registryv1.UpdateApiRequest{Api: read}))(t)
		if r := routeOf(t, e, id); secretOf(r.GetUpstreamAuth()) != "province-ngsp-secret" || r.GetUpstreamAuth().GetTokenUrl() != upstreamKinds["oauth2"].TokenUrl ||
			r.GetEndpoints()[0].GetUrl() != loopbackURL || r.GetName() != "CSDL đăng ký doanh nghiệp" {
			t.Fatalf("admin-configured upstream after the publisher's attempts: %v", r)
		}
		// A platform admin changes it, sending the secret again.
		moved := withSecret(upstreamKinds["oauth2"], "rotated-ngsp-secret")
		moved.TokenUrl = "http://127.0.0.3/token"
		must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: id, UpstreamAuth: moved}, UpdateMask: mask("upstream_auth")}))(t)
		if r := routeOf(t, e, id); secretOf(r.GetUpstreamAuth()) != "rotated-ngsp-secret" {
			t.Fatalf("after the admin's change: %v", r)
		}

		// An upstream agency A's publisher configured is A's to change, with
		// the secret sent again whenever its address changes.
		own := must(e.s.CreateApi(pubA, &registryv1.CreateApiRequest{Api: &registryv1.Api{
			Name: "Hộ tịch", Context: "hotich", Version: "1.0",
			Endpoints:    []*registryv1.UpstreamEndpoint{{Url: loopbackURL}},
			UpstreamAuth: withSecret(upstreamKinds["bearer"], "agency-token"),
		}}))(t).GetApi()
		publish(own)
		elsewhere := []*registryv1.UpstreamEndpoint{{Url: "http://127.0.0.2/hotich"}}
		wantErr(t, update(pubA, &registryv1.Api{Id: own.GetId(), Endpoints: elsewhere}, "endpoints"), codes.InvalidArgument, "upstream_secret_required")
		must(e.s.UpdateApi(pubA, &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: own.GetId(), Endpoints: elsewhere,
			UpstreamAuth: withSecret(upstreamKinds["bearer"], "agency-token-2")}, UpdateMask: mask("endpoints", "upstream_auth")}))(t)
		if r := routeOf(t, e, own.GetId()); secretOf(r.GetUpstreamAuth()) != "agency-token-2" || r.GetEndpoints()[0].GetUrl() != elsewhere[0].GetUrl() {
			t.Fatalf("publisher's own upstream after its change: %v", r)
		}
		// Once a platform admin sets its secret, it is the admin's.
		must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: own.GetId(),
			UpstreamAuth: withSecret(upstreamKinds["bearer"], "admin-token")}, UpdateMask: mask("upstream_auth")}))(t)
		wantErr(t, update(pubA, &registryv1.Api{Id: own.GetId(), Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}},
			UpstreamAuth: withSecret(upstreamKinds["bearer"], "agency-token-3")}, "endpoints", "upstream_auth"), codes.PermissionDenied, "upstream_managed_by_admin")
		// And when the admin removes the secret, the publisher may set one
		// of its own again.
		must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: own.GetId()}, UpdateMask: mask("upstream_auth")}))(t)
		must(e.s.UpdateApi(pubA, &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: own.GetId(),
			UpstreamAuth: withSecret(upstreamKinds["bearer"], "agency-token-4")}, UpdateMask: mask("upstream_auth")}))(t)
		if r := routeOf(t, e, own.GetId()); secretOf(r.GetUpstreamAuth()) != "agency-token-4" {
			t.Fatalf("publisher's secret after the admin removed theirs: %v", r)
		}
	})
}

// TestCatalogueShowsContractOnly: another agency's users see a public API's
// contract, not where or how the gateway reaches its upstream.
func TestCatalogueShowsContractOnly(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: f.publicAPI.GetId(),
			UpstreamAuth: withSecret(upstreamKinds["oauth2"], "province-secret"), TimeoutMs: 2500, Retries: 2,
			Resources: []*registryv1.ApiResource{{Method: "GET", Path: "/doanhnghiep/{msdn}"}}},
			UpdateMask: mask("upstream_auth", "timeout_ms", "retries", "resources")}))(t)
		read := func(ctx context.Context) []*registryv1.Api {
			got := []*registryv1.Api{must(e.s.GetApi(ctx, &registryv1.GetApiRequest{Id: f.publicAPI.GetId()}))(t).GetApi()}
			for _, a := range must(e.s.ListApis(ctx, &registryv1.ListApisRequest{}))(t).GetApis() {
				if a.GetId() == f.publicAPI.GetId() {
					got = append(got, a)
				}
			}
			if len(got) != 2 {
				t.Fatalf("the public API is not listed")
			}
			return got
		}
		for _, ctx := range []context.Context{as(authn.RoleAgencyDeveloper, f.b), as(authn.RoleAgencyPublisher, f.b)} {
			for _, a := range read(ctx) {
				if len(a.GetEndpoints()) != 0 || a.GetUpstreamAuth() != nil || a.GetTimeoutMs() != 0 || a.GetRetries() != 0 {
					t.Fatalf("another agency sees the upstream: %v", a)
				}
				if a.GetName() == "" || a.GetContext() != f.publicAPI.GetContext() || a.GetVersion() != "1.0" || len(a.GetResources()) != 1 ||
					a.GetLifecycle() != registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED || a.GetVisibility() != registryv1.ApiVisibility_API_VISIBILITY_PUBLIC ||
					len(a.GetAuthMethods()) == 0 || a.GetOwnerAgency() != f.a {
					t.Fatalf("another agency lacks the contract: %v", a)
				}
			}
		}
		for _, ctx := range []context.Context{adminCtx(), as(authn.RoleAuditor, ""), as(authn.RoleAgencyPublisher, f.a), as(authn.RoleAgencyDeveloper, f.a)} {
			for _, a := range read(ctx) {
				if len(a.GetEndpoints()) != 1 || a.GetUpstreamAuth().GetTokenUrl() == "" || a.GetUpstreamAuth().GetClientId() != "province" ||
					!a.GetUpstreamAuth().GetHasSecret() || a.GetUpstreamAuth().GetClientSecret() != "" || a.GetTimeoutMs() != 2500 {
					t.Fatalf("the owner or an admin misses the upstream: %v", a)
				}
			}
		}
	})
}
