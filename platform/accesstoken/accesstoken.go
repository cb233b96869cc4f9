package accesstoken

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithm is the only signing algorithm issued and accepted.
const Algorithm = "RS256"

// Claims are the claims of an access token.
type Claims struct {
	jwt.RegisteredClaims
	ClientID     string `json:"client_id"`
	CredentialID string `json:"cid"`
	Agency       string `json:"agency"`
	Scope        string `json:"scope,omitempty"`
}

// JWK is one RSA public key of a key set.
type JWK struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// Set is a JSON Web Key Set.
type Set struct {
	Keys []JWK `json:"keys"`
}

// FromRSA describes an RSA public key.
func FromRSA(kid string, pub *rsa.PublicKey) JWK {
	return JWK{
		Kty: "RSA", Use: "sig", Alg: Algorithm, Kid: kid,
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// Parse reads a key set and returns its RSA signing keys by kid. Keys of
// another type, use or algorithm, and keys without a kid, are skipped: no
// token can name them. A malformed RSA key is an error.
func Parse(data []byte) (map[string]*rsa.PublicKey, error) {
	var set Set
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	out := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != Algorithm) || k.Kid == "" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("jwks: key %q is not a valid RSA key", k.Kid)
		}
		out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return out, nil
}

// Sign issues a token for claims with key, naming it kid.
func Sign(key *rsa.PrivateKey, kid string, claims Claims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	return tok.SignedString(key)
}

// ErrUnknownKey is returned for a token whose kid is not in the key set.
var ErrUnknownKey = errors.New("accesstoken: unknown signing key")

// ErrIncomplete is returned for a correctly signed token that lacks a claim
// every token the registry issues carries (sub, cid).
var ErrIncomplete = errors.New("accesstoken: token lacks sub or cid")

// Verifier checks tokens against one key set, issuer and audience. It is
// immutable and safe for concurrent use; build a new one when the key set
// changes.
type Verifier struct {
	keys   map[string]*rsa.PublicKey
	parser *jwt.Parser
}

// NewVerifier builds a verifier from a JWKS document. now may be nil
// (time.Now). Issuer and audience are required: the registry always sets
// both, and a verifier that skipped them would accept tokens meant for
// someone else.
func NewVerifier(jwks []byte, issuer, audience string, now func() time.Time) (*Verifier, error) {
	if strings.TrimSpace(issuer) == "" || strings.TrimSpace(audience) == "" {
		return nil, errors.New("accesstoken: issuer and audience are required")
	}
	keys, err := Parse(jwks)
	if err != nil {
		return nil, err
	}
	return newVerifier(keys, issuer, audience, now), nil
}

func newVerifier(keys map[string]*rsa.PublicKey, issuer, audience string, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{keys: keys, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{Algorithm}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(now),
	)}
}

// Keys is the number of usable keys; a verifier without any accepts
// nothing.
func (v *Verifier) Keys() int { return len(v.keys) }

// Verify checks a token's signature, algorithm, issuer, audience, issue
// and expiry times, and that it names an application and a credential. An
// expired token's error wraps jwt.ErrTokenExpired (see Expired).
func (v *Verifier) Verify(token string) (*Claims, error) {
	var c Claims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if k, ok := v.keys[kid]; ok {
			return k, nil
		}
		return nil, ErrUnknownKey
	})
	if err != nil {
		return nil, err
	}
	if c.Subject == "" || c.CredentialID == "" {
		return nil, ErrIncomplete
	}
	return &c, nil
}

// Expired reports whether err says the token has expired.
func Expired(err error) bool { return errors.Is(err, jwt.ErrTokenExpired) }

// Verify checks token against keys at now; see Verifier.Verify.
func Verify(token string, keys map[string]*rsa.PublicKey, issuer, audience string, now time.Time) (*Claims, error) {
	return newVerifier(keys, issuer, audience, func() time.Time { return now }).Verify(token)
}
