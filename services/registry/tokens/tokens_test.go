package tokens

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func sign(t *testing.T, key *rsa.PrivateKey, kid string, method jwt.SigningMethod, c Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	tok.Header["kid"] = kid
	var k any = key
	if method == jwt.SigningMethodHS256 {
		k = []byte("shared")
	}
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWKSRoundTripAndVerify(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(Set{Keys: []JWK{FromRSA("k1", &key.PublicKey)}})
	keys, err := Parse(set)
	if err != nil || keys["k1"] == nil || keys["k1"].N.Cmp(key.N) != 0 || keys["k1"].E != key.E {
		t.Fatalf("parse = %v, %v", keys, err)
	}
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "lgsp", Audience: jwt.ClaimStrings{"lgsp-gateway"}, Subject: "app_1",
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), ID: "j1"},
		ClientID: "client", CredentialID: "cred_1", Agency: "000.00.00.H30",
	}
	good := sign(t, key, "k1", jwt.SigningMethodRS256, c)
	got, err := Verify(good, keys, "lgsp", "lgsp-gateway", now.Add(time.Minute))
	if err != nil || got.CredentialID != "cred_1" || got.Agency != "000.00.00.H30" || got.Subject != "app_1" {
		t.Fatalf("verify = %+v, %v", got, err)
	}
	if _, err := Verify(good, keys, "lgsp", "lgsp-gateway", now.Add(61*time.Minute)); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := Verify(good, keys, "lgsp", "other-audience", now); err == nil {
		t.Fatal("wrong audience accepted")
	}
	if _, err := Verify(good, keys, "someone", "lgsp-gateway", now); err == nil {
		t.Fatal("wrong issuer accepted")
	}
	if _, err := Verify(sign(t, key, "k2", jwt.SigningMethodRS256, c), keys, "lgsp", "lgsp-gateway", now); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown kid: %v", err)
	}
	if _, err := Verify(sign(t, key, "k1", jwt.SigningMethodHS256, c), keys, "lgsp", "lgsp-gateway", now); err == nil {
		t.Fatal("HS256 accepted")
	}
	if _, err := Parse([]byte(`{"keys":[{"kty":"RSA","kid":"x","n":"%%","e":"AQAB"}]}`)); err == nil {
		t.Fatal("malformed key accepted")
	}
}
