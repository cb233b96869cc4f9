package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// Agencies: the list (searchable by code or name), a form to register one,
// and a page per agency with its history and, for admins, the record of
// its succession by another (a merger or a new code).

func init() {
	// Agency developers read agencies through the API, but the page is for
	// those who manage or oversee them and who publish APIs for them.
	roles := []authn.Role{authn.RolePlatformAdmin, authn.RoleAuditor, authn.RoleAgencyPublisher}
	Register(Page{Path: "/agencies", Menu: "agencies.title", Section: "admin", Order: 10, Roles: roles,
		Get: agenciesGet, Post: agenciesPost})
	Register(Page{Path: "/agencies/{code}", Section: "admin", Roles: roles, Get: agencyGet, Post: agencyPost})
	AddMessages(map[string][2]string{
		"agencies.title":                         {"Cơ quan", "Agencies"},
		"agencies.code":                          {"Mã định danh", "Code"},
		"agencies.name":                          {"Tên cơ quan", "Name"},
		"agencies.parent":                        {"Cơ quan cấp trên", "Parent agency"},
		"agencies.successor":                     {"Cơ quan kế thừa", "Successor"},
		"agencies.history":                       {"Lịch sử và kế thừa", "History and succession"},
		"agencies.new":                           {"Thêm cơ quan", "Add an agency"},
		"agencies.code.hint":                     {"Mã định danh điện tử theo QĐ 20/2020/QĐ-TTg, ví dụ 000.00.00.H30.", "Electronic identifier code (Decision 20/2020/QĐ-TTg), e.g. 000.00.00.H30."},
		"agencies.found":                         {"Kết quả tìm kiếm cho “%s”.", "Results for “%s”."},
		"agencies.searchcut":                     {"Chưa tìm hết danh sách; xem trang sau để tìm tiếp.", "The list was not searched to its end; see the next page for more."},
		"agency.status.AGENCY_STATUS_ACTIVE":     {"Đang hoạt động", "Active"},
		"agency.status.AGENCY_STATUS_INACTIVE":   {"Tạm ngừng", "Inactive"},
		"agency.status.AGENCY_STATUS_SUPERSEDED": {"Đã được thay thế", "Superseded"},
		"agency.title":                           {"Cơ quan %s", "Agency %s"},
		"agency.back":                            {"Danh sách cơ quan", "All agencies"},
		"agency.succeededby":                     {"Cơ quan này đã được thay thế bởi %s.", "This agency was succeeded by %s."},
		"agency.history":                         {"Lịch sử thay đổi", "History"},
		"agency.change":                          {"Thay đổi", "Change"},
		"agency.related":                         {"Cơ quan liên quan", "Related agency"},
		"agency.actor":                           {"Người thực hiện", "By"},
		"agency.time":                            {"Thời điểm", "When"},
		"agency.change.created":                  {"Tạo mới", "Created"},
		"agency.change.updated":                  {"Cập nhật", "Updated"},
		"agency.change.superseded":               {"Được thay thế", "Superseded"},
		"agency.change.succeeded":                {"Kế thừa cơ quan khác", "Succeeded another"},
		"agency.succeed":                         {"Ghi nhận kế thừa", "Record a succession"},
		"agency.succeed.intro":                   {"Khi cơ quan này được sáp nhập hoặc đổi mã, cơ quan kế thừa nhận toàn bộ API, ứng dụng, người dùng và cơ quan trực thuộc của nó. Không thể hoàn tác.", "When this agency is merged or recoded, its successor takes over all its APIs, applications, users and child agencies. This cannot be undone."},
		"agency.succeed.code":                    {"Mã cơ quan kế thừa", "Successor's code"},
		"agency.succeed.submit":                  {"Ghi nhận kế thừa", "Record the succession"},
		"agency.succeed.confirm":                 {"Chuyển toàn bộ tài nguyên của cơ quan này sang cơ quan kế thừa? Không thể hoàn tác.", "Move everything of this agency to its successor? This cannot be undone."},
	})
}

// adminAgency is an agency as the API writes it.
type adminAgency struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	ParentCode    string `json:"parentCode"`
	Status        string `json:"status"`
	SuccessorCode string `json:"successorCode"`
	CreateTime    string `json:"createTime"`
	UpdateTime    string `json:"updateTime"`
}

// Searching: the API lists agencies by code without a text filter, so a
// search reads pages of agenciesScanSize until it has agenciesPageSize
// matches or has read agenciesScanPages pages; the next page link goes on
// from where it stopped.
const (
	agenciesPageSize  = 50
	agenciesScanSize  = 200
	agenciesScanPages = 25
)

func agenciesGet(x *Ctx) { agenciesRender(x, nil, nil) }

func agenciesRender(x *Ctx, problem *Problem, form map[string]string) {
	q, status, token := x.Query("q"), x.Query("status"), x.Query("pt")
	params := url.Values{"q": {q}, "status": {status}}
	var (
		list []adminAgency
		next string
		cut  bool
	)
	needle := strings.ToLower(q)
	size := agenciesPageSize
	if q != "" {
		size = agenciesScanSize
	}
	for i := 0; ; i++ {
		api := url.Values{"pageSize": {strconv.Itoa(size)}, "pageToken": {token}, "status": {status}}
		var out struct {
			Agencies      []adminAgency `json:"agencies"`
			NextPageToken string        `json:"nextPageToken"`
		}
		if e := x.Call(http.MethodGet, adminPageURL("/admin/v1/agencies", api, "", ""), nil, &out); e != nil {
			x.Fail(e)
			return
		}
		for _, a := range out.Agencies {
			if needle == "" || strings.Contains(strings.ToLower(a.Code), needle) || strings.Contains(strings.ToLower(a.Name), needle) {
				list = append(list, a)
			}
		}
		token, next = out.NextPageToken, out.NextPageToken
		if q == "" || next == "" || len(list) >= agenciesPageSize {
			break
		}
		if i+1 >= agenciesScanPages {
			cut = true
			break
		}
	}
	data := map[string]any{
		"Agencies": list, "Query": q, "Status": status, "SearchCut": cut,
		"Statuses": []string{"AGENCY_STATUS_ACTIVE", "AGENCY_STATUS_INACTIVE", "AGENCY_STATUS_SUPERSEDED"},
		"Problem":  problem, "Form": form,
	}
	if next != "" {
		data["Next"] = adminPageURL("/agencies", params, "pt", next)
	}
	if x.Query("pt") != "" {
		data["First"] = adminPageURL("/agencies", params, "pt", "")
	}
	if problem != nil {
		x.Status = http.StatusUnprocessableEntity
	}
	x.Render("agencies", data)
}

func agenciesPost(x *Ctx) {
	if !x.IsAdmin() {
		x.Forbidden()
		return
	}
	form := map[string]string{"code": x.Form("code"), "name": x.Form("name"), "parent_code": x.Form("parent_code")}
	if form["code"] == "" {
		agenciesRender(x, x.adminProblem("agency.code", "admin.field.required"), form)
		return
	}
	if form["name"] == "" {
		agenciesRender(x, x.adminProblem("agency.name", "admin.field.required"), form)
		return
	}
	body := map[string]string{"code": form["code"], "name": form["name"], "parentCode": form["parent_code"]}
	if e := x.Call(http.MethodPost, "/admin/v1/agencies", body, nil); e != nil {
		if e.Status == http.StatusForbidden {
			x.Forbidden()
			return
		}
		agenciesRender(x, x.adminRefusal(e, map[string]string{"agency_exists": "agency.code"}), form)
		return
	}
	x.Redirect("/agencies?done=created&q=" + url.QueryEscape(form["code"]))
}

func agencyGet(x *Ctx) { agencyRender(x, nil, "") }

func agencyRender(x *Ctx, problem *Problem, successor string) {
	code := x.R.PathValue("code")
	var got struct {
		Agency adminAgency `json:"agency"`
	}
	if e := x.Call(http.MethodGet, "/admin/v1/agencies/"+url.PathEscape(code), nil, &got); e != nil {
		x.Fail(e)
		return
	}
	var hist struct {
		Entries []struct {
			Change        string `json:"change"`
			Name          string `json:"name"`
			ParentCode    string `json:"parentCode"`
			Status        string `json:"status"`
			SuccessorCode string `json:"successorCode"`
			RelatedCode   string `json:"relatedCode"`
			Actor         string `json:"actor"`
			ChangeTime    string `json:"changeTime"`
		} `json:"entries"`
		NextPageToken string `json:"nextPageToken"`
	}
	api := url.Values{"pageSize": {"50"}, "pageToken": {x.Query("pt")}}
	if e := x.Call(http.MethodGet, adminPageURL("/admin/v1/agencies/"+url.PathEscape(code)+"/history", api, "", ""), nil, &hist); e != nil {
		x.Fail(e)
		return
	}
	data := map[string]any{
		"Title":     x.Tf("agency.title", got.Agency.Code),
		"Agency":    got.Agency,
		"History":   hist.Entries,
		"Problem":   problem,
		"Successor": successor,
	}
	if hist.NextPageToken != "" {
		data["Next"] = adminPageURL("/agencies/"+url.PathEscape(code), nil, "pt", hist.NextPageToken)
	}
	if problem != nil {
		x.Status = http.StatusUnprocessableEntity
	}
	x.Render("agency", data)
}

func agencyPost(x *Ctx) {
	if !x.IsAdmin() {
		x.Forbidden()
		return
	}
	code := x.R.PathValue("code")
	succ := x.Form("successor_code")
	if succ == "" {
		agencyRender(x, x.adminProblem("successor_code", "admin.field.required"), succ)
		return
	}
	body := map[string]string{"successorCode": succ}
	if e := x.Call(http.MethodPost, "/admin/v1/agencies/"+url.PathEscape(code)+":succeed", body, nil); e != nil {
		if e.Status == http.StatusForbidden {
			x.Forbidden()
			return
		}
		agencyRender(x, x.adminRefusal(e, map[string]string{"succession_conflict": "successor_code"}), succ)
		return
	}
	x.Redirect("/agencies/" + url.PathEscape(code) + "?done=saved")
}
