package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// onceStore keeps a value (a new secret) for the one page view that shows
// it after a form: the form's answer redirects (so a reload does not send
// the form again) to a page that takes the value out. A value is bound to
// the session that made it, read at most once, and forgotten after
// onceTTL whether read or not.
type onceStore struct {
	mu sync.Mutex
	m  map[string]onceEntry
}

type onceEntry struct {
	session [32]byte // SHA-256 of the session token
	v       any
	expires time.Time
}

const (
	onceTTL = 5 * time.Minute
	onceMax = 10000
)

// Once keeps v for this session's next page view and returns the nonce
// to put in the redirect's query (?once=…).
func (x *Ctx) Once(v any) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	n := base64.RawURLEncoding.EncodeToString(b[:])
	now := x.c.now()
	once := &x.c.once
	once.mu.Lock()
	defer once.mu.Unlock()
	for k, e := range once.m {
		if now.After(e.expires) || len(once.m) >= onceMax {
			delete(once.m, k)
		}
	}
	once.m[n] = onceEntry{session: sha256.Sum256([]byte(x.token)), v: v, expires: now.Add(onceTTL)}
	return n
}

// TakeOnce returns the value kept under the request's ?once= nonce, once,
// for the session that kept it.
func (x *Ctx) TakeOnce() (any, bool) {
	n := x.Query("once")
	if n == "" {
		return nil, false
	}
	once := &x.c.once
	once.mu.Lock()
	defer once.mu.Unlock()
	e, ok := once.m[n]
	if !ok {
		return nil, false
	}
	delete(once.m, n)
	if x.c.now().After(e.expires) || e.session != sha256.Sum256([]byte(x.token)) {
		return nil, false
	}
	return e.v, true
}
