package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// authenticate finds the application behind the credential the request
// presents, among the methods the API enables. When it refuses a caller it
// could still identify (a revoked or expired credential of a known
// application), it returns that application with the error, so that the
// refused call is metered to it. presentsCredential (bodylimit.go) must
// know every credential header read here: a request without any gets no
// body read. A caller that signed its headers has its systemid noted in ev.
func (g *Gateway) authenticate(ctx *fasthttp.RequestCtx, t *table, rt *route, ev *event, now int64) (*application, *gwError) {
	h := &ctx.Request.Header
	presented := false
	if a := h.PeekCanonical(kAuthorization); len(a) > 7 && bytes.EqualFold(a[:7], []byte("bearer ")) {
		presented = true
		if rt.auth&authJWT != 0 {
			c, e := g.authJWT(t, bytes.TrimSpace(a[7:]), now)
			if e != nil {
				if c != nil {
					return c.app, e
				}
				return nil, e
			}
			return c.app, nil
		}
	}
	key := h.PeekCanonical(kApikey)
	if len(key) == 0 {
		key = h.PeekCanonical(kXAPIKey)
	}
	if len(key) > 0 {
		presented = true
		if rt.auth&authAPIKey != 0 {
			sum := sha256.Sum256(key)
			c := t.apiKeys[sum]
			if c == nil {
				if _, revoked := t.revoked["key:"+hex.EncodeToString(sum[:])]; revoked {
					return nil, errCredentialRevoked
				}
				return nil, errInvalidAPIKey
			}
			if c.expire != 0 && now >= c.expire {
				return c.app, errCredentialExpired
			}
			return c.app, nil
		}
	}
	if len(h.PeekCanonical(kSignHash)) > 0 || len(h.PeekCanonical(kSign)) > 0 {
		presented = true
		if rt.auth&authSigned != 0 {
			return g.authSigned(ctx, t, ev, now)
		}
	}
	if cs := ctx.TLSConnectionState(); cs != nil && len(cs.PeerCertificates) > 0 {
		presented = true
		if rt.auth&authMTLS != 0 {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			fp := hex.EncodeToString(sum[:])
			app := t.certs[fp]
			if app == nil {
				if _, revoked := t.revoked["cert:"+fp]; revoked {
					return nil, errCredentialRevoked
				}
				return nil, errInvalidCert
			}
			return app, nil
		}
	}
	if presented {
		return nil, errMethodNotEnabled
	}
	return nil, errMissingCredential
}

func (g *Gateway) authSigned(ctx *fasthttp.RequestCtx, t *table, ev *event, now int64) (*application, *gwError) {
	h := &ctx.Request.Header
	get := func(name string) string { return string(h.Peek(name)) }
	res, err := g.signed.Verify(get)
	if err != nil {
		if errors.Is(err, signedheader.ErrUnknownSystem) {
			if _, revoked := t.revoked["sys:"+signedheader.Lookup(get, signedheader.NameSystemID)]; revoked {
				return nil, errCredentialRevoked
			}
		}
		g.log.Debug("signed headers refused", "reason", err.Error())
		return nil, errInvalidSignature
	}
	c := t.systems[res.SystemID]
	if c == nil { // revoked between the secret lookup and now
		return nil, errCredentialRevoked
	}
	if c.expire != 0 && now >= c.expire {
		return c.app, errCredentialExpired
	}
	if hf, ok := res.Get(signedheader.NameHashFile); ok && hf != "" && !signedheader.HashFileMatches(hf, ctx.Request.Body()) {
		return nil, errHashFileMismatch
	}
	ev.signed = true
	return c.app, nil
}
