package gateway

import (
	"bytes"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// admit routes and authorises the request. It returns the route (when one
// matched), the error to answer, and Retry-After seconds for 429s and for
// 503s a client may retry (no table yet, a trusted issuer's keys
// unavailable).
func (g *Gateway) admit(ctx *fasthttp.RequestCtx, t *table, ev *event) (*route, *gwError, int64) {
	if t == nil {
		return nil, errNotReady, 1
	}
	raw := ctx.Request.URI().PathOriginal()
	if !cleanPath(raw) {
		return nil, errInvalidPath, 0
	}
	rt, rest := t.match(raw)
	if rt == nil {
		return nil, errRouteNotFound, 0
	}
	ev.rt = rt
	res, gerr := rt.findResource(ctx.Method(), rest)
	switch {
	case res != nil:
		ev.resource = res.template
	case len(rt.resources) > 0:
		// The API declares its resources and none fits: the raw path is
		// not recorded, since the identifiers it may carry (citizen IDs)
		// are why the templates exist.
		ev.resource = unmatchedResource
	case len(rest) > 0:
		ev.resource = string(rest)
	default:
		ev.resource = "/"
	}
	if gerr != nil {
		return rt, gerr, 0
	}
	if rt.lifecycle == registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED {
		return rt, errAPIRetired, 0
	}
	if ev.in > rt.maxBody {
		return rt, errBodyTooLarge, 0
	}
	now := g.now().UnixNano()
	if rt.public {
		if ok, wait := g.public.allow(rt.key, ev.client, now); !ok {
			return rt, errPublicRateLimited, int64((wait + time.Second - 1) / time.Second)
		}
		return rt, nil, 0
	}
	app, gerr := g.authenticate(ctx, t, rt, ev, now)
	if app != nil {
		ev.app, ev.agency = app.id, app.agency
	}
	if gerr == errIssuerUnavailable {
		return rt, gerr, g.fedRetryAfter()
	}
	if gerr != nil {
		return rt, gerr, 0
	}
	if !app.active {
		return rt, errAppSuspended, 0
	}
	if !app.agencyActive {
		return rt, errAgencySuspended, 0
	}
	sub := rt.subs[app.id]
	if sub == nil {
		return rt, errNoSubscription, 0
	}
	switch sub.state {
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED:
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED:
		return rt, errSubSuspended, 0
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING:
		return rt, errSubscriptionPending, 0
	default:
		return rt, errNoSubscription, 0
	}
	ev.sub = sub.id
	// The clock again: authentication may have waited (the signed-header
	// replay check asks NATS), and a time taken before it would look, to the
	// bucket, like a request from the past, refused although the tier has
	// room (seen at 64 concurrent senders with a 1,000,000 req/s tier).
	now = g.now().UnixNano()
	if sub.limit != nil {
		if ok, wait := sub.limit.allow(now); !ok {
			return rt, errRateLimited, int64((wait + time.Second - 1) / time.Second)
		}
	}
	if reset, exhausted := g.quotaExhausted(sub.id, now); exhausted {
		at := time.Unix(0, reset).In(signedheader.Zone).Format("2006-01-02 15:04:05 -07:00")
		e := errQuotaExceeded.withMessage(
			"the monthly quota of this subscription is used up; it resets at "+at,
			"đã dùng hết hạn mức tháng của đăng ký sử dụng; hạn mức được đặt lại lúc "+at)
		return rt, e, (reset - now + int64(time.Second) - 1) / int64(time.Second)
	}
	return rt, nil, 0
}

// cleanPath refuses paths an upstream could resolve outside the API:
// empty segments ("//"), and any segment that is, or decodes to, a dot
// segment in the eyes of some server. Java and IIS upstreams decode and
// normalise more than RFC 3986 says, so a segment is refused when, after
// percent-decoding once, twice or three times (IIS's %uXXXX included) and
// reading full-width dots and slashes as ASCII (IIS's best fit), a part of
// it between '/' and '\' (encoded slashes split segments in some servers,
// backslashes in Windows ones) is made only of dots once cut at ';'
// (Tomcat's path parameters: "..;x" is ".."). A segment that decodes to a
// NUL or to an overlong UTF-8 sequence ("%c0%ae" is '.' to a lenient
// decoder) is refused too: no legitimate client sends one. Dots among other
// characters ("..b", "b.json") pass.
func cleanPath(p []byte) bool {
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	var scratch [256]byte
	for i := 1; i <= len(p); {
		j := bytes.IndexByte(p[i:], '/')
		end := len(p)
		if j >= 0 {
			end = i + j
		}
		seg := p[i:end]
		if len(seg) == 0 && end != len(p) {
			return false // "//"
		}
		if !cleanSegment(seg, scratch[:0]) {
			return false
		}
		i = end + 1
	}
	return true
}

// maxDecodings is how many times a segment is percent-decoded: servers that
// decode twice exist; three covers a proxy in between.
const maxDecodings = 3

// cleanSegment checks one raw path segment (no '/'); scratch is where it is
// decoded when it holds escapes.
func cleanSegment(seg, scratch []byte) bool {
	if plainASCII(seg) {
		return !hasDotPart(seg) // the common case: nothing to decode
	}
	buf := append(scratch, seg...) // on the stack unless the segment is long
	for pass := 0; ; pass++ {
		if !validBytes(buf) {
			return false
		}
		buf = buf[:bestFitInPlace(buf)]
		if hasDotPart(buf) {
			return false
		}
		if pass == maxDecodings || bytes.IndexByte(buf, '%') < 0 {
			return true
		}
		n, changed := unescapeInPlace(buf)
		if !changed {
			return true
		}
		buf = buf[:n]
	}
}

// plainASCII reports whether s has no escape, no NUL and no byte above
// ASCII, so that it reads the same to every server.
func plainASCII(s []byte) bool {
	for _, c := range s {
		if c == '%' || c == 0 || c >= 0x80 {
			return false
		}
	}
	return true
}

// bestFitInPlace rewrites the full-width and small forms of '.', '/' and
// '\' as ASCII, as IIS's best-fit mapping does, and returns the new length.
func bestFitInPlace(b []byte) int {
	w := 0
	for r := 0; r < len(b); {
		if r+2 < len(b) {
			if c := bestFit(b[r], b[r+1], b[r+2]); c != 0 {
				b[w] = c
				w++
				r += 3
				continue
			}
		}
		b[w] = b[r]
		w++
		r++
	}
	return w
}

func bestFit(a, b, c byte) byte {
	switch {
	case a == 0xef && b == 0xbc && c == 0x8e, // U+FF0E FULLWIDTH FULL STOP
		a == 0xef && b == 0xb9 && c == 0x92, // U+FE52 SMALL FULL STOP
		a == 0xe2 && b == 0x80 && c == 0xa4: // U+2024 ONE DOT LEADER
		return '.'
	case a == 0xef && b == 0xbc && c == 0x8f, // U+FF0F FULLWIDTH SOLIDUS
		a == 0xe2 && b == 0x88 && c == 0x95: // U+2215 DIVISION SLASH
		return '/'
	case a == 0xef && b == 0xbc && c == 0xbc, // U+FF3C FULLWIDTH REVERSE SOLIDUS
		a == 0xef && b == 0xb9 && c == 0xa8: // U+FE68 SMALL REVERSE SOLIDUS
		return '\\'
	}
	return 0
}

// hasDotPart reports whether s, split at '/' and '\', has a part made only
// of dots once cut at ';' (see onlyDots).
func hasDotPart(s []byte) bool {
	if bytes.IndexByte(s, '.') < 0 {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '/' && s[i] != '\\' {
			continue
		}
		part := s[start:i]
		if k := bytes.IndexByte(part, ';'); k >= 0 {
			part = part[:k]
		}
		if onlyDots(part) {
			return true
		}
		start = i + 1
	}
	return false
}

// onlyDots reports whether s is one or more dots, ignoring trailing spaces,
// which Windows drops from path components.
func onlyDots(s []byte) bool {
	s = bytes.TrimRight(s, " ")
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if c != '.' {
			return false
		}
	}
	return true
}

// validBytes refuses NUL and overlong UTF-8 encodings (C0/C1 leads, and
// E0/F0 leads followed by a byte that makes the sequence overlong): they are
// never valid UTF-8, and lenient decoders turn them into '.', '/' or '\'.
func validBytes(s []byte) bool {
	for i, c := range s {
		switch {
		case c == 0:
			return false
		case c < 0xc0:
		case c == 0xc0 || c == 0xc1:
			return false
		case c == 0xe0:
			if i+1 < len(s) && s[i+1] < 0xa0 {
				return false
			}
		case c == 0xf0:
			if i+1 < len(s) && s[i+1] < 0x90 {
				return false
			}
		}
	}
	return true
}

// unescapeInPlace decodes %XX and %uXXXX in b, leaving malformed escapes
// as they are, and returns the new length and whether anything changed.
// Decoding never lengthens, so it is done in place.
func unescapeInPlace(b []byte) (int, bool) {
	w := 0
	changed := false
	for r := 0; r < len(b); {
		if b[r] == '%' {
			if r+2 < len(b) && isHex(b[r+1]) && isHex(b[r+2]) {
				b[w] = unhex(b[r+1])<<4 | unhex(b[r+2])
				w++
				r += 3
				changed = true
				continue
			}
			if r+5 < len(b) && (b[r+1] == 'u' || b[r+1] == 'U') && isHex(b[r+2]) && isHex(b[r+3]) && isHex(b[r+4]) && isHex(b[r+5]) {
				cp := rune(unhex(b[r+2]))<<12 | rune(unhex(b[r+3]))<<8 | rune(unhex(b[r+4]))<<4 | rune(unhex(b[r+5]))
				w += utf8.EncodeRune(b[w:], cp) // at most 3 bytes for 6 read
				r += 6
				changed = true
				continue
			}
		}
		b[w] = b[r]
		w++
		r++
	}
	return w, changed
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// unmatchedResource is recorded (access log, metering) for a path that
// fits none of its API's declared resources.
const unmatchedResource = "(unmatched)"
