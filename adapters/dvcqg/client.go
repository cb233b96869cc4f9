package dvcqg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults of a Config's zero fields.
const (
	DefaultTimeout = 30 * time.Second
	// DefaultMaxAnswer bounds an answer: a batch answer is small, a
	// looked-up dossier with its history a little larger.
	DefaultMaxAnswer = 16 << 20
)

// sessionMargin is how long before its announced expiry a session is
// renewed, at most: a call signed with a session about to expire would
// come back "01".
const sessionMargin = time.Minute

// Config configures a Client.
type Config struct {
	// BaseURL is the portal's address; a call goes to BaseURL + "/" + call.
	BaseURL string
	// Username and Password log in (LayPhien). The password never appears
	// in an error.
	Username string
	Password string
	// AgencyCode is the province's code at the portal (madonvi), sent with
	// every call.
	AgencyCode string
	// Timeout bounds one attempt of one call (a login is an attempt of its
	// own); 0 means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the calls; nil means http.DefaultClient. Its own
	// Timeout, if any, bounds every attempt too.
	HTTPClient *http.Client
	// Clock tells when a session is due for renewal; nil means time.Now.
	Clock func() time.Time
}

// Client calls the national public-service portal. It is safe for
// concurrent use: concurrent callers share one session and one login.
type Client struct {
	cfg  Config
	base string
	hc   *http.Client
	now  func() time.Time

	mu      sync.Mutex
	sess    *session // nil until logged in, or after the portal refused it
	pending *login   // the login in progress, shared by everyone who waits
}

// session is a session the portal issued.
type session struct {
	token string
	// renewAt is when to log in again before the portal expires it; zero
	// when the portal gave no lifetime: kept until refused.
	renewAt time.Time
}

// login is one LayPhien call that concurrent callers wait for.
type login struct {
	done chan struct{}
	sess *session
	err  error
}

// New returns a client for cfg. It refuses a configuration that could
// never work: no base URL, username, password or agency code.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("dvcqg: base URL %q: want http(s)://host/path", cfg.BaseURL)
	case strings.TrimSpace(cfg.Username) == "":
		return nil, errors.New("dvcqg: username is required")
	case cfg.Password == "":
		return nil, errors.New("dvcqg: password is required")
	case strings.TrimSpace(cfg.AgencyCode) == "":
		return nil, errors.New("dvcqg: agency code (madonvi) is required")
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("dvcqg: timeout %v is negative", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	c := &Client{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/"), hc: cfg.HTTPClient, now: cfg.Clock}
	if c.hc == nil {
		c.hc = http.DefaultClient
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// SyncDossiers sends dossiers with DongBoHoSoMC and returns the portal's
// result for each, in order. An error means the batch as a whole failed:
// send it again later when IsTemporary. A nil error may still carry items
// the portal refused (ItemResult.Permanent).
func (c *Client) SyncDossiers(ctx context.Context, items []HoSo) ([]ItemResult, error) {
	if len(items) == 0 {
		return []ItemResult{}, nil
	}
	keys := make([]itemKey, len(items))
	for i, it := range items {
		keys[i] = itemKey{it.MaHoSo, it.PhienBan}
	}
	return c.batch(ctx, CallDongBoHoSoMC, keys, func(token string) any {
		return BatchRequest[HoSo]{Session: token, AgencyCode: c.cfg.AgencyCode, Data: items}
	})
}

// UpdateProgress sends processing steps with CapNhatTienDoHoSoMC and
// returns the portal's result for each, in order, as SyncDossiers does.
func (c *Client) UpdateProgress(ctx context.Context, items []TienDo) ([]ItemResult, error) {
	if len(items) == 0 {
		return []ItemResult{}, nil
	}
	keys := make([]itemKey, len(items))
	for i, it := range items {
		keys[i] = itemKey{it.MaHoSo, it.PhienBan}
	}
	return c.batch(ctx, CallCapNhatTienDoHoSoMC, keys, func(token string) any {
		return BatchRequest[TienDo]{Session: token, AgencyCode: c.cfg.AgencyCode, Data: items}
	})
}

// Encoded is an item already encoded as the portal takes it: a HoSo for
// DongBoHoSoMC or a TienDo for CapNhatTienDoHoSoMC, in JSON, with the keys
// its result is checked against. An outbox that keeps each change's JSON
// sends it with SendEncoded without decoding and encoding it again.
type Encoded struct {
	MaHoSo   string
	PhienBan int64
	JSON     json.RawMessage
}

// SendEncoded sends encoded items with call (CallDongBoHoSoMC or
// CallCapNhatTienDoHoSoMC) and returns the portal's result for each, in
// order, as SyncDossiers does. The items' JSON is sent as it is.
func (c *Client) SendEncoded(ctx context.Context, call string, items []Encoded) ([]ItemResult, error) {
	if call != CallDongBoHoSoMC && call != CallCapNhatTienDoHoSoMC {
		return nil, fmt.Errorf("dvcqg: %q is not a batch call", call)
	}
	if len(items) == 0 {
		return []ItemResult{}, nil
	}
	keys := make([]itemKey, len(items))
	data := make([]json.RawMessage, len(items))
	for i, it := range items {
		keys[i], data[i] = itemKey{it.MaHoSo, it.PhienBan}, it.JSON
	}
	return c.batch(ctx, call, keys, func(token string) any {
		return BatchRequest[json.RawMessage]{Session: token, AgencyCode: c.cfg.AgencyCode, Data: data}
	})
}

// Lookup fetches a dossier and its processing steps with TraCuuHoSo. A
// dossier the portal does not have is an error for which IsNotFound holds.
func (c *Client) Lookup(ctx context.Context, maHoSo string) (*HoSo, []TienDo, error) {
	if strings.TrimSpace(maHoSo) == "" {
		return nil, nil, errors.New("dvcqg TraCuuHoSo: MaHoSo is required")
	}
	var ans LookupAnswer
	err := c.withSession(ctx, CallTraCuuHoSo, func(token string) any {
		return LookupRequest{Session: token, AgencyCode: c.cfg.AgencyCode, MaHoSo: maHoSo}
	}, &ans)
	if err != nil {
		return nil, nil, err
	}
	if ans.Data == nil {
		return nil, nil, &Error{Call: CallTraCuuHoSo, Message: "success without data", HTTPStatus: http.StatusOK, malformed: true}
	}
	return ans.Data, ans.TienDo, nil
}

// itemKey identifies an item sent, to check the answer against.
type itemKey struct {
	maHoSo   string
	phienBan int64
}

// batch makes a batch call and checks that the answer has one result per
// item, in order. An answer that does not is malformed, hence temporary:
// the batch is sent again as it was, which PhienBan makes safe.
func (c *Client) batch(ctx context.Context, call string, keys []itemKey, body func(token string) any) ([]ItemResult, error) {
	var ans BatchAnswer
	if err := c.withSession(ctx, call, body, &ans); err != nil {
		return nil, err
	}
	bad := func(msg string) error {
		return &Error{Call: call, Message: msg, HTTPStatus: http.StatusOK, malformed: true}
	}
	if len(ans.Results) != len(keys) {
		return nil, bad(fmt.Sprintf("%d results for %d items", len(ans.Results), len(keys)))
	}
	for i := range ans.Results {
		r, k := &ans.Results[i], keys[i]
		// The portal may leave out what it was sent; what it says must match.
		if r.MaHoSo == "" {
			r.MaHoSo = k.maHoSo
		}
		if r.PhienBan == 0 {
			r.PhienBan = k.phienBan
		}
		switch {
		case r.MaHoSo != k.maHoSo || r.PhienBan != k.phienBan:
			return nil, bad(fmt.Sprintf("result %d is for %s version %d, item sent was %s version %d",
				i+1, r.MaHoSo, r.PhienBan, k.maHoSo, k.phienBan))
		case r.Code == "":
			return nil, bad(fmt.Sprintf("result %d (%s) has no error_code", i+1, r.MaHoSo))
		}
	}
	return ans.Results, nil
}

// withSession makes a call with the current session. An answer "01" drops
// that session; the call is then made once more with a fresh one.
func (c *Client) withSession(ctx context.Context, call string, body func(token string) any, out envelope) error {
	for attempt := 0; ; attempt++ {
		s, err := c.session(ctx)
		if err != nil {
			return err
		}
		err = c.post(ctx, call, body(s.token), out, s.token)
		if attempt == 0 && codeOf(err) == CodeSessionInvalid {
			c.drop(s)
			continue
		}
		return err
	}
}

// session returns a session still good, logging in when there is none.
// Concurrent callers wait for the same login. A caller that gives up
// waiting leaves the login running for the others.
func (c *Client) session(ctx context.Context) (*session, error) {
	if err := ctx.Err(); err != nil {
		return nil, &transportError{call: CallLayPhien, err: err}
	}
	c.mu.Lock()
	if s := c.sess; s != nil && (s.renewAt.IsZero() || c.now().Before(s.renewAt)) {
		c.mu.Unlock()
		return s, nil
	}
	l := c.pending
	if l == nil {
		l = &login{done: make(chan struct{})}
		c.pending = l
		go c.login(context.WithoutCancel(ctx), l)
	}
	c.mu.Unlock()
	select {
	case <-l.done:
		return l.sess, l.err
	case <-ctx.Done():
		return nil, &transportError{call: CallLayPhien, err: ctx.Err()}
	}
}

// login calls LayPhien for everyone waiting on l.
func (c *Client) login(ctx context.Context, l *login) {
	var ans LoginAnswer
	err := c.post(ctx, CallLayPhien, LoginRequest{Username: c.cfg.Username, Password: c.cfg.Password}, &ans, "")
	var s *session
	if err == nil {
		if ans.Session == "" {
			err = &Error{Call: CallLayPhien, Message: "success without a session", HTTPStatus: http.StatusOK, malformed: true}
		} else {
			s = &session{token: ans.Session}
			if ans.ExpiresIn > 0 {
				ttl := time.Duration(ans.ExpiresIn) * time.Second
				s.renewAt = c.now().Add(ttl - min(sessionMargin, ttl/10))
			}
		}
	}
	c.mu.Lock()
	if s != nil {
		c.sess = s
	}
	c.pending = nil
	c.mu.Unlock()
	l.sess, l.err = s, err
	close(l.done)
}

// drop forgets s if it is still the current session, so that callers the
// portal refused together start one login, not one each.
func (c *Client) drop(s *session) {
	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
	}
	c.mu.Unlock()
}

// envelope gives the Answer every answer type embeds.
type envelope interface{ envelope() Answer }

func (a Answer) envelope() Answer { return a }

// post makes one attempt of a call, bounded by the timeout, and decodes
// the answer into out. token is the session sent, kept out of errors.
func (c *Client) post(ctx context.Context, call string, req any, out envelope, token string) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("dvcqg %s: %w", call, err)
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(actx, http.MethodPost, c.base+"/"+call, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("dvcqg %s: %w", call, err)
	}
	hr.Header.Set("Content-Type", "application/json; charset=utf-8")
	hr.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(hr)
	if err != nil {
		return &transportError{call: call, err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, DefaultMaxAnswer+1))
	if err != nil {
		return &transportError{call: call, err: fmt.Errorf("reading the answer: %w", err)}
	}
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode <= 299
	fail := func(msg string) *Error {
		// A 2xx answer that cannot be read is malformed; another status
		// says what went wrong by itself.
		return &Error{Call: call, Message: msg, HTTPStatus: resp.StatusCode, malformed: ok2xx}
	}
	if len(raw) > DefaultMaxAnswer {
		return fail(fmt.Sprintf("answer larger than %d bytes", DefaultMaxAnswer))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fail("answer is not the portal's JSON: " + c.quote(call, raw, token))
	}
	env := out.envelope()
	switch {
	case env.ErrorCode == "":
		return fail("answer without error_code: " + c.quote(call, raw, token))
	case env.ErrorCode != CodeOK:
		return &Error{Call: call, Code: env.ErrorCode, Message: c.redact(env.Message, token), HTTPStatus: resp.StatusCode}
	case !ok2xx:
		return fail("success with HTTP " + resp.Status)
	}
	return nil
}

// quote shows the start of an answer that is not the portal's JSON (a
// proxy's page, a truncated body) for the error. A login's answer is never
// shown: it may hold a session.
func (c *Client) quote(call string, b []byte, token string) string {
	if call == CallLayPhien {
		return fmt.Sprintf("(%d bytes)", len(b))
	}
	const n = 200
	s := c.redact(string(b), token)
	if len(s) > n {
		return fmt.Sprintf("%q…", s[:n])
	}
	return fmt.Sprintf("%q", s)
}

// redact hides the password and the session in text from the portal.
func (c *Client) redact(s, token string) string {
	for _, secret := range []string{token, c.cfg.Password} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}
