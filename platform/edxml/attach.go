package edxml

import (
	"encoding/base64"
	"io"
)

// Byte classes for the attachment text.
const (
	cInvalid = iota
	cBase64  // A-Z a-z 0-9 + / =
	cSpace   // space, tab, CR, LF
	cMarkup  // '&' (a reference) or '<' (a CDATA section)
)

var class = func() (t [256]byte) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = cBase64
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = cBase64
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = cBase64
	}
	t['+'], t['/'], t['='] = cBase64, cBase64, cBase64
	t[' '], t['\t'], t['\r'], t['\n'] = cSpace, cSpace, cSpace, cSpace
	t['&'], t['<'] = cMarkup, cMarkup
	return
}()

// contentReader decodes an attachment's base64 straight from the spans of
// the received bytes, a chunk at a time: whitespace (also written as
// character references, as Java serialisers do for CR) and CDATA markers are
// dropped, anything else that is not base64 is an error. Missing final
// padding is tolerated.
type contentReader struct {
	raw     []byte
	spans   []span
	index   int // attachment index, for messages
	si, p   int // current span and absolute offset inside it
	inCDATA bool

	enc      [16 << 10]byte // cleaned base64 characters
	n        int
	out      [12 << 10]byte
	outOff   int
	outLen   int
	consumed int64 // base64 characters decoded so far, for messages
	padded   bool
	done     bool
	err      error
}

func (r *contentReader) Read(b []byte) (int, error) {
	for r.outOff == r.outLen {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(b, r.out[r.outOff:r.outLen])
	r.outOff += n
	return n, nil
}

func (r *contentReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = ErrBadBase64.with(attachmentField, "attachment %d: "+format, append([]any{r.index}, args...)...)
	}
}

// fill gathers up to len(enc) characters and decodes them into out.
func (r *contentReader) fill() {
	r.outOff, r.outLen = 0, 0
	r.n = 0
	for r.n < len(r.enc) && r.si < len(r.spans) {
		sp := r.spans[r.si]
		if r.p < sp.off {
			r.p = sp.off
		}
		if r.p >= sp.end {
			r.si++
			continue
		}
		if !r.step(sp.end) {
			return
		}
	}
	final := r.si >= len(r.spans)
	if r.n > 0 && r.padded {
		r.fail("data after the final padding")
		return
	}
	if final {
		switch r.n % 4 {
		case 1:
			r.fail("truncated: %d characters", r.consumed+int64(r.n))
			return
		case 2:
			r.enc[r.n], r.enc[r.n+1] = '=', '='
			r.n += 2
		case 3:
			r.enc[r.n] = '='
			r.n++
		}
	}
	if r.n > 0 {
		m, err := base64.StdEncoding.Decode(r.out[:], r.enc[:r.n])
		if err != nil {
			if ce, ok := err.(base64.CorruptInputError); ok {
				r.fail("invalid at character %d", r.consumed+int64(ce))
			} else {
				r.fail("%v", err)
			}
			return
		}
		r.outLen = m
		r.consumed += int64(r.n)
		r.padded = r.enc[r.n-1] == '='
	}
	if final {
		r.done = true
	}
}

// step consumes raw bytes of the current span up to end, appending base64
// characters to enc until it is full. It reports false after an error.
func (r *contentReader) step(end int) bool {
	raw := r.raw
	for r.p < end && r.n < len(r.enc) {
		c := raw[r.p]
		if r.inCDATA {
			if c == ']' && r.p+2 < end+0 && raw[r.p+1] == ']' && raw[r.p+2] == '>' {
				r.inCDATA = false
				r.p += 3
				continue
			}
		}
		switch class[c] {
		case cBase64:
			r.enc[r.n] = c
			r.n++
			r.p++
		case cSpace:
			r.p++
		case cMarkup:
			if r.inCDATA {
				r.fail("unexpected %q", c)
				return false
			}
			if c == '<' {
				const open = "<![CDATA["
				if end-r.p >= len(open) && string(raw[r.p:r.p+len(open)]) == open {
					r.inCDATA = true
					r.p += len(open)
					continue
				}
				r.fail("unexpected markup")
				return false
			}
			ch, n := reference(raw[r.p:end])
			if n == 0 {
				r.fail("invalid character reference")
				return false
			}
			r.p += n
			switch class[ch] {
			case cSpace:
			case cBase64:
				r.enc[r.n] = ch
				r.n++
			default:
				r.fail("unexpected character %q", ch)
				return false
			}
		default:
			r.fail("unexpected character %q at character %d", c, r.consumed+int64(r.n))
			return false
		}
	}
	return true
}

// reference decodes a character or predefined entity reference at the start
// of b ("&#13;", "&#xD;", "&amp;"…), returning the ASCII character and the
// reference's length; 0 length if it is not one or not ASCII.
func reference(b []byte) (byte, int) {
	end := -1
	for i := 1; i < len(b) && i < 12; i++ {
		if b[i] == ';' {
			end = i
			break
		}
	}
	if end < 2 {
		return 0, 0
	}
	name := string(b[1:end])
	switch name {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "apos":
		return '\'', end + 1
	case "quot":
		return '"', end + 1
	}
	if name[0] != '#' || len(name) < 2 {
		return 0, 0
	}
	v, base, digits := 0, 10, name[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 {
		return 0, 0
	}
	for _, d := range []byte(digits) {
		var x int
		switch {
		case d >= '0' && d <= '9':
			x = int(d - '0')
		case base == 16 && d >= 'a' && d <= 'f':
			x = int(d-'a') + 10
		case base == 16 && d >= 'A' && d <= 'F':
			x = int(d-'A') + 10
		default:
			return 0, 0
		}
		v = v*base + x
		if v > 127 {
			return 0, 0
		}
	}
	return byte(v), end + 1
}
