package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startListener serves a handler that reads the whole body and answers its
// length, or 413 when the body limit stopped the read.
func startListener(t *testing.T, maxBody int64) string {
	t.Helper()
	return startListenerWith(t, ListenerOptions{MaxBodyBytes: maxBody})
}

func startListenerWith(t *testing.T, o ListenerOptions) string {
	t.Helper()
	l, err := NewListener(ListenerOptions{Name: "admin", Addr: "127.0.0.1:0", MaxBodyBytes: o.MaxBodyBytes, BodyLimit: o.BodyLimit,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				return
			}
			fmt.Fprint(w, len(b))
		})})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return l.Addr().String()
}

func rawRequest(t *testing.T, addr, raw string) (*http.Response, string, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to %q: %v", strings.SplitN(raw, "\r\n", 2)[0], err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), time.Since(start)
}

// TestBodyLimit: a listener refuses an announced body over its limit
// without reading it, and stops reading an unannounced one at the limit.
func TestBodyLimit(t *testing.T) {
	addr := startListener(t, 0)

	// 100 MB announced to the login endpoint, headers only.
	resp, body, took := rawRequest(t, addr, "POST /admin/v1/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n")
	if resp.StatusCode != 413 || !strings.Contains(body, `"body_too_large"`) || !strings.Contains(body, "message_vi") || took > 2*time.Second {
		t.Fatalf("announced 100 MB: %d %s after %s", resp.StatusCode, body, took)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("413 without X-Request-Id")
	}

	// Chunked, past the default limit: the handler's read stops there.
	chunk := strings.Repeat("a", 1<<20)
	raw := "POST /admin/v1/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	for i := 0; i < 5; i++ {
		raw += fmt.Sprintf("%x\r\n%s\r\n", len(chunk), chunk)
	}
	raw += "0\r\n\r\n"
	if resp, body, _ := rawRequest(t, addr, raw); resp.StatusCode != 413 {
		t.Fatalf("chunked 5 MiB: %d %s", resp.StatusCode, body)
	}

	// Within the limit.
	r, err := http.Post("http://"+addr+"/admin/v1/apis", "application/json", strings.NewReader(strings.Repeat("x", 3<<20)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || string(b) != fmt.Sprint(3<<20) {
		t.Fatalf("3 MiB: %d %s", r.StatusCode, b)
	}

	// A listener's own limit.
	small := startListener(t, 1024)
	if resp, body, _ := rawRequest(t, small, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n"); resp.StatusCode != 413 {
		t.Fatalf("own limit: %d %s", resp.StatusCode, body)
	}
}

// TestBodyLimitRaisedForAPath: BodyLimit raises the bound for the paths it
// names and leaves it for the others.
func TestBodyLimitRaisedForAPath(t *testing.T) {
	addr := startListenerWith(t, ListenerOptions{MaxBodyBytes: 1024, BodyLimit: func(r *http.Request) int64 {
		if strings.HasPrefix(r.URL.Path, "/big/") {
			return 4096
		}
		return 0
	}})
	if resp, body, _ := rawRequest(t, addr, "POST /big/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4097\r\n\r\n"); resp.StatusCode != 413 {
		t.Fatalf("over the raised bound: %d %s", resp.StatusCode, body)
	}
	if resp, body, _ := rawRequest(t, addr, "POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n"); resp.StatusCode != 413 {
		t.Fatalf("a path not raised: %d %s", resp.StatusCode, body)
	}
	r, err := http.Post("http://"+addr+"/big/x", "application/octet-stream", strings.NewReader(strings.Repeat("x", 3000)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || string(b) != "3000" {
		t.Fatalf("within the raised bound: %d %s", r.StatusCode, b)
	}
}
