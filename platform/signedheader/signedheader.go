package signedheader

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Wire names and fixed values the national SDK uses.
const (
	Prefix          = "XroadVnpt-"
	HeaderSign      = "XroadVnpt-sign-header"
	HeaderSignKey   = "XroadVnpt-sign-header-key"
	HeaderHash      = "XroadVnpt-hash-header"
	HeaderVersion   = "XroadVnpt-version"
	SDKVersion      = "3.0.201608"
	SDKUserAgent    = "JAVASDKAgent/1.0.0 XRoad/VPCP"
	NameSystemID    = "systemid"
	NameTimestamp   = "timestamp"
	NameHashFile    = "hash-file"
	NameContentType = "Content-Type"
)

// MaxSignHeader bounds the size of XroadVnpt-sign-header we are willing to
// parse. Real headers are a few hundred bytes.
const MaxSignHeader = 16 << 10

// DefaultWindow is how far a timestamp may be from the server's clock.
const DefaultWindow = 5 * time.Minute

// Errors returned by Verify. They are wrapped with detail that is safe to log
// (never the secret or the signature).
var (
	ErrMissing       = errors.New("signed headers missing")
	ErrMalformed     = errors.New("signed headers malformed")
	ErrUnknownSystem = errors.New("unknown systemid")
	ErrBadSignature  = errors.New("signature does not match")
	ErrMismatch      = errors.New("signed header differs from the header received")
	ErrStale         = errors.New("timestamp outside the accepted window")
	ErrReplayed      = errors.New("signature already used")
)

// Getter returns the value of a request header, matching the name without
// regard to case, or "" when it is absent. http.Header.Get and a wrapper of
// fasthttp's RequestHeader.Peek both fit.
type Getter func(name string) string

// Header is one header name and value.
type Header struct {
	Name  string
	Value string
}

// Verifier checks signed headers. Its zero value is not usable: Secret is
// required.
type Verifier struct {
	// Secret returns the HMAC secret of a system id.
	Secret func(systemID string) (secret string, ok bool)
	// Window is the accepted distance between the request's timestamp and
	// Now; zero means DefaultWindow.
	Window time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Replay remembers signatures already accepted; nil disables the replay
	// check (the timestamp window still applies).
	Replay Replay
}

// Replay remembers accepted signatures. *ReplayCache is one, in memory; a
// caller may share the memory between processes.
type Replay interface {
	// Seen reports whether key was already recorded and is not expired;
	// if not, it records key until expiry.
	Seen(key string, expiry, now time.Time) bool
}

// Result is what a verified request proved.
type Result struct {
	SystemID string
	Time     time.Time
	// Signed holds the signed logical headers by their logical name as the
	// client wrote it (without the prefix). Callers should read business
	// headers from here, not from the raw request.
	Signed map[string]string
}

// Get returns a signed logical header, matching the name without regard to
// case.
func (r *Result) Get(name string) (string, bool) {
	if v, ok := r.Signed[name]; ok {
		return v, true
	}
	for k, v := range r.Signed {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// Lookup returns a logical header as received, prefixed form first.
func Lookup(get Getter, name string) string {
	if v := get(Prefix + name); v != "" {
		return v
	}
	return get(name)
}

// Verify checks the request's signed headers. See the package documentation
// for the steps.
func (v *Verifier) Verify(get Getter) (*Result, error) {
	signText := get(HeaderSign)
	hashText := get(HeaderHash)
	if signText == "" || hashText == "" {
		return nil, fmt.Errorf("%w: %s and %s are required", ErrMissing, HeaderSign, HeaderHash)
	}
	if len(signText) > MaxSignHeader {
		return nil, fmt.Errorf("%w: %s longer than %d bytes", ErrMalformed, HeaderSign, MaxSignHeader)
	}
	systemID := Lookup(get, NameSystemID)
	if systemID == "" {
		return nil, fmt.Errorf("%w: %s%s is required", ErrMissing, Prefix, NameSystemID)
	}
	if v.Secret == nil {
		return nil, fmt.Errorf("%w: no secret source configured", ErrUnknownSystem)
	}
	secret, ok := v.Secret(systemID)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownSystem, systemID)
	}

	// 1. HMAC over the exact text received.
	got, err := hex.DecodeString(strings.TrimSpace(hashText))
	if err != nil || len(got) != sha256.Size {
		return nil, fmt.Errorf("%w: %s is not a hex SHA-256 HMAC", ErrMalformed, HeaderHash)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signText))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return nil, ErrBadSignature
	}

	// 2. Each signed pair must equal the header actually received.
	pairs, err := parseSignHeader(signText)
	if err != nil {
		return nil, err
	}
	res := &Result{Signed: make(map[string]string, len(pairs))}
	for name, want := range pairs {
		logical := name
		if len(name) >= len(Prefix) && strings.EqualFold(name[:len(Prefix)], Prefix) {
			logical = name[len(Prefix):]
		}
		if logical == "" {
			return nil, fmt.Errorf("%w: empty header name in %s", ErrMalformed, HeaderSign)
		}
		if have := Lookup(get, logical); have != want {
			return nil, fmt.Errorf("%w: %s", ErrMismatch, logical)
		}
		res.Signed[logical] = want
	}
	signedID, ok := res.Get(NameSystemID)
	if !ok || signedID != systemID {
		return nil, fmt.Errorf("%w: %s is not signed", ErrMismatch, NameSystemID)
	}
	res.SystemID = systemID
	ts, ok := res.Get(NameTimestamp)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not signed", ErrMissing, NameTimestamp)
	}

	// 3. Freshness and replay.
	t, err := ParseTimestamp(ts)
	if err != nil {
		return nil, err
	}
	res.Time = t
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	window := v.Window
	if window <= 0 {
		window = DefaultWindow
	}
	if d := now.Sub(t); d > window || d < -window {
		return nil, fmt.Errorf("%w: %s is %s away from the server clock", ErrStale, NameTimestamp, d.Round(time.Second))
	}
	if v.Replay != nil && v.Replay.Seen(systemID+"\x00"+strings.ToLower(strings.TrimSpace(hashText)), t.Add(window), now) {
		return nil, ErrReplayed
	}
	return res, nil
}

// parseSignHeader reads the compact JSON object. Values are normally
// strings; numbers and booleans are kept as their JSON text.
func parseSignHeader(text string) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf("%w: %s is not a JSON object", ErrMalformed, HeaderSign)
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: %s is null", ErrMalformed, HeaderSign)
	}
	out := make(map[string]string, len(raw))
	for k, rv := range raw {
		var s string
		if len(rv) > 0 && rv[0] == '"' {
			if err := json.Unmarshal(rv, &s); err != nil {
				return nil, fmt.Errorf("%w: value of %q", ErrMalformed, k)
			}
		} else {
			switch c := rv[0]; {
			case c == '{' || c == '[' || c == 'n':
				return nil, fmt.Errorf("%w: value of %q is not a string", ErrMalformed, k)
			}
			s = string(rv)
		}
		out[k] = s
	}
	return out, nil
}

// Sign returns the wire headers a national SDK client sends for the logical
// headers hs, with systemid and timestamp (at t) added first. The JSON keeps
// the order of hs. Content-Type is sent both prefixed and plain, as the SDK
// does.
func Sign(systemID, secret string, t time.Time, hs []Header) []Header {
	logical := make([]Header, 0, len(hs)+2)
	logical = append(logical, Header{NameSystemID, systemID}, Header{NameTimestamp, FormatTimestamp(t)})
	for _, h := range hs {
		if strings.EqualFold(h.Name, NameSystemID) || strings.EqualFold(h.Name, NameTimestamp) {
			continue
		}
		logical = append(logical, h)
	}
	signText := SignHeaderText(logical)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signText))

	out := make([]Header, 0, len(logical)+6)
	names := make([]string, 0, len(logical))
	for _, h := range logical {
		out = append(out, Header{Prefix + h.Name, h.Value})
		if strings.EqualFold(h.Name, NameContentType) {
			out = append(out, Header{NameContentType, h.Value})
		}
		names = append(names, h.Name)
	}
	return append(out,
		Header{HeaderSignKey, strings.Join(names, ";")},
		Header{HeaderSign, signText},
		Header{HeaderHash, hex.EncodeToString(mac.Sum(nil))},
		Header{HeaderVersion, SDKVersion},
		Header{"User-Agent", SDKUserAgent},
	)
}

// SignHeaderText is the XroadVnpt-sign-header JSON for logical headers hs,
// in Gson's compact, HTML-safe form.
func SignHeaderText(hs []Header) string {
	b := make([]byte, 0, 64*len(hs)+2)
	b = append(b, '{')
	for i, h := range hs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendGsonString(b, Prefix+h.Name)
		b = append(b, ':')
		b = appendGsonString(b, h.Value)
	}
	return string(append(b, '}'))
}

// appendGsonString quotes s the way Gson does with HTML escaping on (its
// default): the HTML-sensitive characters and '=' become \u00XX.
func appendGsonString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch r {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '<', '>', '&', '=', '\'', '\u2028', '\u2029':
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			if r < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
			} else {
				b = append(b, string(r)...)
			}
		}
	}
	return append(b, '"')
}
