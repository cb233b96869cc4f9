package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// platform is a running `lgsp dev` (every service, the simulators and the
// demo data) on random loopback ports, whose admin listener serves the
// console.
type platform struct {
	t     *testing.T
	a     *app.App
	admin string
}

func startPlatform(t *testing.T) *platform {
	t.Helper()
	dir := t.TempDir()
	cfg, _, err := app.LoadConfig(app.LoadOptions{Dev: true, Environ: []string{
		"LGSP_DATA_DIR=" + dir, "LGSP_GATEWAY_ADDR=127.0.0.1:0", "LGSP_ADMIN_ADDR=127.0.0.1:0",
		"LGSP_SIMULATOR_ADDR=127.0.0.1:0", "LGSP_SIM_VDXP_ADDR=127.0.0.1:0", "LGSP_SIM_DVCQG_ADDR=127.0.0.1:0",
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, true, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("the platform did not stop within 15 s")
		}
	})
	p := &platform{t: t, a: a, admin: a.Info.AdminURL}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.admin + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the platform did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

// browser is a client with its own cookies, as one browser would be.
type browser struct {
	t    *testing.T
	p    *platform
	c    *http.Client
	last string // the last page's HTML
}

func (p *platform) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: p.t, p: p, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page and returns its status and HTML; it does not follow
// redirects (the Location is in the returned header).
func (b *browser) get(path string) (int, string, http.Header) {
	b.t.Helper()
	resp, err := b.c.Get(b.p.admin + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return resp.StatusCode, b.last, resp.Header
}

// post sends a form the way the browser does, with the CSRF token of the
// last page fetched (fetch the page first).
func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		if m := csrfRE.FindStringSubmatch(b.last); m != nil {
			form.Set("csrf", m[1])
		}
	}
	resp, err := b.c.PostForm(b.p.admin+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return resp.StatusCode, b.last, resp.Header
}

// login signs in and fails the test unless it worked.
func (b *browser) login(user, password string) {
	b.t.Helper()
	b.get("/login")
	st, body, h := b.post("/login", url.Values{"username": {user}, "password": {password}, "next": {"/"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/" {
		b.t.Fatalf("login as %s: %d %s", user, st, body)
	}
}

func contains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("page lacks %q", w)
		}
	}
}

// adminCtx acts on the registry in process as a platform admin.
func adminCtx() context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "console-test", Role: authn.RolePlatformAdmin})
}

// registry is the platform's registry, to set up what a test needs.
func (p *platform) registry() *registry.Service {
	return p.a.Instance(app.RegistryName).(*registry.Service)
}

// user creates a user through the registry and returns a browser signed
// in as them.
func (p *platform) user(t *testing.T, name string, role registryv1.UserRole, agency string) *browser {
	t.Helper()
	password := name + "-password-1"
	if _, err := p.registry().CreateUser(adminCtx(), &registryv1.CreateUserRequest{Password: password,
		User: &registryv1.User{Username: name, Role: role, AgencyCode: agency}}); err != nil {
		t.Fatal(err)
	}
	b := p.browser()
	b.login(name, password)
	return b
}
