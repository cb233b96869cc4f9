package main

import (
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/gatewayid"
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

// asserter adds the gateway's identity assertion to every request, as the
// gateway does for a platform upstream, so that the service can be called
// directly. An assertion lives gatewayid.MaxAge (30 s); a fresh one is
// signed every 10 s.
type asserter struct {
	base http.RoundTripper
	key  gatewayid.Key
	id   gatewayid.Identity
	cur  atomic.Pointer[signedAssertion]
}

type signedAssertion struct {
	bearer string
	at     time.Time
}

const assertionRefresh = 10 * time.Second

func newAsserter(internalToken string, id gatewayid.Identity) (func(http.RoundTripper) http.RoundTripper, error) {
	key, err := gatewayid.NewKey(internalToken)
	if err != nil {
		return nil, err
	}
	return func(base http.RoundTripper) http.RoundTripper {
		return &asserter{base: base, key: key, id: id}
	}, nil
}

func (a *asserter) bearer() string {
	now := time.Now()
	if cur := a.cur.Load(); cur != nil && now.Sub(cur.at) < assertionRefresh {
		return cur.bearer
	}
	id := a.id
	id.Issued = now
	s := &signedAssertion{bearer: "Bearer " + a.key.Sign(id), at: now}
	a.cur.Store(s)
	return s.bearer
}

// RoundTrip implements http.RoundTripper.
func (a *asserter) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", a.bearer())
	return a.base.RoundTrip(r)
}
