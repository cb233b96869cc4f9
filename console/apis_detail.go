package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

func init() {
	Register(Page{Path: "/apis/{id}", Section: "admin",
		Roles: []authn.Role{authn.RolePlatformAdmin, authn.RoleAgencyPublisher, authn.RoleAuditor}, Get: apisDetailGet, Post: apisDetailPost})
	AddMessages(map[string][2]string{
		"apis.d.back":                           {"Danh sách API", "All APIs"},
		"apis.d.gateway":                        {"Địa chỉ trên gateway", "Gateway address"},
		"apis.d.docs":                           {"Xem tài liệu trên cổng nhà phát triển", "See its documentation in the developer portal"},
		"apis.d.approval":                       {"Phê duyệt đăng ký", "Subscription approval"},
		"apis.d.sunset":                         {"Ngày dừng dự kiến", "Sunset"},
		"apis.d.created":                        {"Tạo lúc", "Created"},
		"apis.d.upstream":                       {"Dịch vụ gốc (upstream)", "Upstream"},
		"apis.d.url":                            {"Địa chỉ", "Address"},
		"apis.d.weight":                         {"Trọng số", "Weight"},
		"apis.d.authtype":                       {"Xác thực tới dịch vụ gốc", "Authentication to the upstream"},
		"apis.d.secret.yes":                     {"đã lưu thông tin bí mật (được mã hóa)", "a secret is stored (encrypted)"},
		"apis.d.secret.no":                      {"chưa lưu thông tin bí mật", "no secret stored"},
		"apis.d.policies":                       {"Chính sách", "Policies"},
		"apis.d.timeout":                        {"Thời gian chờ dịch vụ gốc (ms)", "Upstream timeout (ms)"},
		"apis.d.retries":                        {"Số lần thử lại", "Retries"},
		"apis.d.maxbody":                        {"Kích thước yêu cầu tối đa (byte)", "Largest request body (bytes)"},
		"apis.d.default":                        {"mặc định của nền tảng", "platform default"},
		"apis.d.methods":                        {"Cách ứng dụng xác thực", "How applications authenticate"},
		"apis.d.anonymous":                      {"Cho phép gọi không cần xác thực (dữ liệu mở)", "Open to calls without credentials (open data)"},
		"apis.d.ratequota":                      {"Giới hạn tốc độ và hạn mức hằng tháng theo gói chính sách (tier) của từng đăng ký sử dụng.", "Rate limits and monthly quotas follow the tier of each subscription."},
		"apis.d.tiers":                          {"Xem các gói chính sách", "See the tiers"},
		"apis.d.resources":                      {"Tài nguyên", "Resources"},
		"apis.d.method":                         {"Phương thức", "Method"},
		"apis.d.path":                           {"Đường dẫn", "Path"},
		"apis.d.noresources":                    {"Chưa khai báo tài nguyên: mọi đường dẫn được chuyển tiếp.", "No resources declared: every path is passed on."},
		"apis.d.hasdoc":                         {"Có tài liệu OpenAPI.", "An OpenAPI document is stored."},
		"apis.d.nodoc":                          {"Chưa có tài liệu OpenAPI.", "No OpenAPI document yet."},
		"apis.d.lifecycle":                      {"Vòng đời", "Lifecycle"},
		"apis.d.lifecycle.intro":                {"Bản nháp → đã xuất bản → ngừng khuyến nghị → đã ngừng; API ngừng khuyến nghị có thể xuất bản lại.", "Draft → published → deprecated → retired; a deprecated API may be published again."},
		"apis.d.to.published":                   {"Xuất bản", "Publish"},
		"apis.d.to.republished":                 {"Xuất bản lại", "Publish again"},
		"apis.d.to.deprecated":                  {"Ngừng khuyến nghị", "Deprecate"},
		"apis.d.to.retired":                     {"Ngừng hẳn", "Retire"},
		"apis.d.retire.confirm":                 {"Ngừng hẳn API này? Gateway sẽ từ chối mọi lời gọi và không thể hoàn tác.", "Retire this API? The gateway will refuse every call, and this cannot be undone."},
		"apis.d.deprecate.confirm":              {"Ngừng khuyến nghị API này? Các ứng dụng đang dùng vẫn gọi được đến ngày dừng.", "Deprecate this API? Applications using it can still call it until the sunset."},
		"apis.d.sunset.input":                   {"Ngày dừng dự kiến", "Sunset date"},
		"apis.d.sunset.bad":                     {"Ngày không hợp lệ.", "The date is not valid."},
		"apis.d.nolegal":                        {"API đã ngừng hẳn, không còn chuyển trạng thái.", "The API is retired; its lifecycle has ended."},
		"apis.d.edit":                           {"Sửa dịch vụ gốc và chính sách", "Edit the upstream and policies"},
		"apis.d.save":                           {"Lưu thay đổi", "Save the changes"},
		"apis.d.number.bad":                     {"Hãy nhập một số nguyên không âm.", "Enter a whole number, zero or more."},
		"apis.d.import":                         {"Thay tài nguyên bằng tài liệu OpenAPI", "Replace the resources from an OpenAPI document"},
		"apis.d.import.intro":                   {"Các tài nguyên hiện có được thay bằng các đường dẫn của tài liệu; tài liệu được lưu để hiển thị trên cổng nhà phát triển.", "The resources are replaced by the document's paths; the document is kept for the developer portal."},
		"apis.d.import.submit":                  {"Nhập tài liệu", "Import the document"},
		"apis.d.subs":                           {"Ứng dụng đăng ký sử dụng", "Subscribed applications"},
		"apis.d.app":                            {"Ứng dụng", "Application"},
		"apis.d.agency":                         {"Cơ quan", "Agency"},
		"apis.d.tier":                           {"Gói", "Tier"},
		"apis.d.state":                          {"Trạng thái", "State"},
		"apis.d.requestedby":                    {"Người yêu cầu", "Requested by"},
		"apis.d.nosubs":                         {"Chưa có ứng dụng nào đăng ký.", "No application has subscribed yet."},
		"apis.d.approvals":                      {"Duyệt các yêu cầu đang chờ", "Decide pending requests"},
		"apis.sub.SUBSCRIPTION_STATE_PENDING":   {"Chờ duyệt", "Pending"},
		"apis.sub.SUBSCRIPTION_STATE_APPROVED":  {"Đã duyệt", "Approved"},
		"apis.sub.SUBSCRIPTION_STATE_REJECTED":  {"Bị từ chối", "Rejected"},
		"apis.sub.SUBSCRIPTION_STATE_SUSPENDED": {"Tạm dừng", "Suspended"},
		"apis.yes":                              {"Có", "Yes"},
		"apis.no":                               {"Không", "No"},
	})
}

// apisTransition is a button that moves the API along its lifecycle.
type apisTransition struct {
	To, Label, Confirm string
	Sunset             bool
}

// apisNext are the legal next states, as the registry's lifecycle says.
func apisNext(x *Ctx, lifecycle string) []apisTransition {
	switch lifecycle {
	case "draft":
		return []apisTransition{{To: "published", Label: x.T("apis.d.to.published")}}
	case "published":
		return []apisTransition{{To: "deprecated", Label: x.T("apis.d.to.deprecated"), Confirm: x.T("apis.d.deprecate.confirm"), Sunset: true}}
	case "deprecated":
		return []apisTransition{{To: "published", Label: x.T("apis.d.to.republished")},
			{To: "retired", Label: x.T("apis.d.to.retired"), Confirm: x.T("apis.d.retire.confirm")}}
	}
	return nil
}

// apisEditForm is the edit form filled with the API's settings.
func apisEditForm(x *Ctx, a apiRecord) apisForm {
	f := apisForm{Prefix: "e", V: map[string]string{}, Methods: map[string]bool{}, Types: apisUpstreamTypes(x), Editing: true}
	var lines []string
	for _, ep := range a.Endpoints {
		if ep.Weight > 1 {
			lines = append(lines, ep.URL+" "+strconv.Itoa(int(ep.Weight)))
		} else {
			lines = append(lines, ep.URL)
		}
	}
	f.V["endpoints"] = strings.Join(lines, "\n")
	ua := a.UpstreamAuth
	if ua == nil {
		ua = &apiUpstreamAuth{}
	}
	f.V["auth_type"] = ua.AuthType()
	f.V["username"], f.V["token_url"], f.V["client_id"], f.V["scope"], f.V["system_id"] = ua.Username, ua.TokenURL, ua.ClientID, ua.Scope, ua.SystemID
	f.V["description"] = a.Description
	f.V["timeout_ms"], f.V["max_body_bytes"], f.V["retries"] = zeroEmpty(a.TimeoutMS), zeroEmpty(a.MaxBodyBytes), zeroEmpty(strconv.Itoa(int(a.Retries)))
	f.V["visibility"], f.V["approval"] = "private", "manual"
	if a.Public() {
		f.V["visibility"] = "public"
	}
	if !a.Manual() {
		f.V["approval"] = "auto"
	}
	for _, m := range a.AuthMethods {
		f.Methods[strings.TrimPrefix(m, "AUTH_METHOD_")] = true
	}
	if ua.AuthType() == "PLATFORM" && !f.hasType("PLATFORM") {
		f.Types = append(f.Types, "PLATFORM")
	}
	return f
}

func (f apisForm) hasType(t string) bool {
	for _, v := range f.Types {
		if v == t {
			return true
		}
	}
	return false
}

func zeroEmpty(s string) string {
	if s == "0" {
		return ""
	}
	return s
}

// apisDetailState is what a refused form on the page carries back.
type apisDetailState struct {
	Edit            *apisForm
	ImportDoc       string
	ImportProblem   *Problem
	TransitionError *Problem
}

func apisDetailGet(x *Ctx) { apisDetailRender(x, apisDetailState{}) }

func apisDetailRender(x *Ctx, st apisDetailState) {
	id := x.R.PathValue("id")
	var got struct {
		API apiRecord `json:"api"`
	}
	if e := x.Call(http.MethodGet, "/admin/v1/apis/"+url.PathEscape(id), nil, &got); e != nil {
		x.Fail(e)
		return
	}
	a := got.API
	canEdit := a.LifecycleName() != "retired" && (x.IsAdmin() || (x.User.Role == authn.RoleAgencyPublisher && x.User.Agency == a.OwnerAgency))
	canTransition := x.IsAdmin() || (x.User.Role == authn.RoleAgencyPublisher && x.User.Agency == a.OwnerAgency)
	edit := apisEditForm(x, a)
	if st.Edit != nil {
		edit = *st.Edit
	}
	subs, next, subsErr := apisSubscribers(x, a.ID, x.Query("subs"))
	data := map[string]any{"Page": "detail", "Title": a.Name, "API": a, "CanEdit": canEdit, "CanTransition": canTransition,
		"Next": apisNext(x, a.LifecycleName()), "Edit": edit, "ImportDoc": st.ImportDoc, "ImportProblem": st.ImportProblem,
		"TransitionProblem": st.TransitionError, "Subs": subs, "SubsNext": next, "SubsError": subsErr,
		"SubsPaged": x.Query("subs") != "", "Gateway": strings.TrimRight(x.c.opts.GatewayURL, "/") + "/" + a.Context + "/" + a.Version}
	x.Render("apis_api", data)
}

// apisSubscribers lists one page of the API's subscriptions with the names
// of the applications the user may read. A publisher reads its own
// agency's applications only, so others show by id and agency.
func apisSubscribers(x *Ctx, apiID, token string) ([]subscription, string, *Problem) {
	q := url.Values{"apiId": {apiID}, "pageSize": {"50"}}
	if token != "" {
		q.Set("pageToken", token)
	}
	var resp struct {
		Subscriptions []subscription `json:"subscriptions"`
		Next          string         `json:"nextPageToken"`
	}
	if e := x.Call(http.MethodGet, "/admin/v1/subscriptions?"+q.Encode(), nil, &resp); e != nil {
		return nil, "", x.Problem(e)
	}
	names := map[string]string{}
	for i, s := range resp.Subscriptions {
		if x.User.Role == authn.RoleAgencyPublisher && s.ApplicationAgency != x.User.Agency {
			continue
		}
		if _, ok := names[s.ApplicationID]; !ok {
			var app struct {
				Application struct {
					Name string `json:"name"`
				} `json:"application"`
			}
			if x.Call(http.MethodGet, "/admin/v1/applications/"+url.PathEscape(s.ApplicationID), nil, &app) == nil {
				names[s.ApplicationID] = app.Application.Name
			} else {
				names[s.ApplicationID] = ""
			}
		}
		resp.Subscriptions[i].AppName = names[s.ApplicationID]
	}
	next := ""
	if resp.Next != "" {
		next = "/apis/" + url.PathEscape(apiID) + "?" + url.Values{"subs": {resp.Next}}.Encode() + "#subs"
	}
	return resp.Subscriptions, next, nil
}

func apisDetailPost(x *Ctx) {
	if x.User.Role == authn.RoleAuditor {
		x.Forbidden()
		return
	}
	id := x.R.PathValue("id")
	path := "/admin/v1/apis/" + url.PathEscape(id)
	back := "/apis/" + url.PathEscape(id) + "?done=saved"
	// fail shows a refusal with the form it concerns; what is not about
	// the form (the API is gone, the session ended, a failure) is a page
	// of its own.
	fail := func(e *APIError, st apisDetailState) {
		if e.Status >= 500 || e.Status == http.StatusUnauthorized || e.Status == http.StatusNotFound {
			x.Fail(e)
			return
		}
		x.Status = e.Status
		apisDetailRender(x, st)
	}
	switch x.Form("form") {
	case "transition":
		to := x.Form("to")
		body := map[string]any{"lifecycle": "API_LIFECYCLE_" + strings.ToUpper(to)}
		if d := x.Form("sunset"); d != "" && to == "deprecated" {
			t, err := time.ParseInLocation("2006-01-02", d, hcm)
			if err != nil {
				x.Status = http.StatusBadRequest
				apisDetailRender(x, apisDetailState{TransitionError: &Problem{Field: "sunset_time", Text: x.T("apis.d.sunset.bad")}})
				return
			}
			body["sunsetTime"] = t.UTC().Format(time.RFC3339)
		}
		if e := x.Call(http.MethodPost, path+":transition", body, nil); e != nil {
			fail(e, apisDetailState{TransitionError: x.Problem(e)})
			return
		}
	case "import":
		doc := x.R.PostFormValue("openapi_document")
		if strings.TrimSpace(doc) == "" {
			var p *Problem
			if doc, p = apisUploadedDocument(x); p != nil {
				x.Status = http.StatusBadRequest
				apisDetailRender(x, apisDetailState{ImportProblem: p})
				return
			}
		}
		if strings.TrimSpace(doc) == "" {
			x.Status = http.StatusBadRequest
			apisDetailRender(x, apisDetailState{ImportProblem: &Problem{Field: "openapi_document", Text: x.T("apis.f.doc.empty")}})
			return
		}
		if e := x.Call(http.MethodPost, path+":importOpenApi", map[string]string{"openapiDocument": doc}, nil); e != nil {
			fail(e, apisDetailState{ImportDoc: doc, ImportProblem: apisProblem(x, e)})
			return
		}
	case "update":
		f := apisReadForm(x, "e")
		f.Editing = true
		if !f.hasType(f.V["auth_type"]) && f.V["auth_type"] == "PLATFORM" {
			f.Types = append(f.Types, "PLATFORM")
		}
		refuse := func(p *Problem) {
			f.Problem = p
			x.Status = http.StatusBadRequest
			apisDetailRender(x, apisDetailState{Edit: &f})
		}
		eps, ok := apisEndpoints(f.V["endpoints"])
		if !ok {
			refuse(&Problem{Field: "endpoints", Text: x.T("apis.f.weight.bad")})
			return
		}
		nums := map[string]int64{}
		for _, k := range []string{"timeout_ms", "retries", "max_body_bytes"} {
			if f.V[k] == "" {
				continue
			}
			n, err := strconv.ParseInt(f.V[k], 10, 64)
			if err != nil || n < 0 {
				refuse(&Problem{Field: k, Text: x.T("apis.d.number.bad")})
				return
			}
			nums[k] = n
		}
		api := map[string]any{
			"id": id, "description": f.V["description"], "endpoints": eps, "upstreamAuth": apisUpstreamAuth(x),
			"timeoutMs": strconv.FormatInt(nums["timeout_ms"], 10), "retries": nums["retries"],
			"maxBodyBytes": strconv.FormatInt(nums["max_body_bytes"], 10),
			"visibility":   "API_VISIBILITY_PRIVATE", "approvalMode": "APPROVAL_MODE_MANUAL", "authMethods": []string{},
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
		api["authMethods"] = methods
		mask := "description,endpoints,upstream_auth,timeout_ms,retries,max_body_bytes,visibility,approval_mode,auth_methods"
		if e := x.Call(http.MethodPatch, path+"?"+url.Values{"updateMask": {mask}}.Encode(), api, nil); e != nil {
			f.Problem = apisProblem(x, e)
			fail(e, apisDetailState{Edit: &f})
			return
		}
	default:
		x.Status = http.StatusBadRequest
		apisDetailRender(x, apisDetailState{})
		return
	}
	x.Redirect(back)
}
