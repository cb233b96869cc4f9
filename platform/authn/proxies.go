package authn

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Proxies are the networks of the reverse proxies and load balancers in
// front of the admin listener. Only a request whose socket peer is one of
// them has its X-Forwarded-For believed; anyone else could write any
// address there. The zero value trusts nobody.
type Proxies struct {
	nets []netip.Prefix
}

// ParseProxies reads CIDRs ("10.20.0.0/16") and single addresses
// ("192.0.2.10", "::1"). An empty list trusts nobody.
func ParseProxies(list []string) (Proxies, error) {
	var p Proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, "/") {
			n, err := netip.ParsePrefix(s)
			if err != nil {
				return Proxies{}, fmt.Errorf("%q is not a CIDR (e.g. 10.20.0.0/16)", s)
			}
			p.nets = append(p.nets, n.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return Proxies{}, fmt.Errorf("%q is not an IP address or CIDR", s)
		}
		a = a.Unmap()
		p.nets = append(p.nets, netip.PrefixFrom(a, a.BitLen()))
	}
	return p, nil
}

// Trusts reports whether a is the address of a trusted proxy.
func (p Proxies) Trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr returns the caller's address. peer is the socket's remote
// address (host:port or host). When the peer is a trusted proxy, the
// X-Forwarded-For values (each a comma-separated list, the nearest hop
// last) are read from the right, skipping trusted proxies: the first
// address that is not one is the client. Otherwise, or when the header is
// missing or unreadable, it is the peer.
func (p Proxies) ClientAddr(peer string, forwardedFor []string) string {
	host := hostOf(peer)
	ip, err := netip.ParseAddr(host)
	if err != nil || !p.Trusts(ip) {
		return host
	}
	var hops []string
	for _, v := range forwardedFor {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	client := host
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hostOf(hops[i]))
		if err != nil {
			// Not an address: whatever wrote it is not to be believed,
			// so the client is the last address a trusted hop gave.
			return client
		}
		client = a.Unmap().String()
		if !p.Trusts(a) {
			return client
		}
	}
	return client
}

// hostOf strips a port and IPv6 brackets.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return strings.Trim(addr, "[]")
}

type sourceKey struct{}

// WithSource returns ctx carrying the caller's address, for calls that
// have no principal (a login).
func WithSource(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, sourceKey{}, addr)
}

// SourceFrom returns the caller's address the middleware or interceptor
// established: the principal's, or the one recorded for a public call.
func SourceFrom(ctx context.Context) string {
	if p, ok := From(ctx); ok && p.Source != "" {
		return p.Source
	}
	s, _ := ctx.Value(sourceKey{}).(string)
	return s
}
