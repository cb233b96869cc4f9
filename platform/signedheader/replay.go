package signedheader

import (
	"sync"
	"time"
)

// ReplayCache remembers accepted signatures until their timestamp leaves the
// window. It is bounded: when full even after dropping expired entries, it
// forgets arbitrary live entries, which weakens replay protection only while
// someone floods it with fresh valid signatures (they need the secret).
type ReplayCache struct {
	mu        sync.Mutex
	max       int
	m         map[string]int64 // key → expiry, unix nanoseconds
	nextSweep int64
}

// NewReplayCache returns a cache of at most max entries (default 100,000).
func NewReplayCache(max int) *ReplayCache {
	if max <= 0 {
		max = 100_000
	}
	return &ReplayCache{max: max, m: make(map[string]int64)}
}

// Seen reports whether key was already recorded and is not expired; if not,
// it records key until expiry.
func (c *ReplayCache) Seen(key string, expiry, now time.Time) bool {
	n := now.UnixNano()
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.m[key]; ok && exp > n {
		return true
	}
	// Expired entries go once a minute, not on every call: a sweep walks
	// the whole map, and a full cache would otherwise pay that walk on
	// every request (at 1,000 signed requests a second the cache is full
	// after 100 s, and each request then walked 100,000 entries under the
	// lock).
	if n >= c.nextSweep {
		for k, exp := range c.m {
			if exp <= n {
				delete(c.m, k)
			}
		}
		c.nextSweep = n + int64(time.Minute)
	}
	if len(c.m) >= c.max {
		for k := range c.m { // one arbitrary live entry
			delete(c.m, k)
			break
		}
	}
	c.m[key] = expiry.UnixNano()
	return false
}

// Len is the number of remembered signatures.
func (c *ReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
