package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// table is the routing table of one registry snapshot. It is immutable once
// built; a reload builds a new one and swaps the pointer.
type table struct {
	revision int64
	// routes by "context/version" without surrounding slashes.
	routes map[string]*route
	// maxDepth is the largest number of path segments in a routes key.
	maxDepth int

	apps    map[string]*application
	creds   map[string]*credential // by credential id
	apiKeys map[[sha256.Size]byte]*credential
	systems map[string]*credential // signed-header systemid
	certs   map[string]*application
	// revoked remembers credentials that disappeared from earlier
	// snapshots, so that callers learn "revoked" rather than "invalid".
	revoked map[string]struct{}

	jwt *jwtKeys
	// Trusted external issuers by id and by iss (federation.go); nil when
	// the snapshot has none.
	fed      map[string]*fedIssuer
	fedByIss map[string]*fedIssuer
}

type authSet uint8

const (
	authJWT authSet = 1 << iota
	authAPIKey
	authSigned
	authMTLS
)

// route is one API version.
type route struct {
	id, name, context, version, owner string
	key                               string // "context/version"
	lifecycle                         registryv1.ApiLifecycle
	public                            bool
	auth                              authSet
	resources                         []resource
	endpoints                         []*endpoint
	cumWeights                        []int
	totalWeight                       int
	upstream                          upstreamAuth
	style                             errorStyle // of the gateway's own refusals
	maxBody                           int64
	timeout                           time.Duration
	retries                           int
	sunset                            string                   // HTTP date, deprecated APIs only
	subs                              map[string]*subscription // by application id
	metrics                           *routeMetrics
	spanName                          string
}

type application struct {
	id, name, agency string
	active           bool
	agencyActive     bool
}

type credential struct {
	id     string
	typ    registryv1.CredentialType
	keyID  string
	secret string
	expire int64 // unix nanoseconds; 0 = none
	app    *application
}

type subscription struct {
	id    string
	tier  string
	state registryv1.SubscriptionState
	limit *bucket // nil = unlimited
}

// match finds the route for a request path and returns the rest of the path
// (with its leading slash). path must start with '/'.
func (t *table) match(path []byte) (*route, []byte) {
	// Try prefixes of 2..maxDepth segments, longest first, so that a
	// multi-segment context wins over a shorter one.
	ends := [8]int{}
	n := 0
	for i := 1; i < len(path) && n < len(ends); i++ {
		if path[i] == '/' {
			ends[n] = i
			n++
		}
	}
	if n < len(ends) {
		ends[n] = len(path)
		n++
	}
	for k := min(n, t.maxDepth); k >= 2; k-- {
		end := ends[k-1]
		if r, ok := t.routes[string(path[1:end])]; ok {
			return r, path[end:]
		}
	}
	return nil, nil
}

// resource is a compiled path template of the API's OpenAPI document.
type resource struct {
	method   string
	template string
	segs     []string // "" marks a parameter
	tail     bool     // last segment matches the rest of the path
	literals int
}

func compileResource(method, tmpl string) resource {
	r := resource{method: strings.ToUpper(strings.TrimSpace(method)), template: tmpl}
	if r.method == "" {
		r.method = "*"
	}
	for _, s := range strings.Split(strings.Trim(tmpl, "/"), "/") {
		switch {
		case s == "":
			continue
		case s == "*" || s == "**" || (strings.HasPrefix(s, "{") && (strings.HasSuffix(s, "+}") || strings.HasSuffix(s, "*}"))):
			r.tail = true
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			r.segs = append(r.segs, "")
		default:
			r.segs = append(r.segs, s)
			r.literals++
		}
		if r.tail {
			break
		}
	}
	return r
}

// matchPath reports whether rest (e.g. "/doanhnghiep/0101") fits the
// template.
func (r *resource) matchPath(rest []byte) bool {
	i := 0
	for len(rest) > 0 && rest[0] == '/' {
		rest = rest[1:]
	}
	for len(rest) > 0 {
		j := bytes.IndexByte(rest, '/')
		var seg []byte
		if j < 0 {
			seg, rest = rest, nil
		} else {
			seg, rest = rest[:j], rest[j+1:]
		}
		if len(seg) == 0 {
			continue // trailing slash
		}
		if i == len(r.segs) {
			return r.tail
		}
		if lit := r.segs[i]; lit != "" && lit != string(seg) {
			return false
		}
		i++
	}
	return i == len(r.segs)
}

// findResource returns the resource for method and rest, or the error to
// answer.
func (rt *route) findResource(method, rest []byte) (*resource, *gwError) {
	if len(rt.resources) == 0 {
		return nil, nil
	}
	pathMatched := false
	for i := range rt.resources {
		r := &rt.resources[i]
		if !r.matchPath(rest) {
			continue
		}
		if r.method == "*" || r.method == string(method) {
			return r, nil
		}
		pathMatched = true
	}
	if pathMatched {
		return nil, errMethodNotAllowed
	}
	return nil, errRouteNotFound
}

// reservedFirstSegments are the gateway's own paths; no API may use them as
// its context.
var reservedFirstSegments = map[string]bool{
	"token": true, "oauth2": true, ".well-known": true, "healthz": true, "readyz": true,
}

func routeKey(context, version string) (string, error) {
	c := strings.Trim(strings.TrimSpace(context), "/")
	v := strings.Trim(strings.TrimSpace(version), "/")
	if c == "" || v == "" || strings.Contains(v, "/") {
		return "", fmt.Errorf("context %q / version %q: both required, version is one segment", context, version)
	}
	for _, s := range strings.Split(c, "/") {
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("context %q has an empty or dot segment", context)
		}
	}
	if first, _, _ := strings.Cut(c, "/"); reservedFirstSegments[first] {
		return "", fmt.Errorf("context %q is reserved by the gateway", context)
	}
	return c + "/" + v, nil
}

// builder turns snapshots into tables. It keeps the objects whose state must
// survive a reload (endpoints with their connection pools, circuit breakers
// and health; rate-limit buckets; OAuth2 token caches) and hands the same
// ones to the new table.
type builder struct {
	g       *Gateway
	prev    *table
	eps     map[string]*endpoint
	oauth   map[string]*oauthSource
	buckets map[string]*bucket
	// fedKeys are the trusted issuers' key sets the new table uses, by
	// issuer id.
	fedKeys  map[string]*fedKeys
	warnings []string
}

func (b *builder) build(s *registryv1.Snapshot) (*table, error) {
	t := &table{
		revision: s.GetRevision(),
		routes:   make(map[string]*route, len(s.GetApis())),
		apps:     make(map[string]*application, len(s.GetApplications())),
		creds:    make(map[string]*credential),
		apiKeys:  make(map[[sha256.Size]byte]*credential),
		systems:  make(map[string]*credential),
		certs:    make(map[string]*application),
		revoked:  make(map[string]struct{}),
	}
	jwt, err := b.g.buildJWTKeys(s.GetToken(), b.prev)
	if err != nil {
		b.warnings = append(b.warnings, err.Error())
	}
	t.jwt = jwt

	agencies := make(map[string]bool, len(s.GetAgencies()))
	for _, a := range s.GetAgencies() {
		agencies[a.GetCode()] = a.GetActive()
	}
	for _, a := range s.GetApplications() {
		app := &application{id: a.GetId(), name: a.GetName(), agency: a.GetAgencyCode(), active: a.GetActive(), agencyActive: agencies[a.GetAgencyCode()]}
		t.apps[app.id] = app
		if fp := strings.ToLower(strings.ReplaceAll(a.GetCertFingerprint(), ":", "")); fp != "" {
			t.certs[fp] = app
		}
		for _, c := range a.GetCredentials() {
			cr := &credential{id: c.GetId(), typ: c.GetType(), keyID: c.GetKeyId(), secret: c.GetHmacSecret(), app: app}
			if et := c.GetExpireTime(); et != nil && et.IsValid() {
				cr.expire = et.AsTime().UnixNano()
			}
			t.creds[cr.id] = cr
			switch c.GetType() {
			case registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY:
				if len(c.GetKeyHash()) == sha256.Size {
					t.apiKeys[[sha256.Size]byte(c.GetKeyHash())] = cr
				} else {
					b.warnings = append(b.warnings, fmt.Sprintf("credential %s: key_hash is not SHA-256", cr.id))
				}
			case registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER:
				if cr.keyID != "" {
					t.systems[cr.keyID] = cr
				}
			}
		}
	}
	b.carryRevoked(t)
	b.buildFederation(s.GetTrustedIssuers(), t)

	tiers := make(map[string]*registryv1.TierConfig, len(s.GetTiers()))
	for _, tc := range s.GetTiers() {
		tiers[tc.GetName()] = tc
	}
	subsByAPI := make(map[string]map[string]*subscription)
	for _, sc := range s.GetSubscriptions() {
		sub := &subscription{id: sc.GetId(), tier: sc.GetTier(), state: sc.GetState()}
		if tc := tiers[sc.GetTier()]; tc != nil {
			sub.limit = b.bucketFor(sub.id, tc)
		}
		m := subsByAPI[sc.GetApiId()]
		if m == nil {
			m = make(map[string]*subscription)
			subsByAPI[sc.GetApiId()] = m
		}
		// One application may hold several subscriptions to an API over
		// time; an approved one wins.
		if old := m[sc.GetApplicationId()]; old == nil || old.state != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED {
			m[sc.GetApplicationId()] = sub
		}
	}

	for _, a := range s.GetApis() {
		if a.GetLifecycle() == registryv1.ApiLifecycle_API_LIFECYCLE_DRAFT || a.GetLifecycle() == registryv1.ApiLifecycle_API_LIFECYCLE_UNSPECIFIED {
			continue
		}
		key, err := routeKey(a.GetContext(), a.GetVersion())
		if err != nil {
			b.warnings = append(b.warnings, fmt.Sprintf("api %s skipped: %v", a.GetId(), err))
			continue
		}
		if other, dup := t.routes[key]; dup {
			b.warnings = append(b.warnings, fmt.Sprintf("api %s skipped: /%s is already served by api %s", a.GetId(), key, other.id))
			continue
		}
		rt, err := b.buildRoute(a, key)
		if err != nil {
			b.warnings = append(b.warnings, fmt.Sprintf("api %s skipped: %v", a.GetId(), err))
			continue
		}
		rt.subs = subsByAPI[a.GetId()]
		t.routes[key] = rt
		if d := strings.Count(key, "/") + 1; d > t.maxDepth {
			t.maxDepth = d
		}
	}
	return t, nil
}

func (b *builder) buildRoute(a *registryv1.ApiRoute, key string) (*route, error) {
	cfg := &b.g.cfg
	rt := &route{
		id: a.GetId(), name: a.GetName(), context: a.GetContext(), version: a.GetVersion(), owner: a.GetOwnerAgency(),
		key: key, lifecycle: a.GetLifecycle(), public: a.GetPublic(),
		maxBody: cfg.MaxBodyBytes, timeout: cfg.UpstreamTimeout, retries: int(a.GetRetries()),
		metrics:  b.g.metrics.forRoute(a.GetId()),
		spanName: "proxy " + key,
	}
	if n := a.GetMaxBodyBytes(); n > 0 {
		rt.maxBody = min(n, cfg.BodyCapBytes)
	}
	if ms := a.GetTimeoutMs(); ms > 0 {
		rt.timeout = time.Duration(ms) * time.Millisecond
	}
	rt.retries = max(0, min(rt.retries, 5))
	if a.GetErrorStyle() == registryv1.ErrorStyle_ERROR_STYLE_NATIONAL_AXIS {
		rt.style = styleNational
	}
	for _, m := range a.GetAuthMethods() {
		switch m {
		case registryv1.AuthMethod_AUTH_METHOD_JWT:
			rt.auth |= authJWT
		case registryv1.AuthMethod_AUTH_METHOD_API_KEY:
			rt.auth |= authAPIKey
		case registryv1.AuthMethod_AUTH_METHOD_SIGNED_HEADER:
			rt.auth |= authSigned
		case registryv1.AuthMethod_AUTH_METHOD_MTLS:
			rt.auth |= authMTLS
		}
	}
	if rt.auth == 0 {
		rt.auth = authJWT // the platform's default credential
	}
	if rt.lifecycle == registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED {
		if st := a.GetSunsetTime(); st != nil && st.IsValid() {
			rt.sunset = st.AsTime().UTC().Format(http.TimeFormat)
		}
	}
	for _, r := range a.GetResources() {
		rt.resources = append(rt.resources, compileResource(r.GetMethod(), r.GetPath()))
	}
	// Most specific first: more literal segments, then fixed length before
	// tails, then explicit methods before "*".
	sort.SliceStable(rt.resources, func(i, j int) bool {
		x, y := &rt.resources[i], &rt.resources[j]
		if x.literals != y.literals {
			return x.literals > y.literals
		}
		if x.tail != y.tail {
			return !x.tail
		}
		if len(x.segs) != len(y.segs) {
			return len(x.segs) > len(y.segs)
		}
		return x.method != "*" && y.method == "*"
	})
	for _, e := range a.GetEndpoints() {
		ep, err := b.endpoint(e.GetUrl())
		if err != nil {
			return nil, err
		}
		w := int(e.GetWeight())
		if w <= 0 {
			w = 1
		}
		rt.endpoints = append(rt.endpoints, ep)
		rt.totalWeight += w
		rt.cumWeights = append(rt.cumWeights, rt.totalWeight)
	}
	up, err := b.upstreamAuth(a.GetUpstreamAuth())
	if err != nil {
		return nil, err
	}
	if up.platform && !b.g.idKey.Valid() && !rt.public {
		// Served, so that its callers learn why they are refused.
		b.warnings = append(b.warnings, fmt.Sprintf("api %s: its upstream is a platform service, and this gateway has no internal token (LGSP_INTERNAL_TOKEN) to assert callers' identity with; its calls are refused", a.GetId()))
	}
	rt.upstream = up
	return rt, nil
}

func (b *builder) upstreamAuth(c *registryv1.UpstreamAuthConfig) (upstreamAuth, error) {
	var u upstreamAuth
	switch c.GetType() {
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_UNSPECIFIED, registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_NONE:
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC:
		u.header = "Basic " + base64.StdEncoding.EncodeToString([]byte(c.GetUsername()+":"+c.GetPassword()))
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER:
		u.header = "Bearer " + c.GetBearerToken()
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS:
		if c.GetTokenUrl() == "" || c.GetClientId() == "" {
			return u, fmt.Errorf("oauth2 upstream auth needs token_url and client_id")
		}
		k := c.GetTokenUrl() + "\x00" + c.GetClientId() + "\x00" + c.GetClientSecret() + "\x00" + c.GetScope()
		src := b.oauth[k]
		if src == nil {
			if old := b.g.oauth[k]; old != nil {
				src = old
			} else {
				src = newOAuthSource(c.GetTokenUrl(), c.GetClientId(), c.GetClientSecret(), c.GetScope(), b.g.now, b.g.guard)
			}
			b.oauth[k] = src
		}
		u.oauth = src
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER:
		if c.GetSystemId() == "" || c.GetSigningSecret() == "" {
			return u, fmt.Errorf("signed-header upstream auth needs system_id and signing_secret")
		}
		u.systemID, u.secret = c.GetSystemId(), c.GetSigningSecret()
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM:
		u.platform = true
	default:
		return u, fmt.Errorf("unknown upstream auth type %v", c.GetType())
	}
	return u, nil
}

// endpoint returns the shared endpoint for url, reusing the previous one.
func (b *builder) endpoint(url string) (*endpoint, error) {
	if ep := b.eps[url]; ep != nil {
		return ep, nil
	}
	ep := b.g.endpoints[url]
	if ep == nil {
		var err error
		if ep, err = newEndpoint(url, &b.g.cfg, b.g.guard, b.g.log); err != nil {
			return nil, err
		}
	}
	b.eps[url] = ep
	return ep, nil
}

// bucketFor returns the subscription's rate-limit bucket, the previous one
// when its tier is unchanged so that a reload does not refill it.
func (b *builder) bucketFor(subID string, tc *registryv1.TierConfig) *bucket {
	if tc.GetRatePerSecond() <= 0 {
		return nil
	}
	if old := b.g.buckets[subID]; old != nil && old.rate == tc.GetRatePerSecond() && old.burst == int(tc.GetBurst()) {
		b.buckets[subID] = old
		return old
	}
	nb := newBucket(tc.GetRatePerSecond(), int(tc.GetBurst()))
	b.buckets[subID] = nb
	return nb
}

// carryRevoked records credentials present before and absent now.
func (b *builder) carryRevoked(t *table) {
	const maxRevoked = 100_000
	if b.prev == nil {
		return
	}
	for k := range b.prev.revoked {
		if len(t.revoked) >= maxRevoked {
			break
		}
		t.revoked[k] = struct{}{}
	}
	for id, c := range b.prev.creds {
		if _, still := t.creds[id]; still || len(t.revoked) >= maxRevoked {
			continue
		}
		t.revoked["cid:"+id] = struct{}{}
		switch c.typ {
		case registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER:
			if _, reused := t.systems[c.keyID]; !reused {
				t.revoked["sys:"+c.keyID] = struct{}{}
			}
		}
	}
	for h := range b.prev.apiKeys {
		if _, still := t.apiKeys[h]; !still {
			t.revoked["key:"+hex.EncodeToString(h[:])] = struct{}{}
		}
	}
	// A client certificate cleared from its application is revoked too.
	for fp := range b.prev.certs {
		if _, still := t.certs[fp]; !still && len(t.revoked) < maxRevoked {
			t.revoked["cert:"+fp] = struct{}{}
		}
	}
	// A credential that came back is no longer revoked.
	for id := range t.creds {
		delete(t.revoked, "cid:"+id)
	}
	for h := range t.apiKeys {
		delete(t.revoked, "key:"+hex.EncodeToString(h[:]))
	}
	for id := range t.systems {
		delete(t.revoked, "sys:"+id)
	}
	for fp := range t.certs {
		delete(t.revoked, "cert:"+fp)
	}
}
