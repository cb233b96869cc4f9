package adapters

import (
	"container/list"
	"encoding/json"
	"reflect"
	"sync"
	"time"
)

// fetched is an NGSP answer as the adapters keep it: the record's JSON, as
// NGSP sent it, and what came with it.
type fetched struct {
	data       json.RawMessage
	incomplete bool
	at         time.Time
	requestID  string
	// memo, on answers that are cached, keeps the record decoded once for
	// all the answers the cache gives (see decode).
	memo *memo
}

// memo is a cached answer's decoded record.
type memo struct {
	once sync.Once
	v    reflect.Value // a pointer to the record
	err  error
}

// cache is a bounded LRU of answers by key, with a time to live and a
// further time during which an entry is kept to be served while NGSP is
// unavailable. A cache with a zero TTL keeps nothing.
type cache struct {
	ttl, stale time.Duration
	max        int

	mu    sync.Mutex
	order *list.List // of *cacheEntry, most recent first
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key string
	f   fetched
}

func newCache(max int, ttl, stale time.Duration) *cache {
	return &cache{ttl: ttl, stale: stale, max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// enabled reports whether the cache keeps anything.
func (c *cache) enabled() bool { return c.ttl > 0 }

// get returns the entry for key if it is fresh at now, or (stale true)
// if it is only within the stale period.
func (c *cache) get(key string, now time.Time, stale bool) (fetched, bool) {
	if !c.enabled() {
		return fetched{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return fetched{}, false
	}
	e := el.Value.(*cacheEntry)
	age := now.Sub(e.f.at)
	limit := c.ttl
	if stale {
		limit += c.stale
	}
	if age >= c.ttl+c.stale {
		c.order.Remove(el)
		delete(c.byKey, key)
		return fetched{}, false
	}
	if age >= limit {
		return fetched{}, false
	}
	c.order.MoveToFront(el)
	return e.f, true
}

// put keeps f under key, dropping the least recently used past max.
func (c *cache) put(key string, f fetched) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		el.Value.(*cacheEntry).f = f
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, f: f})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry).key)
	}
}

// len is the number of entries held.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
