package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// portalTestAPIID finds a registered API by its context.
func portalTestAPIID(t *testing.T, p *platform, context string) string {
	t.Helper()
	l, err := p.registry().ListApis(adminCtx(), &registryv1.ListApisRequest{Context: context})
	if err != nil || len(l.GetApis()) != 1 {
		t.Fatalf("API %s: %v", context, err)
	}
	return l.GetApis()[0].GetId()
}

// TestPortal: an API registered from its OpenAPI document and published
// is in a developer's catalogue (searchable, paged, drafts left out); its
// page documents its operations from the document; the developer asks
// for a subscription (a refusal shown beside its field); "try it" calls
// the gateway with the credential typed, shows the status, headers and
// body, and refuses paths that would leave the API.
func TestPortal(t *testing.T) {
	p := startPlatform(t)
	reg := p.registry()
	admin := p.browser()
	admin.login("admin", p.a.Info.AdminPassword)
	admin.get("/apis/new")
	st, body, h := admin.post("/apis/new", apisTestImportForm(p, "dnportal"))
	id := apisTestCreated(t, st, body, h)
	admin.get("/apis/" + id)
	if st, _, _ = admin.post("/apis/"+id, url.Values{"form": {"transition"}, "to": {"published"}}); st != http.StatusSeeOther {
		t.Fatalf("publish: %d", st)
	}
	// A public draft is not in the catalogue.
	if _, err := reg.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{Name: "Bản nháp công khai",
		Context: "nhap", Version: "1", OwnerAgency: registry.DemoAgencyCode, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC,
		Endpoints: []*registryv1.UpstreamEndpoint{{Url: p.a.Info.SimulatorURL}}}}); err != nil {
		t.Fatal(err)
	}

	devAgency := registry.AdaptersDemoAgency.Code
	dev := p.user(t, "dev-portal", registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, devAgency)
	st, body, _ = dev.get("/portal")
	if st != http.StatusOK {
		t.Fatalf("/portal: %d", st)
	}
	contains(t, body, "<h1>Danh mục API</h1>", `href="/portal/apis/`+id+`"`, "Tra cứu doanh nghiệp thử", `type="search"`)
	if strings.Contains(body, "Bản nháp công khai") {
		t.Fatal("the catalogue lists a draft")
	}
	// The menu: the portal, not the admin pages.
	if strings.Contains(body, `href="/apis"`) {
		t.Fatal("a developer's menu links to /apis")
	}
	_, body, _ = dev.get("/portal?q=" + url.QueryEscape("DOANH NGHIỆP TỪ csdl"))
	contains(t, body, `href="/portal/apis/`+id+`"`)
	if strings.Contains(body, "ngsp-population") || strings.Contains(body, "ngsp-business") {
		t.Fatal("the search did not narrow the catalogue")
	}
	_, body, _ = dev.get("/portal?q=dnportal")
	contains(t, body, `href="/portal/apis/`+id+`"`)

	// The documentation, from the document.
	st, body, _ = dev.get("/portal/apis/" + id)
	if st != http.StatusOK {
		t.Fatalf("/portal/apis/{id}: %d", st)
	}
	contains(t, body, "<h1>Tra cứu doanh nghiệp thử</h1>", p.a.Info.GatewayURL+"/dnportal/1.0", "/chiTietDoanhNghiep", "/timKiemDoanhNghiep",
		"Chi tiết doanh nghiệp", "Mã số doanh nghiệp", "<code>msdn</code>", "tenDoanhNghiep", "Khóa API: gửi trong tiêu đề apikey",
		`<option value="GET /chiTietDoanhNghiep" selected>`, "Yêu cầu đăng ký sử dụng")
	if strings.Contains(body, "<script>") || strings.Contains(body, ` style="`) {
		t.Fatal("the documentation has inline script or style")
	}

	// A subscription: an unknown tier is refused beside its field; then
	// the request is sent, and waits for approval.
	app, err := reg.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{
		Name: "Ứng dụng thử cổng", AgencyCode: devAgency}})
	if err != nil {
		t.Fatal(err)
	}
	appID := app.GetApplication().GetId()
	_, body, _ = dev.get("/portal/apis/" + id)
	contains(t, body, `<option value="`+appID+`"`, `<option value="Demo"`)
	st, body, _ = dev.post("/portal/apis/"+id, url.Values{"form": {"subscribe"}, "application_id": {appID}, "tier": {"NoSuchTier"}})
	if st != http.StatusBadRequest {
		t.Fatalf("unknown tier: %d", st)
	}
	contains(t, body, `id="sub-problem" role="alert"`, `id="sub-tier" name="tier" required aria-invalid="true" aria-describedby="sub-problem"`)
	st, _, h = dev.post("/portal/apis/"+id, url.Values{"form": {"subscribe"}, "application_id": {appID}, "tier": {registry.DemoTierName}})
	if st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/portal/apis/"+id+"?done=portal_requested") {
		t.Fatalf("subscribe: %d %s", st, h.Get("Location"))
	}
	subs, err := reg.ListSubscriptions(adminCtx(), &registryv1.ListSubscriptionsRequest{ApiId: id})
	if err != nil || len(subs.GetSubscriptions()) != 1 || subs.GetSubscriptions()[0].GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING {
		t.Fatalf("subscriptions: %v %v", subs, err)
	}
	_, body, _ = dev.get(h.Get("Location"))
	contains(t, body, "Đã gửi yêu cầu đăng ký sử dụng", "Chờ duyệt")
	// The admin's page of the API names the application.
	_, body, _ = admin.get("/apis/" + id)
	contains(t, body, "Ứng dụng thử cổng", "Chờ duyệt")

	// Try it through the gateway with the adapters demo key, on the
	// business-registration adapter.
	business := portalTestAPIID(t, p, "ngsp-business")
	dev.get("/portal/apis/" + business)
	try := url.Values{"form": {"tryit"}, "resource": {""}, "method": {"GET"}, "path": {"/enterprises/" + p.a.Info.DemoEnterprise},
		"header_name": {"apikey"}, "header_value": {registry.AdaptersDemoAPIKey}}
	st, body, _ = dev.post("/portal/apis/"+business, try)
	if st != http.StatusOK {
		t.Fatalf("try it: %d", st)
	}
	contains(t, body, `id="try-result"`, `portal-status">200</span>`, "Content-Type", "application/json", p.a.Info.DemoEnterprise,
		"GET "+p.a.Info.GatewayURL+"/ngsp-business/v1/enterprises/"+p.a.Info.DemoEnterprise)
	if strings.Contains(body, registry.AdaptersDemoAPIKey) {
		t.Fatal("the answer shows the credential")
	}
	// Without the key the gateway refuses, and the page says so.
	try.Set("header_value", "")
	_, body, _ = dev.post("/portal/apis/"+business, try)
	contains(t, body, `portal-status">401</span>`)

	// Paths and headers that would leave the API are refused before any
	// call.
	for _, bad := range []string{"/../admin/v1/users", "//evil.example/x", "/enterprises/%2e%2e/%2e%2e/admin", "enterprises", `/a\b`, "/a?b=c", "/x/..", "/{enterpriseCode}"} {
		try.Set("path", bad)
		st, body, _ = dev.post("/portal/apis/"+business, try)
		if st != http.StatusBadRequest || strings.Contains(body, `id="try-result"`) {
			t.Fatalf("path %q: %d", bad, st)
		}
		contains(t, body, `id="try-problem" role="alert"`, `aria-invalid="true"`)
	}
	try.Set("path", "/enterprises/"+p.a.Info.DemoEnterprise)
	for _, name := range []string{"Host", "X-Forwarded-For", "bad header"} {
		try.Set("header_name", name)
		if st, _, _ = dev.post("/portal/apis/"+business, try); st != http.StatusBadRequest {
			t.Fatalf("header %q: %d", name, st)
		}
	}

	// Through the API registered above, once the subscription is approved
	// and the application has an API key.
	if _, err := reg.ApproveSubscription(adminCtx(), &registryv1.ApproveSubscriptionRequest{Id: subs.GetSubscriptions()[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	cred, err := reg.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: appID, Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY})
	if err != nil {
		t.Fatal(err)
	}
	own := url.Values{"form": {"tryit"}, "resource": {"GET /chiTietDoanhNghiep"}, "query": {"msdn=" + p.a.Info.DemoEnterprise},
		"header_name": {"apikey"}, "header_value": {cred.GetSecret()}}
	// The gateway applies the approval when it rebuilds its routing
	// table, shortly after.
	deadline := time.Now().Add(20 * time.Second)
	for {
		dev.get("/portal/apis/" + id)
		_, body, _ = dev.post("/portal/apis/"+id, own)
		if strings.Contains(body, `portal-status">200</span>`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("try it through the registered API: %s", regexp.MustCompile(`(?s)<section id="try-result".*</section>`).FindString(body))
		}
		time.Sleep(200 * time.Millisecond)
	}
	contains(t, body, p.a.Info.DemoEnterprise, p.a.Info.GatewayURL+"/dnportal/1.0/chiTietDoanhNghiep?msdn="+p.a.Info.DemoEnterprise)
	if strings.Contains(body, cred.GetSecret()) {
		t.Fatal("the answer shows the API key")
	}
	_, body, _ = dev.get("/portal/apis/" + id)
	contains(t, body, "Đã duyệt")

	// Paging: more published APIs than a page holds.
	for i := range 20 {
		a, err := reg.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{Name: fmt.Sprintf("Danh mục %02d", i),
			Context: fmt.Sprintf("dm%02d", i), Version: "1", OwnerAgency: registry.DemoAgencyCode, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC,
			Endpoints: []*registryv1.UpstreamEndpoint{{Url: p.a.Info.SimulatorURL}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetApi().GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}); err != nil {
			t.Fatal(err)
		}
	}
	_, body, _ = dev.get("/portal")
	next := regexp.MustCompile(`<a href="(/portal\?page=[^"]+)" rel="next">`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next page link")
	}
	_, body2, _ := dev.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if n := strings.Count(body, `<li class="card">`) + strings.Count(body2, `<li class="card">`); n < 21 {
		t.Fatalf("the catalogue's two pages list %d APIs", n)
	}
	contains(t, body2, "Trang đầu")

	// Who sees what: an auditor reads the catalogue and the documentation
	// but asks for nothing; a developer may not register APIs.
	aud := p.user(t, "aud-portal", registryv1.UserRole_USER_ROLE_AUDITOR, "")
	st, body, _ = aud.get("/portal/apis/" + id)
	if st != http.StatusOK || strings.Contains(body, `name="form" value="subscribe"`) || !strings.Contains(body, "/chiTietDoanhNghiep") {
		t.Fatalf("auditor: %d", st)
	}
	if st, _, _ = dev.get("/apis/new"); st != http.StatusForbidden {
		t.Fatalf("developer /apis/new: %d", st)
	}
	// In English, with no message left untranslated.
	rawKey := regexp.MustCompile(`(?:>|\s|")(?:apis|portal)\.[a-z]+\.?[a-zA-Z_.]*(?:<|\s|")`)
	dev.post("/lang", url.Values{"to": {"en"}, "back": {"/portal"}})
	for _, path := range []string{"/portal", "/portal/apis/" + id, "/portal/apis/" + business} {
		_, body, _ = dev.get(path)
		contains(t, body, `<html lang="en">`)
		if k := rawKey.FindString(body); k != "" {
			t.Fatalf("%s shows the message key %s", path, k)
		}
	}
	contains(t, body, "Request a subscription", "Try it", "API key: send it in the apikey")
	admin.post("/lang", url.Values{"to": {"en"}, "back": {"/apis"}})
	for _, path := range []string{"/apis", "/apis/new", "/apis/" + id} {
		_, body, _ = admin.get(path)
		if k := rawKey.FindString(body); k != "" || !strings.Contains(body, `<html lang="en">`) {
			t.Fatalf("%s in English: %q", path, k)
		}
	}
	contains(t, body, "Edit the upstream and policies", "Subscribed applications", "Deprecate")

	// Another agency's private API is not the developer's to read.
	private, err := reg.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{Name: "Riêng", Context: "rieng", Version: "1",
		OwnerAgency: registry.DemoAgencyCode, Endpoints: []*registryv1.UpstreamEndpoint{{Url: p.a.Info.SimulatorURL}}}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _, _ = dev.get("/portal/apis/" + private.GetApi().GetId()); st != http.StatusForbidden {
		t.Fatalf("developer reads a private API of another agency: %d", st)
	}
}
