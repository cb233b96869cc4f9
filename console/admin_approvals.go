package console

import (
	"net/http"
	"net/url"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// Approvals: the subscriptions waiting for a decision, to approve or
// reject, and the approved and suspended ones, to suspend or resume. A
// publisher sees those to its own agency's APIs (the API decides).

func init() {
	Register(Page{Path: "/approvals", Menu: "approvals.title", Section: "admin", Order: 40,
		Roles: []authn.Role{authn.RolePlatformAdmin, authn.RoleAgencyPublisher}, Get: approvalsGet, Post: approvalsPost})
	AddMessages(map[string][2]string{
		"approvals.title":           {"Duyệt đăng ký", "Approvals"},
		"approvals.pending":         {"Đăng ký chờ duyệt", "Waiting for a decision"},
		"approvals.approved":        {"Đăng ký đang hoạt động", "Active subscriptions"},
		"approvals.suspended":       {"Đăng ký đang tạm dừng", "Suspended subscriptions"},
		"approvals.api":             {"API", "API"},
		"approvals.app":             {"Ứng dụng", "Application"},
		"approvals.agency":          {"Cơ quan của ứng dụng", "Application's agency"},
		"approvals.tier":            {"Gói", "Tier"},
		"approvals.requested":       {"Thời điểm yêu cầu", "Requested"},
		"approvals.decided":         {"Thời điểm quyết định", "Decided"},
		"approvals.approve":         {"Duyệt", "Approve"},
		"approvals.reject":          {"Từ chối", "Reject"},
		"approvals.reject.reason":   {"Lý do từ chối", "Reason for rejecting"},
		"approvals.reject.confirm":  {"Từ chối đăng ký này?", "Reject this subscription?"},
		"approvals.suspend":         {"Tạm dừng", "Suspend"},
		"approvals.suspend.reason":  {"Lý do tạm dừng", "Reason for suspending"},
		"approvals.suspend.confirm": {"Tạm dừng đăng ký này? Ứng dụng sẽ không gọi được API cho đến khi được tiếp tục.", "Suspend this subscription? The application cannot call the API until it is resumed."},
		"approvals.resume":          {"Tiếp tục", "Resume"},
		"approvals.none.pending":    {"Không có đăng ký nào chờ duyệt.", "Nothing is waiting for a decision."},
		"done.approved":             {"Đã duyệt đăng ký.", "The subscription was approved."},
		"done.rejected":             {"Đã từ chối đăng ký.", "The subscription was rejected."},
		"done.suspended":            {"Đã tạm dừng đăng ký.", "The subscription was suspended."},
		"done.resumed":              {"Đã tiếp tục đăng ký.", "The subscription was resumed."},
	})
}

// adminNames looks up APIs' and applications' names once per request. A
// name the user may not read (a publisher and another agency's
// application) stays empty and the page shows the id.
type adminNames struct {
	x    *Ctx
	apis map[string][2]string
	apps map[string]string
}

func (n *adminNames) api(id string) (name, version string) {
	if v, ok := n.apis[id]; ok {
		return v[0], v[1]
	}
	var out struct {
		API struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"api"`
	}
	_ = n.x.Call(http.MethodGet, "/admin/v1/apis/"+url.PathEscape(id), nil, &out)
	n.apis[id] = [2]string{out.API.Name, out.API.Version}
	return out.API.Name, out.API.Version
}

func (n *adminNames) app(id, agency string) string {
	if v, ok := n.apps[id]; ok {
		return v
	}
	if n.x.User.Role != authn.RolePlatformAdmin && n.x.User.Role != authn.RoleAuditor && agency != n.x.User.Agency {
		// An agency role may not read another agency's application; asking
		// would only be logged as a refused call.
		return ""
	}
	var out struct {
		Application struct {
			Name string `json:"name"`
		} `json:"application"`
	}
	_ = n.x.Call(http.MethodGet, "/admin/v1/applications/"+url.PathEscape(id), nil, &out)
	n.apps[id] = out.Application.Name
	return out.Application.Name
}

// approvalsList reads one page of subscriptions in state.
func approvalsList(x *Ctx, names *adminNames, state, token string) ([]subscription, string, *APIError) {
	var out struct {
		Subscriptions []subscription `json:"subscriptions"`
		NextPageToken string         `json:"nextPageToken"`
	}
	api := url.Values{"state": {state}, "pageSize": {"50"}, "pageToken": {token}}
	if e := x.Call(http.MethodGet, adminPageURL("/admin/v1/subscriptions", api, "", ""), nil, &out); e != nil {
		return nil, "", e
	}
	for i := range out.Subscriptions {
		s := &out.Subscriptions[i]
		s.APIName, s.APIVersion = names.api(s.APIID)
		s.AppName = names.app(s.ApplicationID, s.ApplicationAgency)
	}
	return out.Subscriptions, out.NextPageToken, nil
}

func approvalsGet(x *Ctx) { approvalsRender(x, nil, "") }

// approvalsRender shows the three lists; problem is a refused action on
// the subscription id.
func approvalsRender(x *Ctx, problem *Problem, id string) {
	names := &adminNames{x: x, apis: map[string][2]string{}, apps: map[string]string{}}
	data := map[string]any{"Problem": problem, "ProblemID": id}
	for _, l := range []struct{ key, state, param string }{
		{"Pending", "SUBSCRIPTION_STATE_PENDING", "pt"},
		{"Approved", "SUBSCRIPTION_STATE_APPROVED", "at"},
		{"Suspended", "SUBSCRIPTION_STATE_SUSPENDED", "st"},
	} {
		subs, next, e := approvalsList(x, names, l.state, x.Query(l.param))
		if e != nil {
			x.Fail(e)
			return
		}
		data[l.key] = subs
		if next != "" {
			data[l.key+"Next"] = adminPageURL("/approvals", nil, l.param, next)
		}
		if x.Query(l.param) != "" {
			data[l.key+"First"] = "/approvals"
		}
	}
	if problem != nil && x.Status < 400 {
		x.Status = http.StatusUnprocessableEntity
	}
	x.Render("approvals", data)
}

func approvalsPost(x *Ctx) {
	id, op := x.Form("id"), x.Form("op")
	verbs := map[string][2]string{
		"approve": {":approve", "approved"},
		"reject":  {":reject", "rejected"},
		"suspend": {":suspend", "suspended"},
		"resume":  {":resume", "resumed"},
	}
	v, ok := verbs[op]
	if !ok || id == "" {
		x.Status = http.StatusBadRequest
		x.Render("error", map[string]any{"Title": x.T("error.title"), "Message": x.T("csrf.message")})
		return
	}
	body := map[string]string{"reason": x.Form("reason")}
	if e := x.Call(http.MethodPost, "/admin/v1/subscriptions/"+url.PathEscape(id)+v[0], body, nil); e != nil {
		// The API's refusal, in its words, on the queue the role may see
		// (403 kept as such; other refusals are the form's 422).
		if e.Status == http.StatusForbidden {
			x.Status = e.Status
		}
		approvalsRender(x, x.Problem(e), id)
		return
	}
	x.Redirect("/approvals?done=" + v[1])
}
