package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// fixedResolver answers DNS from a table so that tests need no network.
type fixedResolver map[string][]netip.Addr

func (r fixedResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

type validationCase struct {
	name string
	grpc codes.Code
	code string
	call func(t *testing.T, e *env, f *fixture) error
}

func apiReq(owner string, mod func(a *registryv1.Api)) *registryv1.CreateApiRequest {
	a := &registryv1.Api{Name: "Valid", Context: "valid", Version: "1.0", OwnerAgency: owner,
		Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}}}
	mod(a)
	return &registryv1.CreateApiRequest{Api: a}
}

func createAPI(e *env, f *fixture, mod func(a *registryv1.Api)) error {
	return ignore(e.s.CreateApi(adminCtx(), apiReq(f.a, mod)))
}

// createIssuer creates a valid trusted issuer of f's agency A, changed by
// mod; its iss is unique to f.
func createIssuer(e *env, f *fixture, mod func(ti *registryv1.TrustedIssuer)) error {
	ti := &registryv1.TrustedIssuer{Name: "NGSP", Issuer: "https://ngsp.gov.vn/" + f.a, JwksUrl: "https://127.0.0.1/jwks",
		Audiences: []string{"lgsp"}, ApplicationId: f.appA.GetId()}
	mod(ti)
	return ignore(e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{TrustedIssuer: ti}))
}

func mask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// oauth2Upstream is an OAuth2 client-credentials upstream on loopback.
func oauth2Upstream(secret string) *registryv1.UpstreamAuth {
	return &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS,
		TokenUrl: "http://127.0.0.1:9/token", ClientId: "province", ClientSecret: secret}
}

var validationCases = []validationCase{
	// Agencies.
	{"agency missing", codes.InvalidArgument, "agency_required", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{}))
	}},
	{"short agency code", codes.InvalidArgument, "invalid_agency_code", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: "28.22.H17", Name: "x"}}))
	}},
	{"lower-case agency letter", codes.InvalidArgument, "invalid_agency_code", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: "000.00.00.h30", Name: "x"}}))
	}},
	{"agency name missing", codes.InvalidArgument, "invalid_agency_name", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: "000.00.09.H30", Name: "  "}}))
	}},
	{"agency created superseded", codes.InvalidArgument, "invalid_agency_status", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: "000.00.09.H30", Name: "x", Status: registryv1.AgencyStatus_AGENCY_STATUS_SUPERSEDED}}))
	}},
	{"agency created with successor", codes.InvalidArgument, "invalid_successor", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: "000.00.09.H30", Name: "x", SuccessorCode: f.a}}))
	}},
	{"duplicate agency", codes.AlreadyExists, "agency_exists", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: f.a, Name: "again"}}))
	}},
	{"unknown parent", codes.InvalidArgument, "unknown_parent_agency", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: "000.00.09.H30", Name: "x", ParentCode: "000.00.99.H30"}}))
	}},
	{"parent cycle", codes.InvalidArgument, "agency_parent_cycle", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: f.b, ParentCode: f.a}, UpdateMask: mask("parent_code")}))(t)
		return ignore(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: f.a, ParentCode: f.b}, UpdateMask: mask("parent_code")}))
	}},
	{"unknown agency", codes.NotFound, "agency_not_found", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.GetAgency(adminCtx(), &registryv1.GetAgencyRequest{Code: "000.00.99.H30"}))
	}},
	{"succeed itself", codes.InvalidArgument, "invalid_successor", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.SucceedAgency(adminCtx(), &registryv1.SucceedAgencyRequest{Code: f.a, SuccessorCode: f.a}))
	}},
	{"succeed unknown", codes.InvalidArgument, "invalid_successor", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.SucceedAgency(adminCtx(), &registryv1.SucceedAgencyRequest{Code: f.a, SuccessorCode: "000.00.99.H30"}))
	}},
	{"succeed to inactive", codes.InvalidArgument, "invalid_successor", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: f.b, Status: registryv1.AgencyStatus_AGENCY_STATUS_INACTIVE}, UpdateMask: mask("status")}))(t)
		return ignore(e.s.SucceedAgency(adminCtx(), &registryv1.SucceedAgencyRequest{Code: f.a, SuccessorCode: f.b}))
	}},
	{"succeed to a bad code", codes.InvalidArgument, "invalid_agency_code", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.SucceedAgency(adminCtx(), &registryv1.SucceedAgencyRequest{Code: f.a, SuccessorCode: "H30"}))
	}},
	{"superseded agency is frozen", codes.FailedPrecondition, "agency_superseded", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.SucceedAgency(adminCtx(), &registryv1.SucceedAgencyRequest{Code: f.b, SuccessorCode: f.a}))(t)
		return ignore(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: f.b, Name: "x"}, UpdateMask: mask("name")}))
	}},
	{"succession with clashing app names", codes.AlreadyExists, "succession_conflict", func(t *testing.T, e *env, f *fixture) error {
		e.app(t, f.a, "same")
		e.app(t, f.b, "same")
		return ignore(e.s.SucceedAgency(adminCtx(), &registryv1.SucceedAgencyRequest{Code: f.b, SuccessorCode: f.a}))
	}},
	{"bad update mask", codes.InvalidArgument, "invalid_update_mask", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: f.a}, UpdateMask: mask("code")}))
	}},

	// APIs.
	{"api missing", codes.InvalidArgument, "api_required", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{}))
	}},
	{"api name missing", codes.InvalidArgument, "invalid_api_name", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Name = "" })
	}},
	{"bad context", codes.InvalidArgument, "invalid_api_context", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Context = "api/CSDL" })
	}},
	{"reserved context", codes.InvalidArgument, "reserved_api_context", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Context = "Token" })
	}},
	{"bad version", codes.InvalidArgument, "invalid_api_version", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Version = "1.0/beta" })
	}},
	{"long description", codes.InvalidArgument, "invalid_api_description", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Description = strings.Repeat("ạ", maxDescription+1) })
	}},
	{"bad visibility", codes.InvalidArgument, "invalid_visibility", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Visibility = 9 })
	}},
	{"bad approval mode", codes.InvalidArgument, "invalid_approval_mode", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.ApprovalMode = 9 })
	}},
	{"owner with a bad code", codes.InvalidArgument, "invalid_agency_code", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.OwnerAgency = "H30" })
	}},
	{"unregistered owner", codes.InvalidArgument, "unknown_agency", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.OwnerAgency = "000.00.99.H30" })
	}},
	{"inactive owner", codes.InvalidArgument, "agency_not_active", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: f.b, Status: registryv1.AgencyStatus_AGENCY_STATUS_INACTIVE}, UpdateMask: mask("status")}))(t)
		return createAPI(e, f, func(a *registryv1.Api) { a.OwnerAgency = f.b })
	}},
	{"duplicate context and version", codes.AlreadyExists, "duplicate_api", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Context, a.Version = strings.ToUpper(f.publicAPI.GetContext()), "1.0" })
	}},
	{"no upstream", codes.InvalidArgument, "upstream_required", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Endpoints = nil })
	}},
	{"too many upstreams", codes.InvalidArgument, "too_many_endpoints", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) {
			for range maxEndpoints {
				a.Endpoints = append(a.Endpoints, &registryv1.UpstreamEndpoint{Url: loopbackURL})
			}
		})
	}},
	{"negative weight", codes.InvalidArgument, "invalid_endpoint_weight", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Endpoints[0].Weight = -1 })
	}},
	{"upstream not http", codes.InvalidArgument, "upstream_scheme_not_allowed", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Endpoints[0].Url = "ftp://127.0.0.1/x" })
	}},
	{"upstream not a URL", codes.InvalidArgument, "invalid_upstream_url", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Endpoints[0].Url = "127.0.0.1/x" })
	}},
	{"upstream with credentials", codes.InvalidArgument, "invalid_upstream_url", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Endpoints[0].Url = "http://user:pw@127.0.0.1/x" })
	}},
	{"upstream at cloud metadata", codes.InvalidArgument, "upstream_address_not_allowed", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Endpoints[0].Url = "http://169.254.169.254/latest/meta-data/" })
	}},
	{"upstream on a private network", codes.InvalidArgument, "upstream_address_not_allowed", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Endpoints[0].Url = "http://10.0.0.5/x" })
	}},
	{"upstream name resolving inside", codes.InvalidArgument, "upstream_address_not_allowed", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Endpoints[0].Url = "http://internal.example/x" })
	}},
	{"upstream name not resolving", codes.InvalidArgument, "upstream_unresolvable", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Endpoints[0].Url = "https://nowhere.example/x" })
	}},
	{"basic auth without password", codes.InvalidArgument, "invalid_upstream_auth", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) {
			a.UpstreamAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC, Username: "u"}
		})
	}},
	{"bearer without token", codes.InvalidArgument, "invalid_upstream_auth", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) {
			a.UpstreamAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER}
		})
	}},
	{"oauth2 without secret", codes.InvalidArgument, "invalid_upstream_auth", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) {
			a.UpstreamAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS, TokenUrl: "http://127.0.0.1/token", ClientId: "c"}
		})
	}},
	{"oauth2 token URL at metadata", codes.InvalidArgument, "upstream_address_not_allowed", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) {
			a.UpstreamAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS,
				TokenUrl: "http://169.254.169.254/token", ClientId: "c", ClientSecret: "s"}
		})
	}},
	{"signed header without system id", codes.InvalidArgument, "invalid_upstream_auth", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) {
			a.UpstreamAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER, SigningSecret: "s"}
		})
	}},
	{"unknown upstream auth", codes.InvalidArgument, "invalid_upstream_auth", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.UpstreamAuth = &registryv1.UpstreamAuth{Type: 42} })
	}},
	{"platform upstream with a credential", codes.InvalidArgument, "invalid_upstream_auth", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) {
			a.UpstreamAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM, Username: "u", Password: "p"}
		})
	}},
	{"publisher creates a platform upstream", codes.PermissionDenied, "platform_upstream_admin_only", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateApi(as(authn.RoleAgencyPublisher, f.a), apiReq(f.a, func(a *registryv1.Api) {
			a.UpstreamAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM}
		})))
	}},
	{"unknown error style", codes.InvalidArgument, "invalid_error_style", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.ErrorStyle = 7 })
	}},
	{"duplicate auth method", codes.InvalidArgument, "invalid_auth_method", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) {
			a.AuthMethods = []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_JWT, registryv1.AuthMethod_AUTH_METHOD_JWT}
		})
	}},
	{"body limit", codes.InvalidArgument, "invalid_max_body_bytes", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.MaxBodyBytes = -1 })
	}},
	{"timeout", codes.InvalidArgument, "invalid_timeout", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.TimeoutMs = maxTimeoutMS + 1 })
	}},
	{"retries", codes.InvalidArgument, "invalid_retries", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Retries = 6 })
	}},
	{"resource without slash", codes.InvalidArgument, "invalid_resource", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Resources = []*registryv1.ApiResource{{Method: "GET", Path: "x"}} })
	}},
	{"resource with a bad method", codes.InvalidArgument, "invalid_resource", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Resources = []*registryv1.ApiResource{{Method: "FETCH", Path: "/x"}} })
	}},
	{"bad sunset", codes.InvalidArgument, "invalid_time", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.SunsetTime = &timestamppb.Timestamp{Seconds: -1 << 62} })
	}},
	{"openapi garbage", codes.InvalidArgument, "openapi_invalid", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: apiReq(f.a, func(*registryv1.Api) {}).Api, OpenapiDocument: "{{{"}))
	}},
	{"openapi of another kind", codes.InvalidArgument, "openapi_unsupported_version", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.ImportOpenApi(adminCtx(), &registryv1.ImportOpenApiRequest{Id: f.draftAPI.GetId(), OpenapiDocument: `{"asyncapi":"2.0"}`}))
	}},
	{"openapi without paths", codes.InvalidArgument, "openapi_no_paths", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.ImportOpenApi(adminCtx(), &registryv1.ImportOpenApiRequest{Id: f.draftAPI.GetId(), OpenapiDocument: "openapi: 3.0.0\npaths: {}\n"}))
	}},
	{"openapi too large", codes.InvalidArgument, "openapi_too_large", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.ImportOpenApi(adminCtx(), &registryv1.ImportOpenApiRequest{Id: f.draftAPI.GetId(), OpenapiDocument: strings.Repeat(" ", 3<<20)}))
	}},
	{"draft cannot retire", codes.FailedPrecondition, "illegal_transition", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: f.draftAPI.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED}))
	}},
	{"no target lifecycle", codes.InvalidArgument, "invalid_lifecycle", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: f.draftAPI.GetId()}))
	}},
	{"retired API is frozen", codes.FailedPrecondition, "api_retired", func(t *testing.T, e *env, f *fixture) error {
		for _, lc := range []registryv1.ApiLifecycle{registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED, registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED} {
			must(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: f.publicAPI.GetId(), Lifecycle: lc}))(t)
		}
		return ignore(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: f.publicAPI.GetId(), Description: "x"}, UpdateMask: mask("description")}))
	}},
	{"api name with a direction override", codes.InvalidArgument, "invalid_characters", func(t *testing.T, e *env, f *fixture) error {
		return createAPI(e, f, func(a *registryv1.Api) { a.Name = "Sở Tư pháp \u202egpj.exe" })
	}},
	{"secret not sent again to a new token URL", codes.InvalidArgument, "upstream_secret_required", func(t *testing.T, e *env, f *fixture) error {
		a := must(e.s.CreateApi(adminCtx(), apiReq(f.a, func(a *registryv1.Api) { a.Context, a.UpstreamAuth = "moved", oauth2Upstream("s3cret") })))(t).GetApi()
		ua := oauth2Upstream("")
		ua.TokenUrl = "http://127.0.0.2/token"
		return ignore(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: a.GetId(), UpstreamAuth: ua}, UpdateMask: mask("upstream_auth")}))
	}},
	{"publisher changes an admin's upstream", codes.PermissionDenied, "upstream_managed_by_admin", func(t *testing.T, e *env, f *fixture) error {
		a := must(e.s.CreateApi(adminCtx(), apiReq(f.a, func(a *registryv1.Api) { a.Context, a.UpstreamAuth = "managed", oauth2Upstream("s3cret") })))(t).GetApi()
		return ignore(e.s.UpdateApi(as(authn.RoleAgencyPublisher, f.a), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: a.GetId(),
			Endpoints: []*registryv1.UpstreamEndpoint{{Url: "http://127.0.0.2/steal"}}}, UpdateMask: mask("endpoints")}))
	}},
	{"unknown API", codes.NotFound, "api_not_found", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.GetApi(adminCtx(), &registryv1.GetApiRequest{Id: "api_nope"}))
	}},
	{"API without an OpenAPI document", codes.NotFound, "openapi_document_not_found", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.GetApiDocument(adminCtx(), &registryv1.GetApiDocumentRequest{Id: f.draftAPI.GetId()}))
	}},

	// Tiers.
	{"tier name", codes.InvalidArgument, "invalid_tier_name", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "9 lives", RatePerSecond: 1, Burst: 1}}))
	}},
	{"tier description", codes.InvalidArgument, "invalid_tier_description", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "T", Description: strings.Repeat("x", 1001), RatePerSecond: 1, Burst: 1}}))
	}},
	{"tier rate", codes.InvalidArgument, "invalid_tier_rate", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "T", RatePerSecond: 0, Burst: 1}}))
	}},
	{"tier burst", codes.InvalidArgument, "invalid_tier_burst", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "T", RatePerSecond: 1, Burst: 0}}))
	}},
	{"tier quota", codes.InvalidArgument, "invalid_tier_quota", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "T", RatePerSecond: 1, Burst: 1, MonthlyQuota: -1}}))
	}},
	{"duplicate tier", codes.AlreadyExists, "tier_exists", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "Gold", RatePerSecond: 1, Burst: 1}}))
	}},
	{"unknown tier name", codes.NotFound, "tier_not_found", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.GetTier(adminCtx(), &registryv1.GetTierRequest{Name: "Platinum"}))
	}},

	// Applications and credentials.
	{"application name", codes.InvalidArgument, "invalid_application_name", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{AgencyCode: f.a}}))
	}},
	{"application description", codes.InvalidArgument, "invalid_application_description", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "n", AgencyCode: f.a, Description: strings.Repeat("x", 4001)}}))
	}},
	{"certificate fingerprint", codes.InvalidArgument, "invalid_cert_fingerprint", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "n", AgencyCode: f.a, CertFingerprint: "abcd"}}))
	}},
	{"application of an unknown agency", codes.InvalidArgument, "unknown_agency", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "n", AgencyCode: "000.00.99.H30"}}))
	}},
	{"certificate of another agency's application", codes.AlreadyExists, "duplicate_cert_fingerprint", func(t *testing.T, e *env, f *fixture) error {
		fp := strings.Repeat("ab", 32)
		must(e.s.CreateApplication(as(authn.RoleAgencyDeveloper, f.a), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "mtls", CertFingerprint: fp}}))(t)
		return ignore(e.s.CreateApplication(as(authn.RoleAgencyDeveloper, f.b), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "mtls", CertFingerprint: fp}}))
	}},
	{"application name with a control character", codes.InvalidArgument, "invalid_characters", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "Một cửa\x1b[31m", AgencyCode: f.a}}))
	}},
	{"duplicate application", codes.AlreadyExists, "duplicate_application", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "app-a", AgencyCode: f.a}}))
	}},
	{"resume an active application", codes.FailedPrecondition, "illegal_application_transition", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.ResumeApplication(adminCtx(), &registryv1.ResumeApplicationRequest{Id: f.appA.GetId()}))
	}},
	{"unknown application", codes.NotFound, "application_not_found", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.GetApplication(adminCtx(), &registryv1.GetApplicationRequest{Id: "app_nope"}))
	}},
	{"credential type", codes.InvalidArgument, "invalid_credential_type", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId()}))
	}},
	{"system id on an API key", codes.InvalidArgument, "invalid_system_id", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY, SystemId: "x"}))
	}},
	{"bad system id", codes.InvalidArgument, "invalid_system_id", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER, SystemId: "a b"}))
	}},
	{"duplicate system id", codes.AlreadyExists, "duplicate_key_id", func(t *testing.T, e *env, f *fixture) error {
		req := &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER, SystemId: f.a + "-qlvb"}
		must(e.s.CreateCredential(adminCtx(), req))(t)
		return ignore(e.s.CreateCredential(adminCtx(), req))
	}},
	{"system id naming another agency", codes.PermissionDenied, "system_id_not_owned", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appB.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER, SystemId: f.a}))
	}},
	{"credential description", codes.InvalidArgument, "invalid_credential_description", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY, Description: strings.Repeat("x", 1001)}))
	}},
	{"expiry in the past", codes.InvalidArgument, "invalid_expire_time", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY,
			ExpireTime: timestamppb.New(e.clock.Now().Add(-1))}))
	}},
	{"credential for a suspended app", codes.FailedPrecondition, "application_suspended", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.SuspendApplication(adminCtx(), &registryv1.SuspendApplicationRequest{Id: f.appA.GetId()}))(t)
		return ignore(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY}))
	}},
	{"revoke twice", codes.FailedPrecondition, "credential_revoked", func(t *testing.T, e *env, f *fixture) error {
		_, _, id := e.oauthClient(t, f.appA.GetId())
		must(e.s.RevokeCredential(adminCtx(), &registryv1.RevokeCredentialRequest{Id: id}))(t)
		return ignore(e.s.RevokeCredential(adminCtx(), &registryv1.RevokeCredentialRequest{Id: id}))
	}},
	{"unknown credential", codes.NotFound, "credential_not_found", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.RevokeCredential(adminCtx(), &registryv1.RevokeCredentialRequest{Id: "cred_nope"}))
	}},

	// Subscriptions.
	{"tier missing", codes.InvalidArgument, "tier_required", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.publicAPI.GetId()}))
	}},
	{"unknown tier", codes.InvalidArgument, "unknown_tier", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Platinum"}))
	}},
	{"subscribe to a draft", codes.FailedPrecondition, "api_not_published", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.draftAPI.GetId(), Tier: "Gold"}))
	}},
	{"subscribe to another agency's private API", codes.InvalidArgument, "api_not_visible", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appB.GetId(), ApiId: f.privateAPI.GetId(), Tier: "Gold"}))
	}},
	{"subscribe a suspended app", codes.FailedPrecondition, "application_suspended", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.SuspendApplication(adminCtx(), &registryv1.SuspendApplicationRequest{Id: f.appA.GetId()}))(t)
		return ignore(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))
	}},
	{"duplicate subscription", codes.AlreadyExists, "duplicate_subscription", func(t *testing.T, e *env, f *fixture) error {
		req := &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}
		must(e.s.CreateSubscription(adminCtx(), req))(t)
		return ignore(e.s.CreateSubscription(adminCtx(), req))
	}},
	{"suspend a pending subscription", codes.FailedPrecondition, "illegal_subscription_transition", func(t *testing.T, e *env, f *fixture) error {
		s := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appA.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t)
		return ignore(e.s.SuspendSubscription(adminCtx(), &registryv1.SuspendSubscriptionRequest{Id: s.GetSubscription().GetId()}))
	}},
	{"long reason", codes.InvalidArgument, "invalid_reason", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.RejectSubscription(adminCtx(), &registryv1.RejectSubscriptionRequest{Id: "sub_x", Reason: strings.Repeat("x", 1001)}))
	}},
	{"unknown subscription", codes.NotFound, "subscription_not_found", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.ApproveSubscription(adminCtx(), &registryv1.ApproveSubscriptionRequest{Id: "sub_nope"}))
	}},

	// Users and sessions.
	{"username", codes.InvalidArgument, "invalid_username", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "Ab", Role: registryv1.UserRole_USER_ROLE_AUDITOR}, Password: "long-enough-pw"}))
	}},
	{"display name", codes.InvalidArgument, "invalid_display_name", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "abc", DisplayName: strings.Repeat("x", 256), Role: registryv1.UserRole_USER_ROLE_AUDITOR}, Password: "long-enough-pw"}))
	}},
	{"role missing", codes.InvalidArgument, "invalid_role", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "abc"}, Password: "long-enough-pw"}))
	}},
	{"weak password", codes.InvalidArgument, "weak_password", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "abc", Role: registryv1.UserRole_USER_ROLE_AUDITOR}, Password: "short"}))
	}},
	{"developer without agency", codes.InvalidArgument, "agency_required", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "abc", Role: registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER}, Password: "long-enough-pw"}))
	}},
	{"auditor with agency", codes.InvalidArgument, "agency_not_allowed", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "abc", Role: registryv1.UserRole_USER_ROLE_AUDITOR, AgencyCode: f.a}, Password: "long-enough-pw"}))
	}},
	{"duplicate user", codes.AlreadyExists, "user_exists", func(t *testing.T, e *env, f *fixture) error {
		req := &registryv1.CreateUserRequest{User: &registryv1.User{Username: "abc", Role: registryv1.UserRole_USER_ROLE_AUDITOR}, Password: "long-enough-pw"}
		must(e.s.CreateUser(adminCtx(), req))(t)
		return ignore(e.s.CreateUser(adminCtx(), req))
	}},
	{"last admin", codes.FailedPrecondition, "last_admin", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.EnsureAdmin(context.Background(), "admin-password-1"))(t)
		return ignore(e.s.UpdateUser(adminCtx(), &registryv1.UpdateUserRequest{User: &registryv1.User{Username: AdminUsername, Disabled: true}, UpdateMask: mask("disabled")}))
	}},
	{"unknown user", codes.NotFound, "user_not_found", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.GetUser(adminCtx(), &registryv1.GetUserRequest{Username: "nobody"}))
	}},
	{"wrong login", codes.Unauthenticated, "invalid_credentials", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.EnsureAdmin(context.Background(), "admin-password-1"))(t)
		return ignore(e.s.Login(context.Background(), &registryv1.LoginRequest{Username: AdminUsername, Password: "admin-password-2"}))
	}},
	{"wrong current password", codes.InvalidArgument, "wrong_password", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.EnsureAdmin(context.Background(), "admin-password-1"))(t)
		ctx := authn.WithPrincipal(context.Background(), authn.Principal{Subject: AdminUsername, Role: authn.RolePlatformAdmin})
		return ignore(e.s.ChangePassword(ctx, &registryv1.ChangePasswordRequest{CurrentPassword: "nope-nope-nope", NewPassword: "another-password"}))
	}},
	{"password guessing", codes.ResourceExhausted, "too_many_login_attempts", func(t *testing.T, e *env, f *fixture) error {
		must(e.s.EnsureAdmin(context.Background(), "admin-password-1"))(t)
		for range loginMaxFailures {
			if _, err := e.s.Login(context.Background(), &registryv1.LoginRequest{Username: AdminUsername, Password: "guess-guess-guess"}); err == nil {
				t.Fatal("a wrong password logged in")
			}
		}
		// Even the right password is refused until the window has passed.
		_, err := e.s.Login(context.Background(), &registryv1.LoginRequest{Username: AdminUsername, Password: "admin-password-1"})
		e.clock.Advance(loginWindow)
		must(e.s.Login(context.Background(), &registryv1.LoginRequest{Username: AdminUsername, Password: "admin-password-1"}))(t)
		return err
	}},
	{"unknown session", codes.Unauthenticated, "invalid_session", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.AuthenticateSession(serviceCtxForTest(), &registryv1.AuthenticateSessionRequest{SessionToken: SessionTokenPrefix + "nope"}))
	}},

	// Trusted issuers (issuers_test.go checks their fields in detail).
	{"trusted issuer missing", codes.InvalidArgument, "trusted_issuer_required", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.CreateTrustedIssuer(adminCtx(), &registryv1.CreateTrustedIssuerRequest{}))
	}},
	{"trusted issuer name", codes.InvalidArgument, "invalid_trusted_issuer_name", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.Name = "" })
	}},
	{"trusted issuer iss", codes.InvalidArgument, "invalid_issuer", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.Issuer = "" })
	}},
	{"trusted issuer is the platform", codes.InvalidArgument, "issuer_is_platform", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.Issuer = e.cfg.TokenIssuer })
	}},
	{"JWKS URL", codes.InvalidArgument, "invalid_jwks_url", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "jwks.json" })
	}},
	{"JWKS over http", codes.InvalidArgument, "jwks_url_not_https", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "http://127.0.0.1/jwks" })
	}},
	{"JWKS address", codes.InvalidArgument, "jwks_address_not_allowed", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "https://internal.example/jwks" })
	}},
	{"JWKS host unresolvable", codes.InvalidArgument, "jwks_unresolvable", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.JwksUrl = "https://nowhere.example/jwks" })
	}},
	{"trusted issuer audiences", codes.InvalidArgument, "invalid_audiences", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.Audiences = nil })
	}},
	{"trusted issuer application", codes.InvalidArgument, "unknown_application", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.ApplicationId = "app_unknown" })
	}},
	{"required claims", codes.InvalidArgument, "invalid_required_claims", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.RequiredClaims = map[string]string{"aud": "x"} })
	}},
	{"leeway", codes.InvalidArgument, "invalid_leeway", func(t *testing.T, e *env, f *fixture) error {
		return createIssuer(e, f, func(ti *registryv1.TrustedIssuer) { ti.LeewaySeconds = 3600 })
	}},
	{"duplicate iss", codes.AlreadyExists, "duplicate_issuer", func(t *testing.T, e *env, f *fixture) error {
		must(0, createIssuer(e, f, func(*registryv1.TrustedIssuer) {}))(t)
		return createIssuer(e, f, func(*registryv1.TrustedIssuer) {})
	}},
	{"unknown trusted issuer", codes.NotFound, "trusted_issuer_not_found", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.GetTrustedIssuer(adminCtx(), &registryv1.GetTrustedIssuerRequest{Id: "tis_nothere"}))
	}},

	// Identifiers: TestEmptyIDs covers every RPC.
	{"empty id", codes.InvalidArgument, "missing_id", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.GetApi(adminCtx(), &registryv1.GetApiRequest{}))
	}},

	// Lists and audit.
	{"page token", codes.InvalidArgument, "invalid_page_token", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.ListApis(adminCtx(), &registryv1.ListApisRequest{PageToken: "%%%"}))
	}},
	{"audit time range", codes.InvalidArgument, "invalid_time", func(t *testing.T, e *env, f *fixture) error {
		return ignore(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{StartTime: &timestamppb.Timestamp{Nanos: -5}}))
	}},
	{"registry unreachable from another process", codes.Unavailable, "registry_unavailable", func(t *testing.T, e *env, f *fixture) error {
		// Nothing listens on port 1: the dial is refused, as when the
		// registry's process is down.
		conn, err := grpc.NewClient("127.0.0.1:1", grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		remote := NewRemoteAuthenticator(registryv1.NewRegistryServiceClient(conn), "", slog.New(slog.DiscardHandler))
		_, err = remote.Authenticate(context.Background(), "lgsp_s_session")
		return err
	}},
}

// TestValidationErrors exercises every validation error with its stable
// code and both messages, on both engines.
func TestValidationErrors(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.s.guard = e.s.guard.WithResolver(fixedResolver{"internal.example": {netip.MustParseAddr("10.1.1.1")}})
		seen := map[string]bool{}
		for i, c := range validationCases {
			seen[c.code] = true
			t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
				// Every case gets its own agencies and APIs in the shared database.
				f := e.fixtureFor(t, fmt.Sprintf("%03d.00.01.H30", i+1), fmt.Sprintf("%03d.00.02.H30", i+1), fmt.Sprint(i))
				wantErr(t, c.call(t, e, f), c.grpc, c.code)
			})
		}
		all := validationCodes(t)
		if len(all) < 60 {
			t.Fatalf("found only %d error codes in the source; the pattern is stale", len(all))
		}
		for _, code := range all {
			if !seen[code] {
				t.Errorf("no test case produces error code %q", code)
			}
		}
	})
}

// validationCodes lists the stable error codes a request can get, from the
// error catalogue (which errors_test.go keeps complete), so that a new code
// without a test fails here.
func validationCodes(t *testing.T) []string {
	t.Helper()
	// Tested elsewhere: token refusals (token_test.go), authorisation
	// (authz_test.go), cancellation and internal failures.
	elsewhere := map[string]bool{"invalid_client": true, "unauthorized_client": true, "forbidden": true,
		"unauthenticated": true, "canceled": true, "internal": true}
	var out []string
	for _, c := range catalogueCodes() {
		if !elsewhere[c] {
			out = append(out, c)
		}
	}
	return out
}

// TestEmptyIDs calls every RPC that acts on one resource with an empty
// identifier: each answers InvalidArgument missing_id naming the field,
// never NotFound for a resource called "".
func TestEmptyIDs(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, sqltest.SQLite), nil)
	ctx := adminCtx()
	s := e.s
	for _, c := range []struct {
		field string
		call  func() error
	}{
		{"code", func() error { return ignore(s.GetAgency(ctx, &registryv1.GetAgencyRequest{})) }},
		{"agency.code", func() error {
			return ignore(s.UpdateAgency(ctx, &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Name: "x"}}))
		}},
		{"code", func() error {
			return ignore(s.SucceedAgency(ctx, &registryv1.SucceedAgencyRequest{SuccessorCode: agencyA}))
		}},
		{"code", func() error { return ignore(s.ListAgencyHistory(ctx, &registryv1.ListAgencyHistoryRequest{})) }},
		{"id", func() error { return ignore(s.GetApi(ctx, &registryv1.GetApiRequest{})) }},
		{"api.id", func() error {
			return ignore(s.UpdateApi(ctx, &registryv1.UpdateApiRequest{Api: &registryv1.Api{Name: "x"}, UpdateMask: mask("name")}))
		}},
		{"id", func() error {
			return ignore(s.TransitionApi(ctx, &registryv1.TransitionApiRequest{Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))
		}},
		{"id", func() error {
			return ignore(s.ImportOpenApi(ctx, &registryv1.ImportOpenApiRequest{OpenapiDocument: `{"swagger":"2.0","paths":{"/x":{"get":{}}}}`}))
		}},
		{"name", func() error { return ignore(s.GetTier(ctx, &registryv1.GetTierRequest{})) }},
		{"tier.name", func() error {
			return ignore(s.UpdateTier(ctx, &registryv1.UpdateTierRequest{Tier: &registryv1.Tier{Burst: 2}, UpdateMask: mask("burst")}))
		}},
		{"id", func() error { return ignore(s.GetApplication(ctx, &registryv1.GetApplicationRequest{})) }},
		{"application.id", func() error {
			return ignore(s.UpdateApplication(ctx, &registryv1.UpdateApplicationRequest{Application: &registryv1.Application{Name: "x"}, UpdateMask: mask("name")}))
		}},
		{"id", func() error { return ignore(s.SuspendApplication(ctx, &registryv1.SuspendApplicationRequest{})) }},
		{"id", func() error { return ignore(s.ResumeApplication(ctx, &registryv1.ResumeApplicationRequest{})) }},
		{"application_id", func() error {
			return ignore(s.CreateCredential(ctx, &registryv1.CreateCredentialRequest{Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY}))
		}},
		{"application_id", func() error { return ignore(s.ListCredentials(ctx, &registryv1.ListCredentialsRequest{})) }},
		{"id", func() error { return ignore(s.RevokeCredential(ctx, &registryv1.RevokeCredentialRequest{})) }},
		{"application_id", func() error {
			return ignore(s.CreateSubscription(ctx, &registryv1.CreateSubscriptionRequest{ApiId: "api_x", Tier: "Gold"}))
		}},
		{"api_id", func() error {
			return ignore(s.CreateSubscription(ctx, &registryv1.CreateSubscriptionRequest{ApplicationId: "app_x", Tier: "Gold"}))
		}},
		{"id", func() error { return ignore(s.GetSubscription(ctx, &registryv1.GetSubscriptionRequest{})) }},
		{"id", func() error { return ignore(s.ApproveSubscription(ctx, &registryv1.ApproveSubscriptionRequest{})) }},
		{"id", func() error { return ignore(s.RejectSubscription(ctx, &registryv1.RejectSubscriptionRequest{})) }},
		{"id", func() error { return ignore(s.SuspendSubscription(ctx, &registryv1.SuspendSubscriptionRequest{})) }},
		{"id", func() error { return ignore(s.ResumeSubscription(ctx, &registryv1.ResumeSubscriptionRequest{})) }},
		{"username", func() error { return ignore(s.GetUser(ctx, &registryv1.GetUserRequest{})) }},
		{"user.username", func() error {
			return ignore(s.UpdateUser(ctx, &registryv1.UpdateUserRequest{User: &registryv1.User{DisplayName: "x"}, UpdateMask: mask("display_name")}))
		}},
	} {
		err := c.call()
		wantErr(t, err, codes.InvalidArgument, "missing_id")
		var ae *apierr.Error
		if errors.As(err, &ae); ae.Field != c.field {
			t.Errorf("missing_id names field %q, want %q", ae.Field, c.field)
		}
	}
}
