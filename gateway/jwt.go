package gateway

import (
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/lgsp-vn/lgsp/platform/accesstoken"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// jwtKeys are the token verifier and served key set of one snapshot.
type jwtKeys struct {
	issuer, audience string
	jwks             []byte
	// verifier is nil when the snapshot's token configuration is unusable;
	// every bearer token is then refused.
	verifier *accesstoken.Verifier
	// gen changes whenever keys, issuer or audience change; cached
	// verifications from another generation are not trusted.
	gen uint64
}

var jwtGen atomic.Uint64

// buildJWTKeys reuses prev's keys when the token configuration did not
// change, so that the verified-token cache stays warm across reloads.
func (g *Gateway) buildJWTKeys(tc *registryv1.TokenConfig, prev *table) (*jwtKeys, error) {
	k := &jwtKeys{issuer: tc.GetIssuer(), audience: tc.GetAudience(), jwks: []byte(tc.GetJwksJson())}
	if prev != nil && prev.jwt != nil && prev.jwt.issuer == k.issuer && prev.jwt.audience == k.audience && string(prev.jwt.jwks) == string(k.jwks) {
		return prev.jwt, nil
	}
	k.gen = jwtGen.Add(1)
	if len(k.jwks) == 0 {
		k.jwks = []byte(`{"keys":[]}`)
	}
	v, err := accesstoken.NewVerifier(k.jwks, k.issuer, k.audience, g.now)
	if err != nil {
		return k, fmt.Errorf("token configuration: %w", err)
	}
	k.verifier = v
	return k, nil
}

// verified is what a valid token proved, cached by token.
type verified struct {
	token string
	sub   string
	cid   string
	exp   int64 // unix nanoseconds
	gen   uint64
	// fed is the trusted issuer of a federated token ("" for the
	// platform's), whose verifier generation gen is; recheck is when the
	// token must be verified again (federation.go, fedRecheck).
	fed     string
	recheck int64
}

const jwtShards = 32

// jwtCache maps tokens to their verified claims so that the RSA signature
// is checked once per token, not once per request. It is keyed by a seeded
// hash of the token and confirms the whole token on a hit. Revocation is
// not cached: every request re-checks the credential id against the current
// table.
type jwtCache struct {
	seed     maphash.Seed
	perShard int
	shards   [jwtShards]struct {
		mu sync.RWMutex
		m  map[uint64]*verified
	}
}

func newJWTCache(size int) *jwtCache {
	c := &jwtCache{seed: maphash.MakeSeed(), perShard: max(1, size/jwtShards)}
	for i := range c.shards {
		c.shards[i].m = make(map[uint64]*verified)
	}
	return c
}

func (c *jwtCache) get(tok []byte) (*verified, uint64) {
	h := maphash.Bytes(c.seed, tok)
	s := &c.shards[h%jwtShards]
	s.mu.RLock()
	v := s.m[h]
	s.mu.RUnlock()
	if v != nil && v.token == string(tok) {
		return v, h
	}
	return nil, h
}

func (c *jwtCache) put(h uint64, v *verified, now int64) {
	s := &c.shards[h%jwtShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= c.perShard {
		for k, e := range s.m {
			if e.exp <= now {
				delete(s.m, k)
			}
		}
		// Still full: forget an arbitrary half. Tokens are re-verified on
		// their next use, so this costs CPU, never correctness.
		for k := range s.m {
			if len(s.m) < c.perShard/2+1 {
				break
			}
			delete(s.m, k)
		}
	}
	s.m[h] = v
}

// authJWT verifies a bearer token and returns its credential. With a
// revoked or expired credential it returns the error and, when the
// token's application is known, a credential naming it (for metering).
func (g *Gateway) authJWT(t *table, tok []byte, now int64) (*credential, *gwError) {
	v, h := g.jwtCache.get(tok)
	if v != nil && v.fed != "" {
		// A federated token: still trusted while its issuer's settings are
		// unchanged and the recheck time has not come.
		if fi := t.fed[v.fed]; fi != nil && fi.ver.gen == v.gen && now < v.recheck && fi.cred != nil {
			if now >= v.exp {
				return nil, errTokenExpired
			}
			return fi.cred, nil
		}
		v = nil
	}
	if v == nil && t.fedByIss != nil {
		if fi := t.fedByIss[peekIssuer(tok)]; fi != nil {
			return g.authFederated(fi, tok, h, now)
		}
	}
	k := t.jwt
	if k == nil || k.verifier == nil || k.verifier.Keys() == 0 {
		return nil, errInvalidToken
	}
	if v == nil || v.gen != k.gen {
		claims, err := k.verifier.Verify(string(tok))
		switch {
		case accesstoken.Expired(err):
			return nil, errTokenExpired
		case err != nil:
			return nil, errInvalidToken
		}
		v = &verified{token: string(tok), sub: claims.Subject, cid: claims.CredentialID, exp: claims.ExpiresAt.UnixNano(), gen: k.gen}
		g.jwtCache.put(h, v, now)
	}
	if now >= v.exp {
		return nil, errTokenExpired
	}
	c := t.creds[v.cid]
	if c == nil {
		// The registry signed this token, so the credential existed: it was
		// revoked (or its application deleted) since. The token still names
		// its application.
		if app := t.apps[v.sub]; app != nil {
			return &credential{app: app}, errCredentialRevoked
		}
		return &credential{app: &application{id: v.sub}}, errCredentialRevoked
	}
	if c.app.id != v.sub || c.typ != registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT {
		return nil, errInvalidToken
	}
	if c.expire != 0 && now >= c.expire {
		return c, errCredentialExpired
	}
	return c, nil
}
