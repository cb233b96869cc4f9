package jwks

import "errors"

// Errors of KeySet.Key and Verifier.Verify. A returned error wraps exactly
// one of them (test with errors.Is); the wrapping message may add detail
// but never the token. The messages are English and Vietnamese, as they
// may reach the caller whose token was refused.
var (
	// ErrUnavailable: the key set cannot be obtained. The JWKS endpoint is
	// failing and either the kid is not in the cache or the cache is older
	// than MaxStale. Retrying later may help; it is not the caller's fault.
	ErrUnavailable = errors.New("jwks: key set unavailable / không lấy được bộ khóa của bên phát hành")
	// ErrUnknownKey: the key set was fetched and has no key with this kid
	// (or a refetch was refused by MinRefreshGap).
	ErrUnknownKey = errors.New("jwks: unknown signing key / khóa ký không có trong bộ khóa")
	// ErrNoUsableKey: a fetched set had no key this package can use. A
	// fetch failing this way leaves the cache as it was.
	ErrNoUsableKey = errors.New("jwks: key set has no usable key / bộ khóa không có khóa dùng được")

	// ErrMalformed: the token is not a well-formed JWS compact JWT, or a
	// registered claim has the wrong type.
	ErrMalformed = errors.New("jwks: malformed token / token không đúng định dạng")
	// ErrAlgorithm: the token's alg is not one of the accepted algorithms
	// (RS256, ES256), or does not match its key.
	ErrAlgorithm = errors.New("jwks: signing algorithm not accepted / thuật toán ký không được chấp nhận")
	// ErrMissingKeyID: the token has no kid header.
	ErrMissingKeyID = errors.New("jwks: token names no signing key (kid) / token không chỉ định khóa ký (kid)")
	// ErrSignature: the signature does not verify with the named key.
	ErrSignature = errors.New("jwks: invalid signature / chữ ký không hợp lệ")
	// ErrIssuer: iss is missing or is not the configured issuer.
	ErrIssuer = errors.New("jwks: unknown issuer / bên phát hành không được tin cậy")
	// ErrAudience: aud is missing or names none of the configured audiences.
	ErrAudience = errors.New("jwks: wrong audience / token không dành cho hệ thống này")
	// ErrExpired: exp is missing or has passed (beyond the leeway).
	ErrExpired = errors.New("jwks: token expired or without expiry / token đã hết hạn hoặc không có thời hạn")
	// ErrNotYetValid: nbf or iat is in the future (beyond the leeway).
	ErrNotYetValid = errors.New("jwks: token not yet valid / token chưa có hiệu lực")
)
