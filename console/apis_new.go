package console

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// apisMaxDocument is the largest OpenAPI document the forms take, the
// registry's own limit.
const apisMaxDocument = 2 << 20

func init() {
	Register(Page{Path: "/apis/new", Section: "admin",
		Roles: []authn.Role{authn.RolePlatformAdmin, authn.RoleAgencyPublisher}, Get: apisNewGet, Post: apisNewPost})
	AddMessages(map[string][2]string{
		"apis.new.title":                        {"Đăng ký API mới", "Register an API"},
		"apis.new.manual":                       {"Đăng ký từ biểu mẫu", "Register from a form"},
		"apis.new.import":                       {"Nhập từ tài liệu OpenAPI", "Import an OpenAPI document"},
		"apis.new.import.intro":                 {"Các đường dẫn của tài liệu trở thành tài nguyên của API; tên và mô tả để trống được lấy từ phần info của tài liệu, phiên bản để trống lấy từ info.version.", "The document's paths become the API's resources; a name and description left empty are taken from the document's info, an empty version from info.version."},
		"apis.new.submit":                       {"Đăng ký API", "Register the API"},
		"apis.new.import.submit":                {"Nhập và đăng ký API", "Import and register the API"},
		"apis.new.back":                         {"Danh sách API", "All APIs"},
		"apis.f.name.fromdoc":                   {"Tên API (để trống: lấy từ tài liệu)", "API name (empty: from the document)"},
		"apis.f.version.fromdoc":                {"Phiên bản (để trống: lấy từ tài liệu)", "Version (empty: from the document)"},
		"apis.f.context.hint":                   {"Đoạn đầu của đường dẫn trên gateway: /{ngữ cảnh}/{phiên bản}/…", "The first path segment on the gateway: /{context}/{version}/…"},
		"apis.f.description":                    {"Mô tả", "Description"},
		"apis.f.owner.own":                      {"API thuộc cơ quan của bạn: %s", "The API belongs to your agency: %s"},
		"apis.f.doc":                            {"Tài liệu OpenAPI (JSON hoặc YAML)", "OpenAPI document (JSON or YAML)"},
		"apis.f.docfile":                        {"Hoặc chọn tệp tài liệu OpenAPI", "Or choose an OpenAPI document file"},
		"apis.f.docfile.hint":                   {"Nếu chọn tệp, nội dung tệp được dùng khi ô văn bản để trống.", "A chosen file is used when the text box is empty."},
		"apis.f.upstream":                       {"Địa chỉ dịch vụ gốc (upstream URL)", "Upstream URL"},
		"apis.f.upstream.hint":                  {"Mỗi dòng một địa chỉ http(s); có thể thêm trọng số sau dấu cách, ví dụ “https://10.0.0.5/api 2”.", "One http(s) address a line; a weight may follow after a space, e.g. “https://10.0.0.5/api 2”."},
		"apis.f.auth":                           {"Xác thực tới dịch vụ gốc", "Authentication to the upstream"},
		"apis.f.auth.type":                      {"Kiểu xác thực", "Authentication type"},
		"apis.f.auth.NONE":                      {"Không xác thực", "None"},
		"apis.f.auth.BASIC":                     {"Basic (tên đăng nhập và mật khẩu)", "Basic (username and password)"},
		"apis.f.auth.BEARER":                    {"Mã truy cập cố định (Bearer)", "Fixed bearer token"},
		"apis.f.auth.OAUTH2_CLIENT_CREDENTIALS": {"OAuth2 client credentials", "OAuth2 client credentials"},
		"apis.f.auth.SIGNED_HEADER":             {"Tiêu đề ký số của trục quốc gia (systemid + HMAC)", "National axis signed headers (systemid + HMAC)"},
		"apis.f.auth.PLATFORM":                  {"Dịch vụ của nền tảng (định danh gateway ký)", "Platform service (signed gateway identity)"},
		"apis.f.auth.hint":                      {"Chỉ điền các trường của kiểu đã chọn. Giá trị bí mật được mã hóa khi lưu và không bao giờ hiển thị lại.", "Fill only the fields of the chosen type. Secrets are stored encrypted and never shown again."},
		"apis.f.username":                       {"Tên đăng nhập (Basic)", "Username (Basic)"},
		"apis.f.password":                       {"Mật khẩu (Basic)", "Password (Basic)"},
		"apis.f.bearer":                         {"Mã truy cập (Bearer)", "Bearer token"},
		"apis.f.token_url":                      {"Địa chỉ cấp token (OAuth2)", "Token URL (OAuth2)"},
		"apis.f.client_id":                      {"Client ID (OAuth2)", "Client ID (OAuth2)"},
		"apis.f.client_secret":                  {"Client secret (OAuth2)", "Client secret (OAuth2)"},
		"apis.f.scope":                          {"Phạm vi (scope, OAuth2)", "Scope (OAuth2)"},
		"apis.f.system_id":                      {"Mã hệ thống systemid (tiêu đề ký số)", "System id (signed headers)"},
		"apis.f.signing_secret":                 {"Khóa ký HMAC (tiêu đề ký số)", "HMAC signing secret (signed headers)"},
		"apis.f.keep":                           {"để trống để giữ giá trị đã lưu", "leave empty to keep the stored one"},
		"apis.f.visibility":                     {"Phạm vi hiển thị", "Visibility"},
		"apis.f.vis.public":                     {"Công khai: hiện trong danh mục, ứng dụng của mọi cơ quan được đăng ký sử dụng", "Public: listed in the catalogue, any agency's applications may subscribe"},
		"apis.f.vis.private":                    {"Riêng: chỉ cơ quan sở hữu thấy và sử dụng", "Private: only the owner agency sees and uses it"},
		"apis.f.approval":                       {"Phê duyệt đăng ký sử dụng", "Subscription approval"},
		"apis.f.approval.auto":                  {"Tự động duyệt", "Approved automatically"},
		"apis.f.approval.manual":                {"Phê duyệt thủ công", "Manual approval"},
		"apis.f.methods":                        {"Cách ứng dụng xác thực với gateway", "How applications authenticate to the gateway"},
		"apis.f.methods.hint":                   {"Không chọn: JWT và khóa API.", "None chosen: JWT and API key."},
		"apis.m.JWT":                            {"JWT (OAuth2 client credentials của nền tảng)", "JWT (the platform's OAuth2 client credentials)"},
		"apis.m.API_KEY":                        {"Khóa API (tiêu đề apikey)", "API key (apikey header)"},
		"apis.m.SIGNED_HEADER":                  {"Tiêu đề ký số của trục quốc gia", "National axis signed headers"},
		"apis.m.MTLS":                           {"Chứng thư số máy khách (mTLS)", "Client certificate (mTLS)"},
		"apis.f.weight.bad":                     {"Trọng số sau địa chỉ phải là số nguyên.", "The weight after an address must be a whole number."},
		"apis.f.doc.empty":                      {"Hãy dán tài liệu OpenAPI hoặc chọn tệp.", "Paste an OpenAPI document or choose a file."},
		"apis.f.doc.toolarge":                   {"Tài liệu OpenAPI quá lớn (tối đa 2 MiB).", "The OpenAPI document is too large (at most 2 MiB)."},
	})
}

// apisUpstreamTypes are the upstream auth types the forms offer; PLATFORM
// is offered to platform admins only, as the registry allows.
func apisUpstreamTypes(x *Ctx) []string {
	t := []string{"NONE", "BASIC", "BEARER", "OAUTH2_CLIENT_CREDENTIALS", "SIGNED_HEADER"}
	if x.IsAdmin() {
		t = append(t, "PLATFORM")
	}
	return t
}

// apisForm is one API form as a template shows it: the values typed, the
// refusal if any, and the choices.
type apisForm struct {
	// Prefix keeps the ids of two forms on one page apart.
	Prefix  string
	V       map[string]string
	Methods map[string]bool
	Problem *Problem
	Types   []string
	// Editing shows the "keep the stored secret" hints.
	Editing bool
	// The owner field: a choice of Agencies for admins, OwnAgency for
	// publishers.
	Admin     bool
	Agencies  []apisAgencyOption
	OwnAgency string
}

// Checked reports a chosen auth method, for templates.
func (f apisForm) Checked(m string) bool { return f.Methods[m] }

// AllMethods are the auth methods a form offers.
func (f apisForm) AllMethods() []string { return apisAuthMethods }

// apisFormFields are the text fields the API forms post.
var apisFormFields = []string{"name", "context", "version", "owner", "description", "endpoints", "auth_type",
	"username", "token_url", "client_id", "scope", "system_id", "visibility", "approval", "timeout_ms", "retries",
	"max_body_bytes", "openapi_document"}

// apisReadForm keeps what was posted, secrets excepted: a refused form is
// shown again without them.
func apisReadForm(x *Ctx, prefix string) apisForm {
	f := apisForm{Prefix: prefix, V: map[string]string{}, Methods: map[string]bool{}, Types: apisUpstreamTypes(x)}
	for _, k := range apisFormFields {
		f.V[k] = x.Form(k)
	}
	f.V["openapi_document"] = x.R.PostFormValue("openapi_document")
	for _, m := range x.R.PostForm["auth_methods"] {
		f.Methods[m] = true
	}
	return f
}

// apisProblem shows an API refusal next to the form field it concerns:
// the API names fields as "api.endpoints[0].url" or
// "api.upstream_auth.token_url", the forms as "endpoints" or "token_url".
func apisProblem(x *Ctx, e *APIError) *Problem {
	p := x.Problem(e)
	f := strings.TrimPrefix(p.Field, "api.")
	switch {
	case strings.HasPrefix(f, "endpoints"):
		f = "endpoints"
	case f == "upstream_auth" || f == "upstream_auth.type":
		f = "auth_type"
	case strings.HasPrefix(f, "upstream_auth."):
		f = strings.TrimPrefix(f, "upstream_auth.")
	case f == "owner_agency":
		f = "owner"
	case f == "approval_mode":
		f = "approval"
	case strings.HasPrefix(f, "resources"):
		f = "openapi_document"
	}
	p.Field = f
	return p
}

// apisEndpoints reads the upstream lines: "URL" or "URL weight".
func apisEndpoints(text string) ([]apiEndpoint, bool) {
	var out []apiEndpoint
	for _, line := range strings.Split(text, "\n") {
		fs := strings.Fields(line)
		switch len(fs) {
		case 0:
			continue
		case 1:
			out = append(out, apiEndpoint{URL: fs[0], Weight: 1})
		case 2:
			w, err := strconv.ParseInt(fs[1], 10, 32)
			if err != nil {
				return nil, false
			}
			out = append(out, apiEndpoint{URL: fs[0], Weight: int32(w)})
		default:
			return nil, false
		}
	}
	return out, true
}

// apisUpstreamAuth is the upstream auth the form describes, secrets
// included (empty ones keep the stored secrets on update).
func apisUpstreamAuth(x *Ctx) *apiUpstreamAuth {
	typ := x.Form("auth_type")
	if typ == "" {
		typ = "NONE"
	}
	ua := &apiUpstreamAuth{Type: "UPSTREAM_AUTH_TYPE_" + typ}
	switch typ {
	case "BASIC":
		ua.Username, ua.Password = x.Form("username"), x.R.PostFormValue("password")
	case "BEARER":
		ua.BearerToken = x.R.PostFormValue("bearer_token")
	case "OAUTH2_CLIENT_CREDENTIALS":
		ua.TokenURL, ua.ClientID, ua.Scope = x.Form("token_url"), x.Form("client_id"), x.Form("scope")
		ua.ClientSecret = x.R.PostFormValue("client_secret")
	case "SIGNED_HEADER":
		ua.SystemID, ua.SigningSecret = x.Form("system_id"), x.R.PostFormValue("signing_secret")
	}
	return ua
}

// apisAgencyOption is an owner the admin may choose.
type apisAgencyOption struct{ Code, Name string }

// apisAgencies lists the active agencies, for the owner select; nil when
// they cannot be read (the form then takes a code).
func apisAgencies(x *Ctx) []apisAgencyOption {
	if !x.IsAdmin() {
		return nil
	}
	var out []apisAgencyOption
	token := ""
	for range 10 {
		q := url.Values{"pageSize": {"500"}}
		if token != "" {
			q.Set("pageToken", token)
		}
		var resp struct {
			Agencies []struct {
				Code   string `json:"code"`
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"agencies"`
			Next string `json:"nextPageToken"`
		}
		if e := x.Call(http.MethodGet, "/admin/v1/agencies?"+q.Encode(), nil, &resp); e != nil {
			return nil
		}
		for _, a := range resp.Agencies {
			if a.Status == "" || a.Status == "AGENCY_STATUS_ACTIVE" {
				out = append(out, apisAgencyOption{Code: a.Code, Name: a.Name})
			}
		}
		if token = resp.Next; token == "" {
			break
		}
	}
	return out
}

func apisNewDefaults(x *Ctx, prefix string) apisForm {
	f := apisForm{Prefix: prefix, V: map[string]string{"visibility": "public", "approval": "manual", "auth_type": "NONE"},
		Methods: map[string]bool{}, Types: apisUpstreamTypes(x)}
	if x.User.Agency != "" {
		f.V["owner"] = x.User.Agency
	}
	return f
}

func apisNewGet(x *Ctx) {
	apisNewRender(x, apisNewDefaults(x, "m"), apisNewDefaults(x, "i"))
}

func apisNewRender(x *Ctx, manual, imp apisForm) {
	agencies := apisAgencies(x)
	for _, f := range []*apisForm{&manual, &imp} {
		f.Admin, f.Agencies, f.OwnAgency = x.IsAdmin(), agencies, x.User.Agency
	}
	x.Render("apis_api", map[string]any{"Page": "new", "Title": x.T("apis.new.title"), "Manual": manual, "Import": imp})
}

func apisNewPost(x *Ctx) {
	imp := x.Form("form") == "import"
	prefix := "m"
	if imp {
		prefix = "i"
	}
	f := apisReadForm(x, prefix)
	refuse := func(p *Problem) {
		f.Problem = p
		x.Status = http.StatusBadRequest
		if imp {
			apisNewRender(x, apisNewDefaults(x, "m"), f)
		} else {
			apisNewRender(x, f, apisNewDefaults(x, "i"))
		}
	}
	eps, ok := apisEndpoints(f.V["endpoints"])
	if !ok {
		refuse(&Problem{Field: "endpoints", Text: x.T("apis.f.weight.bad")})
		return
	}
	api := map[string]any{
		"name": f.V["name"], "context": f.V["context"], "version": f.V["version"], "description": f.V["description"],
		"endpoints": eps, "upstreamAuth": apisUpstreamAuth(x),
		"visibility": "API_VISIBILITY_PRIVATE", "approvalMode": "APPROVAL_MODE_MANUAL",
	}
	if x.IsAdmin() || f.V["owner"] != "" {
		api["ownerAgency"] = f.V["owner"]
	}
	if f.V["visibility"] == "public" {
		api["visibility"] = "API_VISIBILITY_PUBLIC"
	}
	if f.V["approval"] == "auto" {
		api["approvalMode"] = "APPROVAL_MODE_AUTOMATIC"
	}
	var methods []string
	for _, m := range apisAuthMethods {
		if f.Methods[m] {
			methods = append(methods, "AUTH_METHOD_"+m)
		}
	}
	if len(methods) > 0 {
		api["authMethods"] = methods
	}
	body := map[string]any{"api": api}
	if imp {
		doc := f.V["openapi_document"]
		if strings.TrimSpace(doc) == "" {
			var p *Problem
			doc, p = apisUploadedDocument(x)
			if p != nil {
				refuse(p)
				return
			}
		}
		if strings.TrimSpace(doc) == "" {
			refuse(&Problem{Field: "openapi_document", Text: x.T("apis.f.doc.empty")})
			return
		}
		if f.V["version"] == "" {
			if d, err := portalParseDocument(doc); err == nil && d.Info.Version != "" {
				api["version"] = d.Info.Version
			}
		}
		body["openapiDocument"] = doc
	}
	var out struct {
		API apiRecord `json:"api"`
	}
	if e := x.Call(http.MethodPost, "/admin/v1/apis", body, &out); e != nil {
		if e.Status >= 500 || e.Status == http.StatusUnauthorized {
			x.Fail(e)
			return
		}
		refuse(apisProblem(x, e))
		return
	}
	x.Redirect("/apis/" + url.PathEscape(out.API.ID) + "?done=created")
}

// apisUploadedDocument reads the chosen document file, if any.
func apisUploadedDocument(x *Ctx) (string, *Problem) {
	file, _, err := x.R.FormFile("openapi_file")
	if err != nil {
		return "", nil
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, apisMaxDocument+1))
	if err != nil {
		return "", &Problem{Field: "openapi_document", Text: x.T("apis.f.doc.empty")}
	}
	if len(b) > apisMaxDocument {
		return "", &Problem{Field: "openapi_document", Text: x.T("apis.f.doc.toolarge")}
	}
	return string(b), nil
}
