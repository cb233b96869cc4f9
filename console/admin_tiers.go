package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Tiers: the policy tiers (a rate limit, a burst and a monthly quota) that
// subscriptions use; every role reads them, admins create and change them.

func init() {
	Register(Page{Path: "/tiers", Menu: "tiers.title", Section: "admin", Order: 20, Roles: adminAllRoles,
		Get: tiersGet, Post: tiersPost})
	AddMessages(map[string][2]string{
		"tiers.title":       {"Gói chính sách", "Policy tiers"},
		"tiers.name":        {"Tên gói", "Name"},
		"tiers.description": {"Mô tả", "Description"},
		"tiers.rate":        {"Tốc độ (yêu cầu/giây)", "Rate (requests/s)"},
		"tiers.burst":       {"Mức đột biến (burst)", "Burst"},
		"tiers.quota":       {"Hạn mức hằng tháng", "Monthly quota"},
		"tiers.quota.hint":  {"Số yêu cầu mỗi tháng dương lịch; 0 là không giới hạn.", "Requests per calendar month; 0 means unlimited."},
		"tiers.unlimited":   {"Không giới hạn", "Unlimited"},
		"tiers.new":         {"Thêm gói chính sách", "Add a tier"},
		"tiers.edit":        {"Sửa", "Edit"},
		"tiers.edit.title":  {"Sửa gói %s", "Edit tier %s"},
		"tiers.edit.label":  {"Sửa gói %s", "Edit tier %s"},
	})
}

// adminTier is a tier as the API writes it.
type adminTier struct {
	Name          string  `json:"name"`
	Description   string  `json:"description"`
	RatePerSecond float64 `json:"ratePerSecond"`
	Burst         int32   `json:"burst"`
	MonthlyQuota  string  `json:"monthlyQuota"`
	UpdateTime    string  `json:"updateTime"`
}

// adminTierRow is a tier as the page shows it.
type adminTierRow struct {
	adminTier
	Rate, Quota string
	Unlimited   bool
}

func tiersGet(x *Ctx) { tiersRender(x, "", nil, nil) }

// tiersRender shows the list with the create form, and the edit form of
// the tier ?edit names; op is the form a problem concerns ("create" or
// "update"), form what the user typed into it.
func tiersRender(x *Ctx, op string, problem *Problem, form map[string]string) {
	var out struct {
		Tiers         []adminTier `json:"tiers"`
		NextPageToken string      `json:"nextPageToken"`
	}
	api := url.Values{"pageSize": {"100"}, "pageToken": {x.Query("pt")}}
	if e := x.Call(http.MethodGet, adminPageURL("/admin/v1/tiers", api, "", ""), nil, &out); e != nil {
		x.Fail(e)
		return
	}
	rows := make([]adminTierRow, 0, len(out.Tiers))
	for _, t := range out.Tiers {
		q, _ := strconv.ParseInt(t.MonthlyQuota, 10, 64)
		rows = append(rows, adminTierRow{adminTier: t, Rate: x.adminRate(t.RatePerSecond), Quota: x.Num(q), Unlimited: q == 0})
	}
	data := map[string]any{"Tiers": rows, "Op": op, "Problem": problem}
	if out.NextPageToken != "" {
		data["Next"] = adminPageURL("/tiers", nil, "pt", out.NextPageToken)
	}
	create := map[string]string{}
	if op == "create" {
		create = form
	}
	data["Create"] = create
	edit := x.Query("edit")
	if op == "update" {
		edit = form["name"]
	}
	if edit != "" && x.IsAdmin() {
		if op == "update" {
			data["Edit"] = form
		} else {
			var got struct {
				Tier adminTier `json:"tier"`
			}
			if e := x.Call(http.MethodGet, "/admin/v1/tiers/"+url.PathEscape(edit), nil, &got); e != nil {
				x.Fail(e)
				return
			}
			q, _ := strconv.ParseInt(got.Tier.MonthlyQuota, 10, 64)
			data["Edit"] = map[string]string{"name": got.Tier.Name, "description": got.Tier.Description,
				"rate_per_second": x.adminRate(got.Tier.RatePerSecond), "burst": strconv.Itoa(int(got.Tier.Burst)),
				"monthly_quota": strconv.FormatInt(q, 10)}
		}
		data["Title"] = x.Tf("tiers.edit.title", edit)
	}
	if problem != nil {
		x.Status = http.StatusUnprocessableEntity
	}
	x.Render("tiers", data)
}

func tiersPost(x *Ctx) {
	if !x.IsAdmin() {
		x.Forbidden()
		return
	}
	op := x.Form("op")
	if op != "update" {
		op = "create"
	}
	form := map[string]string{}
	for _, k := range []string{"name", "description", "rate_per_second", "burst", "monthly_quota"} {
		form[k] = x.Form(k)
	}
	fail := func(p *Problem) { tiersRender(x, op, p, form) }
	if form["name"] == "" {
		fail(x.adminProblem("tier.name", "admin.field.required"))
		return
	}
	rate, ok := adminFloat(form["rate_per_second"])
	if !ok {
		fail(x.adminProblem("tier.rate_per_second", "admin.notnumber"))
		return
	}
	burst, ok := adminInt(form["burst"])
	if !ok || burst != int64(int32(burst)) {
		fail(x.adminProblem("tier.burst", "admin.notwhole"))
		return
	}
	quota := int64(0)
	if strings.TrimSpace(form["monthly_quota"]) != "" {
		if quota, ok = adminInt(form["monthly_quota"]); !ok {
			fail(x.adminProblem("tier.monthly_quota", "admin.notwhole"))
			return
		}
	}
	// int64 travels as a string in the API's JSON.
	body := map[string]any{"description": form["description"], "ratePerSecond": rate, "burst": burst,
		"monthlyQuota": strconv.FormatInt(quota, 10)}
	var e *APIError
	if op == "create" {
		body["name"] = form["name"]
		e = x.Call(http.MethodPost, "/admin/v1/tiers", body, nil)
	} else {
		mask := url.Values{"updateMask": {"description,rate_per_second,burst,monthly_quota"}}
		e = x.Call(http.MethodPatch, "/admin/v1/tiers/"+url.PathEscape(form["name"])+"?"+mask.Encode(), body, nil)
	}
	if e != nil {
		if e.Status == http.StatusForbidden {
			x.Forbidden()
			return
		}
		fail(x.adminRefusal(e, map[string]string{"tier_exists": "tier.name"}))
		return
	}
	if op == "create" {
		x.Redirect("/tiers?done=created")
		return
	}
	x.Redirect("/tiers?done=saved")
}
