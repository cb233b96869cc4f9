package netguard

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Is makes errors.Is(err, ErrDialDenied) true for a refused address, so
// that a caller need not know the reasons.
func (e *Error) Is(target error) bool {
	return target == ErrDialDenied && e.Reason == ReasonForbidden
}

// DialContext connects to address (host:port) as net.Dialer does, but only
// to addresses the policy admits: a name is resolved now, each address it
// resolves to is checked, and only admitted ones are dialled, in the order
// DNS gave them. A host named on the allow-list may resolve to any address
// except the hard-denied ones. When no address is admitted the error is a
// *net.OpError (Op "dial") wrapping an *Error with ReasonForbidden, so it
// reads as a connection that never happened.
func (p *Policy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &Error{Reason: ReasonInvalidURL, Host: host, Detail: "invalid port"}}
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(name); err == nil {
		addrs = []netip.Addr{a}
		name = ""
	} else {
		if hardDenyHosts[name] {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &Error{Reason: ReasonForbidden, Host: name, Detail: "cloud metadata host"}}
		}
		lctx, cancel := context.WithTimeout(ctx, p.timeout)
		addrs, err = p.resolver.LookupNetIP(lctx, ipNetwork(network), name)
		cancel()
		if err != nil || len(addrs) == 0 {
			if err == nil {
				err = &Error{Reason: ReasonUnresolvable, Host: name, Detail: "host name does not resolve"}
			}
			return nil, &net.OpError{Op: "dial", Net: network, Err: err}
		}
	}
	byName := name != "" && p.allowHost(name)
	var (
		d        net.Dialer
		refused  *Error
		firstErr error
	)
	for _, a := range addrs {
		a = a.Unmap()
		if HardDenied(a) || !(byName || p.AllowAddr(a)) {
			if refused == nil {
				refused = &Error{Reason: ReasonForbidden, Host: host, Addr: a, Detail: reasonFor(a)}
			}
			continue
		}
		c, err := d.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: refused}
}

// DialTimeout is DialContext bounded by timeout, in the shape of
// fasthttp.HostClient's DialTimeout.
func (p *Policy) DialTimeout(address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p.DialContext(ctx, "tcp", address)
}

func ipNetwork(network string) string {
	switch network {
	case "tcp4", "udp4":
		return "ip4"
	case "tcp6", "udp6":
		return "ip6"
	}
	return "ip"
}
