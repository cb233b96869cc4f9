package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
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
