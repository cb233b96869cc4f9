package simkit

import (
	"strconv"
	"sync"
	"time"
)

// Counter counts a simulator's calls per key (a path, a call name) and
// HTTP status, since it was made or last reset. It is safe for concurrent
// use.
type Counter struct {
	mu    sync.Mutex
	since time.Time
	total int64
	keys  map[string]map[int]int64
}

// NewCounter returns a counter starting now.
func NewCounter() *Counter {
	return &Counter{since: time.Now().UTC(), keys: map[string]map[int]int64{}}
}

// Add counts one call.
func (c *Counter) Add(key string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.keys[key]
	if m == nil {
		m = map[int]int64{}
		c.keys[key] = m
	}
	m[status]++
	c.total++
}

// Snapshot returns when counting began, the total, and a copy of the
// counts per key and status. Statuses are written as text ("200"), as
// JSON object keys are.
func (c *Counter) Snapshot() (since time.Time, total int64, counts map[string]map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	counts = make(map[string]map[string]int64, len(c.keys))
	for k, m := range c.keys {
		out := make(map[string]int64, len(m))
		for code, n := range m {
			out[strconv.Itoa(code)] = n
		}
		counts[k] = out
	}
	return c.since, c.total, counts
}

// Reset zeroes the counts and starts counting again now.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since, c.total, c.keys = time.Now().UTC(), 0, map[string]map[int]int64{}
}
