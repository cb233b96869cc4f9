package tokens

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
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

// Parse reads a key set and returns its RSA signing keys by kid.
func Parse(data []byte) (map[string]*rsa.PublicKey, error) {
	var set Set
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	out := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") || k.Kid == "" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("jwks: key %q is malformed", k.Kid)
		}
		out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return out, nil
}

// ErrUnknownKey is returned for a token whose kid is not in the key set.
var ErrUnknownKey = errors.New("tokens: unknown signing key")

// Verify checks a token's signature against keys, its algorithm, issuer,
// audience and expiry at now, and returns its claims.
func Verify(token string, keys map[string]*rsa.PublicKey, issuer, audience string, now time.Time) (*Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, ok := keys[kid]
		if !ok {
			return nil, ErrUnknownKey
		}
		return k, nil
	},
		jwt.WithValidMethods([]string{Algorithm}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return nil, err
	}
	return &c, nil
}
