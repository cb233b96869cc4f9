package dvcqg

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// maxSessions bounds the sessions held: a client that logs in for every
// call must not grow the map for the whole session lifetime.
const maxSessions = 10_000

// sessions are the sessions LayPhien issued, by token, with their expiry.
type sessions struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func newSessions() *sessions { return &sessions{m: map[string]time.Time{}} }

// issue returns a new session valid for ttl from now.
func (ss *sessions) issue(now time.Time, ttl time.Duration) string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	token := hex.EncodeToString(b[:])
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.m) >= maxSessions {
		ss.purge(now)
	}
	ss.m[token] = now.Add(ttl)
	return token
}

// purge drops expired sessions and, when that is not enough, the one
// closest to expiring. Called with the lock held.
func (ss *sessions) purge(now time.Time) {
	for t, exp := range ss.m {
		if !now.Before(exp) {
			delete(ss.m, t)
		}
	}
	for len(ss.m) >= maxSessions {
		var first string
		var at time.Time
		for t, exp := range ss.m {
			if first == "" || exp.Before(at) {
				first, at = t, exp
			}
		}
		delete(ss.m, first)
	}
}

// use reports whether token is a session still valid at now. oneCall
// spends the session: the next call with it is refused.
func (ss *sessions) use(token string, now time.Time, oneCall bool) bool {
	if token == "" {
		return false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	exp, ok := ss.m[token]
	switch {
	case !ok:
		return false
	case !now.Before(exp):
		delete(ss.m, token)
		return false
	case oneCall:
		delete(ss.m, token)
	}
	return true
}

// expireAll drops every session.
func (ss *sessions) expireAll() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.m = map[string]time.Time{}
}
