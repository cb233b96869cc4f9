package registry

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

const matrixPassword = "matrix-password-123"

// matrixEnv has a real user (and login session) per role.
type matrixEnv struct {
	*env
	f                *fixture
	ctxs             map[string]context.Context // by role label
	tokens           map[string]string
	seq              atomic.Int64
	clientID, secret string
}

// "consumer" is an application whose identity the gateway asserted
// (platform/gatewayid): it reaches the admin listener through a PLATFORM
// upstream and may call nothing of the registry's (Login is public).
var matrixRoles = []string{"admin", "publisher", "developer", "auditor", "service", "consumer"}

func (m *matrixEnv) uniq() int64 { return m.seq.Add(1) }

func newMatrixEnv(t *testing.T, db *sqlstore.DB) *matrixEnv {
	e := newEnv(t, db, nil)
	m := &matrixEnv{env: e, f: e.fixture(t), ctxs: map[string]context.Context{}, tokens: map[string]string{}}
	users := map[string]*registryv1.User{
		"admin":     {Username: "admin0", Role: registryv1.UserRole_USER_ROLE_PLATFORM_ADMIN},
		"publisher": {Username: "pub-a", Role: registryv1.UserRole_USER_ROLE_AGENCY_PUBLISHER, AgencyCode: agencyA},
		"developer": {Username: "dev-a", Role: registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, AgencyCode: agencyA},
		"auditor":   {Username: "aud", Role: registryv1.UserRole_USER_ROLE_AUDITOR},
	}
	for label, u := range users {
		must(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: u, Password: matrixPassword}))(t)
		lr := must(e.s.Login(context.Background(), &registryv1.LoginRequest{Username: u.Username, Password: matrixPassword}))(t)
		p := must(e.s.Authenticate(context.Background(), lr.GetSessionToken()))(t)
		m.ctxs[label] = authn.WithPrincipal(context.Background(), p)
		m.tokens[label] = lr.GetSessionToken()
	}
	p := must(e.s.Authenticate(context.Background(), testInternal))(t)
	m.ctxs["service"] = authn.WithPrincipal(context.Background(), p)
	m.ctxs["consumer"] = authn.WithPrincipal(context.Background(), authn.Principal{Subject: m.f.appA.GetId(), Role: authn.RoleConsumer, Agency: agencyA})
	m.clientID, m.secret, _ = e.oauthClient(t, m.f.appA.GetId())
	return m
}

// Helpers that create fresh resources of agency A as a platform admin.
func (m *matrixEnv) draftAPI(t *testing.T) *registryv1.Api {
	return m.api(t, agencyA, fmt.Sprintf("m%d", m.uniq()), registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, registryv1.ApprovalMode_APPROVAL_MODE_MANUAL, false)
}

func (m *matrixEnv) freshApp(t *testing.T) *registryv1.Application {
	return m.app(t, agencyA, fmt.Sprintf("app-%d", m.uniq()))
}

func (m *matrixEnv) sub(t *testing.T, state registryv1.SubscriptionState) *registryv1.Subscription {
	app := m.freshApp(t)
	s := must(m.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: app.GetId(), ApiId: m.f.publicAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
	if state == registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED || state == registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED {
		s = must(m.s.ApproveSubscription(adminCtx(), &registryv1.ApproveSubscriptionRequest{Id: s.GetId()}))(t).GetSubscription()
	}
	if state == registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED {
		s = must(m.s.SuspendSubscription(adminCtx(), &registryv1.SuspendSubscriptionRequest{Id: s.GetId()}))(t).GetSubscription()
	}
	return s
}

// issuerSpec is a valid trusted issuer of agency A's application, with an
// iss of its own.
func (m *matrixEnv) issuerSpec() *registryv1.TrustedIssuer {
	return &registryv1.TrustedIssuer{Name: "NGSP", Issuer: fmt.Sprintf("https://ngsp.example/%d", m.uniq()),
		JwksUrl: "https://127.0.0.1:8443/jwks.json", Audiences: []string{"lgsp-tinh"}, ApplicationId: m.f.appA.GetId()}
}

// issuer creates a trusted issuer as a platform admin.
func (m *matrixEnv) issuer(t *testing.T) *registryv1.TrustedIssuer {
	return must(m.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: m.issuerSpec()}))(t).GetTrustedIssuer()
}

func (m *matrixEnv) agencyCode() string {
	n := m.uniq()
	return fmt.Sprintf("%03d.%02d.00.H31", n/100, n%100)
}

type matrixCase struct {
	// allowed lists the role labels that may call; "*" means every caller,
	// even without a principal (Login).
	allowed string
	call    func(t *testing.T, m *matrixEnv, ctx context.Context) error
}

func ignore[T any](_ T, err error) error { return err }

// matrix is the expected authorisation of every RPC, written independently
// of permissions in authz.go. Calls act on agency A's resources, which the
// publisher and developer of agency A own.
var matrix = map[string]matrixCase{
	"Login": {"*", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.Login(ctx, &registryv1.LoginRequest{Username: "admin0", Password: matrixPassword}))
	}},
	"Logout": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.Logout(ctx, &registryv1.LogoutRequest{}))
	}},
	"WhoAmI": {"admin publisher developer auditor service", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.WhoAmI(ctx, &registryv1.WhoAmIRequest{}))
	}},
	"ChangePassword": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ChangePassword(ctx, &registryv1.ChangePasswordRequest{CurrentPassword: matrixPassword, NewPassword: matrixPassword}))
	}},
	"AuthenticateSession": {"service", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.AuthenticateSession(ctx, &registryv1.AuthenticateSessionRequest{SessionToken: m.tokens["auditor"]}))
	}},

	"CreateAgency": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.CreateAgency(ctx, &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: m.agencyCode(), Name: "x"}}))
	}},
	"GetAgency": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.GetAgency(ctx, &registryv1.GetAgencyRequest{Code: agencyA}))
	}},
	"ListAgencies": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListAgencies(ctx, &registryv1.ListAgenciesRequest{}))
	}},
	"UpdateAgency": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		code := m.agencyCode()
		m.agency(t, code)
		return ignore(m.s.UpdateAgency(ctx, &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: code, Name: "renamed"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}}))
	}},
	"SucceedAgency": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		from, to := m.agencyCode(), m.agencyCode()
		m.agency(t, from)
		m.agency(t, to)
		return ignore(m.s.SucceedAgency(ctx, &registryv1.SucceedAgencyRequest{Code: from, SuccessorCode: to}))
	}},
	"ListAgencyHistory": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListAgencyHistory(ctx, &registryv1.ListAgencyHistoryRequest{Code: agencyA}))
	}},

	"CreateApi": {"admin publisher", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.CreateApi(ctx, &registryv1.CreateApiRequest{Api: &registryv1.Api{Name: "n", Context: fmt.Sprintf("c%d", m.uniq()),
			Version: "1", OwnerAgency: agencyA, Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}}}}))
	}},
	"GetApi": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.GetApi(ctx, &registryv1.GetApiRequest{Id: m.f.privateAPI.GetId()}))
	}},
	"ListApis": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListApis(ctx, &registryv1.ListApisRequest{}))
	}},
	"UpdateApi": {"admin publisher", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		a := m.draftAPI(t)
		return ignore(m.s.UpdateApi(ctx, &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: a.GetId(), Description: "d"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}}))
	}},
	"TransitionApi": {"admin publisher", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		a := m.draftAPI(t)
		return ignore(m.s.TransitionApi(ctx, &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))
	}},
	"ImportOpenApi": {"admin publisher", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		a := m.draftAPI(t)
		return ignore(m.s.ImportOpenApi(ctx, &registryv1.ImportOpenApiRequest{Id: a.GetId(), OpenapiDocument: `{"swagger":"2.0","paths":{"/x":{"get":{}}}}`}))
	}},
	"GetApiDocument": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		a := m.draftAPI(t)
		must(m.s.ImportOpenApi(adminCtx(), &registryv1.ImportOpenApiRequest{Id: a.GetId(), OpenapiDocument: `{"swagger":"2.0","paths":{"/x":{"get":{}}}}`}))(t)
		return ignore(m.s.GetApiDocument(ctx, &registryv1.GetApiDocumentRequest{Id: a.GetId()}))
	}},

	"CreateTier": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.CreateTier(ctx, &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: fmt.Sprintf("T%d", m.uniq()), RatePerSecond: 1, Burst: 1}}))
	}},
	"GetTier": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.GetTier(ctx, &registryv1.GetTierRequest{Name: "Gold"}))
	}},
	"ListTiers": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListTiers(ctx, &registryv1.ListTiersRequest{}))
	}},
	"UpdateTier": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.UpdateTier(ctx, &registryv1.UpdateTierRequest{Tier: &registryv1.Tier{Name: "Gold", Description: "d"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}}))
	}},

	"CreateApplication": {"admin developer", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.CreateApplication(ctx, &registryv1.CreateApplicationRequest{Application: &registryv1.Application{
			Name: fmt.Sprintf("new-%d", m.uniq()), AgencyCode: agencyA}}))
	}},
	"GetApplication": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.GetApplication(ctx, &registryv1.GetApplicationRequest{Id: m.f.appA.GetId()}))
	}},
	"ListApplications": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListApplications(ctx, &registryv1.ListApplicationsRequest{}))
	}},
	"UpdateApplication": {"admin developer", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		a := m.freshApp(t)
		return ignore(m.s.UpdateApplication(ctx, &registryv1.UpdateApplicationRequest{Application: &registryv1.Application{Id: a.GetId(), Description: "d"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}}))
	}},
	"SuspendApplication": {"admin developer", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		a := m.freshApp(t)
		return ignore(m.s.SuspendApplication(ctx, &registryv1.SuspendApplicationRequest{Id: a.GetId()}))
	}},
	"ResumeApplication": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		a := m.freshApp(t)
		must(m.s.SuspendApplication(adminCtx(), &registryv1.SuspendApplicationRequest{Id: a.GetId()}))(t)
		return ignore(m.s.ResumeApplication(ctx, &registryv1.ResumeApplicationRequest{Id: a.GetId()}))
	}},

	"CreateCredential": {"admin developer", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.CreateCredential(ctx, &registryv1.CreateCredentialRequest{ApplicationId: m.f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY}))
	}},
	"ListCredentials": {"admin developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListCredentials(ctx, &registryv1.ListCredentialsRequest{ApplicationId: m.f.appA.GetId()}))
	}},
	"RevokeCredential": {"admin developer", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		_, _, id := m.oauthClient(t, m.f.appA.GetId())
		return ignore(m.s.RevokeCredential(ctx, &registryv1.RevokeCredentialRequest{Id: id}))
	}},

	"CreateSubscription": {"admin developer", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		a := m.freshApp(t)
		return ignore(m.s.CreateSubscription(ctx, &registryv1.CreateSubscriptionRequest{ApplicationId: a.GetId(), ApiId: m.f.publicAPI.GetId(), Tier: "Gold"}))
	}},
	"GetSubscription": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		s := m.sub(t, registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING)
		return ignore(m.s.GetSubscription(ctx, &registryv1.GetSubscriptionRequest{Id: s.GetId()}))
	}},
	"ListSubscriptions": {"admin publisher developer auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListSubscriptions(ctx, &registryv1.ListSubscriptionsRequest{}))
	}},
	"ApproveSubscription": {"admin publisher", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		s := m.sub(t, registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING)
		return ignore(m.s.ApproveSubscription(ctx, &registryv1.ApproveSubscriptionRequest{Id: s.GetId()}))
	}},
	"RejectSubscription": {"admin publisher", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		s := m.sub(t, registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING)
		return ignore(m.s.RejectSubscription(ctx, &registryv1.RejectSubscriptionRequest{Id: s.GetId()}))
	}},
	"SuspendSubscription": {"admin publisher", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		s := m.sub(t, registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED)
		return ignore(m.s.SuspendSubscription(ctx, &registryv1.SuspendSubscriptionRequest{Id: s.GetId()}))
	}},
	"ResumeSubscription": {"admin publisher", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		s := m.sub(t, registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED)
		return ignore(m.s.ResumeSubscription(ctx, &registryv1.ResumeSubscriptionRequest{Id: s.GetId()}))
	}},

	"CreateUser": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.CreateUser(ctx, &registryv1.CreateUserRequest{User: &registryv1.User{Username: fmt.Sprintf("user%d", m.uniq()),
			Role: registryv1.UserRole_USER_ROLE_AUDITOR}, Password: matrixPassword}))
	}},
	"GetUser": {"admin auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.GetUser(ctx, &registryv1.GetUserRequest{Username: "dev-a"}))
	}},
	"ListUsers": {"admin auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListUsers(ctx, &registryv1.ListUsersRequest{}))
	}},
	"UpdateUser": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.UpdateUser(ctx, &registryv1.UpdateUserRequest{User: &registryv1.User{Username: "aud", DisplayName: "Kiểm toán"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
	}},

	"ListSigningKeys": {"admin auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListSigningKeys(ctx, &registryv1.ListSigningKeysRequest{}))
	}},
	"RotateSigningKey": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.RotateSigningKey(ctx, &registryv1.RotateSigningKeyRequest{}))
	}},
	"ListAuditEntries": {"admin auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListAuditEntries(ctx, &registryv1.ListAuditEntriesRequest{}))
	}},
	"VerifyAuditChain": {"admin auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.VerifyAuditChain(ctx, &registryv1.VerifyAuditChainRequest{}))
	}},

	"CreateTrustedIssuer": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.CreateTrustedIssuer(ctx, &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: m.issuerSpec()}))
	}},
	"GetTrustedIssuer": {"admin auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.GetTrustedIssuer(ctx, &registryv1.GetTrustedIssuerRequest{Id: m.issuer(t).GetId()}))
	}},
	"ListTrustedIssuers": {"admin auditor", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.ListTrustedIssuers(ctx, &registryv1.ListTrustedIssuersRequest{}))
	}},
	"UpdateTrustedIssuer": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.UpdateTrustedIssuer(ctx, &registryv1.UpdateTrustedIssuerRequest{TrustedIssuer: &registryv1.TrustedIssuer{Id: m.issuer(t).GetId(), Disabled: true},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}}))
	}},
	"DeleteTrustedIssuer": {"admin", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.DeleteTrustedIssuer(ctx, &registryv1.DeleteTrustedIssuerRequest{Id: m.issuer(t).GetId()}))
	}},

	"GetSnapshot": {"service", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.GatewayServer().GetSnapshot(ctx, &registryv1.GetSnapshotRequest{}))
	}},
	"IssueToken": {"service", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.GatewayServer().IssueToken(ctx, &registryv1.IssueTokenRequest{ClientId: m.clientID, ClientSecret: m.secret}))
	}},
	"GetQuotaLimits": {"service", func(t *testing.T, m *matrixEnv, ctx context.Context) error {
		return ignore(m.s.GatewayServer().GetQuotaLimits(ctx, &registryv1.GetQuotaLimitsRequest{}))
	}},
}

// TestMatrixCoversEveryRPC checks that both the code's table and the test's
// table name every method of both services, and nothing else.
func TestMatrixCoversEveryRPC(t *testing.T) {
	var methods []string
	for _, svc := range []string{"RegistryService", "GatewayService"} {
		var sd = registryv1.File_lgsp_registry_v1_registry_proto.Services().ByName("RegistryService")
		if svc == "GatewayService" {
			sd = registryv1.File_lgsp_registry_v1_gateway_proto.Services().ByName("GatewayService")
		}
		for i := 0; i < sd.Methods().Len(); i++ {
			methods = append(methods, string(sd.Methods().Get(i).Name()))
		}
	}
	sort.Strings(methods)
	for _, name := range methods {
		if _, ok := permissions[name]; !ok {
			t.Errorf("authz.go permissions has no entry for %s", name)
		}
		if _, ok := matrix[name]; !ok {
			t.Errorf("the test matrix has no entry for %s", name)
		}
	}
	if len(permissions) != len(methods) || len(matrix) != len(methods) {
		t.Errorf("tables have %d (code) and %d (test) entries for %d methods", len(permissions), len(matrix), len(methods))
	}
}

// TestAuthorizationMatrix calls every RPC as every role (and without a
// principal) and checks allow versus PermissionDenied/Unauthenticated.
func TestAuthorizationMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		m := newMatrixEnv(t, db)
		names := make([]string, 0, len(matrix))
		for n := range matrix {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			c := matrix[name]
			for _, role := range append([]string{"anonymous"}, matrixRoles...) {
				want := c.allowed == "*" || strings.Contains(" "+c.allowed+" ", " "+role+" ")
				ctx := context.Background()
				if role != "anonymous" {
					ctx = m.ctxs[role]
				}
				err := c.call(t, m, ctx)
				switch {
				case want && err != nil:
					t.Errorf("%s as %s: want allowed, got %v", name, role, err)
				case !want && role == "anonymous" && status.Code(err) != codes.Unauthenticated:
					t.Errorf("%s without a principal: want Unauthenticated, got %v", name, err)
				case !want && role != "anonymous" && status.Code(err) != codes.PermissionDenied:
					t.Errorf("%s as %s: want PermissionDenied, got %v", name, role, err)
				}
			}
		}
	})
}

// TestAgencyScoping checks that agency roles only reach their own agency's
// resources.
func TestAgencyScoping(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		pubA, pubB := as(authn.RoleAgencyPublisher, agencyA), as(authn.RoleAgencyPublisher, agencyB)
		devB := as(authn.RoleAgencyDeveloper, agencyB)
		devA := as(authn.RoleAgencyDeveloper, agencyA)
		denied := func(what string, err error) {
			t.Helper()
			if status.Code(err) != codes.PermissionDenied {
				t.Errorf("%s: want PermissionDenied, got %v", what, err)
			}
		}
		subA := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
		subB := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appB.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
		_, _, credA := e.oauthClient(t, f.appA.GetId())

		// Publisher of B against A's APIs.
		denied("publisher B updates A's API", ignore(e.s.UpdateApi(pubB, &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: f.publicAPI.GetId(), Description: "x"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})))
		denied("publisher B transitions A's API", ignore(e.s.TransitionApi(pubB, &registryv1.TransitionApiRequest{Id: f.publicAPI.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED})))
		denied("publisher B imports into A's API", ignore(e.s.ImportOpenApi(pubB, &registryv1.ImportOpenApiRequest{Id: f.draftAPI.GetId(), OpenapiDocument: `{"swagger":"2.0","paths":{"/x":{"get":{}}}}`})))
		denied("publisher B creates an API for A", ignore(e.s.CreateApi(pubB, &registryv1.CreateApiRequest{Api: &registryv1.Api{Name: "x", Context: "x", Version: "1", OwnerAgency: agencyA,
			Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}}}})))
		denied("publisher B reads A's private API", ignore(e.s.GetApi(pubB, &registryv1.GetApiRequest{Id: f.privateAPI.GetId()})))
		denied("publisher B reads A's draft API", ignore(e.s.GetApi(pubB, &registryv1.GetApiRequest{Id: f.draftAPI.GetId()})))
		must(e.s.GetApi(pubB, &registryv1.GetApiRequest{Id: f.publicAPI.GetId()}))(t)
		denied("publisher B approves a subscription to A's API", ignore(e.s.ApproveSubscription(pubB, &registryv1.ApproveSubscriptionRequest{Id: subB.GetId()})))
		denied("publisher B reads a subscription to A's API", ignore(e.s.GetSubscription(pubB, &registryv1.GetSubscriptionRequest{Id: subA.GetId()})))
		denied("publisher A reads B's application", ignore(e.s.GetApplication(pubA, &registryv1.GetApplicationRequest{Id: f.appB.GetId()})))
		// The owner's publisher decides on subscriptions from any agency.
		must(e.s.ApproveSubscription(pubA, &registryv1.ApproveSubscriptionRequest{Id: subB.GetId()}))(t)
		must(e.s.GetSubscription(pubA, &registryv1.GetSubscriptionRequest{Id: subB.GetId()}))(t)

		apis := must(e.s.ListApis(pubB, &registryv1.ListApisRequest{}))(t).GetApis()
		if len(apis) != 1 || apis[0].GetId() != f.publicAPI.GetId() {
			t.Errorf("publisher B lists %d APIs, want only A's public published API", len(apis))
		}
		if n := len(must(e.s.ListApis(pubA, &registryv1.ListApisRequest{}))(t).GetApis()); n != 3 {
			t.Errorf("publisher A lists %d APIs, want its 3", n)
		}
		subs := must(e.s.ListSubscriptions(pubA, &registryv1.ListSubscriptionsRequest{}))(t).GetSubscriptions()
		if len(subs) != 2 {
			t.Errorf("publisher A sees %d subscriptions to its APIs, want 2", len(subs))
		}

		// Developer of B against A's applications.
		denied("developer B reads A's app", ignore(e.s.GetApplication(devB, &registryv1.GetApplicationRequest{Id: f.appA.GetId()})))
		denied("developer B updates A's app", ignore(e.s.UpdateApplication(devB, &registryv1.UpdateApplicationRequest{Application: &registryv1.Application{Id: f.appA.GetId(), Name: "x"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}})))
		denied("developer B suspends A's app", ignore(e.s.SuspendApplication(devB, &registryv1.SuspendApplicationRequest{Id: f.appA.GetId()})))
		denied("developer B creates A's credential", ignore(e.s.CreateCredential(devB, &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY})))
		denied("developer B lists A's credentials", ignore(e.s.ListCredentials(devB, &registryv1.ListCredentialsRequest{ApplicationId: f.appA.GetId()})))
		denied("developer B revokes A's credential", ignore(e.s.RevokeCredential(devB, &registryv1.RevokeCredentialRequest{Id: credA})))
		denied("developer B subscribes A's app", ignore(e.s.CreateSubscription(devB, &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"})))
		denied("developer B creates an app for A", ignore(e.s.CreateApplication(devB, &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "x", AgencyCode: agencyA}})))
		denied("developer B lists A's apps", ignore(e.s.ListApplications(devB, &registryv1.ListApplicationsRequest{AgencyCode: agencyA})))
		denied("developer B reads A's subscription", ignore(e.s.GetSubscription(devB, &registryv1.GetSubscriptionRequest{Id: subA.GetId()})))
		denied("developer A approves", ignore(e.s.ApproveSubscription(devA, &registryv1.ApproveSubscriptionRequest{Id: subA.GetId()})))
		apps := must(e.s.ListApplications(devB, &registryv1.ListApplicationsRequest{}))(t).GetApplications()
		if len(apps) != 1 || apps[0].GetId() != f.appB.GetId() {
			t.Errorf("developer B lists %v, want only its own app", apps)
		}
		subs = must(e.s.ListSubscriptions(devB, &registryv1.ListSubscriptionsRequest{}))(t).GetSubscriptions()
		if len(subs) != 1 || subs[0].GetId() != subB.GetId() {
			t.Errorf("developer B sees %d subscriptions, want its own 1", len(subs))
		}
		// A private API of another agency cannot be subscribed to.
		_, err := e.s.CreateSubscription(devB, &registryv1.CreateSubscriptionRequest{ApplicationId: f.appB.GetId(), ApiId: f.privateAPI.GetId(), Tier: "Gold"})
		wantErr(t, err, codes.InvalidArgument, "api_not_visible")
		// An agency role without an agency owns nothing.
		denied("developer without agency", ignore(e.s.ListApplications(as(authn.RoleAgencyDeveloper, ""), &registryv1.ListApplicationsRequest{})))
	})
}
