package console

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// "Try it": the console's server calls the API through the gateway, as a
// department system would, with the credential the developer types, and
// shows the answer in the POST's own response. The call only ever goes to
// the gateway's base URL for this API (/{context}/{version}): the form
// chooses the rest of the path, the query, one credential header and the
// body, nothing else. The credential is neither stored, nor logged, nor
// shown again.

// Bounds of a try.
const (
	portalTryMaxAnswer = 64 << 10
	portalTryMaxBody   = 1 << 20
	portalTryMaxQuery  = 8 << 10
	portalTryMaxHeader = 8 << 10
)

var (
	portalTryMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
	// A path relative to the API: segments of URL path characters and
	// percent escapes.
	portalTryPathRE = regexp.MustCompile(`^(/[A-Za-z0-9\-._~!$&'()*+,;=:@%]*)+$`)
	// An HTTP header name (RFC 9110 token).
	portalTryHeaderRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]{1,100}$")
	// Headers the form may not set: the gateway's own, the connection's,
	// and what would let the call pretend to come from elsewhere.
	portalTryForbidden = map[string]bool{
		"host": true, "content-length": true, "transfer-encoding": true, "connection": true, "upgrade": true,
		"te": true, "trailer": true, "keep-alive": true, "proxy-authorization": true, "proxy-connection": true,
		"forwarded": true, "x-forwarded-for": true, "x-forwarded-host": true, "x-forwarded-proto": true,
		"x-real-ip": true, "cookie": true, "expect": true,
	}
	// The answer's headers worth showing.
	portalTryShown = []string{"Content-Type", "X-Request-Id", "Retry-After"}
)

func init() {
	AddMessages(map[string][2]string{
		"portal.try":               {"Thử gọi", "Try it"},
		"portal.try.intro":         {"Máy chủ của bảng điều khiển gửi yêu cầu tới gateway tại %s bằng thông tin xác thực bạn nhập. Thông tin xác thực không được lưu lại.", "The console's server sends the request to the gateway at %s with the credential you type. The credential is not kept."},
		"portal.try.resource":      {"Tài nguyên", "Resource"},
		"portal.try.resource.none": {"— tự nhập phương thức và đường dẫn —", "— type the method and path —"},
		"portal.try.method":        {"Phương thức", "Method"},
		"portal.try.method.auto":   {"theo tài nguyên đã chọn", "the resource's"},
		"portal.try.path":          {"Đường dẫn cụ thể (để trống: theo tài nguyên)", "Path (empty: the resource's)"},
		"portal.try.path.hint":     {"Tính từ địa chỉ của API, bắt đầu bằng /, ví dụ /enterprises/0109549006.", "Relative to the API's address, starting with /, e.g. /enterprises/0109549006."},
		"portal.try.query":         {"Chuỗi truy vấn", "Query string"},
		"portal.try.query.hint":    {"Ví dụ msdn=0109549006&trang=1", "E.g. msdn=0109549006&page=1"},
		"portal.try.header":        {"Tên tiêu đề xác thực", "Credential header name"},
		"portal.try.value":         {"Khóa API hoặc mã truy cập", "API key or access token"},
		"portal.try.value.hint":    {"Ví dụ khóa API của ứng dụng (tiêu đề apikey), hoặc “Bearer …” cho tiêu đề Authorization. Không được lưu.", "E.g. the application's API key (apikey header), or “Bearer …” for Authorization. Not kept."},
		"portal.try.ctype":         {"Kiểu nội dung (Content-Type)", "Content type"},
		"portal.try.body":          {"Nội dung gửi đi", "Request body"},
		"portal.try.submit":        {"Thử gọi", "Try it"},
		"portal.try.result":        {"Kết quả", "Answer"},
		"portal.try.status":        {"Mã trạng thái HTTP", "HTTP status"},
		"portal.try.url":           {"Đã gọi", "Called"},
		"portal.try.elapsed":       {"Thời gian", "Time"},
		"portal.try.headers":       {"Tiêu đề phản hồi", "Answer headers"},
		"portal.try.answer":        {"Nội dung phản hồi", "Answer body"},
		"portal.try.truncated":     {"Nội dung dài hơn 64 KiB, chỉ hiển thị phần đầu.", "The body is longer than 64 KiB; only its start is shown."},
		"portal.try.binary":        {"Nội dung nhị phân (%s byte), không hiển thị.", "Binary content (%s bytes), not shown."},
		"portal.try.emptybody":     {"(không có nội dung)", "(no body)"},
		"portal.try.failed":        {"Không gọi được gateway: %s", "The gateway could not be called: %s"},
		"portal.try.bad.method":    {"Phương thức không được hỗ trợ.", "This method is not supported."},
		"portal.try.bad.path":      {"Đường dẫn phải bắt đầu bằng một dấu /, không chứa “..”, “//”, “\\”, khoảng trắng, “?” hay “#”, và điền đủ tham số {…}.", "The path must start with one /, with no “..”, “//”, “\\”, spaces, “?” or “#”, and its {…} parameters filled in."},
		"portal.try.bad.query":     {"Chuỗi truy vấn không hợp lệ.", "The query string is not valid."},
		"portal.try.bad.header":    {"Tên tiêu đề không hợp lệ hoặc không được phép.", "The header name is not valid or not allowed."},
		"portal.try.bad.value":     {"Giá trị tiêu đề không được chứa ký tự xuống dòng và tối đa 8 KiB.", "The header value may not contain line breaks and is at most 8 KiB."},
		"portal.try.bad.body":      {"Nội dung gửi đi tối đa 1 MiB.", "The request body is at most 1 MiB."},
		"portal.try.bad.gateway":   {"Chưa cấu hình địa chỉ gateway cho bảng điều khiển.", "The console has no gateway address configured."},
	})
}

// portalTryForm is the try-it form as typed (without the credential).
type portalTryForm struct {
	Posted                                                 bool
	Resource, Method, Path, Query, HeaderName, ContentType string
	Body                                                   string
}

// Methods are the methods the form offers.
func (portalTryForm) Methods() []string { return portalTryMethods }

type portalHeader struct{ Name, Value string }

// portalTryResult is the gateway's answer.
type portalTryResult struct {
	Method, URL string
	Status      int
	StatusText  string
	Headers     []portalHeader
	Body        string
	Size        int
	Truncated   bool
	Binary      bool
	Elapsed     string
	Error       string
}

// OK reports a 2xx answer.
func (r *portalTryResult) OK() bool { return r.Status >= 200 && r.Status < 300 }

// portalTryPath checks a path relative to the API.
func portalTryPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || !portalTryPathRE.MatchString(p) {
		return false
	}
	dec, err := url.PathUnescape(p)
	if err != nil {
		return false
	}
	// The regular expression kept "?", "#", spaces and braces out of the
	// path as typed; what its escapes decode to must not climb out of the
	// API or start another host either.
	return !strings.Contains(dec, "..") && !strings.Contains(dec, "//") && !strings.ContainsAny(dec, "\\\x00\r\n")
}

// portalTryURL builds the URL of a try: the gateway's base URL for the
// API, the checked path and the query. It refuses whatever would leave
// that base.
func portalTryURL(gateway, context, version, path, query string) (string, bool) {
	base, err := url.Parse(strings.TrimRight(gateway, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.User != nil {
		return "", false
	}
	if !portalTryPath(path) {
		return "", false
	}
	prefix := base.EscapedPath() + "/" + url.PathEscape(context) + "/" + url.PathEscape(version)
	u, err := url.Parse(base.Scheme + "://" + base.Host + prefix + path)
	if err != nil || u.Scheme != base.Scheme || u.Host != base.Host || u.User != nil || !strings.HasPrefix(u.EscapedPath(), prefix+"/") {
		return "", false
	}
	u.RawQuery = query
	return u.String(), true
}

func portalTryIt(x *Ctx) {
	f := portalTryForm{Posted: true, Resource: x.Form("resource"), Method: strings.ToUpper(x.Form("method")), Path: x.Form("path"),
		Query: strings.TrimPrefix(x.Form("query"), "?"), HeaderName: x.Form("header_name"), ContentType: x.Form("content_type"),
		Body: x.R.PostFormValue("body")}
	value := strings.TrimSpace(x.R.PostFormValue("header_value"))
	st := portalState{Try: f}
	refuse := func(field, key string) {
		st.TryProblem = &Problem{Field: field, Text: x.T(key)}
		x.Status = http.StatusBadRequest
		portalAPIRender(x, st)
	}
	a, e := portalLoad(x)
	if e != nil {
		x.Fail(e)
		return
	}
	method, path := f.Method, f.Path
	if rm, rp, ok := strings.Cut(f.Resource, " "); ok {
		if method == "" {
			method = rm
		}
		if path == "" {
			path = rp
		}
	}
	if method == "" || method == "*" {
		method = http.MethodGet
	}
	allowed := false
	for _, m := range portalTryMethods {
		allowed = allowed || m == method
	}
	if !allowed {
		refuse("method", "portal.try.bad.method")
		return
	}
	if !portalTryPath(path) {
		refuse("path", "portal.try.bad.path")
		return
	}
	if len(f.Query) > portalTryMaxQuery || strings.ContainsAny(f.Query, "# \t\r\n") {
		refuse("query", "portal.try.bad.query")
		return
	}
	q, err := url.ParseQuery(f.Query)
	if err != nil {
		refuse("query", "portal.try.bad.query")
		return
	}
	if f.HeaderName != "" && (!portalTryHeaderRE.MatchString(f.HeaderName) || portalTryForbidden[strings.ToLower(f.HeaderName)]) {
		refuse("header_name", "portal.try.bad.header")
		return
	}
	if len(value) > portalTryMaxHeader || strings.ContainsAny(value, "\r\n\x00") {
		refuse("header_value", "portal.try.bad.value")
		return
	}
	if len(f.Body) > portalTryMaxBody {
		refuse("body", "portal.try.bad.body")
		return
	}
	if len(f.ContentType) > 200 || strings.ContainsAny(f.ContentType, "\r\n\x00") {
		refuse("content_type", "portal.try.bad.value")
		return
	}
	target, ok := portalTryURL(x.c.opts.GatewayURL, a.Context, a.Version, path, q.Encode())
	if !ok {
		if x.c.opts.GatewayURL == "" {
			refuse("path", "portal.try.bad.gateway")
			return
		}
		refuse("path", "portal.try.bad.path")
		return
	}
	st.TryResult = portalTrySend(x, method, target, f, value)
	portalAPIRender(x, st)
}

// portalTrySend makes the call and reads the answer.
func portalTrySend(x *Ctx, method, target string, f portalTryForm, credential string) *portalTryResult {
	res := &portalTryResult{Method: method, URL: target}
	var body io.Reader = http.NoBody
	if f.Body != "" && method != http.MethodGet && method != http.MethodHead {
		body = strings.NewReader(f.Body)
	}
	req, err := http.NewRequestWithContext(x.R.Context(), method, target, body)
	if err != nil {
		res.Error = x.Tf("portal.try.failed", err.Error())
		return res
	}
	if body != http.NoBody {
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Accept", "application/json, */*;q=0.5")
	if rid := x.R.Header.Get("X-Request-Id"); rid != "" {
		req.Header.Set("X-Request-Id", rid)
	}
	if f.HeaderName != "" && credential != "" {
		req.Header.Set(f.HeaderName, credential)
	}
	start := time.Now()
	resp, err := x.c.opts.GatewayClient.Do(req)
	if err != nil {
		// The error names the URL, never the header.
		res.Error = x.Tf("portal.try.failed", err.Error())
		return res
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, portalTryMaxAnswer+1))
	res.Elapsed = time.Since(start).Round(time.Millisecond).String()
	res.Status, res.StatusText = resp.StatusCode, http.StatusText(resp.StatusCode)
	for _, h := range portalTryShown {
		if v := resp.Header.Get(h); v != "" {
			res.Headers = append(res.Headers, portalHeader{Name: h, Value: v})
		}
	}
	if len(raw) > portalTryMaxAnswer {
		raw, res.Truncated = raw[:portalTryMaxAnswer], true
	}
	res.Size = len(raw)
	switch {
	case !utf8.Valid(raw) && !res.Truncated:
		res.Binary = true
	case !res.Truncated && json.Valid(raw):
		var buf bytes.Buffer
		if json.Indent(&buf, raw, "", "  ") == nil {
			res.Body = buf.String()
		} else {
			res.Body = string(raw)
		}
	default:
		res.Body = strings.ToValidUTF8(string(raw), "�")
	}
	return res
}
