package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// rawExchange writes raw on a new connection to the gateway and reads one
// response, failing the test if none comes within wait.
func (h *harness) rawExchange(raw string, wait time.Duration) (*http.Response, []byte, time.Duration) {
	h.t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(wait))
	start := time.Now()
	if _, err := io.WriteString(c, raw); err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		h.t.Fatalf("no answer to %q within %s: %v", firstLine(raw), wait, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, time.Since(start)
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// TestIdentityHeadersStripped: headers an upstream may take as the
// client's verified identity never come from the client, in any spelling.
func TestIdentityHeadersStripped(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	tok := h.w.tokens["app1"]
	spoofed := []string{
		"X-Client-Cert", "X-SSL-Client-Cert", "X-Forwarded-Client-Cert", "Ssl-Client-Verify", "X-LGSP-Client-Cert",
		"X-Lgsp_Consumer", "x_lgsp_agency", "X-LGSP-Consumer-Id", "X-Lgsp-Error", "x-lgsp-anything",
		"X-Real-IP", "True-Client-IP", "X_Forwarded_For", "X_Real_Ip", "X_Client_Cert", "Ssl_Client_Verify",
	}
	// More than the 16 the first pass keeps on the stack.
	for i := 0; i < 20; i++ {
		spoofed = append(spoofed, "X-Lgsp-Extra-"+string(rune('a'+i)))
	}
	raw := "GET " + p1 + " HTTP/1.1\r\nHost: gw.example.vn\r\nAuthorization: Bearer " + tok + "\r\nX-Custom: kept\r\n"
	for _, name := range spoofed {
		raw += name + ": spoofed\r\n"
	}
	raw += "Connection: close\r\n\r\n"
	resp, body, _ := h.rawExchange(raw, 10*time.Second)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	got := up.lastRequest()
	for k, v := range got.Header.All() {
		if strings.Contains(string(v), "spoofed") {
			t.Errorf("upstream received %s: %s", k, v)
		}
	}
	if string(got.Header.Peek("X-Lgsp-Consumer")) != h.w.app1.GetId() || string(got.Header.Peek("X-Custom")) != "kept" {
		t.Errorf("gateway headers: consumer %q, custom %q", got.Header.Peek("X-Lgsp-Consumer"), got.Header.Peek("X-Custom"))
	}
}

// traversalPaths are ways of writing a dot segment that some upstream
// (Tomcat, Spring, IIS, a proxy that decodes) resolves.
var traversalPaths = []string{
	"/x/..", "/x/../y", "/x/./y", "/x/%2e%2e/y", "/x/%2E%2e/y", "/x/.%2e/y",
	"/x/..;/y", "/x/..;jsessionid=1/y", "/x/.;/y", "/x/%2e%2e;/y",
	`/x/..\y`, `/x/y\..\..\z`, "/x/..%5cy", "/x/..%5Cy", "/x/%2e%2e%5cy",
	"/x/..%2fy", "/x/..%2Fy", "/x/%2e%2e%2fy", "/x/a%2f..%2fy",
	"/x/%c0%ae%c0%ae/y", "/x/%C0%AE./y", "/x/%e0%80%ae%e0%80%ae/y", "/x/..%c0%afy", "/x/..%c1%9cy",
	"/x/%252e%252e/y", "/x/%252E%252E%252Fy", "/x/.%252e/y", "/x/..%255cy", "/x/%25252e%25252e/y",
	"/x/%u002e%u002e/y", "/x/..%u2215y", "/x/%uff0e%uff0e/y", "/x/%ef%bc%8e%ef%bc%8e/y",
	"/x/..%00/y", "/x/%2e%2e%20/y", "/x/%252e",
	"/x//y",
}

// legitimatePaths must still pass.
var legitimatePaths = []string{
	"/x", "/x/", "/x/a/b.json", "/x/..b", "/x/b..", "/x/.well", "/x/a.b.c", "/x/%20x", "/x/a%2fb",
	"/x/v1.0/..json", "/x/a;b", "/x/%2e%2eb", "/x/%252eb", "/x/caf%C3%A9", "/x/Vi%E1%BB%87t%20Nam", "/x/100%25",
}

func TestCleanPath(t *testing.T) {
	for _, p := range traversalPaths {
		if cleanPath([]byte(p)) {
			t.Errorf("cleanPath(%q) = true, want refused", p)
		}
	}
	for _, p := range legitimatePaths {
		if !cleanPath([]byte(p)) {
			t.Errorf("cleanPath(%q) = false, want accepted", p)
		}
	}
}

// TestTraversalVariantsRefused sends each variant as it is on the wire:
// none may reach the upstream.
func TestTraversalVariantsRefused(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	for _, p := range traversalPaths {
		path := "/dmdc/1.0" + strings.TrimPrefix(p, "/x")
		resp, body, _ := h.rawExchange("GET "+path+" HTTP/1.1\r\nHost: gw.example.vn\r\nConnection: close\r\n\r\n", 5*time.Second)
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"invalid_path"`) {
			t.Errorf("GET %s: %d %s, want 400 invalid_path", path, resp.StatusCode, body)
		}
	}
	if n := up.hits.Load(); n != 0 {
		t.Fatalf("upstream received %d traversal requests (last %q)", n, up.lastURI())
	}
	for _, p := range legitimatePaths {
		path := "/dmdc/1.0" + strings.TrimPrefix(p, "/x")
		resp, body, _ := h.rawExchange("GET "+path+" HTTP/1.1\r\nHost: gw.example.vn\r\nConnection: close\r\n\r\n", 5*time.Second)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s, want 200", path, resp.StatusCode, body)
		}
	}
}

// TestHTTPHygiene: an unknown HTTP version is answered 505, a header block
// with bare LF line endings 400 at once, and the upstream's Connection
// header never reaches the client.
func TestHTTPHygiene(t *testing.T) {
	// A raw upstream, so that its Connection header is exactly this.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Upstream-Hop\r\nX-Upstream-Hop: secret\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\n{}")
				}
			}(c)
		}
	}()
	h := startGateway(t, "http://"+ln.Addr().String(), func(c *Config) { c.ReadTimeout = 20 * time.Second })

	resp, body, _ := h.rawExchange("GET /dmdc/1.0/x HTTP/1.1\r\nHost: gw.example.vn\r\n\r\n", 5*time.Second)
	if resp.StatusCode != 200 || string(body) != "{}" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if v := resp.Header.Values("Connection"); len(v) != 0 || resp.Header.Get("X-Upstream-Hop") != "" || resp.Header.Get("Keep-Alive") != "" {
		t.Errorf("upstream hop-by-hop headers reached the client: %v", resp.Header)
	}

	for _, version := range []string{"HTTP/9.9", "HTTP/2.0", "HTTP/1.2"} {
		resp, body, _ = h.rawExchange("GET /dmdc/1.0/x "+version+"\r\nHost: gw.example.vn\r\n\r\n", 5*time.Second)
		if resp.StatusCode != 505 || !strings.Contains(string(body), "http_version_not_supported") {
			t.Errorf("%s: %d %s, want 505", version, resp.StatusCode, body)
		}
	}

	for _, raw := range []string{
		"GET /dmdc/1.0/x HTTP/1.1\nHost: gw.example.vn\n\n",
		"GET /dmdc/1.0/x HTTP/1.1\r\nHost: gw.example.vn\r\n\n",
		"GET /dmdc/1.0/x HTTP/1.1\r\nHost: gw.example.vn\n\r\n",
		"POST /dmdc/1.0/x HTTP/1.1\nHost: gw.example.vn\nContent-Length: 2\n\n{}",
	} {
		resp, body, took := h.rawExchange(raw, 5*time.Second)
		if resp.StatusCode != 400 || took > 2*time.Second {
			t.Errorf("%q: %d %s after %s, want 400 at once", raw, resp.StatusCode, body, took)
		}
	}
}

// TestConnectionsPerAddressCapped: connections beyond max_conns_per_ip
// from one address are answered 429 and closed.
func TestConnectionsPerAddressCapped(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, func(c *Config) { c.MaxConnsPerIP = 2 })
	h.client.CloseIdleConnections()
	addr := strings.TrimPrefix(h.url, "http://")
	var held []net.Conn
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("connection %d: %v", i, err)
		}
		held = append(held, c)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 429 {
		t.Fatalf("third connection: %v %v, want 429", resp, err)
	}
	// Closing one lets a new one in.
	held[0].Close()
	time.Sleep(100 * time.Millisecond)
	resp2, body, _ := h.rawExchange("GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n", 5*time.Second)
	if resp2.StatusCode != 200 {
		t.Fatalf("after one closed: %d %s", resp2.StatusCode, body)
	}
}

// TestBodyRefusedBeforeReading sends only the headers of requests whose
// bodies are over a limit: the answer must come without the body being
// sent, from the global cap, the route's own limit or the missing
// credential.
func TestBodyRefusedBeforeReading(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, nil)
	h.updateAPI1(&registryv1.Api{MaxBodyBytes: 1000}, "max_body_bytes")
	tok := "Authorization: Bearer " + h.w.tokens["app1"] + "\r\n"
	const mb60 = "62914560"
	cases := []struct {
		name, raw string
		status    int
		code      string
	}{
		{"unknown route", "POST /khongco/1.0/x HTTP/1.1\r\nHost: gw\r\nContent-Length: " + mb60 + "\r\n\r\n", 413, "body_too_large"},
		{"unauthenticated", "POST /apiCSDLDKDN/1.0/doanhnghiep HTTP/1.1\r\nHost: gw\r\nContent-Length: " + mb60 + "\r\n\r\n", 401, "missing_credential"},
		{"public API over the default", "POST /dmdc/1.0/x HTTP/1.1\r\nHost: gw\r\nContent-Length: " + mb60 + "\r\n\r\n", 413, "body_too_large"},
		{"the route's own limit", "POST /apiCSDLDKDN/1.0/doanhnghiep HTTP/1.1\r\nHost: gw\r\n" + tok + "Content-Length: 1001\r\n\r\n", 413, "body_too_large"},
		{"token endpoint", "POST /token HTTP/1.1\r\nHost: gw\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1048576\r\n\r\n", 413, "body_too_large"},
		{"absolute form", "POST http://gw/khongco/1.0/x HTTP/1.1\r\nHost: gw\r\nContent-Length: " + mb60 + "\r\n\r\n", 413, "body_too_large"},
	}
	for _, c := range cases {
		resp, body, took := h.rawExchange(c.raw, 5*time.Second)
		if resp.StatusCode != c.status || !strings.Contains(string(body), `"`+c.code+`"`) || took > 2*time.Second {
			t.Errorf("%s: %d %s after %s, want %d %s at once", c.name, resp.StatusCode, body, took, c.status, c.code)
		}
	}

	// Expect: 100-continue over the limit gets the final answer, not 100.
	resp, _, took := h.rawExchange("POST /khongco/1.0/x HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: "+mb60+"\r\n\r\n", 5*time.Second)
	if resp.StatusCode != 413 || took > 2*time.Second {
		t.Errorf("Expect: 100-continue: %d after %s, want 413", resp.StatusCode, took)
	}

	// A chunked body is read only up to the route's limit.
	chunk := strings.Repeat("a", 600)
	resp, body, _ := h.rawExchange("POST /apiCSDLDKDN/1.0/doanhnghiep HTTP/1.1\r\nHost: gw\r\n"+tok+"Transfer-Encoding: chunked\r\n\r\n258\r\n"+chunk+"\r\n258\r\n"+chunk+"\r\n", 5*time.Second)
	if resp.StatusCode != 413 {
		t.Errorf("chunked over the route's limit: %d %s", resp.StatusCode, body)
	}
	// Within the limit, both pass.
	resp, body, _ = h.rawExchange("POST /apiCSDLDKDN/1.0/doanhnghiep HTTP/1.1\r\nHost: gw\r\n"+tok+"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n258\r\n"+chunk+"\r\n0\r\n\r\n", 5*time.Second)
	if resp.StatusCode != 200 {
		t.Errorf("chunked within the limit: %d %s", resp.StatusCode, body)
	}
	if r := h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep", h.w.bearerOf("app1"), strings.Repeat("b", 1000)); r.status != 200 {
		t.Errorf("body at the limit: %d %s", r.status, r.body)
	}
	if n := up.hits.Load(); n != 2 {
		t.Errorf("upstream hits %d, want 2", n)
	}
}

// TestUnusedConnectionClosedSilently: a connection that sends nothing
// until the read timeout is closed without an unsolicited answer (which a
// client would read as the response to its next request).
func TestUnusedConnectionClosedSilently(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, func(c *Config) { c.ReadTimeout = 200 * time.Millisecond })
	c, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	if len(b) != 0 {
		t.Fatalf("unsolicited answer on an unused connection: %q (%v)", b, err)
	}
}
