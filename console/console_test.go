package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSignIn: the console answers with its security headers, sends an
// unsigned-in visitor to the sign-in page, refuses a wrong password with
// an alert, signs the admin in with an HttpOnly, SameSite=Strict cookie,
// refuses a form without its CSRF token, switches language, and signs
// out.
func TestSignIn(t *testing.T) {
	p := startPlatform(t)
	b := p.browser()
	st, _, h := b.get("/")
	if st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Fatalf("unsigned-in /: %d %s", st, h.Get("Location"))
	}
	st, body, h := b.get("/login")
	csp := h.Get("Content-Security-Policy")
	if st != http.StatusOK || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || h.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("login page: %d, CSP %q", st, csp)
	}
	contains(t, body, `<html lang="vi">`, `id="login"`, `for="username"`, `for="password"`)

	st, body, _ = b.post("/login", url.Values{"username": {"admin"}, "password": {"not-the-password"}})
	if st != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", st)
	}
	contains(t, body, `role="alert"`, "Tên đăng nhập hoặc mật khẩu không đúng.")

	st, _, _ = b.post("/login", url.Values{"username": {"admin"}, "password": {p.a.Info.AdminPassword}, "csrf": {"forged-token-forged-token-forged-token"}})
	if st != http.StatusForbidden {
		t.Fatalf("login with a forged CSRF token: %d", st)
	}

	b.get("/login")
	st, _, h = b.post("/login", url.Values{"username": {"admin"}, "password": {p.a.Info.AdminPassword}, "next": {"/"}})
	cookie := strings.Join(h.Values("Set-Cookie"), "\n")
	if st != http.StatusSeeOther || !strings.Contains(cookie, "lgsp_session=") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("login: %d %s", st, cookie)
	}
	st, body, _ = b.get("/")
	if st != http.StatusOK {
		t.Fatalf("overview: %d", st)
	}
	contains(t, body, "<h1>Tổng quan</h1>", `aria-label="Điều hướng chính"`)

	b.post("/lang", url.Values{"to": {"en"}, "back": {"/"}})
	_, body, _ = b.get("/")
	contains(t, body, `<html lang="en">`, "<h1>Overview</h1>")

	b.post("/logout", nil)
	if st, _, _ := b.get("/"); st != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", st)
	}
}

// TestOpenRedirect: a next parameter pointing elsewhere lands on /.
func TestOpenRedirect(t *testing.T) {
	p := startPlatform(t)
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		b := p.browser()
		b.get("/login")
		_, _, h := b.post("/login", url.Values{"username": {"admin"}, "password": {p.a.Info.AdminPassword}, "next": {next}})
		if h.Get("Location") != "/" {
			t.Fatalf("next %q → %q", next, h.Get("Location"))
		}
	}
}
