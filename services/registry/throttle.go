package registry

import (
	"container/list"
	"net/netip"
	"sync"
	"time"
)

// loginThrottle slows password guessing with exponential backoff, per user
// and per source address, in bounded memory.
//
//   - Per source address (an IPv6 caller's /64, which one host can fill
//     with addresses): after loginFreeFailures failures, each further
//     failure makes the address wait twice as long before its next
//     attempt, up to loginSourceMaxDelay. This is what slows one address
//     trying many user names.
//   - Per user, whatever the address, counting only users that exist (an
//     unknown name has no password to guess): the same doubling, but
//     capped at loginUserMaxDelay, so that guessing from many addresses is
//     slowed while the user, even the only platform admin, is never locked
//     out for longer than that.
//
// An attempt refused because of a wait does not count as a failure, so
// trying again early does not lengthen it. A key with no failure for
// loginForget starts afresh; a successful login clears its user. Both
// tables are LRU caches of fixed size: the least recently failing key is
// forgotten first, never the whole table. The throttle is per process:
// with several registry replicas an attacker gets that many tries per
// replica, still far from useful against argon2id-hashed passwords of 10+
// characters.
type loginThrottle struct {
	mu      sync.Mutex
	users   lru
	sources lru
}

const (
	loginFreeFailures   = 5
	loginBaseDelay      = time.Second
	loginUserMaxDelay   = time.Minute
	loginSourceMaxDelay = 15 * time.Minute
	loginForget         = 30 * time.Minute
	loginTrackedUsers   = 4096
	loginTrackedSources = 16384

	// loginMaxFailures failures in a row (from one address, or for one
	// user) make the next attempt wait.
	loginMaxFailures = loginFreeFailures + 1
	// loginWindow is longer than any wait.
	loginWindow = loginSourceMaxDelay
)

// throttleEntry is one key's recent failures.
type throttleEntry struct {
	key      string
	failures int
	last     time.Time
	// until is when the next attempt is allowed.
	until time.Time
}

// lru is a fixed-size table of entries, the most recently used first.
type lru struct {
	max   int
	order list.List
	index map[string]*list.Element
}

func (l *lru) get(key string) *throttleEntry {
	if el, ok := l.index[key]; ok {
		return el.Value.(*throttleEntry)
	}
	return nil
}

// touch returns key's entry, created (evicting the least recently used
// entry when the table is full) if absent, and marks it most recent.
func (l *lru) touch(key string) *throttleEntry {
	if l.index == nil {
		l.index = map[string]*list.Element{}
	}
	if el, ok := l.index[key]; ok {
		l.order.MoveToFront(el)
		return el.Value.(*throttleEntry)
	}
	if l.max > 0 && l.order.Len() >= l.max {
		oldest := l.order.Back()
		delete(l.index, oldest.Value.(*throttleEntry).key)
		l.order.Remove(oldest)
	}
	e := &throttleEntry{key: key}
	l.index[key] = l.order.PushFront(e)
	return e
}

func (l *lru) remove(key string) {
	if el, ok := l.index[key]; ok {
		delete(l.index, key)
		l.order.Remove(el)
	}
}

func (l *lru) len() int { return l.order.Len() }

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{users: lru{max: loginTrackedUsers}, sources: lru{max: loginTrackedSources}}
}

// sourceKey groups an address with its neighbours that one host controls:
// an IPv6 address by its /64.
func sourceKey(src string) string {
	a, err := netip.ParseAddr(src)
	if err != nil {
		if len(src) > 64 {
			src = src[:64]
		}
		return src
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// wait returns how long user (any name) from src must still wait, 0 when
// it may try now.
func (t *loginThrottle) wait(user, src string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var w time.Duration
	for _, e := range []*throttleEntry{t.users.get(user), t.sources.get(sourceKey(src))} {
		if e != nil && e.until.After(now) {
			w = max(w, e.until.Sub(now))
		}
	}
	return w
}

// fail records a failed login from src; user is the name of an existing
// user, or "" when the name is unknown.
func (t *loginThrottle) fail(user, src string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if user != "" {
		t.users.touch(user).failed(now, loginUserMaxDelay)
	}
	t.sources.touch(sourceKey(src)).failed(now, loginSourceMaxDelay)
}

// succeed clears user's failures. The source keeps its own: a valid login
// from an address must not reset the count of the names it sprayed.
func (t *loginThrottle) succeed(user string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.users.remove(user)
}

func (e *throttleEntry) failed(now time.Time, maxDelay time.Duration) {
	if now.Sub(e.last) >= loginForget && !e.until.After(now) {
		e.failures = 0
	}
	e.failures++
	e.last = now
	if over := e.failures - loginFreeFailures; over > 0 {
		d := maxDelay
		if over <= 30 {
			d = min(loginBaseDelay<<(over-1), maxDelay)
		}
		e.until = now.Add(d)
	}
}
