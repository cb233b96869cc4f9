package gateway

import (
	"bytes"
	"encoding/json"
	"github.com/lgsp-vn/lgsp/internal/logbuf"
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

func TestForwardedClientAddressParsing(t *testing.T) {
	for _, c := range []struct {
		xff, fwd string
		want     string
	}{
		{"203.0.113.7", "", "203.0.113.7"},
		{" 203.0.113.7 , 10.0.0.1", "", "203.0.113.7"},
		{"2001:db8::7, 10.0.0.1", "", "2001:db8::7"},
		{"::ffff:203.0.113.7", "", "203.0.113.7"},
		{"203.0.113.7:4711", "", "203.0.113.7"},
		{"", `for=192.0.2.60;proto=http;by=203.0.113.43`, "192.0.2.60"},
		{"", `For="[2001:db8:cafe::17]:4711", for=10.0.0.1`, "2001:db8:cafe::17"},
		{"", `proto=https; for="192.0.2.61:8080"`, "192.0.2.61"},
		{"garbage", `for=192.0.2.62`, "192.0.2.62"}, // an invalid X-Forwarded-For falls through
		{"", `for=_hidden`, ""},
		{"", `for=unknown, for=192.0.2.63`, ""}, // only the first element counts
		{"fe80::1%eth0", "", ""},
		{"", "", ""},
	} {
		a, ok := firstForwardedFor([]byte(c.xff))
		if !ok {
			a, ok = firstForwardedParam([]byte(c.fwd))
		}
		got := ""
		if ok {
			got = a.String()
		}
		if got != c.want {
			t.Errorf("X-Forwarded-For %q, Forwarded %q: %q, want %q", c.xff, c.fwd, got, c.want)
		}
	}
}

// accessLines returns the access log records written to s so far.
func accessLines(s *logbuf.Buffer) []map[string]any {
	var out []map[string]any
	for _, line := range bytes.Split([]byte(s.String()), []byte{'\n'}) {
		var m map[string]any
		if len(line) > 0 && json.Unmarshal(line, &m) == nil && m["msg"] == "access" {
			out = append(out, m)
		}
	}
	return out
}

func TestAccessLogClientAddress(t *testing.T) {
	up := startUpstream(t)
	for _, c := range []struct {
		name  string
		trust bool
		hdr   map[string]string
		want  string
	}{
		{"untrusted X-Forwarded-For", false, map[string]string{"X-Forwarded-For": "203.0.113.7"}, "127.0.0.1"},
		{"trusted X-Forwarded-For", true, map[string]string{"X-Forwarded-For": "203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"trusted Forwarded", true, map[string]string{"Forwarded": `for="[2001:db8::7]:4711";proto=https`}, "2001:db8::7"},
		{"trusted but not an address", true, map[string]string{"X-Forwarded-For": "evil\", \"x"}, "127.0.0.1"},
		{"trusted without headers", true, nil, "127.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sink logbuf.Buffer
			h := startGatewayWith(t, up.url, setup{
				logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
				opts:   []Option{WithAccessLog(&sink)},
				tweak:  func(cfg *Config) { cfg.AccessLog, cfg.AccessLogSample = "all", 1; cfg.TrustForwarded = c.trust },
			})
			if r := h.do("GET", "/dmdc/1.0/x", c.hdr, ""); r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var lines []map[string]any
			waitFor(t, 2*time.Second, "access log line", func() bool { lines = accessLines(&sink); return len(lines) > 0 })
			if got := lines[len(lines)-1]["client_ip"]; got != c.want {
				t.Fatalf("client_ip %v, want %s", got, c.want)
			}
			// The token endpoint tells the registry the same address.
			h.do("POST", "/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": c.hdr["X-Forwarded-For"], "Forwarded": c.hdr["Forwarded"]},
				"grant_type=client_credentials&client_id=x&client_secret=y")
			if got := h.counts.tokenSource.Load(); got != c.want {
				t.Fatalf("token request source %v, want %s", got, c.want)
			}
			// The upstream still learns the whole chain, the gateway's peer
			// last.
			if c.trust && c.hdr["X-Forwarded-For"] != "" {
				if got, want := hdr2(up, "X-Forwarded-For"), c.hdr["X-Forwarded-For"]+", 127.0.0.1"; got != want {
					t.Fatalf("upstream X-Forwarded-For %q, want %q", got, want)
				}
			}
		})
	}
}

// The metering event carries the same client address as the access log.
func TestMeteringEventClientAddress(t *testing.T) {
	var pe meteringv1.Event
	encodeEvent(&pe, &event{id: "r1", client: netip.MustParseAddr("203.0.113.7")})
	if pe.ClientIp != "203.0.113.7" {
		t.Fatalf("client_ip %q", pe.ClientIp)
	}
	pe = meteringv1.Event{}
	encodeEvent(&pe, &event{id: "r2"})
	if pe.ClientIp != "" {
		t.Fatalf("client_ip %q without an address", pe.ClientIp)
	}
}
