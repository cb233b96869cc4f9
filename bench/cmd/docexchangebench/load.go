package main

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/bench/internal/cpuuse"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
	"github.com/lgsp-vn/lgsp/bench/internal/latency"
)

// loadSpec is one closed loop of senders: each sends a package, waits for
// the answer and sends the next, for a duration or until total packages
// were sent.
type loadSpec struct {
	senders  int
	duration time.Duration
	total    int64
	from     string
	to       []string
	docs     *docFactory
	// client returns sender i's SDK client.
	client func(i int) *vdxp.Client
	// pid is the platform child's, whose CPU is measured.
	pid int
	// accepted, when set, is told of every accepted package.
	accepted func(docID string, sum [sha256.Size]byte)
}

// loadResult is what a closed loop measured.
type loadResult struct {
	senders       int
	ok, failed    int64
	start         time.Time
	elapsed       time.Duration
	p50, p99, max time.Duration
	// cpu is the cores used on average over the run by the platform, the
	// load generator and everything else.
	cpu cpuuse.Use
	// errors counts the failures by message (the first few kinds).
	errors map[string]int64
	// recentSigned is, for a run through the gateway, the signed calls the
	// gateway accepted in the replayWindow up to the end of the run (this
	// run's included): the signatures it then remembers against replay.
	recentSigned int64
}

// end is when the last answer of the run came.
func (r loadResult) end() time.Time { return r.start.Add(r.elapsed) }

// replayWindow is how long the gateway remembers a signed call against
// replay: the signature's timestamp plus the signed-header window (5
// minutes by default, LGSP_GATEWAY_SIGNED_HEADER_WINDOW).
const replayWindow = 5 * time.Minute

// callsWithin counts the calls of runs made in the window before at,
// spreading each run's calls evenly over its span.
func callsWithin(runs []loadResult, at time.Time, window time.Duration) int64 {
	from := at.Add(-window)
	var n float64
	for _, r := range runs {
		calls := float64(r.ok + r.failed)
		if r.elapsed <= 0 || calls == 0 {
			continue
		}
		lo, hi := r.start, r.end()
		if lo.Before(from) {
			lo = from
		}
		if hi.After(at) {
			hi = at
		}
		if hi.After(lo) {
			n += calls * float64(hi.Sub(lo)) / float64(r.elapsed)
		}
	}
	return int64(n + 0.5)
}

// rate is accepted packages per second.
func (r loadResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

func runLoad(ctx context.Context, spec loadSpec) loadResult {
	var (
		started atomic.Int64
		mu      sync.Mutex
		all     latency.Set
		ok      int64
		fails   failures.Tally
		wg      sync.WaitGroup
	)
	meter := cpuuse.Start(spec.pid)
	start := time.Now()
	deadline := start.Add(spec.duration)
	for i := range spec.senders {
		c := spec.client(i)
		wg.Go(func() {
			lat := make(latency.Set, 0, 4096)
			var n int64
			for ctx.Err() == nil {
				if spec.total > 0 {
					if started.Add(1) > spec.total {
						break
					}
				} else if !time.Now().Before(deadline) {
					break
				}
				pkg := spec.docs.make()
				t0 := time.Now()
				id, err := c.Send(ctx, pkg, spec.from, spec.to, vdxp.MessageEdoc)
				d := time.Since(t0)
				if err != nil {
					fails.Add(err)
					continue
				}
				lat = append(lat, d)
				n++
				if spec.accepted != nil {
					spec.accepted(id, sha256.Sum256(pkg))
				}
			}
			mu.Lock()
			all = append(all, lat...)
			ok += n
			mu.Unlock()
		})
	}
	wg.Wait()
	r := loadResult{senders: spec.senders, ok: ok, start: start, elapsed: time.Since(start), errors: fails.Counts()}
	r.cpu = meter.Stop()
	for _, n := range r.errors {
		r.failed += n
	}
	r.p50, r.p99, r.max = all.Percentile(50), all.Percentile(99), all.Percentile(100)
	return r
}
