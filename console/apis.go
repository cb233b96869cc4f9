package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// The admin pages of APIs: the list (/apis), registering one (/apis/new,
// apis_new.go) and one API's settings, lifecycle and subscribers
// (/apis/{id}, apis_detail.go). The developer portal (portal*.go) reads the
// same API records.

// apiRecord is an API as the admin REST API writes it (lgsp.registry.v1.Api
// in JSON: lowerCamelCase names, 64-bit numbers as strings, enums by name).
type apiRecord struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	Context      string           `json:"context"`
	Version      string           `json:"version"`
	Description  string           `json:"description"`
	OwnerAgency  string           `json:"ownerAgency"`
	Visibility   string           `json:"visibility"`
	Anonymous    bool             `json:"anonymousAccess"`
	Lifecycle    string           `json:"lifecycle"`
	Endpoints    []apiEndpoint    `json:"endpoints"`
	UpstreamAuth *apiUpstreamAuth `json:"upstreamAuth"`
	AuthMethods  []string         `json:"authMethods"`
	MaxBodyBytes string           `json:"maxBodyBytes"`
	TimeoutMS    string           `json:"timeoutMs"`
	Retries      int32            `json:"retries"`
	ApprovalMode string           `json:"approvalMode"`
	Resources    []apiResource    `json:"resources"`
	SunsetTime   string           `json:"sunsetTime"`
	HasDocument  bool             `json:"hasOpenapiDocument"`
	CreateTime   string           `json:"createTime"`
	UpdateTime   string           `json:"updateTime"`
	ErrorStyle   string           `json:"errorStyle"`
}

type apiEndpoint struct {
	URL    string `json:"url"`
	Weight int32  `json:"weight"`
}

type apiResource struct {
	Method string `json:"method"`
	Path   string `json:"path"`
}

// apiUpstreamAuth is how the gateway authenticates to the upstream; the
// API never returns the secrets, only whether one is stored.
type apiUpstreamAuth struct {
	Type          string `json:"type"`
	Username      string `json:"username,omitempty"`
	Password      string `json:"password,omitempty"`
	BearerToken   string `json:"bearerToken,omitempty"`
	TokenURL      string `json:"tokenUrl,omitempty"`
	ClientID      string `json:"clientId,omitempty"`
	ClientSecret  string `json:"clientSecret,omitempty"`
	Scope         string `json:"scope,omitempty"`
	SystemID      string `json:"systemId,omitempty"`
	SigningSecret string `json:"signingSecret,omitempty"`
	HasSecret     bool   `json:"hasSecret,omitempty"`
}

// AuthType is the upstream auth type without its enum prefix ("NONE",
// "BASIC", …), for templates.
func (u *apiUpstreamAuth) AuthType() string {
	if u == nil || u.Type == "" || u.Type == "UPSTREAM_AUTH_TYPE_UNSPECIFIED" {
		return "NONE"
	}
	return strings.TrimPrefix(u.Type, "UPSTREAM_AUTH_TYPE_")
}

// LifecycleName is the lifecycle without its enum prefix, lower case
// ("draft", "published", …).
func (a apiRecord) LifecycleName() string {
	return strings.ToLower(strings.TrimPrefix(a.Lifecycle, "API_LIFECYCLE_"))
}

// Public reports a catalogue API.
func (a apiRecord) Public() bool { return a.Visibility == "API_VISIBILITY_PUBLIC" }

// Manual reports subscriptions that wait for a decision.
func (a apiRecord) Manual() bool { return a.ApprovalMode != "APPROVAL_MODE_AUTOMATIC" }

// HasAuth reports whether consumers may use an auth method ("JWT",
// "API_KEY", …).
func (a apiRecord) HasAuth(m string) bool {
	for _, v := range a.AuthMethods {
		if v == "AUTH_METHOD_"+m {
			return true
		}
	}
	return false
}

// Methods are the consumer auth methods without their enum prefix.
func (a apiRecord) Methods() []string {
	out := make([]string, 0, len(a.AuthMethods))
	for _, m := range a.AuthMethods {
		out = append(out, strings.TrimPrefix(m, "AUTH_METHOD_"))
	}
	return out
}

// apisAuthMethods are the ways consumers may authenticate, as the forms
// offer them.
var apisAuthMethods = []string{"JWT", "API_KEY", "SIGNED_HEADER", "MTLS"}

func init() {
	Register(Page{Path: "/apis", Menu: "apis.title", Section: "admin", Order: 15,
		Roles: []authn.Role{authn.RolePlatformAdmin, authn.RoleAgencyPublisher, authn.RoleAuditor}, Get: apisList})
	AddMessages(map[string][2]string{
		"apis.title":              {"Quản lý API", "APIs"},
		"apis.new":                {"Đăng ký API mới", "Register an API"},
		"apis.name":               {"Tên API", "API name"},
		"apis.context":            {"Ngữ cảnh (context)", "Context"},
		"apis.version":            {"Phiên bản", "Version"},
		"apis.owner":              {"Cơ quan sở hữu", "Owner agency"},
		"apis.lifecycle":          {"Vòng đời", "Lifecycle"},
		"apis.visibility":         {"Phạm vi", "Visibility"},
		"apis.updated":            {"Cập nhật", "Updated"},
		"apis.search":             {"Tìm theo tên hoặc ngữ cảnh", "Search by name or context"},
		"apis.lc.draft":           {"Bản nháp", "Draft"},
		"apis.lc.published":       {"Đã xuất bản", "Published"},
		"apis.lc.deprecated":      {"Ngừng khuyến nghị", "Deprecated"},
		"apis.lc.retired":         {"Đã ngừng", "Retired"},
		"apis.vis.public":         {"Công khai", "Public"},
		"apis.vis.private":        {"Riêng", "Private"},
		"apis.none":               {"Không có API nào phù hợp.", "No API matches."},
		"apis.count.scanned":      {"Đang hiển thị kết quả lọc của một phần danh sách; xem trang sau để tìm tiếp.", "Showing the matches in part of the list; the next page searches on."},
		"apis.owner.filter":       {"Mã cơ quan sở hữu", "Owner agency code"},
		"apis.lifecycle.filter":   {"Trạng thái vòng đời", "Lifecycle state"},
		"apis.link.new.hint":      {"Đăng ký từ biểu mẫu hoặc nhập từ tài liệu OpenAPI.", "From a form or an OpenAPI document."},
		"apis.id":                 {"Mã API", "API id"},
		"apis.ctxver":             {"Ngữ cảnh / phiên bản", "Context / version"},
		"apis.noneyet":            {"Chưa có API nào.", "No API yet."},
		"apis.filter.lifecycle.a": {"Mọi trạng thái", "Any state"},
	})
}

// apisPage is one page of a filtered API list: the API's own filters
// (lifecycle, owner, context) narrow the query, and a text filter the API
// does not offer is applied here, page by page.
type apisPage struct {
	Items []apiRecord
	// Next is the API's page token after the last page read; "" at the end.
	Next string
	// Partial is set when the text filter stopped reading before the end of
	// the list.
	Partial bool
}

// apisSearch reads the API list from token on, keeping the APIs match
// accepts, until want of them are found, the list ends, or a bounded
// number of API pages were read (so that a rare match cannot make one
// page request read the whole registry).
func (x *Ctx) apisSearch(filter url.Values, token string, want int, match func(apiRecord) bool) (apisPage, *APIError) {
	const maxReads = 10
	var out apisPage
	q := url.Values{}
	for k, v := range filter {
		q[k] = v
	}
	q.Set("pageSize", strconv.Itoa(want))
	if match != nil {
		q.Set("pageSize", "100")
	}
	for reads := 1; ; reads++ {
		q.Del("pageToken")
		if token != "" {
			q.Set("pageToken", token)
		}
		var resp struct {
			Apis []apiRecord `json:"apis"`
			Next string      `json:"nextPageToken"`
		}
		if e := x.Call(http.MethodGet, "/admin/v1/apis?"+q.Encode(), nil, &resp); e != nil {
			return out, e
		}
		for _, a := range resp.Apis {
			if match == nil || match(a) {
				out.Items = append(out.Items, a)
			}
		}
		token, out.Next = resp.Next, resp.Next
		if match == nil || token == "" || len(out.Items) >= want {
			return out, nil
		}
		if reads >= maxReads {
			out.Partial = true
			return out, nil
		}
	}
}

// apisTextMatch matches a case-insensitive text in any of the fields.
func apisTextMatch(text string, fields func(apiRecord) []string) func(apiRecord) bool {
	text = strings.ToLower(strings.TrimSpace(text))
	if text == "" {
		return nil
	}
	return func(a apiRecord) bool {
		for _, f := range fields(a) {
			if strings.Contains(strings.ToLower(f), text) {
				return true
			}
		}
		return false
	}
}

// apisLifecycles are the lifecycle states, for filters.
var apisLifecycles = []string{"draft", "published", "deprecated", "retired"}

func apisList(x *Ctx) {
	filter := url.Values{}
	lc := x.Query("lifecycle")
	valid := false
	for _, l := range apisLifecycles {
		valid = valid || l == lc
	}
	if valid {
		filter.Set("lifecycle", "API_LIFECYCLE_"+strings.ToUpper(lc))
	} else {
		lc = ""
	}
	owner := x.Query("owner")
	if owner != "" {
		filter.Set("ownerAgency", owner)
	}
	q := x.Query("q")
	page, e := x.apisSearch(filter, x.Query("page"), 25, apisTextMatch(q, func(a apiRecord) []string {
		return []string{a.Name, a.Context}
	}))
	if e != nil {
		if e.Status >= 400 && e.Status < 500 && e.Code != "forbidden" {
			// A bad filter (agency code, page token) is the user's: show it
			// with the form.
			x.Render("apis", map[string]any{"Title": x.T("apis.title"), "Q": q, "Lifecycle": lc, "Owner": owner,
				"Lifecycles": apisLifecycles, "Problem": x.Problem(e), "CanCreate": apisCanWrite(x)})
			return
		}
		x.Fail(e)
		return
	}
	// The page links keep the filters.
	keep := url.Values{}
	for k, v := range map[string]string{"q": q, "lifecycle": lc, "owner": owner} {
		if v != "" {
			keep.Set(k, v)
		}
	}
	first, next := "", ""
	if x.Query("page") != "" {
		first = "/apis"
		if len(keep) > 0 {
			first += "?" + keep.Encode()
		}
	}
	if page.Next != "" {
		keep.Set("page", page.Next)
		next = "/apis?" + keep.Encode()
	}
	x.Render("apis", map[string]any{"Title": x.T("apis.title"), "APIs": page.Items, "Next": next, "First": first, "Partial": page.Partial,
		"Q": q, "Lifecycle": lc, "Owner": owner, "Lifecycles": apisLifecycles, "CanCreate": apisCanWrite(x)})
}

// apisCanWrite reports a role that registers APIs.
func apisCanWrite(x *Ctx) bool {
	return x.User.Role == authn.RolePlatformAdmin || x.User.Role == authn.RoleAgencyPublisher
}
