package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/bench/internal/devchild"
	"github.com/lgsp-vn/lgsp/bench/internal/latency"
)

// portalListener is the portal simulator's address in lgsp dev's banner;
// it is ready once its control surface answers.
var portalListener = devchild.Listener{Name: "portal simulator", Label: "Public-service portal (sim):", Ready: simdvcqg.AdminPrefix + "health"}

// waitRecorded waits until the portal simulator has recorded want items
// since its last reset, polling every 10 ms; it returns when that was
// seen, or an error after within.
func waitRecorded(ctx context.Context, sim *portalSim, want int64, within time.Duration) (time.Time, error) {
	deadline := time.Now().Add(within)
	for {
		st, err := sim.stats(ctx)
		if err != nil {
			return time.Time{}, err
		}
		if st.Recorded >= want {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("the portal simulator recorded %d of %d changes within %s", st.Recorded, want, within)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// syncLag is, for each measured change, the time the portal simulator
// received it minus the time the client had its answer. It is negative
// when the sync delivered the change before the answer reached the
// client (the answer is written after the commit that wakes the sync).
type syncLag struct {
	n             int
	missing       int
	p50, p99, max time.Duration
	min           time.Duration
}

// measureLag reads the simulator's history of every dossier of the run
// and matches each measured change with the version the simulator holds.
func measureLag(ctx context.Context, sim *portalSim, changes []change) (syncLag, error) {
	byCode := map[string][]change{}
	for _, c := range changes {
		byCode[c.code] = append(byCode[c.code], c)
	}
	codes := make(chan string)
	var (
		mu      sync.Mutex
		lags    latency.Set
		missing int
		first   error
		wg      sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for code := range codes {
				h, err := sim.history(ctx, code)
				mu.Lock()
				if err != nil {
					if first == nil {
						first = err
					}
					mu.Unlock()
					continue
				}
				for _, c := range byCode[code] {
					rec, ok := h[c.version]
					if !ok {
						missing++
						continue
					}
					lags = append(lags, rec.Sub(c.answered))
				}
				mu.Unlock()
			}
		})
	}
	for code := range byCode {
		codes <- code
	}
	close(codes)
	wg.Wait()
	if first != nil {
		return syncLag{}, first
	}
	return syncLag{n: len(lags), missing: missing, p50: lags.Percentile(50), p99: lags.Percentile(99), max: lags.Percentile(100), min: lags.Percentile(0.0001)}, nil
}
