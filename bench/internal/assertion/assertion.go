package assertion

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/platform/gatewayid"
)

// refresh is how often a fresh assertion is signed; one is accepted for
// gatewayid.MaxAge (30 s).
const refresh = 10 * time.Second

// Signer signs one identity's assertion with the key the gateway derives
// from the platform's internal token, and reuses it for refresh. It is
// safe for concurrent use.
type Signer struct {
	key gatewayid.Key
	id  gatewayid.Identity
	cur atomic.Pointer[signed]
}

type signed struct {
	bearer string
	at     time.Time
}

// NewSigner returns a signer of id's assertion, keyed from internalToken
// (the LGSP_INTERNAL_TOKEN the benchmark gave the platform).
func NewSigner(internalToken string, id gatewayid.Identity) (*Signer, error) {
	key, err := gatewayid.NewKey(internalToken)
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, id: id}, nil
}

// Bearer is the Authorization header's value: "Bearer <assertion>".
func (s *Signer) Bearer() string {
	now := time.Now()
	if cur := s.cur.Load(); cur != nil && now.Sub(cur.at) < refresh {
		return cur.bearer
	}
	id := s.id
	id.Issued = now
	a := &signed{bearer: "Bearer " + s.key.Sign(id), at: now}
	s.cur.Store(a)
	return a.bearer
}

// Transport wraps base so that every request carries the assertion, for
// clients (the national SDK's) whose headers the caller does not set.
func (s *Signer) Transport(base http.RoundTripper) http.RoundTripper {
	return transport{s: s, base: base}
}

type transport struct {
	s    *Signer
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", t.s.Bearer())
	return t.base.RoundTrip(r)
}
