package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// The developer portal: the catalogue of published APIs (/portal) and an
// API's page (/portal/apis/{id}) with its documentation, a request for a
// subscription, and "try it" through the gateway (portal_tryit.go).

func init() {
	Register(Page{Path: "/portal", Menu: "portal.title", Section: "portal", Order: 10, Get: portalCatalogue})
	Register(Page{Path: "/portal/apis/{id}", Section: "portal", Get: portalAPIGet, Post: portalAPIPost})
	AddMessages(map[string][2]string{
		"portal.title":              {"Danh mục API", "API catalogue"},
		"portal.intro":              {"Các API đã xuất bản mà bạn được xem. Chọn một API để đọc tài liệu, đăng ký sử dụng và thử gọi.", "The published APIs you may see. Open one to read its documentation, ask for a subscription and try it."},
		"portal.search":             {"Tìm theo tên, mô tả hoặc ngữ cảnh", "Search by name, description or context"},
		"portal.none":               {"Không có API nào phù hợp.", "No API matches."},
		"portal.empty":              {"Chưa có API nào được xuất bản.", "No API is published yet."},
		"portal.found":              {"Kết quả tìm kiếm cho “%s”.", "Results for “%s”."},
		"portal.owner":              {"Cơ quan cung cấp", "Provided by"},
		"portal.back":               {"Danh mục API", "API catalogue"},
		"portal.base":               {"Địa chỉ gọi qua gateway", "Base URL on the gateway"},
		"portal.auth":               {"Cách xác thực", "Authentication"},
		"portal.auth.JWT":           {"JWT: lấy mã truy cập tại /token bằng client ID và client secret của ứng dụng, gửi trong tiêu đề Authorization: Bearer …", "JWT: get an access token at /token with the application's client id and secret, and send it as Authorization: Bearer …"},
		"portal.auth.API_KEY":       {"Khóa API: gửi trong tiêu đề apikey (hoặc X-API-Key).", "API key: send it in the apikey (or X-API-Key) header."},
		"portal.auth.SIGNED_HEADER": {"Tiêu đề ký số của trục quốc gia (systemid và chữ ký HMAC-SHA256).", "The national axis's signed headers (systemid and an HMAC-SHA256 signature)."},
		"portal.auth.MTLS":          {"Chứng thư số máy khách (mTLS) đã khai báo cho ứng dụng.", "The application's registered client certificate (mTLS)."},
		"portal.anonymous":          {"API dữ liệu mở: gọi được không cần xác thực.", "Open data: callable without credentials."},
		"portal.deprecated":         {"API này đã ngừng khuyến nghị.", "This API is deprecated."},
		"portal.sunset":             {"Ngày dừng dự kiến: %s.", "Sunset: %s."},
		"portal.docs":               {"Tài liệu", "Documentation"},
		"portal.docs.version":       {"Phiên bản tài liệu: %s", "Document version: %s"},
		"portal.docs.none":          {"API chưa có tài liệu OpenAPI; các tài nguyên đã khai báo:", "The API has no OpenAPI document; its declared resources:"},
		"portal.docs.bad":           {"Không đọc được tài liệu OpenAPI của API này.", "The API's OpenAPI document could not be read."},
		"portal.docs.ops":           {"Các thao tác", "Operations"},
		"portal.docs.params":        {"Tham số", "Parameters"},
		"portal.docs.pname":         {"Tên", "Name"},
		"portal.docs.pin":           {"Vị trí", "In"},
		"portal.docs.ptype":         {"Kiểu", "Type"},
		"portal.docs.preq":          {"Bắt buộc", "Required"},
		"portal.docs.pdesc":         {"Mô tả", "Description"},
		"portal.docs.body":          {"Nội dung yêu cầu", "Request body"},
		"portal.docs.required":      {"bắt buộc", "required"},
		"portal.docs.responses":     {"Phản hồi", "Responses"},
		"portal.docs.code":          {"Mã", "Code"},
		"portal.docs.schema":        {"Lược đồ", "Schema"},
		"portal.docs.deprecated":    {"ngừng khuyến nghị", "deprecated"},
		"portal.docs.noschema":      {"không mô tả lược đồ", "no schema given"},
		"portal.yes":                {"Có", "Yes"},
		"portal.no":                 {"Không", "No"},
		"portal.sub":                {"Yêu cầu đăng ký sử dụng", "Request a subscription"},
		"portal.sub.intro":          {"Chọn ứng dụng của cơ quan bạn và gói chính sách. %s", "Choose your agency's application and a tier. %s"},
		"portal.sub.manual":         {"Yêu cầu cần được cơ quan cung cấp phê duyệt.", "The providing agency approves requests."},
		"portal.sub.auto":           {"Yêu cầu được duyệt tự động.", "Requests are approved automatically."},
		"portal.sub.app":            {"Ứng dụng", "Application"},
		"portal.sub.tier":           {"Gói chính sách", "Tier"},
		"portal.sub.submit":         {"Gửi yêu cầu đăng ký sử dụng", "Request the subscription"},
		"portal.sub.noapps":         {"Cơ quan của bạn chưa có ứng dụng đang hoạt động.", "Your agency has no active application yet."},
		"portal.sub.createapp":      {"Tạo ứng dụng", "Create an application"},
		"portal.sub.notpublished":   {"Chỉ đăng ký được API đang ở trạng thái đã xuất bản.", "Only a published API takes subscriptions."},
		"portal.sub.mine":           {"Các đăng ký sử dụng API này", "Subscriptions to this API"},
		"portal.sub.state":          {"Trạng thái", "State"},
		"portal.tier.desc":          {"%s – %s yêu cầu/giây, %s", "%s – %s requests/s, %s"},
		"portal.tier.quota":         {"%s yêu cầu/tháng", "%s requests/month"},
		"portal.tier.unlimited":     {"không giới hạn hằng tháng", "no monthly limit"},
		"done.portal_requested":     {"Đã gửi yêu cầu đăng ký sử dụng; vui lòng chờ phê duyệt.", "The subscription was requested; it awaits approval."},
		"done.portal_approved":      {"Đăng ký sử dụng đã được duyệt.", "The subscription is approved."},
	})
}

func portalCatalogue(x *Ctx) {
	q := x.Query("q")
	filter := url.Values{"lifecycle": {"API_LIFECYCLE_PUBLISHED"}}
	page, e := x.apisSearch(filter, x.Query("page"), 20, apisTextMatch(q, func(a apiRecord) []string {
		return []string{a.Name, a.Description, a.Context}
	}))
	if e != nil {
		x.Fail(e)
		return
	}
	next := ""
	if page.Next != "" {
		v := url.Values{"page": {page.Next}}
		if q != "" {
			v.Set("q", q)
		}
		next = "/portal?" + v.Encode()
	}
	first := ""
	if x.Query("page") != "" {
		first = "/portal"
		if q != "" {
			first += "?" + url.Values{"q": {q}}.Encode()
		}
	}
	x.Render("portal", map[string]any{"Title": x.T("portal.title"), "APIs": page.Items, "Q": q, "Next": next, "First": first,
		"Partial": page.Partial})
}

// portalApp is an application the user may subscribe.
type portalApp struct {
	ID, Name, Agency string
}

// portalTier is a tier to choose, described.
type portalTier struct {
	Name, Text string
}

// portalState is what a POST carries back to the page.
type portalState struct {
	SubApp, SubTier string
	SubProblem      *Problem
	Try             portalTryForm
	TryProblem      *Problem
	TryResult       *portalTryResult
}

func portalAPIGet(x *Ctx) { portalAPIRender(x, portalState{}) }

// portalLoad reads the API the page is about.
func portalLoad(x *Ctx) (apiRecord, *APIError) {
	var got struct {
		API apiRecord `json:"api"`
	}
	e := x.Call(http.MethodGet, "/admin/v1/apis/"+url.PathEscape(x.R.PathValue("id")), nil, &got)
	return got.API, e
}

func portalAPIRender(x *Ctx, st portalState) {
	a, e := portalLoad(x)
	if e != nil {
		x.Fail(e)
		return
	}
	data := map[string]any{"Title": a.Name, "API": a, "Base": portalBase(x, a), "Sub": st,
		"TryProblem": st.TryProblem, "TryResult": st.TryResult}

	// The documentation, from the stored document, or the declared
	// resources when there is none.
	ops := make([]apiResource, 0, len(a.Resources))
	if a.HasDocument {
		var d struct {
			Doc string `json:"openapiDocument"`
		}
		if e := x.Call(http.MethodGet, "/admin/v1/apis/"+url.PathEscape(a.ID)+"/openapi", nil, &d); e == nil {
			if doc, err := portalParseDocument(d.Doc); err == nil {
				data["Doc"] = doc
				for _, o := range doc.Ops {
					ops = append(ops, apiResource{Method: o.Method, Path: o.Path})
				}
			} else {
				data["DocBad"] = true
			}
		} else {
			data["DocBad"] = true
		}
	}
	if len(ops) == 0 {
		ops = append(ops, a.Resources...)
	}
	data["Ops"] = ops
	try := st.Try
	if !try.Posted && len(ops) > 0 {
		try.Resource = ops[0].Method + " " + ops[0].Path
	}
	if try.HeaderName == "" {
		// The credential header the API takes: an API key unless the API
		// only takes JWTs.
		try.HeaderName = "apikey"
		if len(a.AuthMethods) > 0 && !a.HasAuth("API_KEY") && a.HasAuth("JWT") {
			try.HeaderName = "Authorization"
		}
	}
	if try.ContentType == "" {
		try.ContentType = "application/json"
	}
	data["Try"] = try

	// A subscription: applications the user may subscribe, and tiers.
	canSubscribe := x.IsAdmin() || x.User.Role == "agency_developer"
	data["CanSubscribe"] = canSubscribe
	data["Published"] = a.LifecycleName() == "published"
	if canSubscribe {
		data["Apps"] = portalApps(x)
		data["Tiers"] = portalTiers(x)
		data["Mine"] = portalSubscriptions(x, a.ID)
	}
	x.Render("portal_api", data)
}

// portalBase is the API's base URL on the gateway.
func portalBase(x *Ctx, a apiRecord) string {
	return strings.TrimRight(x.c.opts.GatewayURL, "/") + "/" + a.Context + "/" + a.Version
}

// portalApps lists the active applications the user may subscribe: a
// developer's agency's, any for an admin (the first few hundred).
func portalApps(x *Ctx) []portalApp {
	var resp struct {
		Applications []struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Agency string `json:"agencyCode"`
			State  string `json:"state"`
		} `json:"applications"`
	}
	if x.Call(http.MethodGet, "/admin/v1/applications?pageSize=500&state=APPLICATION_STATE_ACTIVE", nil, &resp) != nil {
		return nil
	}
	var out []portalApp
	for _, a := range resp.Applications {
		if a.State == "" || a.State == "APPLICATION_STATE_ACTIVE" {
			out = append(out, portalApp{ID: a.ID, Name: a.Name, Agency: a.Agency})
		}
	}
	return out
}

// portalTiers lists the tiers with their limits.
func portalTiers(x *Ctx) []portalTier {
	var resp struct {
		Tiers []struct {
			Name         string  `json:"name"`
			Rate         float64 `json:"ratePerSecond"`
			MonthlyQuota string  `json:"monthlyQuota"`
		} `json:"tiers"`
	}
	if x.Call(http.MethodGet, "/admin/v1/tiers?pageSize=500", nil, &resp) != nil {
		return nil
	}
	var out []portalTier
	for _, t := range resp.Tiers {
		quota := x.T("portal.tier.unlimited")
		if t.MonthlyQuota != "" && t.MonthlyQuota != "0" {
			quota = x.Tf("portal.tier.quota", x.Num(t.MonthlyQuota))
		}
		rate := strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", t.Rate), "0"), ".")
		if x.Lang != "en" {
			rate = strings.Replace(rate, ".", ",", 1)
		}
		out = append(out, portalTier{Name: t.Name, Text: x.Tf("portal.tier.desc", t.Name, rate, quota)})
	}
	return out
}

// portalSubscriptions lists the subscriptions to the API the user sees
// (a developer: its agency's applications').
func portalSubscriptions(x *Ctx, apiID string) []subscription {
	var resp struct {
		Subscriptions []subscription `json:"subscriptions"`
	}
	if x.Call(http.MethodGet, "/admin/v1/subscriptions?"+url.Values{"apiId": {apiID}, "pageSize": {"50"}}.Encode(), nil, &resp) != nil {
		return nil
	}
	return resp.Subscriptions
}

func portalAPIPost(x *Ctx) {
	switch x.Form("form") {
	case "subscribe":
		portalSubscribe(x)
	case "tryit":
		portalTryIt(x)
	default:
		x.Status = http.StatusBadRequest
		portalAPIRender(x, portalState{})
	}
}

func portalSubscribe(x *Ctx) {
	id := x.R.PathValue("id")
	st := portalState{SubApp: x.Form("application_id"), SubTier: x.Form("tier")}
	var out struct {
		Subscription subscription `json:"subscription"`
	}
	body := map[string]string{"applicationId": st.SubApp, "apiId": id, "tier": st.SubTier}
	if e := x.Call(http.MethodPost, "/admin/v1/subscriptions", body, &out); e != nil {
		if e.Status >= 500 || e.Status == http.StatusUnauthorized {
			x.Fail(e)
			return
		}
		st.SubProblem = x.Problem(e)
		x.Status = e.Status
		portalAPIRender(x, st)
		return
	}
	done := "portal_requested"
	if out.Subscription.State == "SUBSCRIPTION_STATE_APPROVED" {
		done = "portal_approved"
	}
	x.Redirect("/portal/apis/" + url.PathEscape(id) + "?done=" + done + "#subscribe")
}
