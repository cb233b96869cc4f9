package console_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// apisTestDocument is a small OpenAPI 3 document of two operations of the
// NGSP simulator's business registration.
const apisTestDocument = `{
  "openapi": "3.0.3",
  "info": {"title": "Tra cứu doanh nghiệp thử", "version": "1.0", "description": "Thông tin doanh nghiệp từ CSDL đăng ký doanh nghiệp"},
  "paths": {
    "/chiTietDoanhNghiep": {"get": {"summary": "Chi tiết doanh nghiệp", "parameters": [
      {"name": "msdn", "in": "query", "required": true, "description": "Mã số doanh nghiệp", "schema": {"type": "string"}}],
      "responses": {"200": {"description": "Doanh nghiệp", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DoanhNghiep"}}}}}}},
    "/timKiemDoanhNghiep": {"get": {"summary": "Tìm doanh nghiệp theo tên", "parameters": [
      {"name": "ten", "in": "query", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "Danh sách"}}}}
  },
  "components": {"schemas": {"DoanhNghiep": {"type": "object", "properties": {"msdn": {"type": "string"}, "tenDoanhNghiep": {"type": "string"}}}}}
}`

var apisTestIDRE = regexp.MustCompile(`^/apis/(api_[A-Za-z0-9_-]+)\?done=created$`)

// apisTestCreated returns the id of the API a form created, from its
// redirect.
func apisTestCreated(t *testing.T, st int, body string, h http.Header) string {
	t.Helper()
	m := apisTestIDRE.FindStringSubmatch(h.Get("Location"))
	if st != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %q\n%s", st, h.Get("Location"), body)
	}
	return m[1]
}

// apisTestImportForm is the form that registers the test API from its
// document, upstream the NGSP simulator with its OAuth2 client.
func apisTestImportForm(p *platform, context string) url.Values {
	return url.Values{"form": {"import"}, "openapi_document": {apisTestDocument}, "context": {context},
		"owner": {registry.DemoAgencyCode}, "endpoints": {p.a.Info.SimulatorURL + "/apiCSDLDKDN/1.0"},
		"auth_type": {"OAUTH2_CLIENT_CREDENTIALS"}, "token_url": {p.a.Info.SimulatorURL + "/token"},
		"client_id": {"lgsp-demo-ngsp-key"}, "client_secret": {"lgsp-demo-ngsp-secret"},
		"visibility": {"public"}, "approval": {"manual"}, "auth_methods": {"API_KEY", "JWT"}}
}

// TestAPIsPages: the list (search, filters, paging), registering an API
// from the form and from an OpenAPI document with refusals shown next to
// their field, the API's page (upstream and policies edited through an
// update mask, the document imported again, lifecycle buttons for the
// legal next states only, subscribers), and who may see and do what.
func TestAPIsPages(t *testing.T) {
	p := startPlatform(t)
	admin := p.browser()
	admin.login("admin", p.a.Info.AdminPassword)

	st, body, _ := admin.get("/apis")
	if st != http.StatusOK {
		t.Fatalf("/apis: %d", st)
	}
	contains(t, body, "<h1>Quản lý API</h1>", `href="/apis/new"`, "apiCSDLDKDN", "ngsp-business", `<th scope="col">`, `class="table-wrap"`)
	_, body, _ = admin.get("/apis?q=ngsp-busi")
	contains(t, body, "ngsp-business")
	if strings.Contains(body, "apiCSDLDKDN") || strings.Contains(body, "ngsp-population") {
		t.Fatal("the search did not narrow the list")
	}
	_, body, _ = admin.get("/apis?lifecycle=draft")
	if strings.Contains(body, "ngsp-business") {
		t.Fatal("the lifecycle filter did not narrow the list")
	}

	// The form: a context the registry refuses is shown next to its field,
	// with what was typed kept.
	st, body, _ = admin.get("/apis/new")
	if st != http.StatusOK {
		t.Fatalf("/apis/new: %d", st)
	}
	contains(t, body, "Đăng ký từ biểu mẫu", "Nhập từ tài liệu OpenAPI", `for="m-context"`, `for="i-doc"`, `<option value="000.00.00.H30"`)
	manual := url.Values{"form": {"manual"}, "name": {"Tra cứu hồ sơ thử"}, "context": {"9-not-a-context"}, "version": {"1.0"},
		"owner": {registry.DemoAgencyCode}, "endpoints": {p.a.Info.SimulatorURL + "/apiCSDLDKDN/1.0"},
		"auth_type": {"BASIC"}, "username": {"lgsp"}, "password": {"upstream-password-1"},
		"visibility": {"private"}, "approval": {"auto"}, "auth_methods": {"API_KEY"}}
	st, body, _ = admin.post("/apis/new", manual)
	if st != http.StatusBadRequest {
		t.Fatalf("bad context: %d", st)
	}
	contains(t, body, `id="m-problem" role="alert"`, `id="m-context" name="context" required value="9-not-a-context" aria-describedby="m-context-hint m-problem" aria-invalid="true"`,
		`value="Tra cứu hồ sơ thử"`)
	if strings.Contains(body, "upstream-password-1") {
		t.Fatal("a refused form shows the upstream password again")
	}
	manual.Set("context", "hosothu")
	st, body, h := admin.post("/apis/new", manual)
	manualID := apisTestCreated(t, st, body, h)
	_, body, _ = admin.get("/apis/" + manualID + "?done=created")
	contains(t, body, "Đã tạo.", "Tra cứu hồ sơ thử", "/hosothu/1.0", "Basic (tên đăng nhập và mật khẩu)", "đã lưu thông tin bí mật",
		"Tự động duyệt", "Khóa API (tiêu đề apikey)", "Riêng")
	if strings.Contains(body, "upstream-password-1") {
		t.Fatal("the API's page shows the upstream password")
	}

	// From a document: a document that is not OpenAPI is refused next to
	// the text box; a good one gives the API its name, version and
	// resources.
	bad := apisTestImportForm(p, "dnthu")
	bad.Set("openapi_document", `{"asyncapi": "2.0"}`)
	admin.get("/apis/new")
	st, body, _ = admin.post("/apis/new", bad)
	if st != http.StatusBadRequest {
		t.Fatalf("bad document: %d", st)
	}
	contains(t, body, `id="i-problem" role="alert"`, `id="i-doc" name="openapi_document" rows="12" aria-invalid="true" aria-describedby="i-problem"`, "asyncapi")
	st, body, h = admin.post("/apis/new", apisTestImportForm(p, "dnthu"))
	id := apisTestCreated(t, st, body, h)
	got, err := p.registry().GetApi(adminCtx(), &registryv1.GetApiRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if a := got.GetApi(); a.GetName() != "Tra cứu doanh nghiệp thử" || a.GetVersion() != "1.0" || len(a.GetResources()) != 2 ||
		!a.GetHasOpenapiDocument() || a.GetUpstreamAuth().GetType() != registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS ||
		!a.GetUpstreamAuth().GetHasSecret() || a.GetVisibility() != registryv1.ApiVisibility_API_VISIBILITY_PUBLIC {
		t.Fatalf("imported API: %v", a)
	}
	_, body, _ = admin.get("/apis/" + id)
	contains(t, body, "/chiTietDoanhNghiep", "/timKiemDoanhNghiep", "Có tài liệu OpenAPI.", ">Xuất bản</button>",
		"OAuth2 client credentials", "lgsp-demo-ngsp-key", p.a.Info.GatewayURL+"/dnthu/1.0", "Chưa có ứng dụng nào đăng ký.")
	for _, illegal := range []string{">Ngừng hẳn</button>", ">Ngừng khuyến nghị</button>"} {
		if strings.Contains(body, illegal) {
			t.Fatalf("a draft offers %s", illegal)
		}
	}
	if strings.Contains(body, "lgsp-demo-ngsp-secret") {
		t.Fatal("the API's page shows the upstream client secret")
	}

	// The document may come as a file instead.
	admin.get("/apis/new")
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	for k, v := range map[string]string{"csrf": csrfRE.FindStringSubmatch(admin.last)[1], "form": "import", "context": "dnfile",
		"owner": registry.DemoAgencyCode, "endpoints": p.a.Info.SimulatorURL, "visibility": "public"} {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("openapi_file", "openapi.json")
	_, _ = fw.Write([]byte(apisTestDocument))
	_ = w.Close()
	resp, err := admin.c.Post(p.admin+"/apis/new", w.FormDataContentType(), &mp)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	apisTestCreated(t, resp.StatusCode, "", resp.Header)

	// Editing the upstream and policies: a bad number and an upstream the
	// registry refuses are shown beside their fields; a good edit is saved
	// and the stored secret kept.
	edit := url.Values{"form": {"update"}, "description": {"Mô tả mới"}, "endpoints": {p.a.Info.SimulatorURL + "/apiCSDLDKDN/1.0"},
		"auth_type": {"OAUTH2_CLIENT_CREDENTIALS"}, "token_url": {p.a.Info.SimulatorURL + "/token"}, "client_id": {"lgsp-demo-ngsp-key"},
		"timeout_ms": {"abc"}, "retries": {"2"}, "visibility": {"public"}, "approval": {"manual"}, "auth_methods": {"API_KEY", "JWT"}}
	st, body, _ = admin.post("/apis/"+id, edit)
	if st != http.StatusBadRequest {
		t.Fatalf("bad timeout: %d", st)
	}
	contains(t, body, `id="e-problem" role="alert"`, `value="abc" aria-invalid="true" aria-describedby="e-problem"`)
	edit.Set("timeout_ms", "5000")
	edit.Set("endpoints", "http://169.254.169.254/latest")
	st, body, _ = admin.post("/apis/"+id, edit)
	if st != http.StatusBadRequest {
		t.Fatalf("metadata upstream: %d %s", st, body)
	}
	contains(t, body, `id="e-problem" role="alert"`, `id="e-endpoints" name="endpoints" rows="2" class="apis-short" required aria-describedby="e-endpoints-hint e-problem" aria-invalid="true"`)
	edit.Set("endpoints", p.a.Info.SimulatorURL+"/apiCSDLDKDN/1.0")
	st, _, h = admin.post("/apis/"+id, edit)
	if st != http.StatusSeeOther || h.Get("Location") != "/apis/"+id+"?done=saved" {
		t.Fatalf("update: %d %s", st, h.Get("Location"))
	}
	got, _ = p.registry().GetApi(adminCtx(), &registryv1.GetApiRequest{Id: id})
	if a := got.GetApi(); a.GetTimeoutMs() != 5000 || a.GetRetries() != 2 || a.GetDescription() != "Mô tả mới" || !a.GetUpstreamAuth().GetHasSecret() {
		t.Fatalf("after the edit: %v", a)
	}
	_, body, _ = admin.get("/apis/" + id)
	contains(t, body, "5.000", "Mô tả mới")

	// The lifecycle: publish, then a transition the registry refuses.
	st, _, _ = admin.post("/apis/"+id, url.Values{"form": {"transition"}, "to": {"published"}})
	if st != http.StatusSeeOther {
		t.Fatalf("publish: %d", st)
	}
	_, body, _ = admin.get("/apis/" + id)
	contains(t, body, "Đã xuất bản", ">Ngừng khuyến nghị</button>", `data-confirm="`)
	if strings.Contains(body, ">Xuất bản</button>") {
		t.Fatal("a published API offers to publish it")
	}
	st, body, _ = admin.post("/apis/"+id, url.Values{"form": {"transition"}, "to": {"retired"}})
	if st != http.StatusBadRequest {
		t.Fatalf("published → retired: %d", st)
	}
	contains(t, body, `id="t-problem" role="alert"`)

	// Importing a document again replaces the resources; an empty one is
	// refused beside the text box.
	st, body, _ = admin.post("/apis/"+id, url.Values{"form": {"import"}, "openapi_document": {""}})
	if st != http.StatusBadRequest {
		t.Fatalf("empty import: %d", st)
	}
	contains(t, body, `id="d-problem" role="alert"`, `aria-invalid="true" aria-describedby="d-problem"`)
	one := `{"swagger": "2.0", "info": {"title": "x", "version": "1.0"}, "paths": {"/chiTietDoanhNghiep": {"get": {}}}}`
	if st, _, _ = admin.post("/apis/"+id, url.Values{"form": {"import"}, "openapi_document": {one}}); st != http.StatusSeeOther {
		t.Fatalf("import: %d", st)
	}
	_, body, _ = admin.get("/apis/" + id)
	if strings.Contains(body, "/timKiemDoanhNghiep") || !strings.Contains(body, "/chiTietDoanhNghiep") {
		t.Fatal("the import did not replace the resources")
	}

	// Subscribers, with their application's name.
	apps, err := p.registry().ListSubscriptions(adminCtx(), &registryv1.ListSubscriptionsRequest{PageSize: 1})
	if err != nil || len(apps.GetSubscriptions()) == 0 {
		t.Fatalf("demo subscriptions: %v", err)
	}
	sub := apps.GetSubscriptions()[0]
	appOf, err := p.registry().GetApplication(adminCtx(), &registryv1.GetApplicationRequest{Id: sub.GetApplicationId()})
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ = admin.get("/apis/" + sub.GetApiId())
	contains(t, body, sub.GetApplicationId(), appOf.GetApplication().GetName(), "Đã duyệt")

	// Paging: more APIs than a page holds.
	reg := p.registry()
	for i := range 26 {
		if _, err := reg.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{
			Name: fmt.Sprintf("Trang %02d", i), Context: fmt.Sprintf("trang%02d", i), Version: "1", OwnerAgency: registry.DemoAgencyCode,
			Endpoints: []*registryv1.UpstreamEndpoint{{Url: p.a.Info.SimulatorURL}}}}); err != nil {
			t.Fatal(err)
		}
	}
	_, body, _ = admin.get("/apis")
	next := regexp.MustCompile(`<a href="(/apis\?page=[^"]+)" rel="next">`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next page link")
	}
	_, body2, _ := admin.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	contains(t, body2, "Trang đầu")
	if strings.Count(body, "<tr>")+strings.Count(body2, "<tr>") < 26+9 {
		t.Fatal("the two pages do not hold every API")
	}
	_, body, _ = admin.get("/apis?q=trang1")
	if strings.Count(body, "Trang 1") != 10 {
		t.Fatalf("search trang1: %d rows", strings.Count(body, "Trang 1"))
	}

	// Roles: a publisher registers for its own agency; an auditor reads
	// without forms; a developer is refused.
	pub := p.user(t, "pub-apis", registryv1.UserRole_USER_ROLE_AGENCY_PUBLISHER, registry.DemoAgencyCode)
	st, body, _ = pub.get("/apis/new")
	if st != http.StatusOK {
		t.Fatalf("publisher /apis/new: %d", st)
	}
	contains(t, body, "API thuộc cơ quan của bạn: "+registry.DemoAgencyCode)
	form := apisTestImportForm(p, "dnpub")
	form.Del("owner")
	form.Set("auth_type", "NONE")
	st, body, h = pub.post("/apis/new", form)
	pubID := apisTestCreated(t, st, body, h)
	_, body, _ = pub.get("/apis/" + pubID)
	contains(t, body, ">Xuất bản</button>", "Lưu thay đổi")

	aud := p.user(t, "aud-apis", registryv1.UserRole_USER_ROLE_AUDITOR, "")
	if st, _, _ = aud.get("/apis"); st != http.StatusOK {
		t.Fatalf("auditor /apis: %d", st)
	}
	st, body, _ = aud.get("/apis/" + id)
	if st != http.StatusOK || strings.Contains(body, "Lưu thay đổi") || strings.Contains(body, `name="form" value="transition"`) {
		t.Fatalf("auditor /apis/{id}: %d", st)
	}
	if st, _, _ = aud.post("/apis/"+id, url.Values{"form": {"transition"}, "to": {"deprecated"}}); st != http.StatusForbidden {
		t.Fatalf("auditor transition: %d", st)
	}
	if st, _, _ = aud.get("/apis/new"); st != http.StatusForbidden {
		t.Fatalf("auditor /apis/new: %d", st)
	}
	dev := p.user(t, "dev-apis", registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, registry.DemoAgencyCode)
	for _, path := range []string{"/apis", "/apis/new", "/apis/" + id} {
		if st, body, _ = dev.get(path); st != http.StatusForbidden || !strings.Contains(body, "Không có quyền truy cập") {
			t.Fatalf("developer %s: %d", path, st)
		}
	}
	if st, _, _ = dev.post("/apis/new", apisTestImportForm(p, "dndev")); st != http.StatusForbidden {
		t.Fatalf("developer posts /apis/new: %d", st)
	}
}
