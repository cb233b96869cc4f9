package edxml

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
)

// MatchHashFile checks a body against the hash-file header value. It
// accepts the SHA-256 in normal lower- or upper-case hex and in the form of
// the national Java SDK, which writes each byte with Integer.toHexString and
// so drops its leading zero ("0a" becomes "a"). The SDK also sends the file
// followed by CRLF while hashing the file alone: a body ending in one CRLF
// matches when the hash is that of the body without it. hashed is the part
// of body the hash covers (body itself or body without the CRLF), which is
// what should be stored.
func MatchHashFile(body []byte, hashFile string) (hashed []byte, ok bool) {
	hashFile = strings.ToLower(strings.TrimSpace(hashFile))
	if hashFile == "" || len(hashFile) > 2*sha256.Size {
		return nil, false
	}
	h := sha256.New()
	if n := len(body); n >= 2 && body[n-2] == '\r' && body[n-1] == '\n' {
		h.Write(body[:n-2])
		if hashMatches(h.Sum(nil), hashFile) {
			return body[:n-2], true
		}
		h.Write(body[n-2:])
	} else {
		h.Write(body)
	}
	if hashMatches(h.Sum(nil), hashFile) {
		return body, true
	}
	return nil, false
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

// validHashForm accepts 32 to 64 hex digits: 32 bytes, each written with one
// or two digits.
func validHashForm(s string) bool {
	if len(s) < sha256.Size || len(s) > 2*sha256.Size {
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

// hashMatches compares a digest with a lower-case hex value in either form.
func hashMatches(sum []byte, want string) bool {
	const digits = "0123456789abcdef"
	if len(want) == 2*len(sum) {
		var full [2 * sha256.Size]byte
		hex.Encode(full[:], sum)
		if string(full[:]) == want {
			return true
		}
	}
	// The leading-zero-dropping form: compare byte by byte.
	j := 0
	for _, b := range sum {
		if b >= 0x10 {
			if j+2 > len(want) || want[j] != digits[b>>4] || want[j+1] != digits[b&15] {
				return false
			}
			j += 2
		} else {
			if j+1 > len(want) || want[j] != digits[b] {
				return false
			}
			j++
		}
	}
	return j == len(want)
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
