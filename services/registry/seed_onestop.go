package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// The one-stop service's dev-mode demo: a province, one of its districts
// and one of that district's communes, each with the one-stop software's
// application holding a fixed API key, subscribed to onestop/v1; and the
// public dossier lookup, with no credential. The keys are public: dev mode
// only.
const (
	OneStopAPIContext       = "onestop"
	OneStopAPIVersion       = "v1"
	OneStopPublicAPIContext = "onestop-public"
	OneStopPublicAPIVersion = "v1"
)

// OneStopDemoAgencies are the agencies `lgsp dev` creates for the
// one-stop demo, lowest level first, with their level.
var OneStopDemoAgencies = []struct{ Code, Name, Level string }{
	{"000.01.14.H56", "Ủy ban nhân dân xã 01, huyện 14 (dữ liệu mẫu)", "commune"},
	{"000.00.14.H56", "Ủy ban nhân dân huyện 14 (dữ liệu mẫu)", "district"},
	{"000.00.00.H56", "Ủy ban nhân dân tỉnh H56 (dữ liệu mẫu)", "province"},
}

// OneStopDemoAPIKey is the fixed demo API key of an agency's one-stop
// software.
func OneStopDemoAPIKey(code string) string {
	return APIKeyPrefix + oneStopKeyID(code) + "_demo-onestop-key-not-secret"
}

// oneStopKeyID is "os" and the code without dots (os000114h56).
func oneStopKeyID(code string) string {
	return "os" + strings.ToLower(strings.ReplaceAll(code, ".", ""))
}

// OneStopDemoOptions says where the one-stop API is served.
type OneStopDemoOptions struct {
	// APIURL is the upstream of onestop/v1, e.g.
	// http://127.0.0.1:8081/admin/v1/onestop.
	APIURL string
	// PublicURL is the upstream of the public lookup, e.g.
	// http://127.0.0.1:8081/admin/v1/onestop/public.
	PublicURL string
}

// SeedOneStopDemo creates, idempotently, the one-stop service's demo.
func (s *Service) SeedOneStopDemo(ctx context.Context, opts OneStopDemoOptions) error {
	ctx = authn.WithPrincipal(ctx, authn.Principal{Subject: "system:demo", Role: authn.RolePlatformAdmin})
	for _, a := range OneStopDemoAgencies {
		if _, err := s.CreateAgency(ctx, &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: a.Code, Name: a.Name}}); ignoreExists(err) != nil {
			return fmt.Errorf("agency %s: %w", a.Code, err)
		}
	}
	if err := s.ensureDemoAgencyAndTier(ctx); err != nil {
		return err
	}
	platform := &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM}
	apiID, err := s.ensureDemoAPI(ctx, &registryv1.Api{
		Name: "Hồ sơ thủ tục hành chính một cửa (API)", Context: OneStopAPIContext, Version: OneStopAPIVersion,
		Description: "One-stop dossier records: create, status, transfer, search, statistics / Hồ sơ TTHC một cửa: tiếp nhận, cập nhật trạng thái, liên thông, tra cứu, thống kê",
		OwnerAgency: DemoAgencyCode, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC,
		ApprovalMode: registryv1.ApprovalMode_APPROVAL_MODE_AUTOMATIC,
		Endpoints:    []*registryv1.UpstreamEndpoint{{Url: opts.APIURL, Weight: 1}},
		UpstreamAuth: platform,
		AuthMethods:  []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_API_KEY, registryv1.AuthMethod_AUTH_METHOD_JWT},
	})
	if err != nil {
		return err
	}
	if _, err := s.ensureDemoAPI(ctx, &registryv1.Api{
		Name: "Tra cứu hồ sơ (công khai)", Context: OneStopPublicAPIContext, Version: OneStopPublicAPIVersion,
		Description: "Public dossier lookup by code, no personal data, no credential / Tra cứu tình trạng hồ sơ theo mã, công khai",
		OwnerAgency: DemoAgencyCode, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, AnonymousAccess: true,
		Endpoints:    []*registryv1.UpstreamEndpoint{{Url: opts.PublicURL, Weight: 1}},
		UpstreamAuth: platform,
	}); err != nil {
		return err
	}
	for _, a := range OneStopDemoAgencies {
		err := s.seedDemoApp(ctx, demoApp{
			agency: a.Code, name: "Phần mềm một cửa điện tử " + a.Code + " (mẫu)",
			description: "Demo one-stop software / Phần mềm một cửa điện tử mẫu",
			keyID:       oneStopKeyID(a.Code), apiKey: OneStopDemoAPIKey(a.Code),
		}, []string{apiID})
		if err != nil {
			return fmt.Errorf("agency %s: %w", a.Code, err)
		}
	}
	return nil
}
