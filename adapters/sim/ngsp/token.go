package ngsp

import (
	crand "crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	tokenScope   = "am_application_scope default"
	maxFormBytes = 64 << 10
)

// tokenStore remembers issued opaque tokens with their expiry.
type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]time.Time
	last   string // the most recent token, handed out again when reuse is on
	max    int
	now    func() time.Time
}

func newTokenStore(max int, now func() time.Time) *tokenStore {
	return &tokenStore{tokens: map[string]time.Time{}, max: max, now: now}
}

// newOpaqueToken returns a random UUID-shaped token, as WSO2 issues.
func newOpaqueToken() string {
	var b [16]byte
	_, _ = crand.Read(b[:]) // never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// issue returns a token and its remaining lifetime.
func (t *tokenStore) issue(ttl time.Duration, reuse bool) (string, time.Duration) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if reuse && t.last != "" {
		if exp, ok := t.tokens[t.last]; ok && now.Before(exp) {
			return t.last, exp.Sub(now)
		}
	}
	if len(t.tokens) >= t.max {
		t.evictLocked(now)
	}
	tok := newOpaqueToken()
	t.tokens[tok] = now.Add(ttl)
	t.last = tok
	return tok, ttl
}

// evictLocked drops expired tokens, and if that is not enough, arbitrary
// ones until there is room for one more.
func (t *tokenStore) evictLocked(now time.Time) {
	for tok, exp := range t.tokens {
		if !now.Before(exp) {
			delete(t.tokens, tok)
		}
	}
	for tok := range t.tokens {
		if len(t.tokens) < t.max {
			break
		}
		delete(t.tokens, tok)
	}
}

// check reports whether tok is known, and whether it has expired. An
// expired token is forgotten.
func (t *tokenStore) check(tok string) (known, expired bool) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.tokens[tok]
	if !ok {
		return false, false
	}
	if !now.Before(exp) {
		delete(t.tokens, tok)
		return true, true
	}
	return true, false
}

// revoke forgets one token.
func (t *tokenStore) revoke(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.tokens, tok)
	if t.last == tok {
		t.last = ""
	}
}

func (t *tokenStore) revokeAll() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.tokens)
	t.tokens, t.last = map[string]time.Time{}, ""
	return n
}

// oauthError is the WSO2 token endpoint's error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

func equalSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// handleToken is POST /token (client_credentials only).
func (s *Simulator) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Pragma", "no-cache")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, oauthError{"invalid_request", "HTTP method not allowed; use POST"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Malformed request body"})
		return
	}
	grant := r.PostForm.Get("grant_type")
	key, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1 form-encodes both before Basic; many clients do
		// not. Accept either spelling.
		key, secret = s.unescapeCredential(key, s.cfg.ConsumerKey), s.unescapeCredential(secret, s.cfg.ConsumerSecret)
	} else {
		key, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	switch {
	case grant == "":
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Missing grant_type parameter value"})
		return
	case key == "":
		w.Header().Set("WWW-Authenticate", `Basic realm="NGSP"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "Client Authentication failed."})
		return
	case !equalSecret(key, s.cfg.ConsumerKey):
		w.Header().Set("WWW-Authenticate", `Basic realm="NGSP"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "A valid OAuth client could not be found for client_id: " + sanitizeEcho(key)})
		return
	case !equalSecret(secret, s.cfg.ConsumerSecret):
		w.Header().Set("WWW-Authenticate", `Basic realm="NGSP"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "Client credentials are invalid."})
		return
	case grant != "client_credentials":
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "Unsupported grant_type value"})
		return
	}
	tok, left := s.tokens.issue(s.cfg.TokenTTL, s.cfg.ReuseActiveToken)
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: tok,
		Scope:       tokenScope,
		TokenType:   "Bearer",
		ExpiresIn:   int64(left / time.Second),
	})
}

// unescapeCredential returns the form-decoded value when the raw one does
// not match what is expected and the decoded one does.
func (s *Simulator) unescapeCredential(raw, want string) string {
	if equalSecret(raw, want) {
		return raw
	}
	if dec, err := url.QueryUnescape(raw); err == nil && equalSecret(dec, want) {
		return dec
	}
	return raw
}

// sanitizeEcho bounds and cleans caller input echoed in an error.
func sanitizeEcho(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// bearer extracts the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}
