package console

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// The platform admin's pages: agencies, tiers, users, approvals and the
// audit log. This file holds what they share.

func init() {
	AddMessages(map[string][2]string{
		"admin.filter":          {"Lọc", "Filter"},
		"admin.clear":           {"Bỏ lọc", "Clear filters"},
		"admin.any":             {"Tất cả", "Any"},
		"admin.notnumber":       {"Giá trị phải là một số.", "The value must be a number."},
		"admin.notwhole":        {"Giá trị phải là một số nguyên.", "The value must be a whole number."},
		"admin.reason":          {"Lý do", "Reason"},
		"admin.created":         {"Ngày tạo", "Created"},
		"admin.updated":         {"Cập nhật", "Updated"},
		"admin.status":          {"Trạng thái", "Status"},
		"admin.field.required":  {"Trường này là bắt buộc.", "This field is required."},
		"admin.details":         {"Chi tiết", "Details"},
		"admin.search.codename": {"Mã hoặc tên", "Code or name"},
	})
}

// adminRoles are role lists for Page.Roles.
var (
	adminOversight = []authn.Role{authn.RolePlatformAdmin, authn.RoleAuditor}
	adminAllRoles  = []authn.Role{authn.RolePlatformAdmin, authn.RoleAuditor, authn.RoleAgencyPublisher, authn.RoleAgencyDeveloper}
)

// adminPageURL is path with the query params (empty ones dropped) and,
// when token is set, the page token under tokenParam: the "next page"
// link of a list, carrying its filters.
func adminPageURL(path string, params url.Values, tokenParam, token string) string {
	q := url.Values{}
	for k, vs := range params {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	q.Del(tokenParam)
	if token != "" {
		q.Set(tokenParam, token)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// adminProblem is a refusal the console finds itself (before calling the
// API), worded in the page's language and tied to field.
func (x *Ctx) adminProblem(field, key string) *Problem {
	return &Problem{Field: field, Text: x.T(key), Code: "invalid_form"}
}

// adminRefusal is x.Problem(e), with a field for refusals that the API
// gives without one (a duplicate is about the name that already exists).
func (x *Ctx) adminRefusal(e *APIError, fieldByCode map[string]string) *Problem {
	p := x.Problem(e)
	if p.Field == "" {
		p.Field = fieldByCode[e.Code]
	}
	return p
}

// adminFloat reads a decimal number as a person types it: "2,5" or "2.5".
func adminFloat(s string) (float64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// adminInt reads a whole number, allowing thousands separators ("100.000",
// "100,000", "100 000").
func adminInt(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", ".", "", ",", "").Replace(strings.TrimSpace(s))
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// adminRate shows a rate per second without needless decimals, in the
// language's decimal mark.
func (x *Ctx) adminRate(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if x.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
