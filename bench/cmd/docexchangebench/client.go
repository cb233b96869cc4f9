package main

import (
	"net"
	"net/http"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
)

// callTimeout bounds one call; a call that takes longer counts as refused.
const callTimeout = 2 * time.Minute

// httpClient returns a client that keeps up to conns idle connections to
// the one host it calls, so that a closed loop of conns callers never
// reconnects.
func httpClient(conns int, wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
	t := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns + 8,
		MaxIdleConnsPerHost: conns + 8,
		IdleConnTimeout:     90 * time.Second,
	}
	var rt http.RoundTripper = t
	if wrap != nil {
		rt = wrap(t)
	}
	return &http.Client{Transport: rt}
}

// sdkClient returns a national SDK client of app at base (the gateway's
// <gateway>/vdxp/1.0, or the service's own surface), without retries so
// that every refusal is counted. Each caller of a closed loop gets its
// own: a client moves its signed timestamp on by a millisecond when two of
// its calls fall in the same one.
func sdkClient(base string, app benchApp, hc *http.Client) *vdxp.Client {
	c := vdxp.New(base, app.systemID, app.secret)
	c.Retries = 0
	c.HTTP = hc
	c.Timeout = callTimeout
	return c
}
