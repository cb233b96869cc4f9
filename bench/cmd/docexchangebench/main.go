package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/bench/internal/assertion"
	"github.com/lgsp-vn/lgsp/bench/internal/benchcmd"
	"github.com/lgsp-vn/lgsp/bench/internal/benchdoc"
	"github.com/lgsp-vn/lgsp/bench/internal/devchild"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
	"github.com/lgsp-vn/lgsp/bench/internal/host"
	"github.com/lgsp-vn/lgsp/bench/internal/jsoncall"
	"github.com/lgsp-vn/lgsp/platform/gatewayid"
)

// sectionName names the markers of this benchmark's section of
// docs/BENCHMARKS.md.
const sectionName = "docexchangebench"

type settings struct {
	benchcmd.Settings
	senders        []int
	warmup         time.Duration
	duration       time.Duration
	rounds         int
	backlog        int64
	backlogSenders int
	drainWorkers   int
	only           string
}

func main() {
	var s settings
	var senders string
	s.Register(sectionName, "temporary data directories and logs")
	flag.StringVar(&senders, "senders", "16,32,64", "concurrent senders of the throughput runs, comma-separated")
	flag.DurationVar(&s.warmup, "warmup", 5*time.Second, "warm-up before each number of senders, on each path, not measured")
	flag.DurationVar(&s.duration, "duration", 15*time.Second, "measured period of one round")
	flag.IntVar(&s.rounds, "rounds", 3, "rounds per number of senders (gateway then direct each round); the median is reported")
	flag.Int64Var(&s.backlog, "backlog", 100_000, "documents of the offline-recipient backlog")
	flag.IntVar(&s.backlogSenders, "backlog-senders", 0, "concurrent senders filling the backlog; 0 takes the best of the throughput runs")
	flag.IntVar(&s.drainWorkers, "drain-workers", 16, "concurrent getEdoc/updateStatus callers of the returning recipient")
	flag.StringVar(&s.only, "only", "", "run only some parts: t (throughput and reference), b (backlog); default both")
	flag.Parse()
	benchcmd.Log("docexchangebench")
	var err error
	if s.senders, err = benchcmd.Counts(senders); err != nil {
		log.Fatalf("-senders: %v", err)
	}
	command := benchdoc.CommandLine("docexchangebench", os.Args[1:])
	benchcmd.Run(s.LGSP, func(ctx context.Context) error { return run(ctx, s, command) })
}

func run(ctx context.Context, s settings, command string) error {
	rep := report{settings: s, intro: benchdoc.Intro{
		Title: "Document exchange benchmark", Command: "docexchangebench", Target: "bench-docexchange", CommandLine: command,
	}}
	rep.intro.Begin()
	if s.only == "" || strings.Contains(s.only, "t") {
		tp, size, err := runThroughput(ctx, s)
		if err != nil {
			return fmt.Errorf("throughput: %w", err)
		}
		rep.throughput, rep.packageSize = tp, size
	}
	if s.only == "" || strings.Contains(s.only, "b") {
		senders := s.backlogSenders
		if senders == 0 {
			senders = 32
			if best := rep.best(); best != nil {
				senders = best.senders
			}
		}
		bl, err := runBacklog(ctx, s, senders)
		if err != nil {
			return fmt.Errorf("backlog: %w", err)
		}
		rep.backlog = bl
		if rep.packageSize == 0 {
			rep.packageSize = bl.packageSize
		}
	}
	rep.intro.End(s.LGSP)
	return benchdoc.Publish(s.Out, sectionName, rep.render())
}

// env is a platform child with the benchmark's applications registered.
type env struct {
	p     *devchild.Child
	dir   string
	admin *jsoncall.Admin
	setup *benchSetup
	keep  bool
}

// startEnv starts lgsp dev in a new temporary directory and registers the
// benchmark's tier, applications and subscriptions through the admin API.
func startEnv(ctx context.Context, s settings, name string) (_ *env, err error) {
	dir, err := os.MkdirTemp("", "lgsp-dxbench-"+name+"-*")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, keep: s.Keep}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	t0 := time.Now()
	e.p, err = devchild.Start(devchild.Options{Bin: s.LGSP, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "lgsp.log")})
	if err != nil {
		return nil, err
	}
	pw, err := e.p.AdminPassword()
	if err != nil {
		return nil, err
	}
	if e.admin, err = jsoncall.LoginAdmin(ctx, e.p.AdminURL, pw); err != nil {
		return nil, err
	}
	if e.setup, err = registerBench(ctx, e.admin, []string{agencyH41, agencyH14, agencyG22}); err != nil {
		return nil, err
	}
	if err := waitRoutable(ctx, e.p.GatewayURL, e.setup); err != nil {
		return nil, err
	}
	log.Printf("%s: lgsp dev (pid %d) ready, gateway %s, admin %s, bench applications routable, in %s",
		name, e.p.PID(), e.p.GatewayURL, e.p.AdminURL, time.Since(t0).Round(time.Millisecond))
	return e, nil
}

func (e *env) close() {
	if e.p != nil {
		if err := e.p.Stop(); err != nil {
			log.Printf("lgsp dev: %v", err)
		}
	}
	if e.keep {
		log.Printf("kept %s", e.dir)
		return
	}
	_ = os.RemoveAll(e.dir)
}

// gatewayBase is the national surface through the gateway.
func (e *env) gatewayBase() string { return e.p.GatewayURL + "/vdxp/1.0" }

// directBase is the service's own national surface on the admin listener.
func (e *env) directBase() string { return e.p.AdminURL + "/docexchange/vdxp" }

// throughputRun is every round at one number of senders.
type throughputRun struct {
	senders         int
	gateway, direct []loadResult
}

func runThroughput(ctx context.Context, s settings) ([]throughputRun, int, error) {
	e, err := startEnv(ctx, s, "throughput")
	if err != nil {
		return nil, 0, err
	}
	defer e.close()
	sender := e.setup.apps[agencyH41]
	to := []string{agencyH14, agencyG22}
	docs, err := newDocFactory(agencyH41, to, "T")
	if err != nil {
		return nil, 0, err
	}
	maxSenders := 0
	for _, n := range s.senders {
		maxSenders = max(maxSenders, n)
	}
	viaGateway := httpClient(maxSenders, nil)
	assert, err := assertion.NewSigner(e.p.InternalToken, gatewayid.Identity{
		App: sender.appID, Agency: sender.agency, API: e.setup.apiID, SystemID: sender.systemID,
	})
	if err != nil {
		return nil, 0, err
	}
	direct := httpClient(maxSenders, assert.Transport)
	spec := func(n int, d time.Duration, base string, hc *http.Client) loadSpec {
		return loadSpec{
			senders: n, duration: d, from: agencyH41, to: to, docs: docs, pid: e.p.PID(),
			client: func(int) *vdxp.Client { return sdkClient(base, sender, hc) },
		}
	}
	runs := make([]throughputRun, len(s.senders))
	// signed is every run through the gateway, warm-ups included.
	var signed []loadResult
	for i, n := range s.senders {
		runs[i].senders = n
		for _, w := range []struct {
			base string
			hc   *http.Client
		}{{e.gatewayBase(), viaGateway}, {e.directBase(), direct}} {
			r := runLoad(ctx, spec(n, s.warmup, w.base, w.hc))
			if w.hc == viaGateway {
				signed = append(signed, r)
			}
			if r.failed > 0 {
				log.Printf("  warm-up with %d senders: %d refused: %s", n, r.failed, failures.Summary(r.errors))
			}
		}
	}
	// Every number of senders in each round, so that what accumulates in
	// the platform over the run (rows, objects, the gateway's replay
	// memory) weighs on each alike.
	for round := range max(s.rounds, 1) {
		for i, n := range s.senders {
			gw := runLoad(ctx, spec(n, s.duration, e.gatewayBase(), viaGateway))
			signed = append(signed, gw)
			gw.recentSigned = callsWithin(signed, gw.end(), replayWindow)
			dr := runLoad(ctx, spec(n, s.duration, e.directBase(), direct))
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
			log.Printf("  round %d, %d senders: gateway %.0f/s p50 %s p99 %s refused %d, CPU %s, %d signed calls in the last %s; direct %.0f/s p50 %s p99 %s refused %d, CPU %s",
				round+1, n, gw.rate(), ms(gw.p50), ms(gw.p99), gw.failed, gw.cpu, gw.recentSigned, replayWindow, dr.rate(), ms(dr.p50), ms(dr.p99), dr.failed, dr.cpu)
			for _, r := range []loadResult{gw, dr} {
				if r.failed > 0 {
					log.Printf("    refused: %s", failures.Summary(r.errors))
				}
			}
			runs[i].gateway = append(runs[i].gateway, gw)
			runs[i].direct = append(runs[i].direct, dr)
		}
	}
	return runs, docs.size(), nil
}

// backlogResult is the offline recipient's run.
type backlogResult struct {
	n           int64
	packageSize int
	send        loadResult
	// sentTwice counts DocIds answered to two sends.
	sentTwice int64
	// sendPeakKB is VmHWM once the backlog is in (the peak while sending).
	sendPeakKB int64
	// settle is how long the child took to go idle after the last send.
	settle  time.Duration
	settled bool
	// idleEarlyKB is VmRSS backlogHoldEarly into the idle hold, idleKB at
	// its end (backlogHold), with the Go runtime's view then.
	idleEarlyKB, idleKB int64
	idleGo              goMemory
	disk                diskUsage
	drain               drainResult
	after               diskUsage
	afterKB             int64
}

// The child holds the backlog idle for backlogHold, its RSS read
// backlogHoldEarly into it and at its end: the Go runtime returns freed
// heap to the system gradually, not at once.
const (
	backlogHoldEarly = 10 * time.Second
	backlogHold      = time.Minute
)

func runBacklog(ctx context.Context, s settings, senders int) (*backlogResult, error) {
	e, err := startEnv(ctx, s, "backlog")
	if err != nil {
		return nil, err
	}
	defer e.close()
	docs, err := newDocFactory(agencyH41, []string{agencyH14}, "B")
	if err != nil {
		return nil, err
	}
	r := &backlogResult{n: s.backlog, packageSize: docs.size()}
	sent := &sentSet{sums: make(map[string][32]byte, s.backlog)}
	sender := e.setup.apps[agencyH41]
	hc := httpClient(senders, nil)
	log.Printf("backlog: sending %d documents H41 → H14 through the gateway with %d senders", s.backlog, senders)
	stopProgress := progress("  sent", func() int64 {
		sent.mu.Lock()
		defer sent.mu.Unlock()
		return int64(len(sent.sums))
	}, s.backlog)
	r.send = runLoad(ctx, loadSpec{
		senders: senders, total: s.backlog, from: agencyH41, to: []string{agencyH14}, docs: docs, pid: e.p.PID(),
		client:   func(int) *vdxp.Client { return sdkClient(e.gatewayBase(), sender, hc) },
		accepted: sent.add,
	})
	stopProgress()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.sentTwice = sent.again
	r.sendPeakKB = host.StatusKB(e.p.PID(), "VmHWM")
	log.Printf("  sent %d in %s (%.0f/s), p50 %s p99 %s, refused %d, CPU %s, peak RSS %d MiB",
		r.send.ok, r.send.elapsed.Round(time.Millisecond), r.send.rate(), ms(r.send.p50), ms(r.send.p99), r.send.failed, r.send.cpu, r.sendPeakKB/1024)
	if r.send.failed > 0 {
		log.Printf("    refused: %s", failures.Summary(r.send.errors))
	}

	// The push loop, metering and the gateway's journal finish their work;
	// then the child holds the backlog with nothing to do.
	r.settle, r.settled = waitIdle(ctx, e.p.PID(), 2*time.Second, 0.05, 5*time.Minute)
	for _, at := range []*int64{&r.idleEarlyKB, &r.idleKB} {
		wait := backlogHoldEarly
		if at == &r.idleKB {
			wait = backlogHold - backlogHoldEarly
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		*at = host.StatusKB(e.p.PID(), "VmRSS")
	}
	if r.idleGo, err = readGoMemory(ctx, e.admin); err != nil {
		return nil, err
	}
	if r.disk, err = measureDisk(e.p.DataDir); err != nil {
		return nil, err
	}
	log.Printf("  idle after %s (settled: %v): RSS %d MiB after %s, %d MiB after %s (Go heap in use %d MiB, free not returned %d MiB); data %d MiB (SQLite %d MiB, NATS %d MiB)",
		r.settle.Round(time.Second), r.settled, r.idleEarlyKB/1024, backlogHoldEarly, r.idleKB/1024, backlogHold,
		r.idleGo.heapInuse>>20, r.idleGo.heapRetained>>20, r.disk.total>>20, r.disk.sqlite>>20, r.disk.nats>>20)

	recipient := e.setup.apps[agencyH14]
	dhc := httpClient(s.drainWorkers+1, nil)
	workers := make([]*vdxp.Client, s.drainWorkers)
	for i := range workers {
		workers[i] = sdkClient(e.gatewayBase(), recipient, dhc)
	}
	log.Printf("backlog: H14 returns and drains its inbox through the gateway with %d workers", s.drainWorkers)
	var drained drainResult
	drained, err = drainInbox(ctx, sdkClient(e.gatewayBase(), recipient, dhc), workers, sent, e.p.PID())
	r.drain = drained
	if err != nil {
		return nil, err
	}
	log.Printf("  drained %d in %s (%.0f/s); first list %s; twice %d, unknown %d, altered %d, missing %d, left %d; failed calls %d; CPU %s; peak RSS %d MiB",
		r.drain.drained, r.drain.elapsed.Round(time.Millisecond), r.drain.rate(), ms(r.drain.listFirst), r.drain.twice, r.drain.unknown,
		r.drain.mismatched, r.drain.missing, r.drain.leftInInbox, r.drain.failed, r.drain.cpu, r.drain.peakRSSKB/1024)
	if r.drain.failed > 0 {
		log.Printf("    failed: %s", failures.Summary(r.drain.errors))
	}
	if r.after, err = measureDisk(e.p.DataDir); err != nil {
		return nil, err
	}
	r.afterKB = host.StatusKB(e.p.PID(), "VmRSS")
	return r, nil
}

// progress logs count() every 15 s until the returned func is called.
func progress(what string, count func() int64, total int64) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				log.Printf("%s %d of %d", what, count(), total)
			}
		}
	}()
	return func() { close(stop); <-done }
}
