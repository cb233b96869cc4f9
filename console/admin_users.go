package console

import (
	"net/http"
	"net/url"
	"strings"
)

// Users: the console and CLI accounts. Platform admins create, disable and
// enable them; auditors read the list.

func init() {
	Register(Page{Path: "/users", Menu: "users.title", Section: "admin", Order: 30, Roles: adminOversight,
		Get: usersGet, Post: usersPost})
	AddMessages(map[string][2]string{
		"users.title":                           {"Người dùng", "Users"},
		"users.username":                        {"Tên đăng nhập", "Username"},
		"users.displayname":                     {"Tên hiển thị", "Display name"},
		"users.role":                            {"Vai trò", "Role"},
		"users.agency":                          {"Cơ quan", "Agency"},
		"users.agency.label":                    {"Cơ quan (mã định danh, cho vai trò của cơ quan)", "Agency (its code, for the agencies' roles)"},
		"users.password":                        {"Mật khẩu", "Password"},
		"users.password.hint":                   {"Ít nhất 10 ký tự. Hãy chuyển mật khẩu cho người dùng qua kênh an toàn.", "At least 10 characters. Give it to the user over a safe channel."},
		"users.username.hint":                   {"3 đến 64 chữ thường, số, '.', '_' hoặc '-', bắt đầu bằng chữ cái.", "3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter."},
		"users.new":                             {"Thêm người dùng", "Add a user"},
		"users.choose":                          {"— Chọn vai trò —", "— Choose a role —"},
		"users.enabled":                         {"Đang hoạt động", "Enabled"},
		"users.disabled":                        {"Đã vô hiệu hóa", "Disabled"},
		"users.disable":                         {"Vô hiệu hóa", "Disable"},
		"users.enable":                          {"Kích hoạt lại", "Enable"},
		"users.disable.label":                   {"Vô hiệu hóa %s", "Disable %s"},
		"users.enable.label":                    {"Kích hoạt lại %s", "Enable %s"},
		"users.disable.confirm":                 {"Vô hiệu hóa người dùng này? Các phiên đăng nhập của họ sẽ kết thúc.", "Disable this user? Their sessions will end."},
		"users.you":                             {"(bạn)", "(you)"},
		"users.role.USER_ROLE_PLATFORM_ADMIN":   {"Quản trị nền tảng", "Platform admin"},
		"users.role.USER_ROLE_AGENCY_PUBLISHER": {"Cán bộ công bố API của cơ quan", "Agency publisher"},
		"users.role.USER_ROLE_AGENCY_DEVELOPER": {"Nhà phát triển của cơ quan", "Agency developer"},
		"users.role.USER_ROLE_AUDITOR":          {"Kiểm toán viên", "Auditor"},
	})
}

// adminUser is a user as the API writes it.
type adminUser struct {
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	Role        string `json:"role"`
	AgencyCode  string `json:"agencyCode"`
	Disabled    bool   `json:"disabled"`
	CreateTime  string `json:"createTime"`
}

var adminUserRoles = []string{"USER_ROLE_PLATFORM_ADMIN", "USER_ROLE_AGENCY_PUBLISHER", "USER_ROLE_AGENCY_DEVELOPER", "USER_ROLE_AUDITOR"}

func usersGet(x *Ctx) { usersRender(x, "", nil, nil) }

// usersRender shows the list and the create form; op is the form a
// problem concerns ("create", or "toggle" for a row's button).
func usersRender(x *Ctx, op string, problem *Problem, form map[string]string) {
	var out struct {
		Users         []adminUser `json:"users"`
		NextPageToken string      `json:"nextPageToken"`
	}
	api := url.Values{"pageSize": {"50"}, "pageToken": {x.Query("pt")}}
	if e := x.Call(http.MethodGet, adminPageURL("/admin/v1/users", api, "", ""), nil, &out); e != nil {
		x.Fail(e)
		return
	}
	if form == nil {
		form = map[string]string{}
	}
	data := map[string]any{"Users": out.Users, "Roles": adminUserRoles, "Op": op, "Problem": problem, "Form": form, "Me": x.User.Name}
	if out.NextPageToken != "" {
		data["Next"] = adminPageURL("/users", nil, "pt", out.NextPageToken)
	}
	if x.Query("pt") != "" {
		data["First"] = "/users"
	}
	if problem != nil {
		x.Status = http.StatusUnprocessableEntity
	}
	x.Render("users", data)
}

func usersPost(x *Ctx) {
	if !x.IsAdmin() {
		x.Forbidden()
		return
	}
	switch x.Form("op") {
	case "disable", "enable":
		usersToggle(x, x.Form("op") == "disable")
	default:
		usersCreate(x)
	}
}

func usersCreate(x *Ctx) {
	form := map[string]string{"username": x.Form("username"), "display_name": x.Form("display_name"),
		"role": x.Form("role"), "agency_code": x.Form("agency_code")}
	fail := func(p *Problem) { usersRender(x, "create", p, form) }
	if form["username"] == "" {
		fail(x.adminProblem("user.username", "admin.field.required"))
		return
	}
	if form["role"] == "" {
		fail(x.adminProblem("user.role", "admin.field.required"))
		return
	}
	agency := form["agency_code"]
	if form["role"] == "USER_ROLE_PLATFORM_ADMIN" || form["role"] == "USER_ROLE_AUDITOR" {
		// The API refuses an agency for these roles; a code left in the
		// field from an earlier choice is not what the admin meant.
		agency = ""
	}
	body := map[string]any{
		"user": map[string]any{"username": form["username"], "displayName": form["display_name"],
			"role": form["role"], "agencyCode": agency},
		// The password is sent as typed: spaces may be part of it.
		"password": x.R.PostFormValue("password"),
	}
	if e := x.Call(http.MethodPost, "/admin/v1/users", body, nil); e != nil {
		if e.Status == http.StatusForbidden {
			x.Forbidden()
			return
		}
		fail(x.adminRefusal(e, map[string]string{"user_exists": "user.username"}))
		return
	}
	x.Redirect("/users?done=created")
}

func usersToggle(x *Ctx, disable bool) {
	name := x.Form("username")
	body := map[string]any{"user": map[string]any{"username": name, "disabled": disable}, "updateMask": "disabled"}
	if e := x.Call(http.MethodPatch, "/admin/v1/users/"+url.PathEscape(name), body, nil); e != nil {
		if e.Status == http.StatusForbidden {
			x.Forbidden()
			return
		}
		p := x.Problem(e)
		p.Field = "toggle:" + strings.ToLower(name)
		usersRender(x, "toggle", p, nil)
		return
	}
	x.Redirect("/users?done=saved")
}
