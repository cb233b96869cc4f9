package gateway

import (
	"net/netip"
	"sync"
	"time"
)

// tokenThrottle slows wrong-secret attempts at /token, before they reach the
// registry. Failures are counted per (client id, source address), so that a
// stranger cannot lock a client out from elsewhere, and per source address,
// so that one address cannot try client id after client id. Past the free
// failures of a key, each failure doubles how long that key is refused,
// from throttleBase to throttleMaxWait; a key forgets its failures after
// throttleForget without one. The table is bounded (throttleMaxEntries):
// when full, forgotten and low-count entries go first, and when even that
// frees nothing, a new key is not tracked rather than memory grown. It is
// per gateway: with several gateways an address gets that many tries per
// gateway, which does not make guessing a random secret any more useful.
type tokenThrottle struct {
	mu        sync.Mutex
	entries   map[string]*throttleEntry
	nextSweep int64
}

type throttleEntry struct {
	failures int
	last     int64 // unix nanoseconds of the last failure
	until    int64 // refused until, unix nanoseconds
}

const (
	throttleFreePerClient = 5
	throttleFreePerAddr   = 20
	throttleBase          = time.Second
	throttleMaxWait       = 5 * time.Minute
	throttleForget        = 15 * time.Minute
	throttleMaxEntries    = 20_000
	throttleMaxClientID   = 128
)

func newTokenThrottle() *tokenThrottle {
	return &tokenThrottle{entries: map[string]*throttleEntry{}}
}

// keys returns the pair key and the address key. IPv6 addresses count by
// their /64, which one client usually holds whole.
func throttleKeys(clientID string, src netip.Addr) (pair, addr string) {
	if len(clientID) > throttleMaxClientID {
		clientID = clientID[:throttleMaxClientID]
	}
	if src.Is6() && !src.Is4In6() {
		src = netip.PrefixFrom(src, 64).Masked().Addr()
	}
	a := src.String()
	return "c\x00" + a + "\x00" + clientID, "a\x00" + a
}

// wait is how long a request for clientID from src must still wait; 0 lets
// it through.
func (t *tokenThrottle) wait(clientID string, src netip.Addr, now time.Time) time.Duration {
	pair, addr := throttleKeys(clientID, src)
	n := now.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	var until int64
	for _, k := range [2]string{pair, addr} {
		if e := t.entries[k]; e != nil && e.until > until {
			until = e.until
		}
	}
	if until <= n {
		return 0
	}
	return time.Duration(until - n)
}

// fail records a wrong secret (or unknown client id).
func (t *tokenThrottle) fail(clientID string, src netip.Addr, now time.Time) {
	pair, addr := throttleKeys(clientID, src)
	n := now.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count(pair, throttleFreePerClient, n)
	t.count(addr, throttleFreePerAddr, n)
}

// succeed clears the pair's failures; the address's decay with time.
func (t *tokenThrottle) succeed(clientID string, src netip.Addr) {
	pair, _ := throttleKeys(clientID, src)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, pair)
}

func (t *tokenThrottle) count(key string, free int, now int64) {
	e := t.entries[key]
	if e == nil {
		if len(t.entries) >= throttleMaxEntries && !t.sweep(now) {
			return
		}
		e = &throttleEntry{}
		t.entries[key] = e
	}
	if now-e.last > int64(throttleForget) {
		e.failures = 0
	}
	e.failures++
	e.last = now
	if over := e.failures - free; over > 0 {
		wait := throttleMaxWait
		if over <= 20 {
			wait = min(throttleBase<<(over-1), throttleMaxWait)
		}
		e.until = now + int64(wait)
	}
}

// sweep makes room when the table is full and reports whether it did. It
// runs at most once a second, so that a flood of new keys costs one pass
// per second, not one per request.
func (t *tokenThrottle) sweep(now int64) bool {
	if now < t.nextSweep {
		return false
	}
	t.nextSweep = now + int64(time.Second)
	for k, e := range t.entries {
		if now-e.last > int64(throttleForget) && e.until <= now {
			delete(t.entries, k)
		}
	}
	if len(t.entries) < throttleMaxEntries*9/10 {
		return true
	}
	// Still nearly full: drop the entries that refuse nothing now.
	for k, e := range t.entries {
		if e.until <= now {
			delete(t.entries, k)
		}
	}
	return len(t.entries) < throttleMaxEntries
}

// size is the number of tracked keys.
func (t *tokenThrottle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}
