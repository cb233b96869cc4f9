package gateway

import (
	"bytes"
	"net"
	"net/netip"
	"strings"

	"github.com/valyala/fasthttp"
)

func remoteAddr(ctx *fasthttp.RequestCtx) (ap netip.AddrPort) {
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort()
	}
	return ap
}

// clientAddr is the address of the client the request is for. With
// LGSP_GATEWAY_TRUST_FORWARDED it is the first address of X-Forwarded-For
// or, failing that, the first for= of Forwarded, when it is a valid IP: the
// load balancer in front is trusted to have set them. Otherwise, or when
// neither holds an IP, it is the socket peer.
func (g *Gateway) clientAddr(ctx *fasthttp.RequestCtx) netip.Addr {
	if g.cfg.TrustForwarded {
		h := &ctx.Request.Header
		if a, ok := firstForwardedFor(h.PeekCanonical(kXFF)); ok {
			return a
		}
		if a, ok := firstForwardedParam(h.PeekCanonical(kForwarded)); ok {
			return a
		}
	}
	return remoteAddr(ctx).Addr().Unmap()
}

// firstForwardedFor reads the first address of an X-Forwarded-For value.
func firstForwardedFor(v []byte) (netip.Addr, bool) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return parseNodeAddr(string(bytes.TrimSpace(v)))
}

// firstForwardedParam reads the for= parameter of the first element of a
// Forwarded value (RFC 7239): a token or a quoted string, IPv6 in brackets,
// an optional port.
func firstForwardedParam(v []byte) (netip.Addr, bool) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	for _, pair := range bytes.Split(v, []byte{';'}) {
		k, val, ok := bytes.Cut(bytes.TrimSpace(pair), []byte{'='})
		if !ok || !bytes.EqualFold(bytes.TrimSpace(k), []byte("for")) {
			continue
		}
		node := string(bytes.Trim(bytes.TrimSpace(val), `"`))
		if strings.HasPrefix(node, "[") {
			end := strings.IndexByte(node, ']')
			if end < 0 {
				return netip.Addr{}, false
			}
			node = node[1:end]
		} else if host, _, err := net.SplitHostPort(node); err == nil {
			node = host
		}
		return parseNodeAddr(node)
	}
	return netip.Addr{}, false
}

func parseNodeAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		if ap, err2 := netip.ParseAddrPort(s); err2 == nil {
			return ap.Addr().Unmap(), true
		}
		return netip.Addr{}, false
	}
	if a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
