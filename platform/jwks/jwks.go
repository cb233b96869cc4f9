package jwks

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the options left at zero.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultRefreshEvery  = time.Hour
	DefaultMinRefreshGap = 30 * time.Second
	DefaultMaxStale      = 24 * time.Hour
	DefaultMaxBody       = 1 << 20
	// MinRSABits is the smallest RSA modulus accepted.
	MinRSABits = 2048
	// maxRedirects bounds same-host redirects of one fetch.
	maxRedirects = 3
)

// Options configure a KeySet. Zero values take the defaults above.
type Options struct {
	// URL is the issuer's JWKS document. It must be https, or http on a
	// loopback address (tests, a local sidecar) or with AllowHTTP.
	URL       string
	AllowHTTP bool
	// HTTPClient sends the fetches; nil means a client of its own. Its
	// redirect policy is replaced: a redirect is followed only to the same
	// host and scheme.
	HTTPClient *http.Client
	// Timeout bounds one fetch.
	Timeout time.Duration
	// RefreshEvery is Run's period.
	RefreshEvery time.Duration
	// MinRefreshGap is the shortest time between two fetches not asked for
	// by Refresh (unknown kid, stale cache, Run's retries).
	MinRefreshGap time.Duration
	// MaxStale is how long after the last successful fetch the cached keys
	// still serve while fetches fail.
	MaxStale time.Duration
	// MaxBody bounds the JWKS document's size in bytes.
	MaxBody int64
	// Clock returns the current time; nil means time.Now. Run's ticker
	// uses real time.
	Clock func() time.Time
	// Logger receives fetch failures and key-set changes; nil discards.
	Logger *slog.Logger
}

func (o *Options) validate() error {
	bad := func(setting, en, vi string) error {
		return fmt.Errorf("jwks: %s: %s / %s", setting, en, vi)
	}
	u, err := url.Parse(o.URL)
	if o.URL == "" || err != nil || u.Host == "" || u.Hostname() == "" {
		return bad("URL", "must be an absolute https URL", "phải là URL https đầy đủ")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (o.AllowHTTP || isLoopback(u.Hostname())):
	default:
		return bad("URL", "must use https (http only on a loopback address or with AllowHTTP)",
			"phải dùng https (chỉ dùng http với địa chỉ loopback hoặc khi bật AllowHTTP)")
	}
	if u.User != nil || u.Fragment != "" {
		return bad("URL", "must not carry credentials or a fragment", "không được chứa thông tin đăng nhập hoặc phân đoạn (#)")
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"Timeout", &o.Timeout, DefaultTimeout},
		{"RefreshEvery", &o.RefreshEvery, DefaultRefreshEvery},
		{"MinRefreshGap", &o.MinRefreshGap, DefaultMinRefreshGap},
		{"MaxStale", &o.MaxStale, DefaultMaxStale},
	} {
		switch {
		case *d.v < 0:
			return bad(d.name, "must not be negative", "không được âm")
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if o.MinRefreshGap > o.RefreshEvery {
		return bad("MinRefreshGap", "must not exceed RefreshEvery", "không được lớn hơn RefreshEvery")
	}
	if o.MaxStale < o.RefreshEvery {
		return bad("MaxStale", "must be at least RefreshEvery", "phải lớn hơn hoặc bằng RefreshEvery")
	}
	switch {
	case o.MaxBody < 0:
		return bad("MaxBody", "must not be negative", "không được âm")
	case o.MaxBody == 0:
		o.MaxBody = DefaultMaxBody
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// KeySet is a cached, refreshed copy of one issuer's JWKS. It is safe for
// concurrent use; Key does not lock on a cache hit. Make one per issuer and
// keep it.
type KeySet struct {
	opts Options
	url  string
	hc   *http.Client
	now  func() time.Time
	log  *slog.Logger

	cache atomic.Pointer[snapshot]

	mu          sync.Mutex
	inflight    *call
	lastAttempt time.Time // start of the last fetch, successful or not
	lastErr     error     // of the last fetch; nil after a success
}

// snapshot is one successfully fetched set; it is never modified.
type snapshot struct {
	keys    map[string]publicKey
	fetched time.Time
}

type publicKey struct {
	key crypto.PublicKey
	alg string // the only algorithm the key verifies
}

// call is one fetch that concurrent callers share.
type call struct {
	done        chan struct{}
	err         error
	prevAttempt time.Time
}

// New validates opts, applies defaults and builds a key set. It does not
// contact the issuer: the first Key, Refresh or Run does.
func New(opts Options) (*KeySet, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	ks := &KeySet{opts: opts, url: opts.URL, now: opts.Clock, log: opts.Logger}
	if ks.now == nil {
		ks.now = time.Now
	}
	if ks.log == nil {
		ks.log = slog.New(slog.DiscardHandler)
	}
	var hc http.Client
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient
	} else {
		hc.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	origin, _ := url.Parse(opts.URL)
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errors.New("too many redirects")
		}
		if !strings.EqualFold(req.URL.Host, origin.Host) || req.URL.Scheme != origin.Scheme {
			return fmt.Errorf("redirect to another host or scheme (%s://%s) refused", req.URL.Scheme, req.URL.Host)
		}
		return nil
	}
	ks.hc = &hc
	return ks, nil
}

// Key returns the public key named kid: an *rsa.PublicKey or an
// *ecdsa.PublicKey. Its error wraps ErrUnknownKey or ErrUnavailable.
func (ks *KeySet) Key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	k, err := ks.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	return k.key, nil
}

func (ks *KeySet) key(ctx context.Context, kid string) (publicKey, error) {
	if k, ok := ks.fresh(kid); ok {
		return k, nil
	}
	c, leader := ks.begin(false)
	if c == nil {
		// Rate-limited: answer from what the last fetch left.
		return ks.fromCache(kid)
	}
	if leader {
		// Concurrent callers wait for this fetch; one of them leaving must
		// not cancel it for the others, so it runs on its own, bounded by
		// Timeout.
		go ks.run(context.WithoutCancel(ctx), c)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return publicKey{}, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
	return ks.fromCache(kid)
}

// fresh looks kid up in a cache no older than MaxStale.
func (ks *KeySet) fresh(kid string) (publicKey, bool) {
	s := ks.cache.Load()
	if s == nil || ks.now().Sub(s.fetched) > ks.opts.MaxStale {
		return publicKey{}, false
	}
	k, ok := s.keys[kid]
	return k, ok
}

// fromCache answers after a fetch, or instead of one refused by
// MinRefreshGap.
func (ks *KeySet) fromCache(kid string) (publicKey, error) {
	if k, ok := ks.fresh(kid); ok {
		return k, nil
	}
	ks.mu.Lock()
	lastErr := ks.lastErr
	ks.mu.Unlock()
	s := ks.cache.Load()
	switch {
	case s == nil && lastErr == nil:
		// Only possible when the very first fetch was abandoned.
		return publicKey{}, ErrUnavailable
	case s == nil || ks.now().Sub(s.fetched) > ks.opts.MaxStale:
		return publicKey{}, fmt.Errorf("%w: %w", ErrUnavailable, lastErr)
	case lastErr != nil:
		// The set is current enough for the kids it holds, but the issuer
		// may have rotated and we cannot ask.
		return publicKey{}, fmt.Errorf("%w: %w", ErrUnavailable, lastErr)
	default:
		return publicKey{}, ErrUnknownKey
	}
}

// begin returns the fetch in flight, or starts one (leader true) unless
// force is false and the last one began less than MinRefreshGap ago (nil).
func (ks *KeySet) begin(force bool) (c *call, leader bool) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.inflight != nil {
		return ks.inflight, false
	}
	now := ks.now()
	if !force && !ks.lastAttempt.IsZero() && now.Sub(ks.lastAttempt) < ks.opts.MinRefreshGap {
		return nil, false
	}
	ks.inflight = &call{done: make(chan struct{}), prevAttempt: ks.lastAttempt}
	ks.lastAttempt = now
	return ks.inflight, true
}

// run performs the fetch c and publishes its result.
func (ks *KeySet) run(ctx context.Context, c *call) {
	keys, err := ks.fetch(ctx)
	ks.mu.Lock()
	if err == nil {
		old := ks.cache.Load()
		ks.cache.Store(&snapshot{keys: keys, fetched: ks.now()})
		ks.lastErr = nil
		if old == nil || !sameKids(old.keys, keys) {
			ks.log.Info("jwks: key set loaded", "url", ks.url, "keys", len(keys), "kids", kidList(keys))
		}
	} else if ctx.Err() != nil {
		// A fetch abandoned by its caller's context (Run or Refresh
		// stopping) says nothing about the issuer and does not count
		// against MinRefreshGap.
		ks.lastAttempt = c.prevAttempt
	} else {
		ks.lastErr = err
		ks.log.Warn("jwks: fetching the key set failed", "url", ks.url, "err", err)
	}
	c.err = err
	ks.inflight = nil
	ks.mu.Unlock()
	close(c.done)
}

// Refresh fetches the set now, whatever MinRefreshGap says, or waits for
// the fetch in flight. On failure the cache is kept; the error wraps
// ErrUnavailable (and ErrNoUsableKey for a set without a usable key).
func (ks *KeySet) Refresh(ctx context.Context) error {
	return ks.refresh(ctx, true)
}

// errSkipped: a fetch was not started because of MinRefreshGap.
var errSkipped = errors.New("jwks: refresh skipped")

func (ks *KeySet) refresh(ctx context.Context, force bool) error {
	c, leader := ks.begin(force)
	if c == nil {
		return errSkipped
	}
	if leader {
		ks.run(ctx, c)
		return c.err
	}
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// Run refreshes the set at once and then every RefreshEvery until ctx
// ends, retrying sooner after a failure (MinRefreshGap, doubling up to
// RefreshEvery). It returns when ctx is done, leaving no goroutine behind.
func (ks *KeySet) Run(ctx context.Context) {
	wait := time.Duration(0)
	failures := 0
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := ks.refresh(ctx, failures == 0)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errSkipped):
			// Another fetch began within the gap; try again after it.
			wait = ks.opts.MinRefreshGap
		case err != nil:
			failures++
			wait = ks.opts.MinRefreshGap << min(failures-1, 20)
			wait = min(wait, ks.opts.RefreshEvery)
		default:
			failures = 0
			wait = ks.opts.RefreshEvery
		}
		t.Reset(wait)
	}
}

// Status describes the cache, for health checks and metrics.
type Status struct {
	// Keys is the number of cached keys; Fetched the time of the last
	// successful fetch (zero if none).
	Keys    int
	Fetched time.Time
	// Stale is true when the cache is older than MaxStale (or empty): Key
	// then serves nothing until a fetch succeeds.
	Stale bool
	// LastError is the last fetch's failure, nil after a success.
	LastError error
}

// Status reports the cache's state.
func (ks *KeySet) Status() Status {
	ks.mu.Lock()
	st := Status{LastError: ks.lastErr}
	ks.mu.Unlock()
	if s := ks.cache.Load(); s != nil {
		st.Keys, st.Fetched = len(s.keys), s.fetched
		st.Stale = ks.now().Sub(s.fetched) > ks.opts.MaxStale
	} else {
		st.Stale = true
	}
	return st
}

func (ks *KeySet) fetch(ctx context.Context) (map[string]publicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, ks.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ks.url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := ks.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("%w: issuer answered HTTP %d", ErrUnavailable, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, ks.opts.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the key set: %w", ErrUnavailable, err)
	}
	if int64(len(body)) > ks.opts.MaxBody {
		return nil, fmt.Errorf("%w: key set larger than %d bytes", ErrUnavailable, ks.opts.MaxBody)
	}
	keys, skipped, err := parseSet(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if len(skipped) > 0 {
		ks.log.Debug("jwks: keys skipped", "url", ks.url, "skipped", skipped)
	}
	return keys, nil
}

// jwk holds the members of a JSON Web Key this package reads.
type jwk struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Kid    string   `json:"kid"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// parseSet reads a JWKS document. Keys it cannot use are skipped, with a
// reason each; a document with no usable key is ErrNoUsableKey.
func parseSet(data []byte) (map[string]publicKey, []string, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("key set is not valid JSON: %w", err)
	}
	keys := make(map[string]publicKey, len(doc.Keys))
	var skipped []string
	for i, raw := range doc.Keys {
		var j jwk
		if err := json.Unmarshal(raw, &j); err != nil {
			skipped = append(skipped, fmt.Sprintf("#%d: not a JSON object", i))
			continue
		}
		k, err := j.parse()
		if err == nil {
			if _, dup := keys[j.Kid]; dup {
				err = errors.New("duplicate kid, first kept")
			}
		}
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("#%d (kid %q): %v", i, j.Kid, err))
			continue
		}
		keys[j.Kid] = k
	}
	if len(keys) == 0 {
		return nil, skipped, ErrNoUsableKey
	}
	return keys, skipped, nil
}

func (j *jwk) parse() (publicKey, error) {
	switch {
	case j.Kid == "":
		return publicKey{}, errors.New("no kid")
	case j.Use != "" && j.Use != "sig":
		return publicKey{}, fmt.Errorf("use %q", j.Use)
	case j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify"):
		return publicKey{}, errors.New("key_ops without verify")
	}
	b64 := base64.RawURLEncoding.DecodeString
	switch j.Kty {
	case "RSA":
		if j.Alg != "" && j.Alg != "RS256" {
			return publicKey{}, fmt.Errorf("alg %q", j.Alg)
		}
		n, err1 := b64(j.N)
		e, err2 := b64(j.E)
		if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return publicKey{}, errors.New("malformed RSA n or e")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < MinRSABits {
			return publicKey{}, fmt.Errorf("RSA modulus of %d bits", pub.N.BitLen())
		}
		if pub.E < 3 || pub.E%2 == 0 {
			return publicKey{}, errors.New("invalid RSA exponent")
		}
		return publicKey{key: pub, alg: "RS256"}, nil
	case "EC":
		if j.Crv != "P-256" {
			return publicKey{}, fmt.Errorf("curve %q", j.Crv)
		}
		if j.Alg != "" && j.Alg != "ES256" {
			return publicKey{}, fmt.Errorf("alg %q", j.Alg)
		}
		x, err1 := b64(j.X)
		y, err2 := b64(j.Y)
		if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
			return publicKey{}, errors.New("malformed EC x or y")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return publicKey{}, errors.New("EC point not on P-256")
		}
		return publicKey{key: pub, alg: "ES256"}, nil
	default:
		return publicKey{}, fmt.Errorf("kty %q", j.Kty)
	}
}

func kidList(keys map[string]publicKey) []string {
	out := make([]string, 0, len(keys))
	for kid := range keys {
		out = append(out, kid)
	}
	slices.Sort(out)
	return out
}

func sameKids(a, b map[string]publicKey) bool {
	return slices.Equal(kidList(a), kidList(b))
}
