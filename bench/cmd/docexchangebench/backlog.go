package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/bench/internal/cpuuse"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
	"github.com/lgsp-vn/lgsp/bench/internal/host"
	"github.com/lgsp-vn/lgsp/bench/internal/latency"
)

// sentSet is every document accepted during the backlog's send, by the
// DocId the axis answered, with the SHA-256 of its package.
type sentSet struct {
	mu   sync.Mutex
	sums map[string][sha256.Size]byte
	// again counts DocIds the axis answered twice (it must not).
	again int64
}

func (s *sentSet) add(docID string, sum [sha256.Size]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sums[docID]; ok {
		s.again++
		return
	}
	s.sums[docID] = sum
}

// drainResult is what the returning recipient saw.
type drainResult struct {
	workers int
	elapsed time.Duration
	// drained counts distinct documents fetched and acknowledged.
	drained int64
	// calls by kind, and the failed ones (left pending, so listed and
	// tried again).
	lists, gets, updates int64
	failed               int64
	errors               map[string]int64
	// listFirst is the first getReceivedEdocList, with the whole backlog
	// pending; listP50 and listMax over every list call.
	listFirst, listP50, listMax time.Duration
	// docP50 and docP99 are per document: getEdoc then updateStatus.
	docP50, docP99 time.Duration
	// twice counts documents listed again after they were acknowledged;
	// unknown, documents nobody sent; mismatched, packages whose bytes
	// differ from what was sent; missing, documents sent and never
	// drained.
	twice, unknown, mismatched, missing int64
	// leftInInbox is countReceiveEdoc once the inbox lists nothing.
	leftInInbox int64
	peakRSSKB   int64
	// cpu is as in loadResult.
	cpu cpuuse.Use
}

func (r drainResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.drained) / r.elapsed.Seconds()
}

// complete reports whether every sent document came back once, intact.
func (r drainResult) complete(sent int64) bool {
	return r.drained == sent && r.twice == 0 && r.unknown == 0 && r.mismatched == 0 && r.missing == 0 && r.leftInInbox == 0
}

// maxDrain bounds the drain, so that a platform that stops answering
// fails the run instead of hanging it.
const maxDrain = 3 * time.Hour

// drainInbox is the recipient returning: it lists its inbox (up to 1,000
// pending entries a call), fetches and acknowledges every entry with
// workers callers, and lists again until the inbox is empty.
func drainInbox(ctx context.Context, lister *vdxp.Client, workers []*vdxp.Client, sent *sentSet, pid int) (drainResult, error) {
	r := drainResult{workers: len(workers)}
	var (
		mu      sync.Mutex
		acked   = make(map[string]bool, len(sent.sums))
		perDoc  latency.Set
		lists   latency.Set
		fails   failures.Tally
		failedN int64
	)
	fail := func(err error) {
		fails.Add(err)
		mu.Lock()
		failedN++
		mu.Unlock()
	}
	handle := func(c *vdxp.Client, id string) {
		t0 := time.Now()
		data, err := c.Get(ctx, id)
		mu.Lock()
		r.gets++
		mu.Unlock()
		if err != nil {
			fail(err)
			return
		}
		sum := sha256.Sum256(data)
		want, known := sent.sums[id]
		err = c.UpdateStatus(ctx, id, vdxp.TransportDone)
		d := time.Since(t0)
		mu.Lock()
		defer mu.Unlock()
		r.updates++
		switch {
		case err != nil:
			failedN++
			fails.Add(err)
			return
		case !known:
			r.unknown++
		case sum != want:
			r.mismatched++
		}
		if acked[id] {
			r.twice++
			return
		}
		acked[id] = true
		r.drained++
		perDoc = append(perDoc, d)
	}

	rss := sampleRSS(pid)
	hwmReset := resetPeakRSS(pid)
	meter := cpuuse.Start(pid)
	start := time.Now()
	stopProgress := progress("  drained", func() int64 {
		mu.Lock()
		defer mu.Unlock()
		return r.drained
	}, int64(len(sent.sums)))
	consecutiveFailures := 0
	var stopErr error
drain:
	for {
		switch {
		case ctx.Err() != nil:
			stopErr = ctx.Err()
			break drain
		case time.Since(start) > maxDrain:
			stopErr = fmt.Errorf("drain not finished after %s", maxDrain)
			break drain
		}
		t0 := time.Now()
		list, err := lister.Received(ctx, vdxp.MessageEdoc)
		lists = append(lists, time.Since(t0))
		r.lists++
		if r.lists == 1 {
			r.listFirst = lists[0]
		}
		if err != nil {
			fail(err)
			if consecutiveFailures++; consecutiveFailures > 20 {
				stopErr = fmt.Errorf("getReceivedEdocList failed 20 times in a row: %w", err)
				break drain
			}
			time.Sleep(200 * time.Millisecond)
			continue
		}
		consecutiveFailures = 0
		if len(list) == 0 {
			break
		}
		ids := make(chan string)
		var wg sync.WaitGroup
		for _, c := range workers {
			wg.Go(func() {
				for id := range ids {
					handle(c, id)
				}
			})
		}
		fresh := 0
		for _, k := range list {
			mu.Lock()
			done := acked[k.DocID]
			if done {
				r.twice++
			}
			mu.Unlock()
			if !done {
				fresh++
				ids <- k.DocID
			}
		}
		close(ids)
		wg.Wait()
		if fresh == 0 {
			stopErr = errors.New("the inbox lists only documents already acknowledged")
			break drain
		}
	}
	stopProgress()
	r.peakRSSKB = rss.peakKB()
	if stopErr != nil {
		return r, stopErr
	}
	r.elapsed = time.Since(start)
	r.cpu = meter.Stop()
	if hwmReset {
		r.peakRSSKB = max(r.peakRSSKB, host.StatusKB(pid, "VmHWM"))
	}
	r.failed, r.errors = failedN, fails.Counts()
	r.listP50, r.listMax = lists.Percentile(50), lists.Percentile(100)
	r.docP50, r.docP99 = perDoc.Percentile(50), perDoc.Percentile(99)
	for id := range sent.sums {
		if !acked[id] {
			r.missing++
		}
	}
	n, err := lister.Count(ctx, vdxp.MessageEdoc)
	if err != nil {
		return r, fmt.Errorf("countReceiveEdoc after the drain: %w", err)
	}
	r.leftInInbox = n
	return r, nil
}
