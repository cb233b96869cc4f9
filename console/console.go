package console

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// Options are what the console needs of the process that serves it.
type Options struct {
	// API is the admin listener's authenticated REST surface (/admin/v1/…):
	// every read and every action of the console goes through it.
	API http.Handler
	// Ready reports the health of each part of the process by name
	// (service, database, NATS): "" when it is ready.
	Ready func(ctx context.Context) map[string]string
	// Checks names the parts Ready reports on.
	Checks []string
	// GatewayURL is where "try it" sends calls, as department systems do.
	GatewayURL string
	// GatewayClient sends them; nil means a client with a 30 s timeout.
	GatewayClient *http.Client
	// TrustForwardedProto makes the console treat a request with
	// X-Forwarded-Proto: https as one over TLS (behind a TLS proxy), for
	// the Secure cookie flag.
	TrustForwardedProto bool
	Log                 *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Console serves the pages. Build it with New.
type Console struct {
	opts Options
	mux  *http.ServeMux
	log  *slog.Logger
	now  func() time.Time
	// once keeps new secrets for the one view that shows them.
	once onceStore
}

// Page is one page of the console.
type Page struct {
	// Path is the page's path pattern as net/http.ServeMux reads it,
	// without method: "/apis" or "/apis/{id}".
	Path string
	// Menu is the message key of its entry in the navigation; "" keeps it
	// out of the menu (detail pages).
	Menu string
	// Section groups menu entries: "admin", "portal", "services" (pages
	// of the platform's services) or "audit".
	Section string
	// Order sorts the menu within a section.
	Order int
	// Roles may open the page; others get 403. Empty means every signed-in
	// user.
	Roles []authn.Role
	// Get renders the page; Post handles its forms (nil: none). A Post
	// runs only after the CSRF token was checked.
	Get  func(c *Ctx)
	Post func(c *Ctx)
}

var (
	pagesMu sync.Mutex
	pages   []Page
)

// Register adds a page. Pages register in init functions of their files.
func Register(p Page) {
	pagesMu.Lock()
	defer pagesMu.Unlock()
	pages = append(pages, p)
}

func registered() []Page {
	pagesMu.Lock()
	defer pagesMu.Unlock()
	out := slices.Clone(pages)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Section != out[j].Section {
			return sectionRank(out[i].Section) < sectionRank(out[j].Section)
		}
		return out[i].Order < out[j].Order
	})
	return out
}

func sectionRank(s string) int {
	switch s {
	case "admin":
		return 0
	case "portal":
		return 1
	case "services":
		return 2
	case "audit":
		return 3
	}
	return 4
}

// New builds the console.
func New(opts Options) *Console {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.GatewayClient == nil {
		opts.GatewayClient = &http.Client{Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	c := &Console{opts: opts, mux: http.NewServeMux(), log: opts.Log.With("service", "console"), now: opts.Now,
		once: onceStore{m: map[string]onceEntry{}}}
	c.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	c.mux.HandleFunc("GET /login", c.loginPage)
	c.mux.HandleFunc("POST /login", c.loginPost)
	c.mux.HandleFunc("POST /logout", c.logout)
	c.mux.HandleFunc("POST /lang", c.setLang)
	c.mux.HandleFunc("GET /{$}", c.home)
	for _, p := range registered() {
		if p.Path == "/" {
			continue
		}
		c.mux.HandleFunc("GET "+p.Path, c.serve(p, false))
		if p.Post != nil {
			c.mux.HandleFunc("POST "+p.Path, c.serve(p, true))
		}
	}
	c.mux.HandleFunc("/", c.notFound)
	return c
}

// Mount routes the console's paths of mux to the console: the start page,
// sign-in and out, the language switch, static files and every page. The
// other paths of mux stay as they are.
func (c *Console) Mount(mux *http.ServeMux) {
	for _, p := range []string{"/{$}", "/login", "/logout", "/lang", "/static/"} {
		mux.Handle(p, c)
	}
	seen := map[string]bool{}
	for _, p := range registered() {
		if p.Path != "/" && !seen[p.Path] {
			seen[p.Path] = true
			mux.Handle(p.Path, c)
		}
	}
}

// ServeHTTP serves the console with its security headers.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	c.mux.ServeHTTP(w, r)
}

// serve runs a page for a signed-in user allowed to see it.
func (c *Console) serve(p Page, post bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, ok := c.begin(w, r)
		if !ok {
			return
		}
		ctx.page = &p
		if len(p.Roles) > 0 && !slices.Contains(p.Roles, ctx.User.Role) {
			ctx.Forbidden()
			return
		}
		if post {
			if !ctx.checkCSRF() {
				ctx.Status = http.StatusForbidden
				ctx.Render("error", map[string]any{"Title": ctx.T("csrf.title"), "Message": ctx.T("csrf.message")})
				return
			}
			p.Post(ctx)
			return
		}
		p.Get(ctx)
	}
}

// home is the overview for admins and auditors, the catalogue for the
// agencies' users.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	ctx, ok := c.begin(w, r)
	if !ok {
		return
	}
	for _, p := range registered() {
		if p.Path == "/" && (len(p.Roles) == 0 || slices.Contains(p.Roles, ctx.User.Role)) {
			ctx.page = &p
			p.Get(ctx)
			return
		}
	}
	ctx.Redirect("/portal")
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	ctx := c.newCtx(w, r)
	ctx.session(false)
	ctx.Status = http.StatusNotFound
	ctx.Render("error", map[string]any{"Title": ctx.T("notfound.title"), "Message": ctx.T("notfound.message")})
}

// menu lists the pages role may see, by section.
func menu(role authn.Role) []Page {
	var out []Page
	for _, p := range registered() {
		if p.Menu != "" && (len(p.Roles) == 0 || slices.Contains(p.Roles, role)) {
			out = append(out, p)
		}
	}
	return out
}
