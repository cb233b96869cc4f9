package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/platform/gatewayid"
	"github.com/lgsp-vn/lgsp/platform/netguard"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// upstreamAuth is how the gateway authenticates to an API's upstream.
type upstreamAuth struct {
	header           string // Basic/Bearer: the precomputed Authorization value
	oauth            *oauthSource
	systemID, secret string // signed headers
	// platform: the upstream is an LGSP service, which is sent the
	// gateway's identity assertion (platform/gatewayid) instead.
	platform bool
}

// authorizeUpstream replaces the consumer's credentials on the request with
// the upstream's own. It returns the OAuth2 Authorization value it used, if
// any, so that an upstream 401 can invalidate it. A platform upstream gets
// its assertion per attempt (assertIdentity); here it is only refused when
// this gateway cannot make one.
func (g *Gateway) authorizeUpstream(ctx *fasthttp.RequestCtx, rt *route, ev *event) (oauthHeader string, _ *gwError) {
	req := &ctx.Request
	switch up := &rt.upstream; {
	case up.header != "":
		req.Header.Set("Authorization", up.header)
	case up.oauth != nil:
		hdr, err := up.oauth.authorization(ctx)
		if err != nil {
			if ok, held := g.tokenFetchLogs.allow(time.Now()); ok {
				g.log.Warn("upstream token", "api", rt.id, "err", err, "similar_failures_not_logged", held)
			}
			return "", errUpstreamAuth
		}
		oauthHeader = hdr
		req.Header.Set("Authorization", hdr)
	case up.secret != "":
		signUpstream(&req.Header, up.systemID, up.secret, g.now())
	case up.platform && ev.app != "" && !g.idKey.Valid():
		// Never forwarded without the assertion: the service would take
		// the call as anonymous.
		if ok, held := g.identityLogs.allow(time.Now()); ok {
			g.log.Error("call to a platform service refused: this gateway has no internal token (LGSP_INTERNAL_TOKEN) to assert the caller's identity with",
				"api", rt.id, "similar_refusals_not_logged", held)
		}
		return "", errNoIdentityKey
	}
	return oauthHeader, nil
}

// assertIdentity sets the Authorization of one attempt on a platform
// upstream: the gateway's assertion of who calls, issued now, so that a
// retry carries a fresh one. A public API's caller is nobody in particular
// and is asserted as nobody: the request goes without Authorization (the
// consumer's own was removed with the other credentials).
func (g *Gateway) assertIdentity(h *fasthttp.RequestHeader, rt *route, ev *event, reqID string) {
	if ev.app == "" {
		return
	}
	id := gatewayid.Identity{App: ev.app, Agency: ev.agency, API: rt.id, RequestID: reqID, Issued: g.now()}
	if ev.signed {
		// The headers the signature was verified over; the gateway removes
		// none of the systemid's.
		id.SystemID = signedheader.Lookup(func(name string) string { return string(h.Peek(name)) }, signedheader.NameSystemID)
	}
	tok := g.idKey.Sign(id)
	var buf [512]byte
	h.SetCanonical(kAuthorization, append(append(buf[:0], "Bearer "...), tok...))
}

// oauthSource obtains and caches an OAuth2 client-credentials token for one
// upstream (the NGSP case). Sources survive reloads while their settings do
// not change, so a reload does not cost a token request.
type oauthSource struct {
	url, clientID, secret, scope string
	now                          func() time.Time
	client                       *http.Client
	mu                           sync.Mutex // serialises fetches
	cur                          atomic.Pointer[oauthToken]
	fetches                      atomic.Int64
}

type oauthToken struct {
	header    string
	refreshAt int64 // unix nanoseconds
}

// newOAuthSource builds the token source of one upstream. Its client
// dials through guard, as the proxy does, follows no redirect (the request
// carries the client secret, and a redirect's target was never checked) and
// ignores HTTP(S)_PROXY, which would hide the real destination from guard.
func newOAuthSource(tokenURL, id, secret, scope string, now func() time.Time, guard *netguard.Policy) *oauthSource {
	transport := &http.Transport{
		DialContext:           guard.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
	}
	return &oauthSource{url: tokenURL, clientID: id, secret: secret, scope: scope, now: now,
		client: &http.Client{
			Timeout:       10 * time.Second,
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
}

// authorization returns the Authorization header value, fetching a token
// when the cached one is missing or near expiry.
func (s *oauthSource) authorization(ctx context.Context) (string, error) {
	if t := s.cur.Load(); t != nil && s.now().UnixNano() < t.refreshAt {
		return t.header, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.cur.Load(); t != nil && s.now().UnixNano() < t.refreshAt {
		return t.header, nil
	}
	t, err := s.fetch(ctx)
	if err != nil {
		return "", err
	}
	s.cur.Store(t)
	return t.header, nil
}

// invalidate drops the cached token if it is still the one that failed.
func (s *oauthSource) invalidate(header string) {
	if t := s.cur.Load(); t != nil && t.header == header {
		s.cur.CompareAndSwap(t, nil)
	}
}

func (s *oauthSource) fetch(ctx context.Context) (*oauthToken, error) {
	s.fetches.Add(1)
	form := url.Values{"grant_type": {"client_credentials"}}
	if s.scope != "" {
		form.Set("scope", s.scope)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("upstream token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// WSO2 and NGSP take the consumer key and secret in HTTP Basic.
	req.SetBasicAuth(url.QueryEscape(s.clientID), url.QueryEscape(s.secret))
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("upstream token endpoint %s: %w", redactURL(s.url), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("upstream token endpoint %s: %w", redactURL(s.url), err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, fmt.Errorf("upstream token endpoint %s answered %d, a redirect to %s: not followed (the request carries the client secret); register the final token URL",
			redactURL(s.url), resp.StatusCode, redactURL(resp.Header.Get("Location")))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("upstream token endpoint %s answered %d", redactURL(s.url), resp.StatusCode)
	}
	var tr struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return nil, fmt.Errorf("upstream token endpoint %s: no access_token in the answer", redactURL(s.url))
	}
	// Some servers send expires_in as a string.
	var secs int64
	if err := json.Unmarshal(tr.ExpiresIn, &secs); err != nil {
		var str string
		if json.Unmarshal(tr.ExpiresIn, &str) == nil {
			fmt.Sscan(str, &secs)
		}
	}
	if secs <= 0 {
		secs = 300
	}
	life := time.Duration(secs) * time.Second
	margin := min(60*time.Second, life/10)
	typ := tr.TokenType
	if typ == "" || strings.EqualFold(typ, "bearer") {
		typ = "Bearer"
	}
	return &oauthToken{header: typ + " " + tr.AccessToken, refreshAt: s.now().Add(life - margin).UnixNano()}, nil
}

var (
	// Logical headers re-signed when the upstream wants signed headers.
	signedLogical = []string{"Content-Type", "from", "to", "servicetype", "messagetype", "docId", "status", "hash-file"}
)

// signUpstream replaces the consumer's signed headers with ours.
func signUpstream(h *fasthttp.RequestHeader, systemID, secret string, now time.Time) {
	var logical []signedheader.Header
	for _, name := range signedLogical {
		v := h.Peek(signedheader.Prefix + name)
		if len(v) == 0 {
			v = h.Peek(name)
		}
		if len(v) > 0 {
			logical = append(logical, signedheader.Header{Name: name, Value: string(v)})
		}
		if name != "Content-Type" {
			h.Del(name)
		}
		h.Del(signedheader.Prefix + name)
	}
	h.Del(signedheader.Prefix + signedheader.NameSystemID)
	h.Del(signedheader.Prefix + signedheader.NameTimestamp)
	h.Del(signedheader.HeaderVersion)
	for _, x := range signedheader.Sign(systemID, secret, now, logical) {
		h.Set(x.Name, x.Value)
	}
}
