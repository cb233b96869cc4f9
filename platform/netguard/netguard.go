package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Reasons carried by *Error, stable for callers to map to API error codes.
const (
	ReasonInvalidURL    = "invalid_url"
	ReasonScheme        = "scheme"
	ReasonUserinfo      = "userinfo"
	ReasonForbidden     = "forbidden_address"
	ReasonUnresolvable  = "unresolvable"
	KeywordPublic       = "public"
	defaultResolveLimit = 3 * time.Second
)

// Error explains why a URL was refused.
type Error struct {
	Reason string
	Host   string
	Addr   netip.Addr // the refused address, when there is one
	Detail string
}

func (e *Error) Error() string {
	switch {
	case e.Addr.IsValid():
		return fmt.Sprintf("upstream %q: address %s is not allowed: %s", e.Host, e.Addr, e.Detail)
	case e.Host != "":
		return fmt.Sprintf("upstream %q: %s", e.Host, e.Detail)
	default:
		return "upstream: " + e.Detail
	}
}

// Resolver looks up host names; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy is a parsed allow-list. The zero value allows nothing.
type Policy struct {
	prefixes []netip.Prefix
	// exact host names, and suffixes (without the leading dot) that match
	// sub-domains only.
	hosts    map[string]bool
	suffixes []string
	public   bool
	resolver Resolver
	timeout  time.Duration
}

// hardDeny is refused whatever the allow-list says.
var hardDeny = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"), // IPv4 link-local, cloud metadata (169.254.169.254)
	netip.MustParsePrefix("fe80::/10"),      // IPv6 link-local
	netip.MustParsePrefix("100.100.100.200/32"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("255.255.255.255/32"),
	netip.MustParsePrefix("ff00::/8"),
	netip.MustParsePrefix("::/128"),
}

var hardDenyHosts = map[string]bool{
	"metadata":                   true,
	"metadata.google.internal":   true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
}

// notPublic are ranges that are never "public" even though Go calls some of
// them global unicast: private, shared, documentation, benchmarking,
// reserved and translation ranges.
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001::/32"),
}

// Parse builds a policy from allow-list entries:
//
//	public              every globally routable unicast address
//	10.20.0.0/16        a network (an address alone means /32 or /128)
//	api.example.gov.vn  exactly this host name
//	.gov.vn, *.gov.vn   any sub-domain of gov.vn
//
// Host names are accepted without resolving them, since an operator named
// them explicitly; hard-denied addresses are still refused when dialling.
func Parse(entries []string) (*Policy, error) {
	p := &Policy{hosts: map[string]bool{}, resolver: net.DefaultResolver, timeout: defaultResolveLimit}
	for _, raw := range entries {
		e := strings.ToLower(strings.TrimSpace(raw))
		switch {
		case e == "":
			continue
		case e == KeywordPublic:
			p.public = true
		case strings.Contains(e, "/"):
			pf, err := netip.ParsePrefix(e)
			if err != nil {
				return nil, fmt.Errorf("allow-list entry %q: %w", raw, err)
			}
			p.prefixes = append(p.prefixes, pf.Masked())
		default:
			if a, err := netip.ParseAddr(e); err == nil {
				p.prefixes = append(p.prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
				continue
			}
			suffix := strings.TrimPrefix(strings.TrimPrefix(e, "*"), ".")
			if !validHostName(suffix) {
				return nil, fmt.Errorf("allow-list entry %q: not %q, a CIDR, an address or a host name", raw, KeywordPublic)
			}
			if strings.HasPrefix(e, ".") || strings.HasPrefix(e, "*.") {
				p.suffixes = append(p.suffixes, suffix)
			} else {
				p.hosts[suffix] = true
			}
		}
	}
	return p, nil
}

// WithResolver returns a copy of p that resolves names with r.
func (p *Policy) WithResolver(r Resolver) *Policy {
	q := *p
	q.resolver = r
	return &q
}

func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// HardDenied reports whether a is refused whatever the allow-list says.
func HardDenied(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() {
		return true
	}
	for _, pf := range hardDeny {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}

// IsPublic reports whether a is a globally routable unicast address.
func IsPublic(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() {
		return false
	}
	for _, pf := range notPublic {
		if pf.Contains(a) {
			return false
		}
	}
	return true
}

// AllowAddr reports whether the policy admits a.
func (p *Policy) AllowAddr(a netip.Addr) bool {
	a = a.Unmap()
	if HardDenied(a) {
		return false
	}
	if p.public && IsPublic(a) {
		return true
	}
	for _, pf := range p.prefixes {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}

func (p *Policy) allowHost(h string) bool {
	if p.hosts[h] {
		return true
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(h, "."+s) {
			return true
		}
	}
	return false
}

// CheckURL validates an upstream base URL: http or https, no user info, and
// a host the policy admits. A host name that is not on the list is resolved
// and every address must be admitted. Errors are *Error.
func (p *Policy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return &Error{Reason: ReasonInvalidURL, Detail: "not an absolute URL"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return &Error{Reason: ReasonScheme, Host: u.Host, Detail: "scheme must be http or https"}
	}
	if u.User != nil {
		return &Error{Reason: ReasonUserinfo, Host: u.Hostname(), Detail: "credentials in the URL are not allowed; use the upstream authentication settings"}
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return &Error{Reason: ReasonInvalidURL, Detail: "missing host"}
	}
	if port := u.Port(); port != "" {
		if n, err := netip.ParseAddrPort("127.0.0.1:" + port); err != nil || n.Port() == 0 {
			return &Error{Reason: ReasonInvalidURL, Host: host, Detail: "invalid port"}
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !p.AllowAddr(a) {
			return &Error{Reason: ReasonForbidden, Host: host, Addr: a.Unmap(), Detail: reasonFor(a)}
		}
		return nil
	}
	if hardDenyHosts[host] {
		return &Error{Reason: ReasonForbidden, Host: host, Detail: "cloud metadata host"}
	}
	if !validHostName(host) {
		return &Error{Reason: ReasonInvalidURL, Host: host, Detail: "invalid host name"}
	}
	if p.allowHost(host) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	addrs, err := p.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return &Error{Reason: ReasonUnresolvable, Host: host, Detail: "host name does not resolve; allow it by name or use an address"}
	}
	for _, a := range addrs {
		if !p.AllowAddr(a) {
			return &Error{Reason: ReasonForbidden, Host: host, Addr: a.Unmap(), Detail: reasonFor(a)}
		}
	}
	return nil
}

func reasonFor(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case HardDenied(a):
		return "link-local, metadata or non-unicast addresses are never allowed"
	case a.IsLoopback():
		return "loopback is outside the allowed networks"
	case a.IsPrivate():
		return "private network outside the allowed networks"
	case IsPublic(a):
		return "public addresses are not in the allowed networks"
	}
	return "outside the allowed networks"
}

// ErrDialDenied is returned by Control for a hard-denied address.
var ErrDialDenied = errors.New("netguard: dialling this address is not allowed")

// Control is a net.Dialer Control function that refuses hard-denied
// addresses at connect time, whatever DNS answered.
func Control(_ string, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: %w", err)
	}
	if HardDenied(ap.Addr()) {
		return ErrDialDenied
	}
	return nil
}
