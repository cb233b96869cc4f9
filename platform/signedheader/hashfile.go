package signedheader

import (
	"crypto/sha256"
	"strings"
)

// JavaHex writes b the way the national SDK builds hash-file: each byte with
// Integer.toHexString(0xff & b), which drops a leading zero ("0a" → "a").
func JavaHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		if c >= 0x10 {
			out = append(out, digits[c>>4])
		}
		out = append(out, digits[c&0xf])
	}
	return string(out)
}

// HashFileMatches reports whether v, a hash-file header, is the SHA-256 of
// body, or of body without one trailing CRLF (see HashedBody).
func HashFileMatches(v string, body []byte) bool {
	_, ok := HashedBody(v, body)
	return ok
}

// HashedBody returns the bytes of body that hash-file v covers: body
// itself, or body without one trailing CRLF. The national SDK writes the
// file followed by CRLF but computes hash-file over the file alone, so
// without this every send from existing software would be refused. A
// receiver stores the hashed bytes.
func HashedBody(v string, body []byte) ([]byte, bool) {
	if MatchHashFile(v, sha256.Sum256(body)) {
		return body, true
	}
	if n := len(body); n >= 2 && body[n-2] == '\r' && body[n-1] == '\n' {
		if trimmed := body[:n-2]; MatchHashFile(v, sha256.Sum256(trimmed)) {
			return trimmed, true
		}
	}
	return nil, false
}

// MatchHashFile reports whether v spells sum in one of the forms clients
// send: the normal 64-character hex, the SDK's form without leading zeros,
// or the form Integer.toHexString gives for a Java byte that was not masked
// (ffffff80…ffffffff for the bytes 0x80…0xff). Case is ignored.
//
// The short forms are ambiguous on their own (they cannot be decoded without
// knowing the digest), so the header is matched against the expected digest
// rather than parsed.
func MatchHashFile(v string, sum [sha256.Size]byte) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	if len(v) < sha256.Size || len(v) > 8*sha256.Size {
		return false
	}
	// dead[i][j]: spelling byte i onwards from offset j already failed.
	var dead [sha256.Size][8*sha256.Size + 1]bool
	var match func(i, j int) bool
	match = func(i, j int) bool {
		if i == sha256.Size {
			return j == len(v)
		}
		if j >= len(v) || dead[i][j] {
			return false
		}
		for _, form := range byteForms(sum[i]) {
			if strings.HasPrefix(v[j:], form) && match(i+1, j+len(form)) {
				return true
			}
		}
		dead[i][j] = true
		return false
	}
	return match(0, 0)
}

func byteForms(c byte) []string {
	const digits = "0123456789abcdef"
	two := string([]byte{digits[c>>4], digits[c&0xf]})
	switch {
	case c < 0x10:
		return []string{two, two[1:]}
	case c >= 0x80:
		return []string{two, "ffffff" + two}
	}
	return []string{two}
}
