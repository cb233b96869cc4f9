package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// startHTTP10Upstream is a raw HTTP/1.0 server: it reads one request per
// connection, answers "HTTP/1.0 200 OK" and closes, with or without a
// Content-Length (without one, the body ends with the connection).
func startHTTP10Upstream(t *testing.T, withLength bool) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var hits atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				hits.Add(1)
				body := `{"ok":true}`
				head := "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
				if withLength {
					head += "Content-Length: 11\r\n"
				}
				_, _ = io.WriteString(c, head+"\r\n"+body)
			}(c)
		}
	}()
	return "http://" + ln.Addr().String(), &hits
}

func TestHTTP10UpstreamKeepsClientProtocolAndConnection(t *testing.T) {
	for _, withLength := range []bool{true, false} {
		name := "without Content-Length"
		if withLength {
			name = "with Content-Length"
		}
		t.Run(name, func(t *testing.T) {
			up, hits := startHTTP10Upstream(t, withLength)
			h := startGateway(t, up, nil)
			conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			rd := bufio.NewReader(conn)
			for i := 0; i < 3; i++ { // the same client connection each time
				if _, err := io.WriteString(conn, "GET /dmdc/1.0/x HTTP/1.1\r\nHost: gw.example.vn\r\n\r\n"); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				resp, err := http.ReadResponse(rd, nil)
				if err != nil {
					t.Fatalf("response %d: %v", i, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(body) != `{"ok":true}` {
					t.Fatalf("response %d: %d %q", i, resp.StatusCode, body)
				}
				if resp.Proto != "HTTP/1.1" || resp.Close {
					t.Fatalf("response %d: %s, close=%v; want HTTP/1.1 and the connection kept", i, resp.Proto, resp.Close)
				}
			}
			if hits.Load() != 3 {
				t.Fatalf("upstream hits %d, want 3", hits.Load())
			}
			// An HTTP/1.0 client still gets HTTP/1.0.
			c2, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c2.Close()
			_ = c2.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c2, "GET /dmdc/1.0/x HTTP/1.0\r\nHost: gw.example.vn\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.Proto != "HTTP/1.0" || string(body) != `{"ok":true}` {
				t.Fatalf("HTTP/1.0 client: %s %q", resp.Proto, body)
			}
		})
	}
}
