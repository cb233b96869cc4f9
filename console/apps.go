package console

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// The applications pages: an agency's consumer systems, their
// subscriptions and their credentials. The registry decides who sees what
// (services/registry/authz.go): developers manage their own agency's
// applications, publishers and auditors read, platform admins do
// everything.

func init() {
	all := []authn.Role{authn.RolePlatformAdmin, authn.RoleAgencyPublisher, authn.RoleAgencyDeveloper, authn.RoleAuditor}
	Register(Page{Path: "/apps", Menu: "apps.title", Section: "portal", Order: 20, Roles: all, Get: appsList, Post: appsCreate})
	Register(Page{Path: "/apps/{id}", Section: "portal", Roles: all, Get: appsDetail, Post: appsAction})
	AddMessages(map[string][2]string{
		"apps.title":              {"Ứng dụng", "Applications"},
		"apps.intro":              {"Các hệ thống phần mềm của cơ quan gọi API qua nền tảng. Mỗi ứng dụng có thông tin xác thực riêng và đăng ký sử dụng từng API.", "The agencies' software systems that call APIs through the platform. Each application has its own credentials and subscribes to each API it uses."},
		"apps.name":               {"Tên ứng dụng", "Application name"},
		"apps.description":        {"Mô tả", "Description"},
		"apps.agency":             {"Cơ quan", "Agency"},
		"apps.agency.all":         {"Tất cả cơ quan", "All agencies"},
		"apps.state":              {"Trạng thái", "State"},
		"apps.state.all":          {"Mọi trạng thái", "Any state"},
		"apps.created":            {"Ngày tạo", "Created"},
		"apps.updated":            {"Cập nhật", "Updated"},
		"apps.id":                 {"Mã ứng dụng", "Application id"},
		"apps.search.q":           {"Tên hoặc mã chứa", "Name or id contains"},
		"apps.list":               {"Danh sách ứng dụng", "Applications"},
		"apps.none":               {"Không có ứng dụng nào khớp.", "No application matches."},
		"apps.new":                {"Tạo ứng dụng", "Create an application"},
		"apps.new.agency.fixed":   {"Ứng dụng thuộc cơ quan của bạn: %s", "The application belongs to your agency: %s"},
		"apps.new.agency.choose":  {"Chọn cơ quan", "Choose an agency"},
		"apps.ACTIVE":             {"Đang hoạt động", "Active"},
		"apps.SUSPENDED":          {"Tạm dừng", "Suspended"},
		"apps.details":            {"Thông tin ứng dụng", "Application details"},
		"apps.subs":               {"Đăng ký sử dụng API", "API subscriptions"},
		"apps.subs.api":           {"API", "API"},
		"apps.subs.tier":          {"Gói chính sách", "Tier"},
		"apps.subs.none":          {"Ứng dụng chưa đăng ký API nào. Đăng ký từ trang của API trong danh mục.", "The application has no subscription yet. Subscribe from an API's page in the catalogue."},
		"apps.sub.PENDING":        {"Chờ duyệt", "Pending"},
		"apps.sub.APPROVED":       {"Đã duyệt", "Approved"},
		"apps.sub.REJECTED":       {"Bị từ chối", "Rejected"},
		"apps.sub.SUSPENDED":      {"Tạm dừng", "Suspended"},
		"apps.creds":              {"Thông tin xác thực", "Credentials"},
		"apps.creds.type":         {"Loại", "Type"},
		"apps.creds.keyid":        {"Mã khóa", "Key id"},
		"apps.creds.expires":      {"Hết hạn", "Expires"},
		"apps.creds.none":         {"Chưa có thông tin xác thực nào.", "No credential yet."},
		"apps.cred.OAUTH2_CLIENT": {"OAuth2 client", "OAuth2 client"},
		"apps.cred.API_KEY":       {"Khóa API", "API key"},
		"apps.cred.SIGNED_HEADER": {"Chữ ký HMAC (trục liên thông)", "Signed header (HMAC)"},
		"apps.cred.ACTIVE":        {"Đang hiệu lực", "Active"},
		"apps.cred.REVOKED":       {"Đã thu hồi", "Revoked"},
		"apps.cred.new":           {"Cấp thông tin xác thực mới", "Issue a new credential"},
		"apps.cred.description":   {"Ghi chú", "Note"},
		"apps.cred.expire":        {"Ngày hết hạn", "Expiry date"},
		"apps.cred.systemid":      {"System id (chỉ cho chữ ký HMAC)", "System id (signed header only)"},
		"apps.cred.systemid.hint": {"Để trống để nền tảng tự sinh.", "Leave empty to have one generated."},
		"apps.cred.create.apikey": {"Tạo khóa API", "Create an API key"},
		"apps.cred.create.oauth":  {"Tạo OAuth2 client", "Create an OAuth2 client"},
		"apps.cred.create.signed": {"Tạo khóa chữ ký HMAC", "Create a signed-header credential"},
		"apps.cred.revoke":        {"Thu hồi", "Revoke"},
		"apps.cred.revoke.ask":    {"Thu hồi thông tin xác thực %s? Các hệ thống đang dùng nó sẽ bị từ chối ngay.", "Revoke credential %s? Systems using it will be refused at once."},
		"apps.secret.title":       {"Thông tin bí mật mới", "New secret"},
		"apps.secret.once":        {"Hãy sao chép và lưu giữ an toàn ngay bây giờ: giá trị này chỉ hiển thị một lần và sẽ không được hiển thị lại.", "Copy it and keep it safe now: it is shown only once and will not be shown again."},
		"apps.secret.clientid":    {"Client id", "Client id"},
		"apps.secret.keyid":       {"Mã khóa", "Key id"},
		"apps.secret.value":       {"Giá trị bí mật", "Secret"},
		"apps.secret.apikey":      {"Gửi khóa trong tiêu đề apikey của mỗi yêu cầu tới gateway.", "Send the key in the apikey header of each request to the gateway."},
		"apps.secret.oauth":       {"Lấy access token tại /token của gateway bằng client id và client secret (client credentials).", "Get an access token from the gateway's /token with the client id and secret (client credentials)."},
		"apps.mtls":               {"Chứng thư số máy khách (mTLS)", "Client certificate (mTLS)"},
		"apps.mtls.current":       {"Dấu vân tay SHA-256 hiện tại", "Current SHA-256 fingerprint"},
		"apps.mtls.none":          {"Chưa gắn chứng thư số.", "No certificate bound."},
		"apps.mtls.pem":           {"Chứng thư số dạng PEM", "Certificate (PEM)"},
		"apps.mtls.hint":          {"Dán chứng thư (không phải khóa bí mật), bắt đầu bằng -----BEGIN CERTIFICATE-----. Nền tảng chỉ lưu dấu vân tay.", "Paste the certificate (not the private key), starting with -----BEGIN CERTIFICATE-----. Only its fingerprint is kept."},
		"apps.mtls.bind":          {"Gắn chứng thư", "Bind the certificate"},
		"apps.mtls.unbind":        {"Gỡ chứng thư", "Remove the certificate"},
		"apps.mtls.unbind.ask":    {"Gỡ chứng thư số? Các yêu cầu dùng chứng thư này sẽ bị từ chối.", "Remove the certificate? Requests with it will be refused."},
		"apps.mtls.bad":           {"Không đọc được chứng thư: cần một chứng thư X.509 dạng PEM.", "The certificate cannot be read: an X.509 certificate in PEM is needed."},
		"apps.suspend":            {"Tạm dừng ứng dụng", "Suspend the application"},
		"apps.suspend.ask":        {"Tạm dừng ứng dụng? Mọi thông tin xác thực của nó sẽ bị gateway từ chối cho đến khi được khôi phục.", "Suspend the application? The gateway refuses all its credentials until it is resumed."},
		"apps.resume":             {"Khôi phục ứng dụng", "Resume the application"},
		"apps.reason":             {"Lý do", "Reason"},
		"apps.back":               {"Về danh sách ứng dụng", "Back to the applications"},
		"done.revoked":            {"Đã thu hồi.", "Revoked."},
		"done.app_suspended":      {"Đã tạm dừng ứng dụng.", "The application is suspended."},
		"done.app_resumed":        {"Đã khôi phục ứng dụng.", "The application is resumed."},
	})
}

// appsApp is an application as the API writes it.
type appsApp struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	AgencyCode      string `json:"agencyCode"`
	State           string `json:"state"`
	CertFingerprint string `json:"certFingerprint"`
	CreateTime      string `json:"createTime"`
	UpdateTime      string `json:"updateTime"`
}

// StateKey is the message key of the application's state.
func (a appsApp) StateKey() string {
	return "apps." + strings.TrimPrefix(a.State, "APPLICATION_STATE_")
}

// Active reports an active application.
func (a appsApp) Active() bool { return a.State == "APPLICATION_STATE_ACTIVE" }

type appsCredential struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	KeyID       string `json:"keyId"`
	Description string `json:"description"`
	State       string `json:"state"`
	// Null times decode as "".
	ExpireTime string `json:"expireTime"`
	CreateTime string `json:"createTime"`
	RevokeTime string `json:"revokeTime"`
	// LastUseTime is shown when the API reports it.
	LastUseTime string `json:"lastUseTime"`
}

func (c appsCredential) TypeKey() string {
	return "apps.cred." + strings.TrimPrefix(c.Type, "CREDENTIAL_TYPE_")
}
func (c appsCredential) StateKey() string {
	return "apps.cred." + strings.TrimPrefix(c.State, "CREDENTIAL_STATE_")
}
func (c appsCredential) Active() bool { return c.State == "CREDENTIAL_STATE_ACTIVE" }

type appsSubscription struct {
	ID         string `json:"id"`
	APIID      string `json:"apiId"`
	Tier       string `json:"tier"`
	State      string `json:"state"`
	CreateTime string `json:"createTime"`
	// APIName is filled in by the page.
	APIName string `json:"-"`
}

func (s appsSubscription) StateKey() string {
	return "apps.sub." + strings.TrimPrefix(s.State, "SUBSCRIPTION_STATE_")
}

type appsAgency struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// appsAgencies lists the agencies (at most the API's largest page), for
// names and the admins' select.
func appsAgencies(x *Ctx) []appsAgency {
	var out struct {
		Agencies []appsAgency `json:"agencies"`
	}
	if e := x.Call(http.MethodGet, "/admin/v1/agencies?pageSize=500", nil, &out); e != nil {
		return nil
	}
	return out.Agencies
}

// appsPageSize is how many applications a page of the list shows at
// least (a search may show a few more, see appsList).
const appsPageSize = 20

func appsList(x *Ctx) { appsRenderList(x, nil, nil) }

// appsRenderList renders the list with the create form; form and problem
// are a refused creation's input and refusal.
func appsRenderList(x *Ctx, form url.Values, problem *Problem) {
	q := x.Query("q")
	agency := x.Query("agency")
	state := x.Query("state")
	if state != "" && state != "APPLICATION_STATE_ACTIVE" && state != "APPLICATION_STATE_SUSPENDED" {
		state = ""
	}
	token := x.Query("page")
	// The API lists by id; a search filters its pages here and reads on
	// until a page is full, so one page of the console may hold a few
	// more rows than appsPageSize.
	var apps []appsApp
	next := token
	size := appsPageSize
	if q != "" {
		size = 100
	}
	for calls := 0; calls < 20; calls++ {
		v := url.Values{"pageSize": {strconv.Itoa(size)}}
		if next != "" {
			v.Set("pageToken", next)
		}
		if agency != "" {
			v.Set("agencyCode", agency)
		}
		if state != "" {
			v.Set("state", state)
		}
		var out struct {
			Applications  []appsApp `json:"applications"`
			NextPageToken string    `json:"nextPageToken"`
		}
		if e := x.Call(http.MethodGet, "/admin/v1/applications?"+v.Encode(), nil, &out); e != nil {
			if e.Field == "page_token" || e.Status == http.StatusForbidden && agency != "" {
				// A stale token or another agency's filter: the first
				// page of what the user may see.
				if token != "" || agency != "" {
					x.Redirect("/apps")
					return
				}
			}
			x.Fail(e)
			return
		}
		for _, a := range out.Applications {
			if q == "" || strings.Contains(strings.ToLower(a.Name), strings.ToLower(q)) || strings.Contains(strings.ToLower(a.ID), strings.ToLower(q)) {
				apps = append(apps, a)
			}
		}
		next = out.NextPageToken
		if next == "" || len(apps) >= appsPageSize {
			break
		}
	}
	agencies := appsAgencies(x)
	names := map[string]string{}
	for _, a := range agencies {
		names[a.Code] = a.Name
	}
	var active []appsAgency
	for _, a := range agencies {
		if a.Status == "" || a.Status == "AGENCY_STATUS_ACTIVE" {
			active = append(active, a)
		}
	}
	nextURL := ""
	if next != "" {
		v := url.Values{"page": {next}}
		for k, s := range map[string]string{"q": q, "agency": agency, "state": state} {
			if s != "" {
				v.Set(k, s)
			}
		}
		nextURL = "/apps?" + v.Encode()
	}
	if form == nil {
		form = url.Values{}
	}
	if x.User.Agency != "" && form.Get("agency") == "" {
		form.Set("agency", x.User.Agency)
	}
	x.Render("apps", map[string]any{
		"Apps": apps, "AgencyNames": names, "Agencies": active, "AllAgencies": agencies,
		"Q": q, "Agency": agency, "State": state, "Next": nextURL, "Paged": token != "",
		"CanCreate": x.User.Role == authn.RolePlatformAdmin || x.User.Role == authn.RoleAgencyDeveloper,
		"Form":      form, "Problem": problem,
	})
}

func appsCreate(x *Ctx) {
	if x.User.Role != authn.RolePlatformAdmin && x.User.Role != authn.RoleAgencyDeveloper {
		x.Forbidden()
		return
	}
	agency := x.Form("agency")
	if !x.IsAdmin() {
		agency = x.User.Agency
	}
	in := map[string]string{"name": x.Form("name"), "description": x.Form("description"), "agencyCode": agency}
	var out struct {
		Application appsApp `json:"application"`
	}
	if e := x.Call(http.MethodPost, "/admin/v1/applications", in, &out); e != nil {
		if e.Status == http.StatusUnauthorized {
			x.Fail(e)
			return
		}
		x.Status = e.Status
		appsRenderList(x, url.Values{"name": {in["name"]}, "description": {in["description"]}, "agency": {agency}}, x.Problem(e))
		return
	}
	x.Redirect("/apps/" + url.PathEscape(out.Application.ID) + "?done=created")
}

// appsLoad reads the application of the page's path; it answers the
// refusal itself (403 page for another agency's application) and returns
// false then.
func appsLoad(x *Ctx) (appsApp, bool) {
	var out struct {
		Application appsApp `json:"application"`
	}
	id := x.R.PathValue("id")
	if e := x.Call(http.MethodGet, "/admin/v1/applications/"+url.PathEscape(id), nil, &out); e != nil {
		switch e.Status {
		case http.StatusForbidden:
			x.Forbidden()
		case http.StatusNotFound:
			x.Status = http.StatusNotFound
			x.Render("error", map[string]any{"Title": x.T("notfound.title"), "Message": e.Text(x.Lang), "Code": e.Code})
		default:
			x.Fail(e)
		}
		return appsApp{}, false
	}
	return out.Application, true
}

func appsDetail(x *Ctx) {
	a, ok := appsLoad(x)
	if !ok {
		return
	}
	var extra map[string]any
	if v, ok := x.TakeOnce(); ok {
		extra = map[string]any{"Secret": v}
	}
	appsRenderDetail(x, a, extra)
}

// appsRenderDetail renders an application's page; extra adds to its data
// (a refused form's problem and input, a new secret).
func appsRenderDetail(x *Ctx, a appsApp, extra map[string]any) {
	var creds struct {
		Credentials []appsCredential `json:"credentials"`
	}
	credErr := x.Call(http.MethodGet, "/admin/v1/applications/"+url.PathEscape(a.ID)+"/credentials?pageSize=100", nil, &creds)
	var subs struct {
		Subscriptions []appsSubscription `json:"subscriptions"`
	}
	subErr := x.Call(http.MethodGet, "/admin/v1/subscriptions?pageSize=100&applicationId="+url.QueryEscape(a.ID), nil, &subs)
	if len(subs.Subscriptions) > 0 {
		var apis struct {
			APIs []struct {
				ID      string `json:"id"`
				Name    string `json:"name"`
				Context string `json:"context"`
				Version string `json:"version"`
			} `json:"apis"`
		}
		_ = x.Call(http.MethodGet, "/admin/v1/apis?pageSize=500", nil, &apis)
		names := map[string]string{}
		for _, p := range apis.APIs {
			names[p.ID] = p.Name + " (" + p.Context + "/" + p.Version + ")"
		}
		for i := range subs.Subscriptions {
			s := &subs.Subscriptions[i]
			if s.APIName = names[s.APIID]; s.APIName == "" {
				s.APIName = s.APIID
			}
		}
	}
	agencyName := ""
	var ag struct {
		Agency appsAgency `json:"agency"`
	}
	if x.Call(http.MethodGet, "/admin/v1/agencies/"+url.PathEscape(a.AgencyCode), nil, &ag) == nil {
		agencyName = ag.Agency.Name
	}
	// Developers manage their own agency's applications; the API has
	// checked that this one is theirs when it answered.
	canWrite := x.User.Role == authn.RolePlatformAdmin || (x.User.Role == authn.RoleAgencyDeveloper && x.User.Agency == a.AgencyCode)
	data := map[string]any{
		"Title": a.Name, "App": a, "AgencyName": agencyName,
		"Credentials": creds.Credentials, "CredError": credErr,
		"Subscriptions": subs.Subscriptions, "SubError": subErr,
		"CanWrite": canWrite, "CanResume": x.IsAdmin(),
		"Form": url.Values{},
	}
	if x.R.Method == http.MethodPost {
		// Which form a refusal belongs to, to show it there.
		data["On"] = x.Form("action")
	}
	for k, v := range extra {
		data[k] = v
	}
	x.Render("apps_detail", data)
}

// appsSecret is a secret shown once, in the answer to the form that
// created it.
type appsSecret struct {
	Type, KeyID, Value string
}

func appsAction(x *Ctx) {
	a, ok := appsLoad(x)
	if !ok {
		return
	}
	path := "/admin/v1/applications/" + url.PathEscape(a.ID)
	self := "/apps/" + url.PathEscape(a.ID)
	refused := func(e *APIError, form url.Values) {
		if e.Status == http.StatusUnauthorized {
			x.Fail(e)
			return
		}
		// A refusal of the action (403 included) is the API's, in its
		// words, beside the form; the page itself the role may see.
		x.Status = e.Status
		appsRenderDetail(x, a, map[string]any{"Problem": x.Problem(e), "Form": form})
	}
	switch x.Form("action") {
	case "credential":
		appsCreateCredential(x, a, refused)
	case "revoke":
		if e := x.Call(http.MethodPost, "/admin/v1/credentials/"+url.PathEscape(x.Form("credential"))+":revoke", map[string]string{}, nil); e != nil {
			refused(e, nil)
			return
		}
		x.Redirect(self + "?done=revoked")
	case "suspend":
		if e := x.Call(http.MethodPost, path+":suspend", map[string]string{"reason": x.Form("reason")}, nil); e != nil {
			refused(e, url.Values{"reason": {x.Form("reason")}})
			return
		}
		x.Redirect(self + "?done=app_suspended")
	case "resume":
		if e := x.Call(http.MethodPost, path+":resume", map[string]string{"reason": x.Form("reason")}, nil); e != nil {
			refused(e, url.Values{"reason": {x.Form("reason")}})
			return
		}
		x.Redirect(self + "?done=app_resumed")
	case "cert":
		fp := ""
		if x.Form("unbind") == "" {
			pemText := x.R.PostFormValue("cert_pem")
			var err bool
			fp, err = appsFingerprint(pemText)
			if err {
				x.Status = http.StatusBadRequest
				appsRenderDetail(x, a, map[string]any{
					"Problem": &Problem{Field: "application.cert_fingerprint", Text: x.T("apps.mtls.bad"), Code: "invalid_certificate"},
					"Form":    url.Values{"cert_pem": {pemText}},
				})
				return
			}
		}
		in := map[string]string{"certFingerprint": fp}
		if e := x.Call(http.MethodPatch, path+"?updateMask=cert_fingerprint", in, nil); e != nil {
			refused(e, url.Values{"cert_pem": {x.R.PostFormValue("cert_pem")}})
			return
		}
		x.Redirect(self + "?done=saved")
	default:
		x.Status = http.StatusBadRequest
		appsRenderDetail(x, a, nil)
	}
}

// appsFingerprint is the lower-case hex SHA-256 of the DER certificate in
// a PEM text, as the registry keeps it; bad is true when the text holds
// no certificate.
func appsFingerprint(text string) (fp string, bad bool) {
	if len(text) > 64<<10 {
		return "", true
	}
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return "", true
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "", true
		}
		sum := sha256.Sum256(b.Bytes)
		return hex.EncodeToString(sum[:]), false
	}
}

func appsCreateCredential(x *Ctx, a appsApp, refused func(*APIError, url.Values)) {
	form := url.Values{"description": {x.Form("description")}, "expire": {x.Form("expire")}, "system_id": {x.Form("system_id")}}
	typ := map[string]string{"api_key": "CREDENTIAL_TYPE_API_KEY", "oauth2": "CREDENTIAL_TYPE_OAUTH2_CLIENT",
		"signed_header": "CREDENTIAL_TYPE_SIGNED_HEADER"}[x.Form("type")]
	in := map[string]any{"type": typ, "description": x.Form("description")}
	if typ == "CREDENTIAL_TYPE_SIGNED_HEADER" && x.Form("system_id") != "" {
		in["systemId"] = x.Form("system_id")
	}
	if d := x.Form("expire"); d != "" {
		t, err := time.ParseInLocation("2006-01-02", d, hcm)
		if err != nil {
			x.Status = http.StatusBadRequest
			appsRenderDetail(x, a, map[string]any{"Form": form,
				"Problem": &Problem{Field: "expire_time", Text: x.T("apps.cred.expire.bad"), Code: "invalid_expire_time"}})
			return
		}
		// The key stays valid through the day chosen.
		in["expireTime"] = t.AddDate(0, 0, 1).Format(time.RFC3339)
	}
	var out struct {
		Credential appsCredential `json:"credential"`
		Secret     string         `json:"secret"`
	}
	if e := x.Call(http.MethodPost, "/admin/v1/applications/"+url.PathEscape(a.ID)+"/credentials", in, &out); e != nil {
		refused(e, form)
		return
	}
	// The secret is kept in memory for the one view the redirect leads to
	// (Once): a reload neither shows it again nor creates another key.
	n := x.Once(&appsSecret{Type: out.Credential.Type, KeyID: out.Credential.KeyID, Value: out.Secret})
	x.Redirect("/apps/" + url.PathEscape(a.ID) + "?once=" + url.QueryEscape(n))
}

func init() {
	AddMessages(map[string][2]string{
		"apps.cred.expire.bad": {"Ngày hết hạn không hợp lệ (định dạng năm-tháng-ngày).", "The expiry date is not valid (year-month-day)."},
		"apps.created.title":   {"Đã tạo thông tin xác thực.", "The credential was created."},
	})
}
