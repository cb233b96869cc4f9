package authn

import (
	"context"
	"github.com/lgsp-vn/lgsp/internal/logbuf"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

const goodToken = "good-token"

type tokens struct{}

func (tokens) Authenticate(_ context.Context, token string) (Principal, error) {
	if token == goodToken {
		return Principal{Subject: "alice", Role: RolePlatformAdmin}, nil
	}
	return Principal{}, ErrUnauthenticated
}

func mustProxies(t *testing.T, list ...string) Proxies {
	t.Helper()
	p, err := ParseProxies(list)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientAddr(t *testing.T) {
	lb := mustProxies(t, "10.0.0.0/8", "::1", "192.0.2.1")
	cases := []struct {
		name    string
		proxies Proxies
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies: the header is ignored", Proxies{}, "198.51.100.7:4000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"untrusted peer: the header is ignored", lb, "198.51.100.7:4000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"trusted peer", lb, "10.1.2.3:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"trusted chain", lb, "10.1.2.3:4000", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"spoofed left part", lb, "10.1.2.3:4000", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"several headers", lb, "10.1.2.3:4000", []string{"1.1.1.1", "203.0.113.9"}, "203.0.113.9"},
		{"single address entry", lb, "192.0.2.1:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"ipv6 loopback proxy", lb, "[::1]:4000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"garbage from the client", lb, "10.1.2.3:4000", []string{"not-an-ip"}, "10.1.2.3"},
		{"garbage behind a real hop", lb, "10.1.2.3:4000", []string{"junk, 203.0.113.9"}, "203.0.113.9"},
		{"no header", lb, "10.1.2.3:4000", nil, "10.1.2.3"},
		{"all trusted", lb, "10.1.2.3:4000", []string{"10.7.7.7"}, "10.7.7.7"},
		{"peer without port", Proxies{}, "198.51.100.7", nil, "198.51.100.7"},
	}
	for _, c := range cases {
		if got := c.proxies.ClientAddr(c.peer, c.xff); got != c.want {
			t.Errorf("%s: ClientAddr(%q, %q) = %q, want %q", c.name, c.peer, c.xff, got, c.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.org", "10.0.0.1/"} {
		if _, err := ParseProxies([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseProxies(%q) = %v", bad, err)
		}
	}
}

// captureLog makes slog.Default write into a buffer for the test.
func captureLog(t *testing.T) *logbuf.Buffer {
	t.Helper()
	buf := &logbuf.Buffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return buf
}

type recorded struct {
	principal Principal
	source    string
	err       error
	served    bool
}

func serve(t *testing.T, h func(http.Handler) http.Handler, r *http.Request) *recorded {
	t.Helper()
	rec := &recorded{}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.served = true
		rec.principal, _ = From(r.Context())
		rec.source = SourceFrom(r.Context())
	})
	w := httptest.NewRecorder()
	h(next).ServeHTTP(w, r)
	return rec
}

func middleware(rec **recorded, opts ...Option) func(http.Handler) http.Handler {
	public := func(r *http.Request) bool { return r.URL.Path == "/login" }
	return Middleware(tokens{}, public, func(w http.ResponseWriter, r *http.Request, err error) {
		(*rec).err = err
		w.WriteHeader(http.StatusForbidden)
	}, opts...)
}

// The login reads the caller's address from the context: X-Forwarded-For
// counts only from a trusted proxy.
func TestMiddlewareSource(t *testing.T) {
	captureLog(t)
	for _, c := range []struct {
		name    string
		opts    []Option
		path    string
		bearer  string
		want    string
		wantErr bool
	}{
		{"public, no proxies", nil, "/login", "", "127.0.0.1", false},
		{"public, trusted proxy", []Option{WithTrustedProxies(mustProxies(t, "127.0.0.0/8"))}, "/login", "", "203.0.113.9", false},
		{"authenticated, no proxies", nil, "/x", goodToken, "127.0.0.1", false},
		{"authenticated, trusted proxy", []Option{WithTrustedProxies(mustProxies(t, "127.0.0.1"))}, "/x", goodToken, "203.0.113.9", false},
	} {
		r := httptest.NewRequest(http.MethodPost, c.path, nil)
		r.RemoteAddr = "127.0.0.1:5555"
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		if c.bearer != "" {
			r.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		var rec *recorded
		h := middleware(&rec, c.opts...)
		rec = &recorded{}
		got := serve(t, h, r)
		if !got.served || got.source != c.want {
			t.Errorf("%s: served %v, source %q, want %q", c.name, got.served, got.source, c.want)
		}
		if c.bearer != "" && got.principal.Source != c.want {
			t.Errorf("%s: principal source %q", c.name, got.principal.Source)
		}
	}
}

// A session cookie opens state-changing calls only for requests that show
// they come from the console; bearer tokens and safe methods are not
// concerned.
func TestCookieCSRF(t *testing.T) {
	captureLog(t)
	cases := []struct {
		name    string
		method  string
		cookie  bool
		headers map[string]string
		csrf    string // value of the CSRF cookie
		ok      bool
	}{
		{"cookie GET", http.MethodGet, true, nil, "", true},
		{"cookie POST without proof", http.MethodPost, true, nil, "", false},
		{"cookie POST cross-site fetch", http.MethodPost, true, map[string]string{"Sec-Fetch-Site": "cross-site"}, "", false},
		{"cookie POST same-site (a sibling host)", http.MethodPost, true, map[string]string{"Sec-Fetch-Site": "same-site"}, "", false},
		{"cookie POST same-origin fetch", http.MethodPost, true, map[string]string{"Sec-Fetch-Site": "same-origin"}, "", true},
		{"cookie DELETE foreign origin", http.MethodDelete, true, map[string]string{"Origin": "https://evil.example"}, "", false},
		{"cookie PATCH own origin", http.MethodPatch, true, map[string]string{"Origin": "https://admin.lgsp.example"}, "", true},
		{"cookie POST null origin", http.MethodPost, true, map[string]string{"Origin": "null"}, "", false},
		{"cookie POST double submit", http.MethodPost, true, map[string]string{CSRFHeader: "t0k3n"}, "t0k3n", true},
		{"cookie POST wrong double submit", http.MethodPost, true, map[string]string{CSRFHeader: "guess"}, "t0k3n", false},
		{"cookie POST header without cookie", http.MethodPost, true, map[string]string{CSRFHeader: "t0k3n"}, "", false},
		{"bearer POST foreign origin", http.MethodPost, false, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, "", true},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "https://admin.lgsp.example/admin/v1/apis", nil)
		if c.cookie {
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: goodToken})
		} else {
			r.Header.Set("Authorization", "Bearer "+goodToken)
		}
		if c.csrf != "" {
			r.AddCookie(&http.Cookie{Name: CSRFCookie, Value: c.csrf})
		}
		for k, v := range c.headers {
			r.Header.Set(k, v)
		}
		rec := &recorded{}
		got := serve(t, middleware(&rec), r)
		if got.served != c.ok {
			t.Errorf("%s: served = %v, want %v (err %v)", c.name, got.served, c.ok, rec.err)
		}
		if !c.ok && rec.err != ErrCrossOrigin {
			t.Errorf("%s: refused with %v, want ErrCrossOrigin", c.name, rec.err)
		}
	}
	st := status.Convert(ErrCrossOrigin)
	if st.Code() != codes.PermissionDenied || len(st.Details()) != 1 {
		t.Fatalf("ErrCrossOrigin status = %v", st)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	exp := time.Now().Add(time.Hour)
	c := SessionCookieFor("lgsps_x", exp)
	if c.Name != "lgsp_session" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || !c.Expires.Equal(exp) {
		t.Fatalf("session cookie = %+v", c)
	}
	line := c.String()
	for _, want := range []string{"HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(line, want) {
			t.Errorf("Set-Cookie %q lacks %s", line, want)
		}
	}
	d := CSRFCookieFor("t", exp)
	if d.Name != CSRFCookie || d.HttpOnly || !d.Secure || d.SameSite != http.SameSiteStrictMode {
		t.Fatalf("CSRF cookie = %+v", d)
	}
}

// Refused calls are counted by reason and logged, at most ten lines a
// second, with the count of the lines left out.
func TestRefusalsCountedAndLogged(t *testing.T) {
	buf := captureLog(t)
	// A fresh limiter: earlier tests spent this second's lines.
	prev := refusals
	refusals = newRefusalLog(refusalLinesPerSecond, time.Now)
	t.Cleanup(func() { refusals = prev })
	before := testutil.ToFloat64(refusedTotal.WithLabelValues(RefusedUnauthenticated))
	beforeCSRF := testutil.ToFloat64(refusedTotal.WithLabelValues(RefusedCrossOrigin))

	// HTTP: no credential, a wrong one, and a cookie POST from elsewhere.
	for _, r := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/admin/v1/apis", nil),
		func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/admin/v1/apis", nil)
			r.Header.Set("Authorization", "Bearer wrong-token-value")
			return r
		}(),
		func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/admin/v1/apis", nil)
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: goodToken})
			return r
		}(),
	} {
		rec := &recorded{}
		if serve(t, middleware(&rec), r).served {
			t.Fatalf("%s %s served", r.Method, r.URL)
		}
	}
	// gRPC: no credential.
	ic := UnaryInterceptor(tokens{}, nil)
	ctx := peer.NewContext(metadata.NewIncomingContext(context.Background(), metadata.MD{}), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 44), Port: 1}})
	_, err := ic(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/lgsp.registry.v1.RegistryService/ListApis"}, func(context.Context, any) (any, error) { return nil, nil })
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("gRPC without a credential: %v", err)
	}
	if got := testutil.ToFloat64(refusedTotal.WithLabelValues(RefusedUnauthenticated)) - before; got != 3 {
		t.Errorf("unauthenticated refusals counted %v, want 3", got)
	}
	if got := testutil.ToFloat64(refusedTotal.WithLabelValues(RefusedCrossOrigin)) - beforeCSRF; got != 1 {
		t.Errorf("cross-origin refusals counted %v, want 1", got)
	}
	out := buf.String()
	for _, want := range []string{"reason=unauthenticated", "reason=cross_origin", "subject=alice", "192.0.2.44", "ListApis", "GET /admin/v1/apis"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "wrong-token-value") || strings.Contains(out, goodToken) {
		t.Errorf("a credential reached the log:\n%s", out)
	}

	// The rate limit: 25 refusals in one second write 10 lines; the next
	// line, a second later, says how many were left out.
	var logBuf logbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	l := newRefusalLog(10, func() time.Time { return now })
	for range 25 {
		l.record(context.Background(), log, RefusedForbidden, "GET /metrics")
	}
	if n := strings.Count(logBuf.String(), "admin call refused"); n != 10 {
		t.Fatalf("%d lines in one second, want 10", n)
	}
	now = now.Add(time.Second)
	l.record(context.Background(), log, RefusedForbidden, "GET /metrics")
	if n := strings.Count(logBuf.String(), "admin call refused"); n != 11 || !strings.Contains(logBuf.String(), "refusals_not_logged=15") {
		t.Fatalf("after a second: %d lines\n%s", n, logBuf.String())
	}
}

type authFunc func(ctx context.Context, token string) (Principal, error)

func (f authFunc) Authenticate(ctx context.Context, token string) (Principal, error) {
	return f(ctx, token)
}

// An authenticator that cannot decide (the registry is down) is answered
// Unavailable over gRPC, as over REST, not "invalid credential".
func TestInterceptorKeepsUnavailable(t *testing.T) {
	call := func(err error) codes.Code {
		a := authFunc(func(context.Context, string) (Principal, error) { return Principal{}, err })
		ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer x"))
		_, got := UnaryInterceptor(a, nil)(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/svc/M"},
			func(context.Context, any) (any, error) { return "ok", nil })
		return status.Code(got)
	}
	if c := call(status.Error(codes.Unavailable, "registry down")); c != codes.Unavailable {
		t.Fatalf("registry down: %v, want Unavailable", c)
	}
	if c := call(ErrUnauthenticated); c != codes.Unauthenticated {
		t.Fatalf("bad credential: %v, want Unauthenticated", c)
	}
}
