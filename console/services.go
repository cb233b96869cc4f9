package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// The platform's services' own pages: each reads its service's admin API,
// as every page does. A service added later adds its page here, or in a
// file of its own, the same way.

var overseers = []authn.Role{authn.RolePlatformAdmin, authn.RoleAuditor}

func init() {
	Register(Page{Path: "/services/docexchange", Menu: "svc.docexchange", Section: "services", Order: 10, Roles: overseers, Get: docexchangeStats})
	Register(Page{Path: "/services/onestop", Menu: "svc.onestop", Section: "services", Order: 20, Roles: overseers, Get: onestopStats})
	Register(Page{Path: "/services/access-report", Menu: "svc.access", Section: "services", Order: 30, Roles: overseers,
		Get: accessReport, Post: accessPost})
	AddMessages(map[string][2]string{
		"svc.docexchange": {"Liên thông văn bản", "Document exchange"},
		"svc.onestop":     {"Hồ sơ một cửa", "One-stop dossiers"},
		"svc.access":      {"Nhật ký tra cứu dữ liệu cá nhân", "Personal-data access log"},
		"svc.from":        {"Từ ngày", "From"},
		"svc.to":          {"Đến ngày (không gồm)", "To (not included)"},
		"svc.show":        {"Xem", "Show"},
		"svc.period":      {"Kỳ thống kê: %s – %s", "Period: %s – %s"},
		"svc.agency":      {"Cơ quan", "Agency"},
		"svc.total":       {"Tổng", "Total"},
		"svc.csv":         {"Tải CSV", "Download CSV"},
		"svc.unavailable": {"Dịch vụ này không chạy trong tiến trình phục vụ bảng điều khiển.", "This service does not run in the process that serves the console."},
		"dx.sent":         {"Đã gửi", "Sent"},
		"dx.received":     {"Đã nhận", "Received"},
		"dx.acknowledged": {"Đã xác nhận", "Acknowledged"},
		"dx.rejected":     {"Bị từ chối", "Rejected"},
		"dx.pending":      {"Đang chờ", "Pending"},
		"os.level":        {"Cấp", "Level"},
		"os.received":     {"Tiếp nhận", "Received"},
		"os.finished":     {"Đã giải quyết", "Finished"},
		"os.early":        {"Trước hạn", "Early"},
		"os.ontime":       {"Đúng hạn", "On time"},
		"os.late":         {"Quá hạn", "Late"},
		"os.overdue":      {"Đang quá hạn", "Overdue now"},
		"os.inprogress":   {"Đang giải quyết", "In progress"},
		"os.rate":         {"Tỷ lệ đúng hạn", "On-time rate"},
		"ar.intro":        {"Ai đã tra cứu dữ liệu của một người, khi nào và vì sao (NĐ 13/2023/NĐ-CP). Số định danh được băm bằng khóa trước khi tìm, không được lưu.", "Who looked a person up, when and why (NĐ 13/2023/NĐ-CP). The identifier is hashed with the key before the search and never stored."},
		"ar.kind":         {"Loại định danh", "Identifier kind"},
		"ar.citizen":      {"Số định danh cá nhân (12 số)", "Citizen ID (12 digits)"},
		"ar.insurance":    {"Mã số BHXH (10 số)", "Insurance number (10 digits)"},
		"ar.subject":      {"Số định danh", "Identifier"},
		"ar.time":         {"Thời điểm", "Time"},
		"ar.app":          {"Ứng dụng", "Application"},
		"ar.officer":      {"Cán bộ", "Officer"},
		"ar.api":          {"Tra cứu", "Lookup"},
		"ar.basis":        {"Căn cứ pháp lý", "Legal basis"},
		"ar.case":         {"Hồ sơ, vụ việc", "Case"},
		"ar.result":       {"Kết quả", "Result"},
		"ar.none":         {"Không có lượt tra cứu nào của người này.", "Nobody looked this person up."},
		"ar.verify":       {"Kiểm tra chuỗi nhật ký", "Verify the log's chain"},
		"ar.verify.ok":    {"Chuỗi toàn vẹn: %s mục, mục cuối %s, mã băm %s.", "Chain intact: %s entries, last entry %s, hash %s."},
		"ar.verify.bad":   {"Chuỗi bị phá vỡ tại mục %s: %s", "Chain broken at entry %s: %s"},
	})
}

// period reads from and to (yyyy-MM-dd, Asia/Ho_Chi_Minh) from the query;
// by default this year.
func (x *Ctx) period() (time.Time, time.Time, string, string) {
	now := x.c.now().In(hcm)
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, hcm)
	to := from.AddDate(1, 0, 0)
	if t, err := time.ParseInLocation(time.DateOnly, x.Query("from"), hcm); err == nil {
		from = t
	}
	if t, err := time.ParseInLocation(time.DateOnly, x.Query("to"), hcm); err == nil && t.After(from) {
		to = t
	}
	return from, to, from.Format(time.DateOnly), to.Format(time.DateOnly)
}

func docexchangeStats(x *Ctx) {
	from, to, f, tt := x.period()
	q := url.Values{"startTime": {from.Format(time.RFC3339)}, "endTime": {to.Format(time.RFC3339)}}
	var out map[string]any
	data := map[string]any{"From": f, "To": tt}
	if e := x.Call(http.MethodGet, "/admin/v1/docexchange/statistics?"+q.Encode(), nil, &out); e != nil {
		data["Problem"] = x.Problem(e)
	} else {
		data["Stats"] = out
	}
	x.Render("svc_docexchange", data)
}

func onestopStats(x *Ctx) {
	from, to, f, tt := x.period()
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
	var out map[string]any
	data := map[string]any{"From": f, "To": tt, "CSV": "/admin/v1/onestop/statistics.csv?" + q.Encode()}
	if e := x.Call(http.MethodGet, "/admin/v1/onestop/statistics?"+q.Encode(), nil, &out); e != nil {
		data["Problem"] = x.Problem(e)
	} else {
		data["Stats"] = out
	}
	x.Render("svc_onestop", data)
}

// The access report is searched with POST forms: the person's identifier
// stays out of URLs, so out of browser history and of the access logs of
// any proxy in front of the console. The CSV is fetched the same way and
// handed on by the console.

func accessReport(x *Ctx) {
	x.Render("svc_access", map[string]any{"Kind": "SUBJECT_KIND_CITIZEN_ID"})
}

// accessPost searches (action "search", with "page" for the next page),
// downloads the CSV (action "csv") or verifies the chain (action
// "verify").
func accessPost(x *Ctx) {
	kind, subject := x.Form("kind"), x.Form("subject")
	if kind != "SUBJECT_KIND_INSURANCE_NUMBER" {
		kind = "SUBJECT_KIND_CITIZEN_ID"
	}
	data := map[string]any{"Kind": kind, "Subject": subject}
	switch x.Form("action") {
	case "verify":
		accessVerify(x, data)
	case "csv":
		accessCSV(x, kind, subject, data)
	default:
		q := url.Values{"subjectKind": {kind}, "subject": {subject}, "pageSize": {"200"}}
		if t := x.Form("page"); t != "" {
			q.Set("pageToken", t)
		}
		var out struct {
			Entries []map[string]any `json:"entries"`
			Next    string           `json:"nextPageToken"`
		}
		if e := x.Call(http.MethodGet, "/admin/v1/adapters/access-report?"+q.Encode(), nil, &out); e != nil {
			x.Status = http.StatusUnprocessableEntity
			data["Problem"] = x.Problem(e)
		} else {
			data["Entries"], data["Next"], data["Searched"] = out.Entries, out.Next, true
		}
		x.Render("svc_access", data)
	}
}

// accessCSV hands on the service's CSV of the person's report.
func accessCSV(x *Ctx, kind, subject string, data map[string]any) {
	q := url.Values{"subjectKind": {kind}, "subject": {subject}}
	status, body, h := x.raw(http.MethodGet, "/admin/v1/adapters/access-report.csv?"+q.Encode(), nil)
	if status != http.StatusOK {
		x.Status = http.StatusUnprocessableEntity
		data["Problem"] = x.Problem(apiError(status, body))
		x.Render("svc_access", data)
		return
	}
	x.W.Header().Set("Content-Type", h.Get("Content-Type"))
	x.W.Header().Set("Content-Disposition", `attachment; filename="access-report.csv"`)
	_, _ = x.W.Write(body)
}

func accessVerify(x *Ctx, data map[string]any) {
	var out struct {
		OK          bool   `json:"ok"`
		Entries     string `json:"entries"`
		FirstBadSeq string `json:"firstBadSeq"`
		Problem     string `json:"problem"`
		HeadSeq     string `json:"headSeq"`
		HeadHash    string `json:"headHash"`
	}
	if e := x.Call(http.MethodPost, "/admin/v1/adapters/access-log/verify", map[string]string{}, &out); e != nil {
		data["Problem"] = x.Problem(e)
	} else {
		data["Verify"] = out
	}
	x.Render("svc_access", data)
}
