package registry

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

var lifecycles = []registryv1.ApiLifecycle{
	registryv1.ApiLifecycle_API_LIFECYCLE_DRAFT, registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED,
	registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED, registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED,
}

// paths to reach each lifecycle state from draft.
var reach = map[registryv1.ApiLifecycle][]registryv1.ApiLifecycle{
	registryv1.ApiLifecycle_API_LIFECYCLE_DRAFT:      nil,
	registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED:  lifecycles[1:2],
	registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED: lifecycles[1:3],
	registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED:    lifecycles[1:4],
}

func TestAPILifecycleTransitions(t *testing.T) {
	legal := map[[2]registryv1.ApiLifecycle]bool{
		{lifecycles[0], lifecycles[1]}: true, // draft → published
		{lifecycles[1], lifecycles[2]}: true, // published → deprecated
		{lifecycles[2], lifecycles[1]}: true, // deprecated → published
		{lifecycles[2], lifecycles[3]}: true, // deprecated → retired
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.agency(t, agencyA)
		n := 0
		for _, from := range lifecycles {
			for _, to := range lifecycles {
				n++
				a := e.api(t, agencyA, fmt.Sprintf("lc%d", n), registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, registryv1.ApprovalMode_APPROVAL_MODE_MANUAL, false)
				for _, step := range reach[from] {
					must(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: step}))(t)
				}
				sunset := timestamppb.New(e.clock.Now().Add(90 * 24 * time.Hour))
				r, err := e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: to, SunsetTime: sunset})
				if legal[[2]registryv1.ApiLifecycle{from, to}] {
					if err != nil {
						t.Errorf("%s → %s: %v", from, to, err)
						continue
					}
					if r.GetApi().GetLifecycle() != to {
						t.Errorf("%s → %s left it %s", from, to, r.GetApi().GetLifecycle())
					}
					if to == registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED && !r.GetApi().GetSunsetTime().AsTime().Equal(sunset.AsTime()) {
						t.Errorf("deprecation lost the sunset time")
					}
					continue
				}
				if status := codeOf(err); status != codes.FailedPrecondition {
					t.Errorf("%s → %s: want illegal_transition, got %v", from, to, err)
				}
			}
		}
	})
}

func TestSubscriptionStateMachine(t *testing.T) {
	actions := map[string]func(ctx context.Context, s *Service, id string) (*registryv1.Subscription, error){
		"approve": func(ctx context.Context, s *Service, id string) (*registryv1.Subscription, error) {
			r, err := s.ApproveSubscription(ctx, &registryv1.ApproveSubscriptionRequest{Id: id, Reason: "ok"})
			return r.GetSubscription(), err
		},
		"reject": func(ctx context.Context, s *Service, id string) (*registryv1.Subscription, error) {
			r, err := s.RejectSubscription(ctx, &registryv1.RejectSubscriptionRequest{Id: id, Reason: "no"})
			return r.GetSubscription(), err
		},
		"suspend": func(ctx context.Context, s *Service, id string) (*registryv1.Subscription, error) {
			r, err := s.SuspendSubscription(ctx, &registryv1.SuspendSubscriptionRequest{Id: id})
			return r.GetSubscription(), err
		},
		"resume": func(ctx context.Context, s *Service, id string) (*registryv1.Subscription, error) {
			r, err := s.ResumeSubscription(ctx, &registryv1.ResumeSubscriptionRequest{Id: id})
			return r.GetSubscription(), err
		},
	}
	P, A, R, S := registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING, registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED,
		registryv1.SubscriptionState_SUBSCRIPTION_STATE_REJECTED, registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED
	setup := map[registryv1.SubscriptionState][]string{P: nil, A: {"approve"}, R: {"reject"}, S: {"approve", "suspend"}}
	next := map[registryv1.SubscriptionState]map[string]registryv1.SubscriptionState{
		P: {"approve": A, "reject": R},
		A: {"suspend": S},
		S: {"resume": A},
		R: {},
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		pub := as(authn.RoleAgencyPublisher, agencyA)
		n := 0
		for from, steps := range setup {
			for action, do := range actions {
				n++
				app := e.app(t, agencyB, fmt.Sprintf("sm%d", n))
				sub := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: app.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
				for _, st := range steps {
					must(actions[st](adminCtx(), e.s, sub.GetId()))(t)
				}
				e.clock.Advance(time.Second)
				got, err := do(pub, e.s, sub.GetId())
				want, ok := next[from][action]
				if !ok {
					wantErr(t, err, codes.FailedPrecondition, "illegal_subscription_transition")
					continue
				}
				if err != nil {
					t.Fatalf("%s from %s: %v", action, from, err)
				}
				if got.GetState() != want || got.GetDecidedBy() != "test-agency_publisher-"+agencyA || !got.GetDecideTime().AsTime().Equal(e.clock.Now()) {
					t.Fatalf("%s from %s = %v, want %s decided by the publisher now", action, from, got, want)
				}
			}
		}
		// A rejected subscription may be asked for again.
		app := e.app(t, agencyB, "again")
		first := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: app.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
		must(e.s.RejectSubscription(adminCtx(), &registryv1.RejectSubscriptionRequest{Id: first.GetId()}))(t)
		must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: app.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t)
	})
}

func TestApprovalModes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		dev := as(authn.RoleAgencyDeveloper, agencyA)
		manual := must(e.s.CreateSubscription(dev, &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
		if manual.GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING || manual.GetDecidedBy() != "" || manual.GetRequestedBy() != "test-agency_developer-"+agencyA {
			t.Fatalf("manual approval: %v", manual)
		}
		auto := must(e.s.CreateSubscription(dev, &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.privateAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
		if auto.GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED || auto.GetDecidedBy() != autoApprover || auto.GetDecideTime() == nil {
			t.Fatalf("automatic approval: %v", auto)
		}
		// Switching the API to automatic affects new subscriptions only.
		must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: f.publicAPI.GetId(), ApprovalMode: registryv1.ApprovalMode_APPROVAL_MODE_AUTOMATIC},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"approval_mode"}}}))(t)
		if s := must(e.s.GetSubscription(dev, &registryv1.GetSubscriptionRequest{Id: manual.GetId()}))(t).GetSubscription(); s.GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING {
			t.Fatalf("existing subscription changed to %s", s.GetState())
		}
		app := e.app(t, agencyB, "late")
		late := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: app.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
		if late.GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED {
			t.Fatalf("after switching to automatic: %s", late.GetState())
		}
	})
}

func TestApplicationSuspension(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		dev := as(authn.RoleAgencyDeveloper, agencyA)
		a := must(e.s.SuspendApplication(dev, &registryv1.SuspendApplicationRequest{Id: f.appA.GetId()}))(t).GetApplication()
		if a.GetState() != registryv1.ApplicationState_APPLICATION_STATE_SUSPENDED {
			t.Fatalf("state = %s", a.GetState())
		}
		_, err := e.s.SuspendApplication(dev, &registryv1.SuspendApplicationRequest{Id: f.appA.GetId()})
		wantErr(t, err, codes.FailedPrecondition, "illegal_application_transition")
		snap := must(e.s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
		for _, app := range snap.GetApplications() {
			if app.GetId() == f.appA.GetId() && app.GetActive() {
				t.Fatal("suspended application active in the snapshot")
			}
		}
		must(e.s.ResumeApplication(adminCtx(), &registryv1.ResumeApplicationRequest{Id: f.appA.GetId()}))(t)
	})
}

func TestUpdateAPIKeepsWriteOnlySecrets(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.agency(t, agencyA)
		a := must(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{Name: "n", Context: "sig", Version: "1", OwnerAgency: agencyA,
			Endpoints:    []*registryv1.UpstreamEndpoint{{Url: loopbackURL, Weight: 3}},
			UpstreamAuth: &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER, SystemId: "H30-lgsp", SigningSecret: "hmac-secret-1"}}}))(t).GetApi()
		must(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))(t)
		upstream := func() *registryv1.UpstreamAuthConfig {
			snap := must(e.s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
			return snap.GetApis()[0].GetUpstreamAuth()
		}
		if u := upstream(); u.GetSigningSecret() != "hmac-secret-1" || u.GetSystemId() != "H30-lgsp" {
			t.Fatalf("snapshot upstream auth = %v", u)
		}
		// The secret does not follow a new system id unless it is sent again
		// (upstream_test.go covers every such change).
		_, err := e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: a.GetId(),
			UpstreamAuth: &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER, SystemId: "H30-lgsp-2"}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"upstream_auth"}}})
		wantErr(t, err, codes.InvalidArgument, "upstream_secret_required")
		must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: a.GetId(),
			UpstreamAuth: &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER, SystemId: "H30-lgsp-2", SigningSecret: "hmac-secret-2"}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"upstream_auth"}}}))(t)
		if u := upstream(); u.GetSigningSecret() != "hmac-secret-2" || u.GetSystemId() != "H30-lgsp-2" {
			t.Fatalf("after update: %v", u)
		}
		// Another field's update leaves everything else alone.
		got := must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: a.GetId(), TimeoutMs: 1500},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"timeout_ms"}}}))(t).GetApi()
		if got.GetTimeoutMs() != 1500 || got.GetEndpoints()[0].GetWeight() != 3 || !got.GetUpstreamAuth().GetHasSecret() || got.GetUpstreamAuth().GetSigningSecret() != "" {
			t.Fatalf("after timeout update: %v", got)
		}
		// Switching to no upstream auth drops the secret.
		must(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: a.GetId()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"upstream_auth"}}}))(t)
		if u := upstream(); u.GetType() != registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_NONE || u.GetSigningSecret() != "" {
			t.Fatalf("after removal: %v", u)
		}
	})
}

func TestCreateAPIFromOpenAPI(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.agency(t, agencyA)
		doc := "openapi: 3.0.3\ninfo:\n  title: Danh mục dùng chung\n  version: '1.0'\npaths:\n  /AllCategory:\n    get: {}\n  /Category/{ma}:\n    get: {}\n    put: {}\n"
		pub := as(authn.RoleAgencyPublisher, agencyA)
		a := must(e.s.CreateApi(pub, &registryv1.CreateApiRequest{OpenapiDocument: doc, Api: &registryv1.Api{Context: "dmdc", Version: "1.0",
			Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}}}}))(t).GetApi()
		if a.GetName() != "Danh mục dùng chung" || a.GetOwnerAgency() != agencyA || len(a.GetResources()) != 3 || !a.GetHasOpenapiDocument() {
			t.Fatalf("api from openapi = %v", a)
		}
		if r := a.GetResources()[1]; r.GetMethod() != "GET" || r.GetPath() != "/Category/{ma}" {
			t.Fatalf("resource = %v", r)
		}
		b := must(e.s.ImportOpenApi(pub, &registryv1.ImportOpenApiRequest{Id: a.GetId(), OpenapiDocument: `{"swagger":"2.0","paths":{"/x":{"post":{}}}}`}))(t).GetApi()
		if len(b.GetResources()) != 1 || b.GetResources()[0].GetMethod() != "POST" {
			t.Fatalf("after import: %v", b.GetResources())
		}
	})
}

func TestAgencySuccession(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		const merged = "000.00.00.H31"
		e.agency(t, merged)
		child := "000.01.01.H30"
		must(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: child, Name: "child", ParentCode: agencyA}}))(t)
		must(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "dev-a", Role: registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, AgencyCode: agencyA}, Password: "password-dev-a"}))(t)
		id, secret, _ := e.oauthClient(t, f.appA.GetId())

		r := must(e.s.SucceedAgency(adminCtx(), &registryv1.SucceedAgencyRequest{Code: agencyA, SuccessorCode: merged}))(t)
		if r.GetAgency().GetStatus() != registryv1.AgencyStatus_AGENCY_STATUS_SUPERSEDED || r.GetAgency().GetSuccessorCode() != merged {
			t.Fatalf("old agency = %v", r.GetAgency())
		}
		if a := must(e.s.GetApplication(adminCtx(), &registryv1.GetApplicationRequest{Id: f.appA.GetId()}))(t).GetApplication(); a.GetAgencyCode() != merged {
			t.Fatalf("application moved to %s", a.GetAgencyCode())
		}
		if a := must(e.s.GetApi(adminCtx(), &registryv1.GetApiRequest{Id: f.publicAPI.GetId()}))(t).GetApi(); a.GetOwnerAgency() != merged {
			t.Fatalf("API owner is %s", a.GetOwnerAgency())
		}
		if u := must(e.s.GetUser(adminCtx(), &registryv1.GetUserRequest{Username: "dev-a"}))(t).GetUser(); u.GetAgencyCode() != merged {
			t.Fatalf("user agency is %s", u.GetAgencyCode())
		}
		if c := must(e.s.GetAgency(adminCtx(), &registryv1.GetAgencyRequest{Code: child}))(t).GetAgency(); c.GetParentCode() != merged {
			t.Fatalf("child's parent is %s", c.GetParentCode())
		}
		// The application keeps getting tokens, now under the new code.
		tok := must(e.issue(id, secret))(t)
		if c := must(e.verify(t, tok.GetAccessToken(), e.clock.Now()))(t); c.Agency != merged {
			t.Fatalf("token agency = %s", c.Agency)
		}
		hist := must(e.s.ListAgencyHistory(adminCtx(), &registryv1.ListAgencyHistoryRequest{Code: agencyA}))(t).GetEntries()
		if len(hist) != 2 || hist[0].GetChange() != "created" || hist[1].GetChange() != "superseded" || hist[1].GetRelatedCode() != merged {
			t.Fatalf("history of the old code = %v", hist)
		}
		hist = must(e.s.ListAgencyHistory(adminCtx(), &registryv1.ListAgencyHistoryRequest{Code: merged}))(t).GetEntries()
		if len(hist) != 2 || hist[1].GetChange() != "succeeded" || hist[1].GetRelatedCode() != agencyA {
			t.Fatalf("history of the successor = %v", hist)
		}
		snap := must(e.s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
		for _, a := range snap.GetAgencies() {
			if a.GetCode() == agencyA && a.GetActive() {
				t.Fatal("superseded agency active in the snapshot")
			}
		}
		list := must(e.s.ListAgencies(adminCtx(), &registryv1.ListAgenciesRequest{Status: registryv1.AgencyStatus_AGENCY_STATUS_SUPERSEDED}))(t).GetAgencies()
		if len(list) != 1 || list[0].GetCode() != agencyA {
			t.Fatalf("superseded agencies = %v", list)
		}
	})
}

func codeOf(err error) codes.Code { return statusCode(err) }
