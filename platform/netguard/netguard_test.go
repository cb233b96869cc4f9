package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// staticResolver answers from a fixed table, so tests do not depend on DNS.
type staticResolver map[string][]netip.Addr

func (r staticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestCheckURL(t *testing.T) {
	res := staticResolver{
		"api.example.com": {netip.MustParseAddr("93.184.216.34")},
		"intranet.local":  {netip.MustParseAddr("10.1.2.3")},
		"rebind.example":  {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("169.254.169.254")},
		"localhost":       {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
		"mapped.example":  {netip.MustParseAddr("::ffff:169.254.169.254")},
	}
	strict, err := Parse([]string{"public"})
	if err != nil {
		t.Fatal(err)
	}
	strict = strict.WithResolver(res)
	dev, err := Parse([]string{"public", "127.0.0.0/8", "::1", "10.0.0.0/8", "*.gov.vn", "0.0.0.0/0"})
	if err != nil {
		t.Fatal(err)
	}
	dev = dev.WithResolver(res)

	cases := []struct {
		name   string
		p      *Policy
		url    string
		reason string // "" means allowed
	}{
		{"public ip", strict, "https://93.184.216.34/x", ""},
		{"public name", strict, "http://api.example.com:8080/base", ""},
		{"ftp", strict, "ftp://93.184.216.34/", ReasonScheme},
		{"no scheme", strict, "93.184.216.34/x", ReasonInvalidURL},
		{"relative", strict, "/just/a/path", ReasonInvalidURL},
		{"userinfo", strict, "https://u:p@93.184.216.34/", ReasonUserinfo},
		{"metadata ip", strict, "http://169.254.169.254/latest/meta-data", ReasonForbidden},
		{"metadata ip even if 0/0 allowed", dev, "http://169.254.169.254/", ReasonForbidden},
		{"metadata name", dev, "http://metadata.google.internal/", ReasonForbidden},
		{"alibaba metadata", dev, "http://100.100.100.200/", ReasonForbidden},
		{"ipv6 link-local", dev, "http://[fe80::1]/", ReasonForbidden},
		{"mapped metadata", dev, "http://[::ffff:169.254.169.254]/", ReasonForbidden},
		{"mapped metadata via dns", dev, "http://mapped.example/", ReasonForbidden},
		{"unspecified", dev, "http://0.0.0.0:80/", ReasonForbidden},
		{"loopback strict", strict, "http://127.0.0.1:9000/", ReasonForbidden},
		{"localhost strict", strict, "http://localhost:9000/", ReasonForbidden},
		{"loopback dev", dev, "http://127.0.0.1:9000/apiCSDLDKDN/1.0", ""},
		{"localhost dev", dev, "http://localhost:9000/", ""},
		{"private strict", strict, "http://10.1.2.3/", ReasonForbidden},
		{"private name strict", strict, "http://intranet.local/", ReasonForbidden},
		{"private name dev", dev, "http://intranet.local/", ""},
		{"rebinding mix", strict, "http://rebind.example/", ReasonForbidden},
		{"unresolvable", strict, "http://nope.invalid/", ReasonUnresolvable},
		{"suffix allowed without dns", dev, "https://csdl.dkkd.gov.vn/", ""},
		{"suffix does not match apex", dev, "https://gov.vn/", ReasonUnresolvable},
		{"cgnat strict", strict, "http://100.64.1.1/", ReasonForbidden},
		{"documentation range", strict, "http://192.0.2.10/", ReasonForbidden},
		{"bad port", strict, "http://93.184.216.34:99999/", ReasonInvalidURL},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.CheckURL(context.Background(), c.url)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("CheckURL(%q) = %v, want allowed", c.url, err)
				}
				return
			}
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("CheckURL(%q) = %v, want reason %s", c.url, err, c.reason)
			}
			if ge.Reason != c.reason {
				t.Fatalf("CheckURL(%q) reason = %s (%v), want %s", c.url, ge.Reason, err, c.reason)
			}
		})
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	for _, e := range []string{"10.0.0.0/33", "not a host!", "*."} {
		if _, err := Parse([]string{e}); err == nil {
			t.Errorf("Parse(%q) succeeded", e)
		}
	}
	p, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.AllowAddr(netip.MustParseAddr("8.8.8.8")) {
		t.Error("empty policy admits a public address")
	}
}

func TestControl(t *testing.T) {
	if err := Control("tcp", "169.254.169.254:80", nil); !errors.Is(err, ErrDialDenied) {
		t.Fatalf("Control(metadata) = %v", err)
	}
	if err := Control("tcp", "[fe80::1]:80", nil); !errors.Is(err, ErrDialDenied) {
		t.Fatalf("Control(link-local v6) = %v", err)
	}
	if err := Control("tcp", "10.0.0.1:80", nil); err != nil {
		t.Fatalf("Control(private) = %v", err)
	}
}

// TestDialContext checks addresses when connecting, whatever the name
// resolved to at registration.
func TestDialContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	res := staticResolver{
		"up.example":     {netip.MustParseAddr("127.0.0.1")},
		"meta.example":   {netip.MustParseAddr("169.254.169.254")},
		"mixed.example":  {netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("127.0.0.1")},
		"mapped.example": {netip.MustParseAddr("::ffff:169.254.169.254")},
		"named.gov.vn":   {netip.MustParseAddr("127.0.0.1")},
		"evil.gov.vn":    {netip.MustParseAddr("169.254.169.254")},
	}
	policy := func(entries ...string) *Policy {
		p, err := Parse(entries)
		if err != nil {
			t.Fatal(err)
		}
		return p.WithResolver(res)
	}
	strict := policy("public")
	loop := policy("public", "127.0.0.0/8")
	open := policy("0.0.0.0/0", "::/0")
	named := policy("public", "*.gov.vn")
	cases := []struct {
		name string
		p    *Policy
		host string
		ok   bool
	}{
		{"name to loopback, public only", strict, "up.example", false},
		{"loopback literal, public only", strict, "127.0.0.1", false},
		{"name to loopback, loopback allowed", loop, "up.example", true},
		{"name to metadata, everything allowed", open, "meta.example", false},
		{"mapped metadata, everything allowed", open, "mapped.example", false},
		{"metadata literal, everything allowed", open, "169.254.169.254", false},
		{"metadata host name", open, "metadata.google.internal", false},
		{"mixed answer dials only the allowed address", open, "mixed.example", true},
		{"named host resolving to loopback", named, "named.gov.vn", true},
		{"named host resolving to metadata", named, "evil.gov.vn", false},
		{"unresolvable", open, "nope.example", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := c.p.DialTimeout(net.JoinHostPort(c.host, port), 2*time.Second)
			if c.ok {
				if err != nil {
					t.Fatalf("dial %s: %v", c.host, err)
				}
				conn.Close()
				return
			}
			if err == nil {
				conn.Close()
				t.Fatalf("dial %s connected to %s, want refused", c.host, conn.RemoteAddr())
			}
			var op *net.OpError
			if !errors.As(err, &op) || op.Op != "dial" {
				t.Fatalf("dial %s: %v is not a dial error", c.host, err)
			}
			if c.host != "nope.example" && !errors.Is(err, ErrDialDenied) {
				t.Fatalf("dial %s: %v, want ErrDialDenied", c.host, err)
			}
		})
	}
}
