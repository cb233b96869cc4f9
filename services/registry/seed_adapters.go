package registry

import (
	"context"
	"fmt"

	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// The national-database adapters' dev-mode demo: one API per national
// database behind the gateway, a department of justice whose lookup
// software holds a fixed API key subscribed to all of them, and an auditor
// who reads the personal-data access report. The key is public: dev mode
// only.

// AdapterAPI is one national database's API behind the gateway.
type AdapterAPI struct {
	Context, Name, Description string
	// Path is the API's upstream under the adapters' REST face, e.g.
	// "/business" for /admin/v1/adapters/business.
	Path string
	// Resources are the API's method and path templates: the gateway
	// refuses other paths, and metering and the access log record the
	// template, never the identifiers in the path.
	Resources []*registryv1.ApiResource
}

// AdapterAPIVersion is every adapter API's version.
const AdapterAPIVersion = "v1"

func res(method, path string) *registryv1.ApiResource {
	return &registryv1.ApiResource{Method: method, Path: path}
}

// AdapterAPIs are the adapters' APIs `lgsp dev` registers.
var AdapterAPIs = []AdapterAPI{
	{"ngsp-business", "CSDL quốc gia về đăng ký doanh nghiệp (qua NGSP)",
		"Enterprise details by code, search by name, changes over up to 5 days / Thông tin doanh nghiệp theo mã số, tìm theo tên, doanh nghiệp thay đổi trong tối đa 5 ngày",
		"/business", []*registryv1.ApiResource{res("GET", "/enterprises/{enterpriseCode}"), res("GET", "/enterprises"), res("GET", "/changes")}},
	{"ngsp-population", "CSDL quốc gia về dân cư (qua NGSP)",
		"A citizen by 12-digit ID, with a stated purpose (NĐ 13/2023) / Thông tin công dân theo số định danh, phải nêu mục đích",
		"/population", []*registryv1.ApiResource{res("GET", "/citizens/{citizenId}")}},
	{"ngsp-civil-status", "CSDL hộ tịch điện tử (qua NGSP)",
		"Birth, marriage and death records, registration status / Khai sinh, kết hôn, khai tử, tình trạng hồ sơ đăng ký hộ tịch",
		"/civil-status", []*registryv1.ApiResource{res("GET", "/births/{citizenId}"), res("GET", "/marriages/{citizenId}"),
			res("GET", "/deaths/{citizenId}"), res("GET", "/registrations/{dossierNumber}")}},
	{"ngsp-judicial", "CSDL lý lịch tư pháp (qua NGSP)",
		"Judicial record certificate requests and their status / Yêu cầu cấp phiếu lý lịch tư pháp và theo dõi tình trạng",
		"/judicial", []*registryv1.ApiResource{res("POST", "/requests"), res("GET", "/requests/{receiptNumber}")}},
	{"ngsp-insurance", "CSDL quốc gia về bảo hiểm (qua NGSP)",
		"Social-insurance contribution history by 10-digit number / Quá trình tham gia BHXH theo mã số",
		"/insurance", []*registryv1.ApiResource{res("GET", "/participants/{insuranceNumber}")}},
	{"ngsp-catalogs", "Danh mục dùng chung (qua NGSP)",
		"Shared national catalogs, cached / Danh mục dùng chung quốc gia, có bộ đệm",
		"/catalogs", []*registryv1.ApiResource{res("GET", "/"), res("GET", "/{code}")}},
}

// AdaptersDemoAgency is the department whose software calls the adapters
// in the demo.
var AdaptersDemoAgency = struct{ Code, Name string }{"000.00.22.H56", "Sở Tư pháp tỉnh H56 (dữ liệu mẫu)"}

// AdaptersDemoAPIKey is the demo lookup software's fixed API key.
const AdaptersDemoAPIKey = APIKeyPrefix + "ngspdemo_demo-ngsp-lookup-key-not-secret"

// AdaptersDemoAuditor is the demo auditor's user name.
const AdaptersDemoAuditor = "auditor"

// AdaptersDemoOptions says where the adapters are served.
type AdaptersDemoOptions struct {
	// BaseURL is the adapters' REST face, e.g.
	// http://127.0.0.1:8081/admin/v1/adapters.
	BaseURL string
	// AuditorPassword is the demo auditor's password.
	AuditorPassword string
}

// SeedAdaptersDemo creates, idempotently, the adapters' demo.
func (s *Service) SeedAdaptersDemo(ctx context.Context, opts AdaptersDemoOptions) error {
	ctx = authn.WithPrincipal(ctx, authn.Principal{Subject: "system:demo", Role: authn.RolePlatformAdmin})
	a := AdaptersDemoAgency
	if _, err := s.CreateAgency(ctx, &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: a.Code, Name: a.Name}}); ignoreExists(err) != nil {
		return fmt.Errorf("agency %s: %w", a.Code, err)
	}
	if err := s.ensureDemoAgencyAndTier(ctx); err != nil {
		return err
	}
	platform := &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM}
	var ids []string
	for _, api := range AdapterAPIs {
		id, err := s.ensureDemoAPI(ctx, &registryv1.Api{
			Name: api.Name, Context: api.Context, Version: AdapterAPIVersion, Description: api.Description,
			OwnerAgency: DemoAgencyCode, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC,
			ApprovalMode: registryv1.ApprovalMode_APPROVAL_MODE_MANUAL,
			Endpoints:    []*registryv1.UpstreamEndpoint{{Url: opts.BaseURL + api.Path, Weight: 1}},
			UpstreamAuth: platform,
			AuthMethods:  []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_API_KEY, registryv1.AuthMethod_AUTH_METHOD_JWT},
			Resources:    api.Resources,
		})
		if err != nil {
			return fmt.Errorf("API %s: %w", api.Context, err)
		}
		ids = append(ids, id)
	}
	err := s.seedDemoApp(ctx, demoApp{
		agency: a.Code, name: "Phần mềm tra cứu dữ liệu quốc gia (mẫu)",
		description: "Demo lookup software of a department / Phần mềm tra cứu mẫu của sở",
		keyID:       "ngspdemo", apiKey: AdaptersDemoAPIKey,
	}, ids)
	if err != nil {
		return err
	}
	// Access to national data is approved by hand; the demo approves it.
	for _, id := range ids {
		subs, err := s.ListSubscriptions(ctx, &registryv1.ListSubscriptionsRequest{ApiId: id, State: registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING, PageSize: maxPageSize})
		if err != nil {
			return err
		}
		for _, sub := range subs.GetSubscriptions() {
			if _, err := s.ApproveSubscription(ctx, &registryv1.ApproveSubscriptionRequest{Id: sub.GetId(), Reason: "demo / dữ liệu mẫu"}); err != nil {
				return err
			}
		}
	}
	if opts.AuditorPassword == "" {
		return nil
	}
	_, err = s.CreateUser(ctx, &registryv1.CreateUserRequest{
		User:     &registryv1.User{Username: AdaptersDemoAuditor, DisplayName: "Thanh tra dữ liệu (mẫu)", Role: registryv1.UserRole_USER_ROLE_AUDITOR},
		Password: opts.AuditorPassword,
	})
	return ignoreExists(err)
}
