package main

import (
	"context"
	"crypto/sha256"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
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
	// childCPU, ownCPU and otherCPU are the cores used on average over
	// elapsed by the platform, the load generator and everything else.
	childCPU, ownCPU, otherCPU float64
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

// errorSummary lists the kinds of failure, most frequent first.
func (r loadResult) errorSummary() string {
	type kind struct {
		msg string
		n   int64
	}
	var ks []kind
	for m, n := range r.errors {
		ks = append(ks, kind{m, n})
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].n > ks[j].n || ks[i].n == ks[j].n && ks[i].msg < ks[j].msg })
	var parts []string
	for _, k := range ks {
		parts = append(parts, strings.TrimSpace(k.msg)+" ×"+strconv.FormatInt(k.n, 10))
	}
	return strings.Join(parts, "; ")
}

// errorKinds bounds the distinct failure messages kept.
const errorKinds = 8

// failures collects failure messages from concurrent callers.
type failures struct {
	mu sync.Mutex
	m  map[string]int64
}

func (f *failures) add(err error) {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]int64{}
	}
	if _, ok := f.m[msg]; ok || len(f.m) < errorKinds {
		f.m[msg]++
	} else {
		f.m["(other messages)"]++
	}
}

func runLoad(ctx context.Context, spec loadSpec) loadResult {
	var (
		started atomic.Int64
		mu      sync.Mutex
		all     latencies
		ok      int64
		fails   failures
		wg      sync.WaitGroup
	)
	child0, own0, busy0 := cpuTime(spec.pid), cpuTime(os.Getpid()), machineBusy()
	start := time.Now()
	deadline := start.Add(spec.duration)
	for i := range spec.senders {
		c := spec.client(i)
		wg.Go(func() {
			lat := make(latencies, 0, 4096)
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
					fails.add(err)
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
	r := loadResult{senders: spec.senders, ok: ok, start: start, elapsed: time.Since(start), errors: fails.m}
	for _, n := range fails.m {
		r.failed += n
	}
	child, own, busy := cpuTime(spec.pid)-child0, cpuTime(os.Getpid())-own0, machineBusy()-busy0
	r.childCPU = child.Seconds() / r.elapsed.Seconds()
	r.ownCPU = own.Seconds() / r.elapsed.Seconds()
	r.otherCPU = max(busy-child-own, 0).Seconds() / r.elapsed.Seconds()
	r.p50, r.p99, r.max = all.percentile(50), all.percentile(99), all.percentile(100)
	return r
}
