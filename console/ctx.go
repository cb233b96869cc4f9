package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// Cookies the console sets, besides authn.SessionCookie.
const (
	csrfCookie = "lgsp_csrf"
	langCookie = "lgsp_lang"
)

// User is who is signed in, as the API's WhoAmI says.
type User struct {
	Name    string
	Role    authn.Role
	Agency  string
	Expires time.Time
}

// Ctx is one request to a page.
type Ctx struct {
	W      http.ResponseWriter
	R      *http.Request
	User   User
	Lang   string
	Status int

	c     *Console
	token string
	csrf  string
	page  *Page
}

func (c *Console) newCtx(w http.ResponseWriter, r *http.Request) *Ctx {
	ctx := &Ctx{W: w, R: r, c: c, Status: http.StatusOK, Lang: "vi"}
	if l, err := r.Cookie(langCookie); err == nil && l.Value == "en" {
		ctx.Lang = "en"
	}
	ctx.ensureCSRF()
	return ctx
}

// begin starts a page request: a signed-in user, or a redirect to the
// sign-in page.
func (c *Console) begin(w http.ResponseWriter, r *http.Request) (*Ctx, bool) {
	ctx := c.newCtx(w, r)
	if !ctx.session(true) {
		return nil, false
	}
	return ctx, true
}

// session reads the session cookie and asks the API who it is. With
// required, a request without a live session is sent to /login.
func (x *Ctx) session(required bool) bool {
	ck, err := x.R.Cookie(authn.SessionCookie)
	if err == nil && ck.Value != "" {
		x.token = ck.Value
		var who struct {
			Subject           string    `json:"subject"`
			Role              string    `json:"role"`
			AgencyCode        string    `json:"agencyCode"`
			SessionExpireTime time.Time `json:"sessionExpireTime"`
		}
		if e := x.Call(http.MethodGet, "/admin/v1/auth/whoami", nil, &who); e == nil && who.Role != "" {
			x.User = User{Name: who.Subject, Role: authn.Role(who.Role), Agency: who.AgencyCode, Expires: who.SessionExpireTime}
			return true
		}
		x.token = ""
		x.clearSession()
	}
	if required {
		next := x.R.URL.RequestURI()
		x.Redirect("/login?next=" + url.QueryEscape(next))
	}
	return false
}

// secure reports whether the request came over TLS.
func (x *Ctx) secure() bool {
	if x.R.TLS != nil {
		return true
	}
	return x.c.opts.TrustForwardedProto && strings.EqualFold(x.R.Header.Get("X-Forwarded-Proto"), "https")
}

func (x *Ctx) setSession(token string, expires time.Time) {
	http.SetCookie(x.W, &http.Cookie{Name: authn.SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: x.secure(), SameSite: http.SameSiteStrictMode})
}

func (x *Ctx) clearSession() {
	http.SetCookie(x.W, &http.Cookie{Name: authn.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: x.secure(), SameSite: http.SameSiteStrictMode})
}

// ensureCSRF gives the browser a double-submit token when it has none.
func (x *Ctx) ensureCSRF() {
	if ck, err := x.R.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
		x.csrf = ck.Value
		return
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	x.csrf = base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(x.W, &http.Cookie{Name: csrfCookie, Value: x.csrf, Path: "/", HttpOnly: true,
		Secure: x.secure(), SameSite: http.SameSiteStrictMode})
}

// checkCSRF checks a form's token against the cookie's.
func (x *Ctx) checkCSRF() bool {
	ck, err := x.R.Cookie(csrfCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	got := x.R.PostFormValue("csrf")
	return subtle.ConstantTimeCompare([]byte(got), []byte(ck.Value)) == 1
}

// APIError is an API refusal, as the API words it.
type APIError struct {
	Status    int
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
	Field     string `json:"field"`
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Text is the message in the page's language.
func (e *APIError) Text(lang string) string {
	if lang == "en" || e.MessageVI == "" {
		return e.Message
	}
	return e.MessageVI
}

// recorder keeps an in-process API answer.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}

// Call calls the admin API in process as the signed-in user: method and
// path (with its query), in encoded as JSON when not nil, the answer
// decoded into out when not nil. It returns the API's refusal, if any.
func (x *Ctx) Call(method, path string, in, out any) *APIError {
	status, body, _ := x.raw(method, path, in)
	if status >= 300 {
		return apiError(status, body)
	}
	if out != nil && len(body) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			return &APIError{Status: 500, Code: "bad_answer", Message: err.Error(), MessageVI: err.Error()}
		}
	}
	return nil
}

// apiError reads an API refusal from its answer.
func apiError(status int, body []byte) *APIError {
	e := &APIError{Status: status}
	if json.Unmarshal(body, e) != nil || e.Code == "" {
		e.Code, e.Message, e.MessageVI = "unexpected", http.StatusText(status), http.StatusText(status)
	}
	if status == http.StatusNotFound && e.Code == "not_found" {
		// No route: the service behind the path does not run in this
		// process (a split deployment).
		e.Code = "service_not_here"
		e.Message, e.MessageVI = message("en", "svc.unavailable"), message("vi", "svc.unavailable")
	}
	return e
}

// raw calls the API and returns its status, body and headers.
func (x *Ctx) raw(method, path string, in any) (int, []byte, http.Header) {
	var rd io.Reader = http.NoBody
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 500, nil, nil
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(x.R.Context(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return 400, nil, nil
	}
	req.RemoteAddr = x.R.RemoteAddr
	for _, k := range []string{"X-Forwarded-For", "X-Request-Id", "User-Agent"} {
		if v := x.R.Header.Get(k); v != "" {
			req.Header.Set(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	if x.token != "" {
		req.Header.Set("Authorization", "Bearer "+x.token)
	}
	rec := &recorder{h: http.Header{}}
	x.c.opts.API.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.status, rec.body.Bytes(), rec.h
}

// Redirect sends the browser to path after a form (303).
func (x *Ctx) Redirect(path string) {
	http.Redirect(x.W, x.R, path, http.StatusSeeOther)
}

// Forbidden answers 403 with a page that says so.
func (x *Ctx) Forbidden() {
	x.Status = http.StatusForbidden
	x.Render("error", map[string]any{"Title": x.T("forbidden.title"), "Message": x.T("forbidden.message")})
}

// Fail renders an API error as a page of its own, for a read that failed.
func (x *Ctx) Fail(e *APIError) {
	x.Status = e.Status
	if x.Status < 400 {
		x.Status = http.StatusBadGateway
	}
	if e.Status == http.StatusUnauthorized {
		x.clearSession()
		x.Redirect("/login")
		return
	}
	x.Render("error", map[string]any{"Title": x.T("error.title"), "Message": e.Text(x.Lang), "Code": e.Code})
}

// Form is a posted form value, trimmed.
func (x *Ctx) Form(name string) string { return strings.TrimSpace(x.R.PostFormValue(name)) }

// Query is a query parameter, trimmed.
func (x *Ctx) Query(name string) string { return strings.TrimSpace(x.R.URL.Query().Get(name)) }

// IsAdmin reports a platform admin.
func (x *Ctx) IsAdmin() bool { return x.User.Role == authn.RolePlatformAdmin }

// Problem is a refused form, shown next to the field it concerns.
type Problem struct {
	// Field is the API's field name (snake_case, e.g. "owner_agency"),
	// "" when the refusal is about the whole form.
	Field string
	Text  string
	Code  string
}

// Problem turns an API refusal into what a form template shows.
func (x *Ctx) Problem(e *APIError) *Problem {
	return &Problem{Field: e.Field, Text: e.Text(x.Lang), Code: e.Code}
}

// Percent shows a fraction (0.0123) as a percentage with two decimals, in
// the language's decimal mark (1,23 % or 1.23 %).
func (x *Ctx) Percent(f float64) string {
	s := strconv.FormatFloat(f*100, 'f', 2, 64)
	if x.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " %"
}
