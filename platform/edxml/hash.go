package edxml

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// MatchHashFile checks a body against the hash-file header value, exactly
// as the gateway does (platform/signedheader.HashedBody): the SHA-256 in
// normal hex, in the national Java SDK's form that drops each byte's
// leading zero ("0a" becomes "a"), or with unmasked negative bytes
// ("ffffff80"); and a body ending in one CRLF matches when the hash is that
// of the body without it, as the SDK sends. hashed is the part of body the
// hash covers, which is what should be stored.
func MatchHashFile(body []byte, hashFile string) (hashed []byte, ok bool) {
	return signedheader.HashedBody(hashFile, body)
}

// CheckHashFile is MatchHashFile with a catalogue error: ErrHashFormat when
// hashFile is not hexadecimal of a plausible length, ErrHashMismatch when it
// does not match.
func CheckHashFile(body []byte, hashFile string) ([]byte, error) {
	v := strings.TrimSpace(hashFile)
	if !validHashForm(v) {
		return nil, ErrHashFormat.with("hash-file", "%q", truncate(v, 80))
	}
	hashed, ok := MatchHashFile(body, v)
	if !ok {
		return nil, ErrHashMismatch.with("hash-file", "%s", truncate(v, 80))
	}
	return hashed, nil
}

// HashFile is the hash-file value the platform sends: 64 lower-case hex digits.
func HashFile(body []byte) string {
	s := sha256.Sum256(body)
	return hex.EncodeToString(s[:])
}

// validHashForm accepts 32 to 256 hex digits: 32 bytes, each written with
// one, two or (an unmasked negative Java byte) eight digits.
func validHashForm(s string) bool {
	if len(s) < sha256.Size || len(s) > 8*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ReadAll reads a package from r, refusing it with ErrTooLarge as soon as it
// exceeds limit bytes (0 means DefaultMaxSize). sizeHint, when positive (a
// Content-Length), sizes the buffer once so the body is not copied while it
// grows.
func ReadAll(r io.Reader, limit, sizeHint int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	if sizeHint > limit {
		return nil, ErrTooLarge.with("", "%d bytes, limit %d", sizeHint, limit)
	}
	capacity := int64(512)
	if sizeHint > 0 {
		capacity = sizeHint + 1 // +1 so that reading EOF needs no growth
	}
	buf := make([]byte, 0, capacity)
	lr := io.LimitReader(r, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, ErrTooLarge.with("", "more than %d bytes", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
