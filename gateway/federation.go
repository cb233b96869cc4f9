package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/platform/jwks"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Federation: bearer JWTs signed by a trusted external issuer (the
// national platform), whose keys live at the issuer's JWKS URL. A token
// whose iss names a trusted issuer of the snapshot is verified against
// that issuer's key set and acts as the issuer's application; any other
// bearer token goes to the platform's own verifier (jwt.go), which refuses
// an unknown iss like any invalid token.
//
// Key sets are the long-lived part: one per trusted issuer, kept across
// reloads while its JWKS URL is unchanged so that a reload never refetches
// keys, refreshed by its own loop (jwks.KeySet.Run) under the gateway's
// lifecycle, and stopped when the issuer leaves the snapshot or the
// gateway stops. The verifier settings (issuer, audiences, leeway,
// required claims) are rebuilt only when they change, and a change
// invalidates the tokens verified with the old ones.

// fedRecheck bounds how long a verified federated token is trusted from
// the cache: after it the token is verified again against the current key
// set, so that a key the issuer withdrew stops being accepted soon after
// the gateway's next refresh, not only when the token expires.
const fedRecheck = time.Minute

// fedKeys is one issuer's key set with its refresh loop.
type fedKeys struct {
	url       string
	allowHTTP bool
	ks        *jwks.KeySet
	// cancel stops the refresh loop; nil while it does not run. done is
	// closed when a started loop has returned.
	cancel context.CancelFunc
	done   chan struct{}
}

// fedVerifier is what a trusted issuer's tokens are checked with. It is
// shared by successive tables while the issuer's settings do not change.
type fedVerifier struct {
	fingerprint string
	v           *jwks.Verifier
	claims      [][2]string // required claim name and value, sorted
	leeway      time.Duration
	// gen tells cached verifications of these settings from others.
	gen uint64
}

var fedGen atomic.Uint64

// fedIssuer is a trusted issuer in one table.
type fedIssuer struct {
	id, name, issuer string
	ver              *fedVerifier
	// cred names the issuer's application in this table; nil when the
	// snapshot does not hold it (every token is then refused).
	cred *credential
}

// fedFingerprint is every setting that changes what a token must be.
func fedFingerprint(c *registryv1.TrustedIssuerConfig) string {
	var b strings.Builder
	for _, s := range []string{c.GetIssuer(), c.GetJwksUrl(), fmt.Sprint(c.GetAllowHttp()), fmt.Sprint(c.GetLeewaySeconds()), c.GetApplicationId()} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	b.WriteString(strings.Join(c.GetAudiences(), "\x01"))
	b.WriteByte(0)
	for _, kv := range sortedClaims(c.GetRequiredClaims()) {
		b.WriteString(kv[0] + "\x01" + kv[1] + "\x02")
	}
	return b.String()
}

func sortedClaims(m map[string]string) [][2]string {
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// buildFederation fills t.fed and t.fedByIss from the snapshot's trusted
// issuers, reusing the previous key sets and verifiers where nothing
// changed. It never contacts an issuer.
func (b *builder) buildFederation(issuers []*registryv1.TrustedIssuerConfig, t *table) {
	if len(issuers) == 0 {
		return
	}
	t.fed = make(map[string]*fedIssuer, len(issuers))
	t.fedByIss = make(map[string]*fedIssuer, len(issuers))
	for _, c := range issuers {
		if t.jwt != nil && c.GetIssuer() == t.jwt.issuer {
			b.warnings = append(b.warnings, fmt.Sprintf("trusted issuer %s skipped: its iss is the platform's own token issuer", c.GetId()))
			continue
		}
		if _, dup := t.fedByIss[c.GetIssuer()]; dup {
			b.warnings = append(b.warnings, fmt.Sprintf("trusted issuer %s skipped: another one has the same iss", c.GetId()))
			continue
		}
		keys, err := b.fedKeysFor(c)
		if err != nil {
			b.warnings = append(b.warnings, fmt.Sprintf("trusted issuer %s skipped: %v", c.GetId(), err))
			continue
		}
		ver, err := b.fedVerifierFor(c, keys)
		if err != nil {
			b.warnings = append(b.warnings, fmt.Sprintf("trusted issuer %s skipped: %v", c.GetId(), err))
			continue
		}
		fi := &fedIssuer{id: c.GetId(), name: c.GetName(), issuer: c.GetIssuer(), ver: ver}
		if app := t.apps[c.GetApplicationId()]; app != nil {
			fi.cred = &credential{app: app}
		} else {
			b.warnings = append(b.warnings, fmt.Sprintf("trusted issuer %s: its application %s is not in the snapshot; its tokens are refused", c.GetId(), c.GetApplicationId()))
		}
		t.fed[fi.id] = fi
		t.fedByIss[fi.issuer] = fi
	}
}

// fedKeysFor returns the issuer's key set: the one the gateway holds when
// its JWKS URL is unchanged, otherwise a new one (not yet running).
func (b *builder) fedKeysFor(c *registryv1.TrustedIssuerConfig) (*fedKeys, error) {
	if k := b.fedKeys[c.GetId()]; k != nil {
		return k, nil
	}
	if k := b.g.fedKeys[c.GetId()]; k != nil && k.url == c.GetJwksUrl() && k.allowHTTP == c.GetAllowHttp() {
		b.fedKeys[c.GetId()] = k
		return k, nil
	}
	cfg := &b.g.cfg
	ks, err := jwks.New(jwks.Options{
		URL:           c.GetJwksUrl(),
		AllowHTTP:     c.GetAllowHttp(),
		HTTPClient:    b.g.fedHTTP,
		Timeout:       cfg.FederationJWKSTimeout,
		RefreshEvery:  cfg.FederationJWKSRefresh,
		MinRefreshGap: cfg.FederationJWKSMinGap,
		MaxStale:      cfg.FederationJWKSMaxStale,
		Clock:         b.g.now,
		Logger:        b.g.log.With("trusted_issuer", c.GetId()),
	})
	if err != nil {
		return nil, err
	}
	k := &fedKeys{url: c.GetJwksUrl(), allowHTTP: c.GetAllowHttp(), ks: ks}
	b.fedKeys[c.GetId()] = k
	return k, nil
}

// fedVerifierFor reuses the previous table's verifier when the issuer's
// settings and key set are unchanged.
func (b *builder) fedVerifierFor(c *registryv1.TrustedIssuerConfig, keys *fedKeys) (*fedVerifier, error) {
	fp := fedFingerprint(c)
	if b.prev != nil {
		if old := b.prev.fed[c.GetId()]; old != nil && old.ver.fingerprint == fp && old.ver.v != nil && b.g.fedKeys[c.GetId()] == keys {
			return old.ver, nil
		}
	}
	leeway := time.Duration(c.GetLeewaySeconds()) * time.Second
	v, err := jwks.NewVerifier(keys.ks, c.GetIssuer(), c.GetAudiences(), leeway, b.g.now)
	if err != nil {
		return nil, err
	}
	return &fedVerifier{fingerprint: fp, v: v, claims: sortedClaims(c.GetRequiredClaims()), leeway: leeway, gen: fedGen.Add(1)}, nil
}

// applyFedKeys runs after a table built by b is in use: key sets no longer
// in the snapshot stop, new ones start refreshing when the gateway runs.
// Called under reloadMu.
func (g *Gateway) applyFedKeys(next map[string]*fedKeys) {
	for id, k := range g.fedKeys {
		if next[id] != k {
			k.stop()
		}
	}
	g.fedKeys = next
	if g.fedCtx != nil {
		for _, k := range next {
			g.startFedKeys(k)
		}
	}
}

// startFedKeys starts k's refresh loop under the gateway's lifecycle, once.
// Called under reloadMu.
func (g *Gateway) startFedKeys(k *fedKeys) {
	if k.cancel != nil || g.fedCtx == nil {
		return
	}
	ctx, cancel := context.WithCancel(g.fedCtx)
	k.cancel, k.done = cancel, make(chan struct{})
	g.fedWG.Add(1)
	go func(done chan struct{}) {
		defer g.fedWG.Done()
		defer close(done)
		k.ks.Run(ctx)
	}(k.done)
}

func (k *fedKeys) stop() {
	if k.cancel != nil {
		k.cancel()
	}
}

// startFederation runs the key sets' refresh loops until ctx ends; the
// returned function waits for them to end after ctx is cancelled.
func (g *Gateway) startFederation(ctx context.Context) (wait func()) {
	g.reloadMu.Lock()
	g.fedCtx = ctx
	for _, k := range g.fedKeys {
		g.startFedKeys(k)
	}
	g.reloadMu.Unlock()
	return func() {
		g.reloadMu.Lock()
		g.fedCtx = nil
		for _, k := range g.fedKeys {
			k.stop()
		}
		g.reloadMu.Unlock()
		g.fedWG.Wait()
		g.fedTransport.CloseIdleConnections()
	}
}

// newFedHTTP is the client JWKS documents are fetched with. It dials
// through the gateway's address guard (LGSP_GATEWAY_UPSTREAM_ALLOW), as
// upstreams and upstream token endpoints are, and ignores HTTP(S)_PROXY,
// which would hide the real destination from the guard. The key set
// follows redirects to the same host only.
func (g *Gateway) newFedHTTP() {
	g.fedTransport = &http.Transport{
		DialContext:           g.guard.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   1,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
	}
	g.fedHTTP = &http.Client{Transport: g.fedTransport}
}

// peekIssuer reads the iss claim of a compact JWT without verifying it,
// only to choose the verifier. It returns "" when there is none.
func peekIssuer(tok []byte) string {
	first := slices.Index(tok, '.')
	if first < 0 {
		return ""
	}
	rest := tok[first+1:]
	second := slices.Index(rest, '.')
	if second < 0 || second > jwks.MaxTokenSize {
		return ""
	}
	payload := make([]byte, base64.RawURLEncoding.DecodedLen(second))
	n, err := base64.RawURLEncoding.Decode(payload, rest[:second])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload[:n], &c) != nil {
		return ""
	}
	return c.Iss
}

// authFederated verifies a token of a trusted issuer and returns the
// issuer's application as its credential.
func (g *Gateway) authFederated(fi *fedIssuer, tok []byte, h uint64, now int64) (*credential, *gwError) {
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.FederationJWKSTimeout)
	claims, err := fi.ver.v.Verify(ctx, string(tok))
	cancel()
	switch {
	case errors.Is(err, jwks.ErrUnavailable):
		g.metrics.federation.WithLabelValues("keys_unavailable").Inc()
		return nil, errIssuerUnavailable
	case errors.Is(err, jwks.ErrExpired):
		g.metrics.federation.WithLabelValues("expired").Inc()
		return nil, errTokenExpired
	case errors.Is(err, jwks.ErrAudience):
		g.metrics.federation.WithLabelValues("audience").Inc()
		return nil, errTokenAudience
	case err != nil:
		g.metrics.federation.WithLabelValues("invalid").Inc()
		g.log.Debug("federated token refused", "trusted_issuer", fi.id, "reason", err.Error())
		return nil, errInvalidToken
	}
	for _, kv := range fi.ver.claims {
		if !claimHas(claims.Raw[kv[0]], kv[1]) {
			g.metrics.federation.WithLabelValues("claims").Inc()
			g.log.Debug("federated token refused", "trusted_issuer", fi.id, "reason", "required claim "+kv[0]+" missing or different")
			return nil, errInvalidToken
		}
	}
	if fi.cred == nil {
		g.metrics.federation.WithLabelValues("no_application").Inc()
		return nil, errInvalidToken
	}
	g.metrics.federation.WithLabelValues("accepted").Inc()
	g.jwtCache.put(h, &verified{
		token: string(tok), fed: fi.id, gen: fi.ver.gen,
		// The verifier accepted the token until exp plus the leeway.
		exp:     claims.ExpiresAt.Add(fi.ver.leeway).UnixNano(),
		recheck: now + int64(fedRecheck),
	}, now)
	return fi.cred, nil
}

// claimHas reports whether a claim is the string want or an array holding
// it.
func claimHas(v any, want string) bool {
	switch c := v.(type) {
	case string:
		return c == want
	case []any:
		for _, e := range c {
			if s, ok := e.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

// fedRetryAfter is the Retry-After of errIssuerUnavailable: sooner, the key
// set would not try the issuer again.
func (g *Gateway) fedRetryAfter() int64 {
	return max(1, int64((g.cfg.FederationJWKSMinGap+time.Second-1)/time.Second))
}
