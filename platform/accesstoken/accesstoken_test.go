package accesstoken

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func hs256(t *testing.T, kid string, c Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString([]byte("shared"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignParseVerify(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(Set{Keys: []JWK{FromRSA("k1", &key.PublicKey)}})
	keys, err := Parse(jwks)
	if err != nil || keys["k1"] == nil || keys["k1"].N.Cmp(key.N) != 0 || keys["k1"].E != key.E {
		t.Fatalf("parse = %v, %v", keys, err)
	}
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	at := now.Add(time.Minute)
	v, err := NewVerifier(jwks, "lgsp", "lgsp-gateway", func() time.Time { return at })
	if err != nil || v.Keys() != 1 {
		t.Fatalf("verifier: %v", err)
	}
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "lgsp", Audience: jwt.ClaimStrings{"lgsp-gateway"}, Subject: "app_1",
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), ID: "j1"},
		ClientID: "client", CredentialID: "cred_1", Agency: "000.00.00.H30", Scope: "default",
	}
	good, err := Sign(key, "k1", c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(good)
	if err != nil || got.CredentialID != "cred_1" || got.Agency != "000.00.00.H30" || got.Subject != "app_1" || got.ClientID != "client" || got.Scope != "default" {
		t.Fatalf("verify = %+v, %v", got, err)
	}
	if _, err := Verify(good, keys, "lgsp", "lgsp-gateway", now.Add(61*time.Minute)); !Expired(err) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := Verify(good, keys, "lgsp", "lgsp-gateway", now.Add(-time.Hour)); err == nil || Expired(err) {
		t.Fatalf("issued in the future: %v", err)
	}
	if _, err := Verify(good, keys, "lgsp", "other-audience", at); err == nil {
		t.Fatal("wrong audience accepted")
	}
	if _, err := Verify(good, keys, "someone", "lgsp-gateway", at); err == nil {
		t.Fatal("wrong issuer accepted")
	}
	other, _ := Sign(key, "k2", c)
	if _, err := v.Verify(other); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown kid: %v", err)
	}
	if _, err := v.Verify(hs256(t, "k1", c)); err == nil {
		t.Fatal("HS256 accepted")
	}
	noCID := c
	noCID.CredentialID = ""
	if tok, _ := Sign(key, "k1", noCID); true {
		if _, err := v.Verify(tok); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("token without cid: %v", err)
		}
	}
	noExp := c
	noExp.ExpiresAt = nil
	if tok, _ := Sign(key, "k1", noExp); true {
		if _, err := v.Verify(tok); err == nil {
			t.Fatal("token without exp accepted")
		}
	}
}

func TestParseSkipsUnusableKeysAndRefusesMalformedOnes(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := FromRSA("good", &key.PublicKey)
	enc, noKid, ps := good, good, good
	enc.Kid, enc.Use = "enc", "enc"
	noKid.Kid = ""
	ps.Kid, ps.Alg = "ps", "PS256"
	set, _ := json.Marshal(Set{Keys: []JWK{good, enc, noKid, ps, {Kty: "EC", Kid: "ec"}}})
	keys, err := Parse(set)
	if err != nil || len(keys) != 1 || keys["good"] == nil {
		t.Fatalf("parse = %v, %v", keys, err)
	}
	for _, bad := range []string{
		`{"keys":[{"kty":"RSA","kid":"x","n":"%%","e":"AQAB"}]}`,
		`{"keys":[{"kty":"RSA","kid":"x","n":"AQAB","e":""}]}`,
		`{"keys":`,
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("malformed set accepted: %s", bad)
		}
	}
	if _, err := NewVerifier(set, "", "aud", nil); err == nil {
		t.Error("verifier without issuer")
	}
	if _, err := NewVerifier(set, "iss", " ", nil); err == nil {
		t.Error("verifier without audience")
	}
}
