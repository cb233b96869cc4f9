package gateway

import (
	"net/netip"
	"sync"
	"time"
)

// publicLimiter bounds what one client address may ask of a public
// (anonymous) API, which has no subscription and so no tier: a token
// bucket per (API, address), IPv6 addresses counted by their /64. Buckets
// that are full again are forgotten at the next sweep. The table is
// bounded (publicMaxEntries): when it is full and a sweep frees nothing, a
// new address is let through untracked rather than memory grown, as the
// token throttle does. It is per gateway.
type publicLimiter struct {
	rate  float64
	burst int

	mu        sync.Mutex
	buckets   map[publicKey]*bucket
	nextSweep int64
}

type publicKey struct {
	api  string
	addr netip.Addr
}

const (
	publicMaxEntries = 100_000
	publicSweepEvery = int64(10 * time.Second)
)

// newPublicLimiter returns nil (no limit) when rate is 0.
func newPublicLimiter(rate float64, burst int) *publicLimiter {
	if rate <= 0 {
		return nil
	}
	return &publicLimiter{rate: rate, burst: burst, buckets: map[publicKey]*bucket{}}
}

// allow takes a token for addr at api; when refused it says how long until
// one is available.
func (p *publicLimiter) allow(api string, addr netip.Addr, now int64) (bool, time.Duration) {
	if p == nil {
		return true, 0
	}
	if addr.Is6() && !addr.Is4In6() {
		addr = netip.PrefixFrom(addr, 64).Masked().Addr()
	}
	k := publicKey{api: api, addr: addr}
	p.mu.Lock()
	b := p.buckets[k]
	if b == nil {
		if len(p.buckets) >= publicMaxEntries || now >= p.nextSweep {
			p.sweep(now)
		}
		if len(p.buckets) >= publicMaxEntries {
			p.mu.Unlock()
			return true, 0
		}
		b = newBucket(p.rate, p.burst)
		p.buckets[k] = b
	}
	p.mu.Unlock()
	return b.allow(now)
}

// sweep forgets the buckets that are full again: they would admit a burst
// anyway. The caller holds mu.
func (p *publicLimiter) sweep(now int64) {
	p.nextSweep = now + publicSweepEvery
	for k, b := range p.buckets {
		if b.tat.Load() <= now {
			delete(p.buckets, k)
		}
	}
}
