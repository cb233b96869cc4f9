package main

import (
	"context"
	"sync"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
	"github.com/lgsp-vn/lgsp/bench/internal/latency"
)

// burstResult is one burst of concurrent lookups fired at once.
type burstResult struct {
	// name says the adapter's token state before the burst.
	name    string
	callers int
	// revoked is how many tokens the simulator revoked just before.
	revoked int
	ok      int
	// tokens is the token requests the simulator received during the
	// burst; rejected the lookups it refused with 401 (an invalid token,
	// which the adapter renews and retries once); reached the lookups that
	// reached it at all.
	tokens, rejected, reached int64
	// wall is from the release of the callers to the last answer.
	wall     time.Duration
	p50, max time.Duration
	errors   map[string]int64
}

// fireBurst releases callers lookups of s at once and reads the
// simulator's counts around them.
func fireBurst(ctx context.Context, s *scenario, sim simControl, name string, callers, revoked int) (burstResult, error) {
	r := burstResult{name: name, callers: callers, revoked: revoked}
	before, err := sim.stats(ctx)
	if err != nil {
		return r, err
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		lat   latency.Set
		tally failures.Tally
		start = make(chan struct{})
	)
	for i := range callers {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			err := s.do(ctx, i)
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				tally.Add(err)
				return
			}
			r.ok++
			lat = append(lat, d)
		})
	}
	// Every caller is parked on start before it is closed.
	time.Sleep(200 * time.Millisecond)
	t0 := time.Now()
	close(start)
	wg.Wait()
	r.wall = time.Since(t0)
	after, err := sim.stats(ctx)
	if err != nil {
		return r, err
	}
	r.tokens = tokenRequests(after) - tokenRequests(before)
	r.reached = calls(after, ngsp.PathCitizen) - calls(before, ngsp.PathCitizen)
	r.rejected = after.Paths[ngsp.PathCitizen]["401"] - before.Paths[ngsp.PathCitizen]["401"]
	r.p50, r.max = lat.Percentile(50), lat.Percentile(100)
	r.errors = tally.Counts()
	return r, nil
}
