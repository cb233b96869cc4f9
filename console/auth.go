package console

import (
	"net/http"
	"strings"
	"time"
)

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	x := c.newCtx(w, r)
	if x.session(false) {
		x.Redirect(safeNext(x.Query("next")))
		return
	}
	x.Render("login", map[string]any{"Title": x.T("login.title"), "Next": safeNext(x.Query("next"))})
}

func (c *Console) loginPost(w http.ResponseWriter, r *http.Request) {
	x := c.newCtx(w, r)
	next := safeNext(x.Form("next"))
	user := x.Form("username")
	fail := func(msg string) {
		x.Status = http.StatusUnauthorized
		x.Render("login", map[string]any{"Title": x.T("login.title"), "Next": next, "Username": user, "Error": msg})
	}
	if !x.checkCSRF() {
		x.Status = http.StatusForbidden
		x.Render("login", map[string]any{"Title": x.T("login.title"), "Next": next, "Username": user, "Error": x.T("csrf.message")})
		return
	}
	var out struct {
		SessionToken string    `json:"sessionToken"`
		ExpireTime   time.Time `json:"expireTime"`
	}
	if e := x.Call(http.MethodPost, "/admin/v1/auth/login", map[string]string{"username": user, "password": x.R.PostFormValue("password")}, &out); e != nil {
		if e.Status == http.StatusUnauthorized || e.Status == http.StatusBadRequest || e.Status == http.StatusNotFound {
			fail(x.T("login.failed"))
			return
		}
		fail(e.Text(x.Lang))
		return
	}
	x.setSession(out.SessionToken, out.ExpireTime)
	x.Redirect(next)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	x := c.newCtx(w, r)
	if x.checkCSRF() && x.session(false) {
		_ = x.Call(http.MethodPost, "/admin/v1/auth/logout", map[string]string{}, nil)
	}
	x.clearSession()
	x.Redirect("/login")
}

// setLang keeps the language choice for a year and goes back to the page.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	x := c.newCtx(w, r)
	to := "vi"
	if x.Form("to") == "en" {
		to = "en"
	}
	if x.checkCSRF() {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: to, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: x.secure(), SameSite: http.SameSiteStrictMode})
	}
	x.Redirect(safeNext(x.Form("back")))
}
