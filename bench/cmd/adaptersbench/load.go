package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/bench/internal/cpuuse"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
	"github.com/lgsp-vn/lgsp/bench/internal/latency"
)

// callTimeout bounds one call; a slower one counts as failed.
const callTimeout = 30 * time.Second

// pooledClient keeps enough idle connections to one host that conns
// callers in a closed loop never dial again.
func pooledClient(conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		IdleConnTimeout:     2 * time.Minute,
	}
	return &http.Client{Transport: tr, Timeout: callTimeout}
}

// scenario is one way to a national lookup.
type scenario struct {
	// key names it in the tables ("a1"); title says what it is.
	key, title string
	// simPath is the simulator path each call reaches (or would, without
	// a cache): its count in /_sim/stats says how many did.
	simPath string
	// request builds the i-th call.
	request func(ctx context.Context, i int) (*http.Request, error)
	// envelope: the answer is NGSP's envelope, whose errorCode must be
	// "0"; the typed answers are checked by their status alone.
	envelope bool
	hc       *http.Client
}

var okEnvelope = []byte(`"errorCode":"0"`)

// do makes the i-th call and reads its answer to the end.
func (s *scenario) do(ctx context.Context, i int) error {
	req, err := s.request(ctx, i)
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body[:min(len(body), 160)]))
	}
	if s.envelope && !bytes.Contains(body, okEnvelope) {
		return fmt.Errorf("answer without errorCode 0: %s", bytes.TrimSpace(body[:min(len(body), 160)]))
	}
	return nil
}

// loadResult is one closed-loop run of a scenario.
type loadResult struct {
	clients int
	// ok counts the calls answered in the measured period; total every
	// call made (warm-up included), failed every failed one.
	ok, total, failed int64
	elapsed           time.Duration
	p50, p99          time.Duration
	cpu               cpuuse.Use
	errors            map[string]int64
	// simCalls is how many calls the simulator's path received during the
	// run (warm-up included).
	simCalls int64
}

func (r loadResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// perCall is the simulator's calls per call made.
func (r loadResult) perCall() float64 {
	if r.total == 0 {
		return 0
	}
	return float64(r.simCalls) / float64(r.total)
}

// runLoad runs clients callers of s in a closed loop for warmup, then for
// duration measured; CPU is read of the process pid over the measured
// period.
func runLoad(ctx context.Context, s *scenario, pid, clients int, warmup, duration time.Duration) loadResult {
	res := loadResult{clients: clients}
	var (
		tally        failures.Tally
		mu           sync.Mutex
		lat          latency.Set
		ok, total    atomic.Int64
		failed       atomic.Int64
		wg           sync.WaitGroup
		meter        cpuuse.Meter
		meterStarted = make(chan struct{})
	)
	begin := time.Now()
	from, to := begin.Add(warmup), begin.Add(warmup+duration)
	timer := time.AfterFunc(warmup, func() { meter = cpuuse.Start(pid); close(meterStarted) })
	for c := range clients {
		wg.Go(func() {
			mine := make(latency.Set, 0, 4096)
			for n := 0; ctx.Err() == nil; n++ {
				t0 := time.Now()
				if !t0.Before(to) {
					break
				}
				err := s.do(ctx, c+n*clients)
				t1 := time.Now()
				total.Add(1)
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
						tally.Add(err)
					}
					continue
				}
				if !t1.Before(from) && t1.Before(to) {
					ok.Add(1)
					mine = append(mine, t1.Sub(t0))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if !timer.Stop() {
		<-meterStarted
		res.cpu = meter.Stop()
	}
	res.ok, res.total, res.failed = ok.Load(), total.Load(), failed.Load()
	res.elapsed = min(max(time.Since(from), 0), duration)
	res.p50, res.p99 = lat.Percentile(50), lat.Percentile(99)
	res.errors = tally.Counts()
	return res
}
