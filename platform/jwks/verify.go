package jwks

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithms are the signing algorithms a Verifier accepts. "none" and the
// HMAC family are absent on purpose: with them, a public key could serve
// as the shared secret of a forged token.
var Algorithms = []string{"RS256", "ES256"}

// MaxTokenSize bounds the token a Verifier reads, in bytes.
const MaxTokenSize = 16 << 10

// Claims are what a verified token says.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string
	// ClientID is client_id, or azp when the token has no client_id.
	ClientID string
	// AuthorizedParty is azp as sent.
	AuthorizedParty string
	ID              string
	ExpiresAt       time.Time
	IssuedAt        time.Time // zero when absent
	NotBefore       time.Time // zero when absent
	// Raw holds every claim as decoded (numbers as json.Number).
	Raw map[string]any
}

// Verifier checks tokens of one issuer against its key set. It is
// immutable and safe for concurrent use.
type Verifier struct {
	ks        *KeySet
	issuer    string
	audiences []string
	leeway    time.Duration
	now       func() time.Time
	parser    *jwt.Parser
}

// NewVerifier builds a verifier for tokens issued by issuer (compared
// exactly) to any of audiences. leeway allows for clock skew on exp, nbf
// and iat; clock nil means time.Now.
func NewVerifier(ks *KeySet, issuer string, audiences []string, leeway time.Duration, clock func() time.Time) (*Verifier, error) {
	switch {
	case ks == nil:
		return nil, errors.New("jwks: a key set is required / cần có bộ khóa")
	case strings.TrimSpace(issuer) == "":
		return nil, errors.New("jwks: issuer is required / cần khai báo bên phát hành (issuer)")
	case len(audiences) == 0 || slices.Contains(audiences, ""):
		return nil, errors.New("jwks: at least one non-empty audience is required / cần ít nhất một audience không rỗng")
	case leeway < 0 || leeway > 5*time.Minute:
		return nil, errors.New("jwks: leeway must be between 0 and 5m / leeway phải trong khoảng 0 đến 5 phút")
	}
	if clock == nil {
		clock = time.Now
	}
	return &Verifier{
		ks: ks, issuer: issuer, audiences: slices.Clone(audiences), leeway: leeway, now: clock,
		// Claims are checked below, after the signature, so that each
		// failure maps to its own error.
		parser: jwt.NewParser(jwt.WithValidMethods(Algorithms), jwt.WithoutClaimsValidation(), jwt.WithJSONNumber()),
	}, nil
}

// header holds the JOSE header members read before the key is looked up.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
}

// Verify checks token and returns its claims. The error wraps one of the
// sentinels of errors.go and never contains the token.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	h, err := readHeader(token)
	if err != nil {
		return Claims{}, err
	}
	if !slices.Contains(Algorithms, h.Alg) {
		return Claims{}, fmt.Errorf("%w: %q", ErrAlgorithm, truncate(h.Alg))
	}
	if h.Kid == "" {
		return Claims{}, ErrMissingKeyID
	}
	if h.Crit != nil {
		// No critical extension is understood, so none may be required.
		return Claims{}, fmt.Errorf("%w: crit header not supported", ErrMalformed)
	}
	key, err := v.ks.key(ctx, h.Kid)
	if err != nil {
		return Claims{}, err
	}
	if key.alg != h.Alg {
		return Claims{}, fmt.Errorf("%w: %s token for a %s key", ErrAlgorithm, h.Alg, key.alg)
	}
	mc := jwt.MapClaims{}
	_, err = v.parser.ParseWithClaims(token, mc, func(*jwt.Token) (any, error) {
		switch k := key.key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey:
			return k, nil
		}
		return nil, ErrAlgorithm
	})
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenMalformed):
		return Claims{}, ErrMalformed
	case errors.Is(err, ErrAlgorithm):
		return Claims{}, ErrAlgorithm
	default:
		// jwt's messages do not include the token, but keep ours stable.
		return Claims{}, ErrSignature
	}
	return v.checkClaims(mc)
}

// readHeader decodes the protected header of a compact JWS.
func readHeader(token string) (header, error) {
	var h header
	if len(token) > MaxTokenSize {
		return h, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenSize)
	}
	if strings.Count(token, ".") != 2 {
		return h, fmt.Errorf("%w: not three dot-separated parts", ErrMalformed)
	}
	raw, err := base64.RawURLEncoding.DecodeString(token[:strings.IndexByte(token, '.')])
	if err != nil {
		return h, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	return h, nil
}

func (v *Verifier) checkClaims(mc jwt.MapClaims) (Claims, error) {
	c := Claims{Raw: map[string]any(mc)}
	var err error
	str := func(name string) string {
		if err != nil {
			return ""
		}
		val, ok := mc[name]
		if !ok {
			return ""
		}
		s, ok := val.(string)
		if !ok {
			err = fmt.Errorf("%w: claim %s is not a string", ErrMalformed, name)
		}
		return s
	}
	c.Issuer, c.Subject, c.ID = str("iss"), str("sub"), str("jti")
	c.AuthorizedParty, c.ClientID = str("azp"), str("client_id")
	if err != nil {
		return Claims{}, err
	}
	if c.ClientID == "" {
		c.ClientID = c.AuthorizedParty
	}
	aud, aerr := mc.GetAudience()
	exp, eerr := mc.GetExpirationTime()
	nbf, nerr := mc.GetNotBefore()
	iat, ierr := mc.GetIssuedAt()
	if err := errors.Join(aerr, eerr, nerr, ierr); err != nil {
		return Claims{}, fmt.Errorf("%w: a registered claim has the wrong type", ErrMalformed)
	}
	c.Audience = aud

	if c.Issuer != v.issuer {
		return Claims{}, ErrIssuer
	}
	if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(v.audiences, a) }) {
		return Claims{}, ErrAudience
	}
	now := v.now()
	if exp == nil {
		return Claims{}, fmt.Errorf("%w: no exp claim", ErrExpired)
	}
	c.ExpiresAt = exp.Time
	if !now.Before(exp.Add(v.leeway)) {
		return Claims{}, ErrExpired
	}
	if nbf != nil {
		c.NotBefore = nbf.Time
		if now.Add(v.leeway).Before(nbf.Time) {
			return Claims{}, fmt.Errorf("%w: nbf in the future", ErrNotYetValid)
		}
	}
	if iat != nil {
		c.IssuedAt = iat.Time
		if now.Add(v.leeway).Before(iat.Time) {
			return Claims{}, fmt.Errorf("%w: iat in the future", ErrNotYetValid)
		}
	}
	return c, nil
}

// truncate keeps an attacker-chosen header value short in messages.
func truncate(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}
