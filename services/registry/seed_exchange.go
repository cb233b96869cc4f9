package registry

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// The document exchange's dev-mode demo: three agencies of the national
// SDK's sample packages, each with an application holding an API key and a
// signed-header credential whose systemid is the agency code (as national
// software uses), subscribed to both exchange APIs. The secrets are fixed
// and public: dev mode only.
const (
	// StatisticsAPIContext serves the public exchange statistics, with no
	// credential: GET /docexchange-stats/1.0/statistics.
	StatisticsAPIContext = "docexchange-stats"
	StatisticsAPIVersion = "1.0"
	ExchangeAPIContext   = "docexchange"
	ExchangeAPIVersion   = "v1"
	NationalAPIContext   = "vdxp"
	NationalAPIVersion   = "1.0"
)

// ExchangeDemoAgencies are the agencies `lgsp dev` creates for the
// document exchange, with their names. The other agency codes of the
// sample packages live in the national axis simulator's directory.
var ExchangeDemoAgencies = []struct{ Code, Name string }{
	{"000.00.00.G22", "Văn phòng Chính phủ (dữ liệu mẫu)"},
	{"000.00.00.H41", "Ủy ban nhân dân tỉnh H41 (dữ liệu mẫu)"},
	{"000.00.00.H14", "Ủy ban nhân dân tỉnh H14 (dữ liệu mẫu)"},
}

// ExchangeDemoAPIKey is the fixed demo API key of an agency's application.
func ExchangeDemoAPIKey(code string) string {
	return APIKeyPrefix + exchangeKeyID(code) + "_demo-docexchange-key-not-secret"
}

// ExchangeDemoSecret is the fixed signed-header secret of an agency's
// application (systemid = the agency code).
func ExchangeDemoSecret(code string) string {
	return "demo-vdxp-secret-" + code
}

// exchangeKeyID is "dx" and the code's last group (dxh41): unique among
// the demo agencies, short enough to type.
func exchangeKeyID(code string) string {
	return "dx" + strings.ToLower(code[strings.LastIndexByte(code, '.')+1:])
}

// ExchangeDemoOptions says where the exchange's two surfaces are served.
type ExchangeDemoOptions struct {
	// NationalURL is the upstream of vdxp/1.0, e.g.
	// http://127.0.0.1:8081/docexchange/vdxp.
	NationalURL string
	// APIURL is the upstream of docexchange/v1, e.g.
	// http://127.0.0.1:8081/admin/v1/docexchange.
	APIURL string
	// PublicURL, when set, is the upstream of the public statistics, e.g.
	// http://127.0.0.1:8081/admin/v1/docexchange/public.
	PublicURL string
}

// SeedExchangeDemo creates, idempotently, the document exchange's demo.
func (s *Service) SeedExchangeDemo(ctx context.Context, opts ExchangeDemoOptions) error {
	ctx = authn.WithPrincipal(ctx, authn.Principal{Subject: "system:demo", Role: authn.RolePlatformAdmin})
	for _, a := range ExchangeDemoAgencies {
		if _, err := s.CreateAgency(ctx, &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: a.Code, Name: a.Name}}); ignoreExists(err) != nil {
			return fmt.Errorf("agency %s: %w", a.Code, err)
		}
	}
	if err := s.ensureDemoAgencyAndTier(ctx); err != nil {
		return err
	}
	platform := &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM}
	apis := []*registryv1.Api{{
		Name: "Trục liên thông văn bản (tương thích trục quốc gia)", Context: NationalAPIContext, Version: NationalAPIVersion,
		Description: "Document exchange, national-axis compatible surface / Liên thông văn bản, giao diện tương thích SDK trục quốc gia",
		OwnerAgency: DemoAgencyCode, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC,
		ApprovalMode: registryv1.ApprovalMode_APPROVAL_MODE_AUTOMATIC,
		Endpoints:    []*registryv1.UpstreamEndpoint{{Url: opts.NationalURL, Weight: 1}},
		UpstreamAuth: platform, ErrorStyle: registryv1.ErrorStyle_ERROR_STYLE_NATIONAL_AXIS,
		AuthMethods:  []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_SIGNED_HEADER, registryv1.AuthMethod_AUTH_METHOD_API_KEY, registryv1.AuthMethod_AUTH_METHOD_JWT},
		MaxBodyBytes: 64 << 20, TimeoutMs: 120000,
	}, {
		Name: "Liên thông văn bản (API)", Context: ExchangeAPIContext, Version: ExchangeAPIVersion,
		Description: "Document exchange API: send, inbox, acknowledge, status, trace, statistics / API liên thông văn bản",
		OwnerAgency: DemoAgencyCode, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC,
		ApprovalMode: registryv1.ApprovalMode_APPROVAL_MODE_AUTOMATIC,
		Endpoints:    []*registryv1.UpstreamEndpoint{{Url: opts.APIURL, Weight: 1}},
		UpstreamAuth: platform,
		AuthMethods:  []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_API_KEY, registryv1.AuthMethod_AUTH_METHOD_JWT},
		MaxBodyBytes: 96 << 20, TimeoutMs: 120000,
	}}
	if opts.PublicURL != "" {
		apis = append(apis, &registryv1.Api{
			Name: "Thống kê liên thông văn bản (công khai)", Context: StatisticsAPIContext, Version: StatisticsAPIVersion,
			Description: "Aggregate document exchange statistics, no contents, no credential / Số liệu tổng hợp liên thông văn bản, công khai",
			OwnerAgency: DemoAgencyCode, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, AnonymousAccess: true,
			Endpoints:    []*registryv1.UpstreamEndpoint{{Url: opts.PublicURL, Weight: 1}},
			UpstreamAuth: platform,
		})
	}
	var ids []string
	for _, want := range apis {
		id, err := s.ensureDemoAPI(ctx, want)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	for _, a := range ExchangeDemoAgencies {
		if err := s.seedExchangeApp(ctx, a.Code, ids[:2]); err != nil {
			return fmt.Errorf("agency %s: %w", a.Code, err)
		}
	}
	return nil
}

// ensureDemoAPI creates want, or points the existing one at want's
// endpoint, and publishes it.
func (s *Service) ensureDemoAPI(ctx context.Context, want *registryv1.Api) (string, error) {
	list, err := s.ListApis(ctx, &registryv1.ListApisRequest{Context: want.GetContext()})
	if err != nil {
		return "", err
	}
	var api *registryv1.Api
	for _, a := range list.GetApis() {
		if a.GetVersion() == want.GetVersion() {
			api = a
		}
	}
	if api == nil {
		resp, err := s.CreateApi(ctx, &registryv1.CreateApiRequest{Api: want})
		if err != nil {
			return "", fmt.Errorf("api %s/%s: %w", want.GetContext(), want.GetVersion(), err)
		}
		api = resp.GetApi()
	} else if len(api.GetEndpoints()) != 1 || api.GetEndpoints()[0].GetUrl() != want.GetEndpoints()[0].GetUrl() {
		resp, err := s.UpdateApi(ctx, &registryv1.UpdateApiRequest{
			Api:        &registryv1.Api{Id: api.GetId(), Endpoints: want.GetEndpoints()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"endpoints"}},
		})
		if err != nil {
			return "", fmt.Errorf("api %s/%s upstream: %w", want.GetContext(), want.GetVersion(), err)
		}
		api = resp.GetApi()
	}
	if api.GetLifecycle() == registryv1.ApiLifecycle_API_LIFECYCLE_DRAFT {
		if _, err := s.TransitionApi(ctx, &registryv1.TransitionApiRequest{Id: api.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}); err != nil {
			return "", fmt.Errorf("api %s/%s publish: %w", want.GetContext(), want.GetVersion(), err)
		}
	}
	return api.GetId(), nil
}

func (s *Service) seedExchangeApp(ctx context.Context, code string, apiIDs []string) error {
	return s.seedDemoApp(ctx, demoApp{
		agency: code, name: "Phần mềm quản lý văn bản " + code + " (mẫu)",
		description: "Demo document-management software / Phần mềm văn bản mẫu",
		keyID:       exchangeKeyID(code), apiKey: ExchangeDemoAPIKey(code),
		signedSystem: code, signedSecret: ExchangeDemoSecret(code),
	}, apiIDs)
}

// demoApp is a demo application with fixed, public credentials.
type demoApp struct {
	agency, name, description string
	// keyID and apiKey are its API key.
	keyID, apiKey string
	// signedSystem and signedSecret, when set, are its signed-header
	// credential.
	signedSystem, signedSecret string
}

// seedDemoApp creates, idempotently, a demo application with its fixed
// credentials, subscribed to apiIDs.
func (s *Service) seedDemoApp(ctx context.Context, d demoApp, apiIDs []string) error {
	apps, err := s.ListApplications(ctx, &registryv1.ListApplicationsRequest{AgencyCode: d.agency, PageSize: maxPageSize})
	if err != nil {
		return err
	}
	var appID string
	for _, a := range apps.GetApplications() {
		if a.GetName() == d.name {
			appID = a.GetId()
		}
	}
	if appID == "" {
		resp, err := s.CreateApplication(ctx, &registryv1.CreateApplicationRequest{Application: &registryv1.Application{
			Name: d.name, AgencyCode: d.agency, Description: d.description,
		}})
		if err != nil {
			return err
		}
		appID = resp.GetApplication().GetId()
	}
	creds, err := s.ListCredentials(ctx, &registryv1.ListCredentialsRequest{ApplicationId: appID, PageSize: maxPageSize})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, c := range creds.GetCredentials() {
		if c.GetState() == registryv1.CredentialState_CREDENTIAL_STATE_ACTIVE {
			have[c.GetKeyId()] = true
		}
	}
	_, err = s.write(ctx, actor{Subject: "system:demo", Role: string(authn.RolePlatformAdmin)}, func(ctx context.Context, t *wtx) error {
		if !have[d.keyID] {
			c := s.newCredential(appID, credAPIKey, "", "")
			c.row.KeyID = d.keyID
			c.row.SecretHash = sha256Hex(d.apiKey)
			if err := t.insertFixedCredential(ctx, c, "fixed demo API key (dev mode only)"); err != nil {
				return err
			}
		}
		if d.signedSystem != "" && !have[d.signedSystem] {
			c := s.newCredential(appID, credSignedHeader, d.signedSystem, "")
			c.row.SecretSealed = s.box.SealString(d.signedSecret, credAAD(c.row.ID))
			return t.insertFixedCredential(ctx, c, "fixed demo signed-header secret (dev mode only)")
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range apiIDs {
		if _, err := s.CreateSubscription(ctx, &registryv1.CreateSubscriptionRequest{ApplicationId: appID, ApiId: id, Tier: DemoTierName}); ignoreExists(err) != nil {
			return err
		}
	}
	return nil
}
