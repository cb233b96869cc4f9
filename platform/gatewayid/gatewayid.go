package gatewayid

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// Prefix starts every assertion; a bearer credential without it is not one.
const Prefix = "lgspgw1."

// MaxAge is how long an assertion is accepted after it was issued. The
// gateway issues one per upstream attempt.
const MaxAge = 30 * time.Second

// skew tolerates clocks of two hosts that differ a little.
const skew = 5 * time.Second

// Identity is what the gateway asserts about a call.
type Identity struct {
	// App is the calling application's id.
	App string `json:"app"`
	// Agency is the application's agency code.
	Agency string `json:"agency"`
	// API is the id of the API the call came through.
	API string `json:"api,omitempty"`
	// RequestID is the gateway's request id.
	RequestID string `json:"rid,omitempty"`
	// SystemID is the signed-header systemid the caller used, if it used
	// one.
	SystemID string `json:"sys,omitempty"`
	// Issued is when the gateway made the assertion.
	Issued time.Time `json:"-"`
}

type payload struct {
	Identity
	IAT int64 `json:"iat"`
}

// ErrInvalid is returned for an assertion that is malformed, forged or
// expired.
var ErrInvalid = errors.New("gateway identity assertion invalid")

// Key is the MAC key of an installation.
type Key struct{ k []byte }

// NewKey derives the assertion key from the internal token, so that no new
// secret has to be distributed and the token itself is never the MAC key.
func NewKey(internalToken string) (Key, error) {
	if len(internalToken) < 32 {
		return Key{}, fmt.Errorf("gatewayid: the internal token must be at least 32 characters")
	}
	m := hmac.New(sha256.New, []byte(internalToken))
	m.Write([]byte("lgsp gateway identity assertion v1"))
	return Key{k: m.Sum(nil)}, nil
}

// Valid reports whether the key was made by NewKey.
func (k Key) Valid() bool { return len(k.k) != 0 }

var b64 = base64.RawURLEncoding

// Sign returns the assertion of id, issued at id.Issued (now when zero).
func (k Key) Sign(id Identity) string {
	t := id.Issued
	if t.IsZero() {
		t = time.Now()
	}
	body, _ := json.Marshal(payload{Identity: id, IAT: t.Unix()})
	p := b64.EncodeToString(body)
	return Prefix + p + "." + b64.EncodeToString(k.mac(p))
}

func (k Key) mac(p string) []byte {
	m := hmac.New(sha256.New, k.k)
	m.Write([]byte(Prefix))
	m.Write([]byte(p))
	return m.Sum(nil)
}

// Verify checks an assertion at time now and returns what it asserts.
func (k Key) Verify(token string, now time.Time) (Identity, error) {
	if !k.Valid() {
		return Identity{}, fmt.Errorf("%w: no key", ErrInvalid)
	}
	rest, ok := strings.CutPrefix(token, Prefix)
	if !ok || len(rest) > 4096 {
		return Identity{}, fmt.Errorf("%w: not an assertion", ErrInvalid)
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return Identity{}, fmt.Errorf("%w: malformed", ErrInvalid)
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, k.mac(p)) {
		return Identity{}, fmt.Errorf("%w: bad signature", ErrInvalid)
	}
	body, err := b64.DecodeString(p)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: malformed payload", ErrInvalid)
	}
	var pl payload
	if err := json.Unmarshal(body, &pl); err != nil || pl.App == "" || pl.Agency == "" {
		return Identity{}, fmt.Errorf("%w: malformed payload", ErrInvalid)
	}
	issued := time.Unix(pl.IAT, 0)
	if now.Before(issued.Add(-skew)) || now.After(issued.Add(MaxAge)) {
		return Identity{}, fmt.Errorf("%w: expired", ErrInvalid)
	}
	id := pl.Identity
	id.Issued = issued
	return id, nil
}

// Authenticator accepts assertions and hands every other credential to
// Next. The principal of an assertion has RoleConsumer, the application id
// as Subject and the agency code as Agency.
type Authenticator struct {
	Key  Key
	Next authn.Authenticator
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Authenticate implements authn.Authenticator.
func (a Authenticator) Authenticate(ctx context.Context, token string) (authn.Principal, error) {
	if !strings.HasPrefix(token, Prefix) {
		if a.Next == nil {
			return authn.Principal{}, authn.ErrUnauthenticated
		}
		return a.Next.Authenticate(ctx, token)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	id, err := a.Key.Verify(token, now())
	if err != nil {
		return authn.Principal{}, fmt.Errorf("%w: %v", authn.ErrUnauthenticated, err)
	}
	return authn.Principal{Subject: id.App, Role: authn.RoleConsumer, Agency: id.Agency}, nil
}
