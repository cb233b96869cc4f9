package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/platform/netguard"
)

// endpoint is one upstream base URL with its connection pool, circuit
// breaker and passive health. Endpoints are shared by every API that uses
// the same URL and survive reloads.
type endpoint struct {
	url      string
	https    bool
	host     string // Host header and TLS server name
	basePath string // without trailing slash
	client   *fasthttp.HostClient
	breaker  *breaker
	// downUntil is set when a connection failed (passive health check).
	downUntil atomic.Int64
}

var errUpstreamFailed = errors.New("upstream failed")

// newEndpoint builds the endpoint of an upstream base URL. Connections are
// dialled through guard, so an address outside LGSP_GATEWAY_UPSTREAM_ALLOW
// is never connected to, whatever the name resolves to by then.
func newEndpoint(raw string, cfg *Config, guard *netguard.Policy, log *slog.Logger) (*endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("endpoint %q is not an http(s) URL", raw)
	}
	ep := &endpoint{url: raw, https: u.Scheme == "https", host: u.Host, basePath: strings.TrimSuffix(u.EscapedPath(), "/")}
	addr := u.Host
	if u.Port() == "" {
		if ep.https {
			addr += ":443"
		} else {
			addr += ":80"
		}
	}
	ep.client = &fasthttp.HostClient{
		Addr:                     addr,
		IsTLS:                    ep.https,
		TLSConfig:                &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12},
		MaxConns:                 cfg.UpstreamMaxConns,
		MaxIdleConnDuration:      30 * time.Second,
		MaxResponseBodySize:      int(min(cfg.MaxResponseBytes, 1<<31-1)),
		ReadBufferSize:           16 << 10,
		WriteBufferSize:          16 << 10,
		DisablePathNormalizing:   true,
		NoDefaultUserAgentHeader: true,
		// A stale keep-alive connection is retried once, for idempotent
		// methods only; the gateway's own retry policy is applied on top.
		MaxIdemponentCallAttempts: 2,
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			return guard.DialTimeout(addr, min(timeout, 5*time.Second))
		},
	}
	ep.breaker = newBreaker(cfg.BreakerFailures, cfg.BreakerOpen, func(from, to string) {
		if log != nil {
			log.Warn("upstream circuit", "endpoint", redactURL(raw), "from", from, "to", to)
		}
	})
	return ep, nil
}

// usable reports whether selection should consider the endpoint now.
func (ep *endpoint) usable(now int64) bool {
	return ep.breaker.ready(now) && ep.downUntil.Load() <= now
}

// pick chooses an endpoint by weight, preferring usable ones and avoiding
// skip (the endpoint that just failed). It returns nil when there is none.
func (rt *route) pick(now int64, skip *endpoint) *endpoint {
	n := len(rt.endpoints)
	switch n {
	case 0:
		return nil
	case 1:
		return rt.endpoints[0]
	}
	r := rand.IntN(rt.totalWeight)
	start := 0
	for start < n-1 && r >= rt.cumWeights[start] {
		start++
	}
	var fallback *endpoint
	for i := 0; i < n; i++ {
		ep := rt.endpoints[(start+i)%n]
		if ep == skip {
			continue
		}
		if ep.usable(now) {
			return ep
		}
		if fallback == nil {
			fallback = ep
		}
	}
	if fallback != nil {
		return fallback
	}
	return skip
}

// isDialError reports whether the request never reached the upstream, so
// that trying another endpoint is safe for any method.
func isDialError(err error) bool {
	if errors.Is(err, fasthttp.ErrDialTimeout) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func isTimeout(err error) bool {
	if errors.Is(err, fasthttp.ErrTimeout) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// redactURL drops user information from a URL before it is logged.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "invalid-url"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}
