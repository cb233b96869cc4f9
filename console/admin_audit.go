package console

import (
	"net/http"
	"net/url"
	"time"
)

// Audit: the registry's hash-chained audit log, filtered and paged, and a
// button that verifies the chain.

func init() {
	Register(Page{Path: "/audit", Menu: "audit.title", Section: "audit", Order: 10, Roles: adminOversight,
		Get: auditGet, Post: auditPost})
	AddMessages(map[string][2]string{
		"audit.title":        {"Nhật ký kiểm toán", "Audit log"},
		"audit.intro":        {"Mọi thay đổi trong danh mục của nền tảng, mới nhất trước. Mỗi mục được nối với mục trước bằng mã băm.", "Every change to the platform's registry, newest first. Each entry is chained to the previous one by its hash."},
		"audit.seq":          {"STT", "Seq"},
		"audit.time":         {"Thời điểm", "Time"},
		"audit.actor":        {"Người thực hiện", "Actor"},
		"audit.action":       {"Hành động", "Action"},
		"audit.kind":         {"Loại tài nguyên", "Resource kind"},
		"audit.resource":     {"Mã tài nguyên", "Resource id"},
		"audit.source":       {"Địa chỉ nguồn", "Source address"},
		"audit.from":         {"Từ ngày", "From"},
		"audit.to":           {"Đến ngày", "To"},
		"audit.before":       {"Trước", "Before"},
		"audit.after":        {"Sau", "After"},
		"audit.badtime":      {"Ngày không hợp lệ (dạng yyyy-mm-dd).", "The date is not valid (yyyy-mm-dd)."},
		"audit.badrange":     {"Ngày bắt đầu phải trước ngày kết thúc.", "The start date must come before the end date."},
		"audit.verify":       {"Kiểm tra chuỗi", "Verify chain"},
		"audit.verify.intro": {"Tính lại mã băm của mọi mục để phát hiện mục bị sửa, xóa hoặc chèn.", "Recomputes every entry's hash to find entries changed, removed or inserted."},
		"audit.verify.ok":    {"Chuỗi nhật ký nguyên vẹn: đã kiểm tra %s mục.", "The chain is intact: %s entries verified."},
		"audit.verify.bad":   {"Chuỗi nhật ký bị phá vỡ tại mục số %s: %s (đã kiểm tra %s mục).", "The chain is broken at entry %s: %s (%s entries checked)."},
		"audit.verify.keyed": {"Mã băm có khóa được kiểm tra từ mục số %s.", "Keyed hashes were checked from entry %s."},
		"audit.verify.head":  {"Mã băm của mục cuối (hãy ghi lại ngoài cơ sở dữ liệu):", "Hash of the last entry (write it down outside the database):"},
		"audit.tz":           {"Ngày tính theo giờ Việt Nam (UTC+7).", "Dates are in Vietnam time (UTC+7)."},
	})
}

// adminAuditKinds are the resource kinds the registry records, offered as
// suggestions in the filter.
var adminAuditKinds = []string{"agency", "api", "application", "credential", "key", "subscription", "tier", "trusted_issuer", "user"}

// adminAuditEntry is an audit entry as the API writes it.
type adminAuditEntry struct {
	Seq           string `json:"seq"`
	Time          string `json:"time"`
	Actor         string `json:"actor"`
	Role          string `json:"role"`
	Action        string `json:"action"`
	ResourceKind  string `json:"resourceKind"`
	ResourceID    string `json:"resourceId"`
	BeforeJSON    string `json:"beforeJson"`
	AfterJSON     string `json:"afterJson"`
	SourceAddress string `json:"sourceAddress"`
}

// adminVerify is VerifyAuditChain's answer.
type adminVerify struct {
	OK             bool   `json:"ok"`
	Entries        string `json:"entries"`
	FirstBrokenSeq string `json:"firstBrokenSeq"`
	Problem        string `json:"problem"`
	Keyed          bool   `json:"keyed"`
	KeyedFromSeq   string `json:"keyedFromSeq"`
	HeadHash       string `json:"headHash"`
}

func auditGet(x *Ctx) { auditRender(x, nil, nil) }

// auditDay reads a yyyy-mm-dd date as midnight in Asia/Ho_Chi_Minh.
func auditDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, hcm)
	return t, err == nil
}

func auditRender(x *Ctx, verify *adminVerify, verifyErr *APIError) {
	f := map[string]string{}
	for _, k := range []string{"actor", "action", "kind", "resource", "from", "to"} {
		f[k] = x.Query(k)
	}
	params := url.Values{}
	for k, v := range f {
		params.Set(k, v)
	}
	data := map[string]any{"F": f, "Kinds": adminAuditKinds, "Verify": verify}
	if verifyErr != nil {
		data["VerifyError"] = verifyErr.Text(x.Lang)
	}
	api := url.Values{"pageSize": {"100"}, "pageToken": {x.Query("pt")}, "actor": {f["actor"]}, "action": {f["action"]},
		"resourceKind": {f["kind"]}, "resourceId": {f["resource"]}}
	var problem *Problem
	var start, end time.Time
	if f["from"] != "" {
		t, ok := auditDay(f["from"])
		if !ok {
			problem = x.adminProblem("from", "audit.badtime")
		}
		start = t
		api.Set("startTime", t.Format(time.RFC3339))
	}
	if f["to"] != "" && problem == nil {
		t, ok := auditDay(f["to"])
		if !ok {
			problem = x.adminProblem("to", "audit.badtime")
		}
		// The end day is included.
		end = t.AddDate(0, 0, 1)
		api.Set("endTime", end.Format(time.RFC3339))
	}
	if problem == nil && !start.IsZero() && !end.IsZero() && !start.Before(end) {
		problem = x.adminProblem("to", "audit.badrange")
	}
	data["Problem"] = problem
	if problem == nil {
		var out struct {
			Entries       []adminAuditEntry `json:"entries"`
			NextPageToken string            `json:"nextPageToken"`
		}
		if e := x.Call(http.MethodGet, adminPageURL("/admin/v1/audit-entries", api, "", ""), nil, &out); e != nil {
			if e.Field == "" || e.Status == http.StatusForbidden || e.Status == http.StatusUnauthorized {
				x.Fail(e)
				return
			}
			problem = x.Problem(e)
			if problem.Field == "start_time" {
				problem.Field = "from"
			} else if problem.Field == "end_time" {
				problem.Field = "to"
			}
			data["Problem"] = problem
		}
		data["Entries"] = out.Entries
		if out.NextPageToken != "" {
			data["Next"] = adminPageURL("/audit", params, "pt", out.NextPageToken)
		}
		if x.Query("pt") != "" {
			data["First"] = adminPageURL("/audit", params, "pt", "")
		}
	}
	if problem != nil {
		x.Status = http.StatusUnprocessableEntity
	}
	x.Render("audit", data)
}

// auditPost verifies the chain and shows the result on the page. It
// changes nothing, so the answer is rendered rather than redirected.
func auditPost(x *Ctx) {
	var v adminVerify
	if e := x.Call(http.MethodGet, "/admin/v1/audit-entries:verify", nil, &v); e != nil {
		if e.Status == http.StatusForbidden || e.Status == http.StatusUnauthorized {
			x.Fail(e)
			return
		}
		auditRender(x, nil, e)
		return
	}
	auditRender(x, &v, nil)
}
