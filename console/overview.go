package console

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

func init() {
	Register(Page{Path: "/", Menu: "overview.title", Section: "admin", Order: 0,
		Roles: []authn.Role{authn.RolePlatformAdmin, authn.RoleAuditor}, Get: overview})
	AddMessages(map[string][2]string{
		"overview.title":    {"Tổng quan", "Overview"},
		"overview.apis":     {"API đã đăng ký", "Registered APIs"},
		"overview.apps":     {"Ứng dụng", "Applications"},
		"overview.pending":  {"Đăng ký chờ duyệt", "Pending approvals"},
		"overview.today":    {"Giao dịch hôm nay", "Requests today"},
		"overview.errors":   {"Tỷ lệ lỗi hôm nay", "Error rate today"},
		"overview.health":   {"Tình trạng hệ thống", "Health"},
		"overview.part":     {"Thành phần", "Part"},
		"overview.state":    {"Trạng thái", "State"},
		"overview.ready":    {"Sẵn sàng", "Ready"},
		"overview.notready": {"Chưa sẵn sàng", "Not ready"},
		"overview.unknown":  {"không đọc được", "unavailable"},
		"overview.more":     {"(và hơn nữa)", "(and more)"},
	})
}

// count counts the items of a list endpoint, up to 1000 (more shows as
// "1000+").
func (x *Ctx) count(path, field string) string {
	var out map[string]any
	sep := "?"
	if u, err := url.Parse(path); err == nil && u.RawQuery != "" {
		sep = "&"
	}
	if e := x.Call(http.MethodGet, path+sep+"pageSize=1000", nil, &out); e != nil {
		return x.T("overview.unknown")
	}
	items, _ := out[field].([]any)
	n := strconv.Itoa(len(items))
	if t, _ := out["nextPageToken"].(string); t != "" {
		n += "+"
	}
	return n
}

func overview(x *Ctx) {
	type health struct {
		Name  string
		Ready bool
		Why   string
	}
	data := map[string]any{
		"APIs":    x.count("/admin/v1/apis", "apis"),
		"Apps":    x.count("/admin/v1/applications", "applications"),
		"Pending": x.count("/admin/v1/subscriptions?state=SUBSCRIPTION_STATE_PENDING", "subscriptions"),
	}
	// Today in Asia/Ho_Chi_Minh, from metering's totals.
	now := x.c.now().In(hcm)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, hcm)
	q := url.Values{"startTime": {start.Format(time.RFC3339)}, "endTime": {start.AddDate(0, 0, 1).Format(time.RFC3339)},
		"granularity": {"GRANULARITY_DAY"}, "total": {"true"}, "skipLatency": {"true"}}
	var usage struct {
		Rows []struct {
			Totals struct {
				RequestCount string  `json:"requestCount"`
				ErrorRate    float64 `json:"errorRate"`
			} `json:"totals"`
		} `json:"rows"`
	}
	if e := x.Call(http.MethodGet, "/admin/v1/metering/usage?"+q.Encode(), nil, &usage); e == nil {
		var n int64
		var rate float64
		for _, r := range usage.Rows {
			c, _ := strconv.ParseInt(r.Totals.RequestCount, 10, 64)
			n += c
			rate = r.Totals.ErrorRate
		}
		data["Today"] = x.Num(n)
		data["ErrorRate"] = x.Percent(rate)
	} else {
		data["Today"], data["ErrorRate"] = x.T("overview.unknown"), x.T("overview.unknown")
	}
	var parts []health
	if x.c.opts.Ready != nil {
		failed := x.c.opts.Ready(x.R.Context())
		for _, n := range x.c.opts.Checks {
			parts = append(parts, health{Name: n, Ready: failed[n] == "", Why: failed[n]})
		}
		sort.Slice(parts, func(i, j int) bool { return parts[i].Name < parts[j].Name })
	}
	data["Health"] = parts
	x.Render("overview", data)
}
