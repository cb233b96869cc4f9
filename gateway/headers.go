package gateway

import (
	"bytes"
	"strconv"
	"strings"
	"unsafe"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// Request headers never forwarded, by fasthttp's canonical name: hop-by-hop
// headers (RFC 9110 §7.6.1), the consumer's credentials, and headers that
// upstreams commonly take as the client's identity, which only a proxy in
// front of them may set: its verified client certificate and the client's
// address. Every X-LGSP-* header goes too (see isGatewayHeader); the
// gateway sets its own afterwards.
var dropRequestHeaders = canonicalSet(identityHeaderNames...)

var identityHeaderNames = []string{
	"Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Authorization", "Apikey", "X-Api-Key", signedheader.HeaderHash, signedheader.HeaderSign, signedheader.HeaderSignKey,
	// Client certificates as TLS-terminating proxies pass them on.
	"X-Client-Cert", "X-Client-Verify", "X-Client-Dn", "X-Ssl-Client-Cert", "X-Ssl-Client-Verify", "X-Ssl-Client-Dn", "X-Ssl-Client-S-Dn",
	"X-Forwarded-Client-Cert", "Ssl-Client-Cert", "Ssl-Client-Verify", "Ssl-Client-S-Dn", "X-Arr-Clientcert",
	// Client addresses other than X-Forwarded-For and Forwarded, which the
	// gateway rewrites.
	"X-Real-Ip", "True-Client-Ip", "X-Client-Ip", "X-Cluster-Client-Ip", "Cf-Connecting-Ip",
}

// underscoreSpelled holds, lower-cased, the names above and those the
// gateway sets. Some servers read "X_Forwarded_For" as X-Forwarded-For (CGI
// maps both to HTTP_X_FORWARDED_FOR; nginx and others may be configured
// to), so a spelling with underscores is dropped too.
var underscoreSpelled = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range append(identityHeaderNames, "X-Forwarded-For", "Forwarded", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id", "Traceparent") {
		m[strings.ToLower(n)] = true
	}
	return m
}()

// Response headers never passed back: hop-by-hop, and the gateway's error
// marker (only the gateway speaks with it).
var dropResponseHeaders = canonicalSet("Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Upgrade", "Te", "X-Lgsp-Error")

// Canonical names for the hot path, which then skips normalisation.
var (
	kConnection    = []byte("Connection")
	kRequestID     = []byte("X-Request-Id")
	kConsumer      = []byte("X-Lgsp-Consumer")
	kAgency        = []byte("X-Lgsp-Agency")
	kXFF           = []byte("X-Forwarded-For")
	kForwarded     = []byte("Forwarded")
	kXFProto       = []byte("X-Forwarded-Proto")
	kXFHost        = []byte("X-Forwarded-Host")
	kTraceparent   = []byte("Traceparent")
	kAuthorization = []byte("Authorization")
	kApikey        = []byte("Apikey")
	kXAPIKey       = []byte("X-Api-Key")
	kSignHash      = []byte("Xroadvnpt-Hash-Header")
	kSign          = []byte("Xroadvnpt-Sign-Header")
)

// canonicalSet maps each name's canonical form (as fasthttp stores header
// names) to itself.
func canonicalSet(names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		var h fasthttp.RequestHeader
		h.Set(n, "x")
		for k := range h.All() {
			m[string(k)] = string(k)
		}
	}
	return m
}

// s2b views a string as bytes for fasthttp setters, which copy them.
func s2b(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// rewriteHeaders applies header hygiene to the request going upstream.
func (g *Gateway) rewriteHeaders(ctx *fasthttp.RequestCtx, ev *event, reqID string) {
	h := &ctx.Request.Header

	if conn := h.PeekCanonical(kConnection); len(conn) > 0 {
		for _, tok := range bytes.Split(conn, []byte{','}) {
			if tok = bytes.TrimSpace(tok); len(tok) > 0 && !bytes.EqualFold(tok, []byte("close")) && !bytes.EqualFold(tok, []byte("keep-alive")) {
				h.DelBytes(tok)
			}
		}
		h.Del("Connection")
	}
	// One pass to find what must go; most requests carry only their
	// Authorization among these.
	var dropBuf [16]string
	drop := dropBuf[:0]
	for k := range h.All() {
		if name, ok := dropRequestHeaders[string(k)]; ok {
			drop = append(drop, name)
		} else if isGatewayHeader(k) || isUnderscoreSpelling(k) {
			drop = append(drop, string(k)) // rare: only a client probing sends these
		}
	}
	for _, name := range drop {
		h.Del(name)
	}
	h.SetCanonical(kRequestID, s2b(reqID))
	if ev.app != "" {
		h.SetCanonical(kConsumer, s2b(ev.app))
		h.SetCanonical(kAgency, s2b(ev.agency))
	}

	// Forwarding headers.
	var buf [256]byte
	ip := remoteAddr(ctx)
	proto := "http"
	if ctx.IsTLS() {
		proto = "https"
	}
	b := buf[:0]
	if g.cfg.TrustForwarded {
		if prior := h.PeekCanonical(kXFF); len(prior) > 0 {
			b = append(append(b, prior...), ", "...)
		}
	}
	b = ip.Addr().AppendTo(b)
	h.SetCanonical(kXFF, b)
	host := h.Host()
	b = buf[:0]
	if g.cfg.TrustForwarded {
		if prior := h.PeekCanonical(kForwarded); len(prior) > 0 {
			b = append(append(b, prior...), ", "...)
		}
	}
	b = append(b, "for="...)
	if ip.Addr().Is6() {
		b = append(b, `"[`...)
		b = ip.Addr().AppendTo(b)
		b = append(b, `]"`...)
	} else {
		b = ip.Addr().AppendTo(b)
	}
	b = append(b, ";proto="...)
	b = append(b, proto...)
	if len(host) > 0 && bytes.IndexByte(host, '"') < 0 {
		b = append(b, `;host="`...)
		b = append(b, host...)
		b = append(b, '"')
	}
	h.SetCanonical(kForwarded, b)
	h.SetCanonical(kXFProto, s2b(proto))
	if len(host) > 0 {
		h.SetCanonical(kXFHost, host)
	}
}

// cleanResponse removes hop-by-hop headers from the upstream's answer and
// any X-LGSP-Error it sent, so the marker always means the gateway spoke,
// and answers in the client's protocol version (req), whatever the
// upstream's.
func cleanResponse(resp *fasthttp.Response, reqID string, req *fasthttp.RequestHeader) {
	h := &resp.Header
	if conn := h.PeekCanonical(kConnection); len(conn) > 0 {
		for _, tok := range bytes.Split(conn, []byte{','}) {
			if tok = bytes.TrimSpace(tok); len(tok) > 0 && !bytes.EqualFold(tok, []byte("close")) && !bytes.EqualFold(tok, []byte("keep-alive")) {
				h.DelBytes(tok)
			}
		}
		h.DelBytes(kConnection)
	}
	// The upstream closing its connection (an HTTP/1.0 upstream always
	// does) must not close the client's; the server sets the client's own
	// Connection header.
	h.ResetConnectionClose()
	if req.IsHTTP11() {
		h.SetProtocol(nil) // the server's default, HTTP/1.1
	} else {
		h.SetProtocol(req.Protocol())
	}
	var dropBuf [8]string
	drop := dropBuf[:0]
	for k := range h.All() {
		if name, ok := dropResponseHeaders[string(k)]; ok {
			drop = append(drop, name)
		}
	}
	for _, name := range drop {
		h.Del(name)
	}
	h.SetCanonical(kRequestID, s2b(reqID))
}

// isGatewayHeader reports whether name is X-LGSP-* in any case, with '-' or
// '_' after each word.
func isGatewayHeader(name []byte) bool {
	const prefix = "x-lgsp-"
	if len(name) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := name[i] | 0x20 // lower case; '_' (0x5f) becomes 0x7f
		if prefix[i] == '-' {
			if name[i] != '-' && name[i] != '_' {
				return false
			}
		} else if c != prefix[i] {
			return false
		}
	}
	return true
}

// isUnderscoreSpelling reports whether name, with '_' read as '-', is one of
// the headers the gateway strips or sets.
func isUnderscoreSpelling(name []byte) bool {
	if bytes.IndexByte(name, '_') < 0 || len(name) > 64 {
		return false
	}
	var buf [64]byte
	for i, c := range name {
		switch {
		case c == '_':
			c = '-'
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return underscoreSpelled[string(buf[:len(name)])]
}

func (g *Gateway) requestID(ctx *fasthttp.RequestCtx, ev *event) string {
	var buf [64]byte
	b := append(buf[:0], g.idPrefix...)
	b = strconv.AppendUint(b, g.seq.Add(1), 36)
	ev.id = string(b)
	if v := ctx.Request.Header.PeekCanonical(kRequestID); validRequestID(v) {
		return string(v)
	}
	return ev.id
}

// validRequestID accepts ids a client may choose: short, and made only of
// characters that need no escaping in JSON, headers or logs.
func validRequestID(v []byte) bool {
	if len(v) == 0 || len(v) > 128 {
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}
