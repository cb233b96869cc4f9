package jwks

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyRefusals(t *testing.T) {
	clk := newClock()
	iss := newIssuer(t, clk)
	iss.addEC("e1")
	ks, v := setup(t, iss, Options{})
	if err := ks.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	pub := &rsaKey(t, 0).PublicKey

	hs256 := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, iss.claims(nil))
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	none := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, iss.claims(nil))
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	noKid := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, iss.claims(nil))
		s, err := tok.SignedString(rsaKey(t, 0))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	tampered := func() string {
		parts := strings.Split(iss.sign("k1", nil), ".")
		body, _ := json.Marshal(iss.claims(map[string]any{"sub": "000.00.00.G01"}))
		parts[1] = base64.RawURLEncoding.EncodeToString(body)
		return strings.Join(parts, ".")
	}()
	// An ES256 token naming an RSA key.
	crossAlg := func() string {
		parts := strings.Split(iss.sign("e1", nil), ".")
		h, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": "k1", "typ": "JWT"})
		parts[0] = base64.RawURLEncoding.EncodeToString(h)
		return strings.Join(parts, ".")
	}()
	crit := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, iss.claims(nil))
		tok.Header["kid"] = "k1"
		tok.Header["crit"] = []string{"x"}
		s, _ := tok.SignedString(rsaKey(t, 0))
		return s
	}()

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"wrong issuer", iss.sign("k1", map[string]any{"iss": testIssuer + "/"}), ErrIssuer},
		{"no issuer", iss.sign("k1", map[string]any{"iss": nil}), ErrIssuer},
		{"wrong audience", iss.sign("k1", map[string]any{"aud": "lgsp-hue"}), ErrAudience},
		{"no audience", iss.sign("k1", map[string]any{"aud": nil}), ErrAudience},
		{"expired", iss.sign("k1", map[string]any{"exp": now.Add(-31 * time.Second).Unix()}), ErrExpired},
		{"no exp", iss.sign("k1", map[string]any{"exp": nil}), ErrExpired},
		{"not yet valid", iss.sign("k1", map[string]any{"nbf": now.Add(time.Minute).Unix()}), ErrNotYetValid},
		{"issued in the future", iss.sign("k1", map[string]any{"iat": now.Add(time.Minute).Unix()}), ErrNotYetValid},
		{"alg none", none, ErrAlgorithm},
		{"HS256 with the PEM public key", hs256(pemKey), ErrAlgorithm},
		{"HS256 with the modulus", hs256(pub.N.Bytes()), ErrAlgorithm},
		{"ES256 header on an RSA key", crossAlg, ErrAlgorithm},
		{"missing kid", noKid, ErrMissingKeyID},
		{"tampered payload", tampered, ErrSignature},
		{"signed by another key", resign(t, iss, 2), ErrSignature},
		{"unknown kid", iss.sign("nobody", nil), ErrUnknownKey},
		{"crit header", crit, ErrMalformed},
		{"garbage", "not-a-token", ErrMalformed},
		{"bad header", "e30x.e30.e30", ErrMalformed},
		{"sub not a string", iss.sign("k1", map[string]any{"sub": 42}), ErrMalformed},
		{"exp not a number", iss.sign("k1", map[string]any{"exp": "tomorrow"}), ErrMalformed},
		{"oversized", strings.Repeat("a", MaxTokenSize+1), ErrMalformed},
	}
	all := []error{ErrUnavailable, ErrUnknownKey, ErrNoUsableKey, ErrMalformed, ErrAlgorithm, ErrMissingKeyID,
		ErrSignature, ErrIssuer, ErrAudience, ErrExpired, ErrNotYetValid}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for _, other := range all {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("%v also matches %v", err, other)
				}
			}
			for _, part := range strings.Split(tc.token, ".") {
				if len(part) > 8 && strings.Contains(err.Error(), part) {
					t.Errorf("error message contains the token: %v", err)
				}
			}
		})
	}
}

// resign is a token naming k1 but signed with another of the test keys.
func resign(t *testing.T, iss *issuer, i int) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, iss.claims(nil))
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(rsaKey(t, i))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyLeeway(t *testing.T) {
	clk := newClock()
	iss := newIssuer(t, clk)
	_, v := setup(t, iss, Options{})
	now := clk.Now()
	// Within the 30s leeway on both sides.
	mustVerify(t, v, iss.sign("k1", map[string]any{"exp": now.Add(-29 * time.Second).Unix()}))
	mustVerify(t, v, iss.sign("k1", map[string]any{"nbf": now.Add(29 * time.Second).Unix(), "iat": now.Add(29 * time.Second).Unix()}))
	// iat and nbf are optional.
	mustVerify(t, v, iss.sign("k1", map[string]any{"nbf": nil, "iat": nil}))
}

func TestVerifyES256(t *testing.T) {
	iss := newIssuer(t, newClock())
	iss.addEC("e1")
	_, v := setup(t, iss, Options{})
	c := mustVerify(t, v, iss.sign("e1", map[string]any{"aud": "other"}))
	if len(c.Audience) != 1 || c.Audience[0] != "other" {
		t.Fatalf("audience %v", c.Audience)
	}
}

func TestNewVerifierValidation(t *testing.T) {
	iss := newIssuer(t, newClock())
	ks, _ := setup(t, iss, Options{})
	for _, tc := range []struct {
		ks     *KeySet
		issuer string
		aud    []string
		leeway time.Duration
	}{
		{nil, testIssuer, []string{testAudience}, 0},
		{ks, " ", []string{testAudience}, 0},
		{ks, testIssuer, nil, 0},
		{ks, testIssuer, []string{""}, 0},
		{ks, testIssuer, []string{testAudience}, -time.Second},
		{ks, testIssuer, []string{testAudience}, time.Hour},
	} {
		if _, err := NewVerifier(tc.ks, tc.issuer, tc.aud, tc.leeway, nil); err == nil {
			t.Errorf("NewVerifier(%v, %q, %v, %v) accepted", tc.ks != nil, tc.issuer, tc.aud, tc.leeway)
		}
	}
}
