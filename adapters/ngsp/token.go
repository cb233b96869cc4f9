package ngsp

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
)

const maxTokenBody = 64 << 10

// token is a cached access token.
type token struct {
	header    string    // "Bearer …"
	refreshAt time.Time // renew from this moment on
}

// flight is one token request that concurrent callers wait for together.
type flight struct {
	done chan struct{}
	tok  *token
	err  error
}

// tokenSource obtains WSO2 client-credentials tokens and caches one. A
// cold or stale cache starts one request; every caller arriving meanwhile
// waits for that same request (or for its own context), so a burst of
// calls costs one token.
type tokenSource struct {
	url, key, secret string
	client           *http.Client
	timeout          time.Duration
	refreshBefore    time.Duration
	now              func() time.Time

	cur      atomic.Pointer[token]
	mu       sync.Mutex
	inflight *flight
	fetches  atomic.Int64
}

// get returns a valid token, fetching one when needed.
func (s *tokenSource) get(ctx context.Context) (*token, error) {
	if t := s.cur.Load(); t != nil && s.now().Before(t.refreshAt) {
		return t, nil
	}
	s.mu.Lock()
	if t := s.cur.Load(); t != nil && s.now().Before(t.refreshAt) {
		s.mu.Unlock()
		return t, nil
	}
	f := s.inflight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		s.inflight = f
		// The request outlives the caller that started it: the others
		// waiting on it must not fail because that one gave up.
		go s.run(context.WithoutCancel(ctx), f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *tokenSource) run(ctx context.Context, f *flight) {
	f.tok, f.err = s.fetch(ctx)
	s.mu.Lock()
	if f.err == nil {
		s.cur.Store(f.tok)
	}
	s.inflight = nil
	s.mu.Unlock()
	close(f.done)
}

// invalidate drops t if it is still the cached token, so that the next
// get fetches a new one; a token another caller already replaced stays.
func (s *tokenSource) invalidate(t *token) { s.cur.CompareAndSwap(t, nil) }

func (s *tokenSource) fetch(ctx context.Context) (*token, error) {
	s.fetches.Add(1)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, misconfigured(0, "", fmt.Sprintf("the NGSP token URL is not usable: %v", err),
			"địa chỉ lấy token của NGSP không dùng được")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: both are form-encoded before Basic.
	req.SetBasicAuth(url.QueryEscape(s.key), url.QueryEscape(s.secret))
	res, err := s.client.Do(req)
	if err != nil {
		return nil, transportError(ctx, err, "the NGSP token endpoint")
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxTokenBody))
	if err != nil {
		return nil, transportError(ctx, err, "the NGSP token endpoint")
	}
	switch {
	case res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests:
		return nil, unavailable(res.StatusCode, fmt.Sprintf("the NGSP token endpoint answered HTTP %d", res.StatusCode),
			fmt.Sprintf("máy chủ cấp token của NGSP trả về HTTP %d", res.StatusCode), nil)
	case res.StatusCode == http.StatusBadRequest || res.StatusCode == http.StatusUnauthorized:
		// invalid_client: the key or secret is wrong. The server's
		// description may echo the key; it is not copied.
		var oe struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &oe)
		e := misconfigured(CodeAuthenError, "AUTHEN_ERROR",
			"NGSP refused the platform's consumer key or secret (token endpoint: "+safeWord(oe.Error)+")",
			"NGSP từ chối consumer key hoặc consumer secret của nền tảng")
		e.HTTPStatus = res.StatusCode
		return nil, e
	case res.StatusCode != http.StatusOK:
		e := misconfigured(0, "", fmt.Sprintf("the NGSP token endpoint answered HTTP %d", res.StatusCode),
			fmt.Sprintf("máy chủ cấp token của NGSP trả về HTTP %d", res.StatusCode))
		e.HTTPStatus = res.StatusCode
		return nil, e
	}
	var tr struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return nil, unavailable(res.StatusCode, "the NGSP token endpoint answered without an access token",
			"máy chủ cấp token của NGSP trả lời không có access token", nil)
	}
	life := time.Duration(expiresIn(tr.ExpiresIn)) * time.Second
	// Renew RefreshBefore ahead, but never sooner than half-way through a
	// short-lived token, so that a short lifetime does not mean a token
	// request per call.
	ahead := min(s.refreshBefore, life/2)
	typ := tr.TokenType
	if typ == "" || strings.EqualFold(typ, "bearer") {
		typ = "Bearer"
	}
	return &token{header: typ + " " + tr.AccessToken, refreshAt: s.now().Add(life - ahead)}, nil
}

// expiresIn reads expires_in, a number or (from some servers) a string;
// an absent or useless value counts as five minutes.
func expiresIn(raw json.RawMessage) int64 {
	var secs int64
	if json.Unmarshal(raw, &secs) != nil {
		var str string
		if json.Unmarshal(raw, &str) == nil {
			_, _ = fmt.Sscan(str, &secs)
		}
	}
	if secs <= 0 {
		secs = 300
	}
	return secs
}

// safeWord keeps an OAuth error code (invalid_client …) and nothing else.
func safeWord(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_') {
			return "unknown error"
		}
	}
	if s == "" {
		return "no error code"
	}
	return s
}
