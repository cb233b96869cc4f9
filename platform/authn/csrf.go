package authn

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A browser sends cookies with requests other sites make it send, so a
// request authenticated by the session cookie is trusted to change
// anything only when it shows it comes from the console itself. Bearer
// tokens need no such check: a browser never adds them on its own.
const (
	// CSRFCookie holds the double-submit token the console's script reads
	// and copies into CSRFHeader.
	CSRFCookie = "lgsp_csrf"
	// CSRFHeader carries the double-submit token.
	CSRFHeader = "X-LGSP-CSRF"
)

// SessionCookieFor is the console's session cookie: sent only to this
// site (SameSite=Strict), over HTTPS (Secure), never readable by scripts
// (HttpOnly), and gone when the session ends.
func SessionCookieFor(token string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
}

// CSRFCookieFor is the double-submit cookie set beside the session cookie:
// readable by the console's script (not HttpOnly), which sends its value
// back in CSRFHeader; another site can neither read it nor set the header.
func CSRFCookieFor(token string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: CSRFCookie, Value: token, Path: "/", Expires: expires,
		Secure: true, SameSite: http.SameSiteStrictMode}
}

// safeMethod reports whether m changes nothing by convention.
func safeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// sameOrigin reports whether a cookie-authenticated request shows that the
// console sent it: a double-submit token matching its cookie, or the
// browser's own word (Sec-Fetch-Site: same-origin, or else an Origin of
// this host).
func sameOrigin(r *http.Request) bool {
	if h := r.Header.Get(CSRFHeader); h != "" {
		if c, err := r.Cookie(CSRFCookie); err == nil && c.Value != "" && subtle.ConstantTimeCompare([]byte(h), []byte(c.Value)) == 1 {
			return true
		}
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
	}
	return false
}

// ErrCrossOrigin refuses a state-changing request authenticated by the
// session cookie that does not show it comes from the console. It renders
// as 403 with the code cross_origin_request.
var ErrCrossOrigin error = crossOrigin{}

type crossOrigin struct{}

func (crossOrigin) Error() string {
	return "cross_origin_request: cross-origin request with a session cookie"
}

// GRPCStatus gives the error its stable code and both messages in the
// shape platform/apierr reads (an ErrorInfo in the lgsp domain).
func (crossOrigin) GRPCStatus() *status.Status {
	const (
		en = "a request that changes something and is authenticated by the session cookie must come from the console itself (same origin)"
		vi = "yêu cầu thay đổi dữ liệu xác thực bằng cookie phiên phải được gửi từ chính bảng điều khiển (cùng nguồn gốc)"
	)
	st := status.New(codes.PermissionDenied, en+" / "+vi)
	if d, err := st.WithDetails(&errdetails.ErrorInfo{Reason: "cross_origin_request", Domain: "lgsp",
		Metadata: map[string]string{"message": en, "message_vi": vi}}); err == nil {
		return d
	}
	return st
}
