package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/bench/internal/benchdoc"
	"github.com/lgsp-vn/lgsp/bench/internal/host"
	"github.com/lgsp-vn/lgsp/platform/gatewayid"
)

// sectionName names the markers of this benchmark's section of
// docs/BENCHMARKS.md.
const sectionName = "docexchangebench"

type settings struct {
	out            string
	lgsp           string
	senders        []int
	warmup         time.Duration
	duration       time.Duration
	rounds         int
	backlog        int64
	backlogSenders int
	drainWorkers   int
	only           string
	keep           bool
	command        string
	loadBefore     string
	loadAfter      string
}

func main() {
	var s settings
	var senders string
	flag.StringVar(&s.out, "out", "docs/BENCHMARKS.md", "where to write the report (its docexchangebench section); empty prints it")
	flag.StringVar(&s.lgsp, "lgsp", "bin/lgsp", "the lgsp binary to measure (make build)")
	flag.StringVar(&senders, "senders", "16,32,64", "concurrent senders of the throughput runs, comma-separated")
	flag.DurationVar(&s.warmup, "warmup", 5*time.Second, "warm-up before each number of senders, on each path, not measured")
	flag.DurationVar(&s.duration, "duration", 15*time.Second, "measured period of one round")
	flag.IntVar(&s.rounds, "rounds", 3, "rounds per number of senders (gateway then direct each round); the median is reported")
	flag.Int64Var(&s.backlog, "backlog", 100_000, "documents of the offline-recipient backlog")
	flag.IntVar(&s.backlogSenders, "backlog-senders", 0, "concurrent senders filling the backlog; 0 takes the best of the throughput runs")
	flag.IntVar(&s.drainWorkers, "drain-workers", 16, "concurrent getEdoc/updateStatus callers of the returning recipient")
	flag.StringVar(&s.only, "only", "", "run only some parts: t (throughput and reference), b (backlog); default both")
	flag.BoolVar(&s.keep, "keep", false, "keep the temporary data directories and logs")
	flag.Parse()
	log.SetFlags(log.Ltime)
	log.SetPrefix("docexchangebench: ")
	for _, f := range strings.Split(senders, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			log.Fatalf("-senders: %q is not a positive number", f)
		}
		s.senders = append(s.senders, n)
	}
	s.command = commandLine(os.Args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, s); err != nil {
		log.Fatal(err)
	}
}

// commandLine is how the benchmark was started, for the report.
func commandLine(args []string) string {
	parts := []string{"bin/docexchangebench"}
	for _, a := range args[1:] {
		if a == "" || strings.ContainsAny(a, " \t'\"") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func run(ctx context.Context, s settings) error {
	if _, err := os.Stat(s.lgsp); err != nil {
		return fmt.Errorf("%s: %w (make build builds it)", s.lgsp, err)
	}
	s.loadBefore = host.LoadAvg()
	rep := report{settings: s, started: time.Now()}
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
	rep.settings.loadAfter = host.LoadAvg()
	rep.machine = describeMachine(s.lgsp)
	section := rep.render()
	if s.out == "" {
		fmt.Print(section)
		return nil
	}
	old, err := os.ReadFile(s.out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(s.out, []byte(benchdoc.Splice(string(old), sectionName, section)), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s", s.out)
	return nil
}

// env is a platform child with the benchmark's applications registered.
type env struct {
	p     *platform
	dir   string
	admin *adminClient
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
	e := &env{dir: dir, keep: s.keep}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	t0 := time.Now()
	e.p, err = startPlatform(s.lgsp, filepath.Join(dir, "data"), filepath.Join(dir, "lgsp.log"))
	if err != nil {
		return nil, err
	}
	pw, err := e.p.adminPassword()
	if err != nil {
		return nil, err
	}
	if e.admin, err = loginAdmin(ctx, e.p.adminURL, pw); err != nil {
		return nil, err
	}
	if e.setup, err = registerBench(ctx, e.admin, []string{agencyH41, agencyH14, agencyG22}); err != nil {
		return nil, err
	}
	if err := waitRoutable(ctx, e.p.gatewayURL, e.setup); err != nil {
		return nil, err
	}
	log.Printf("%s: lgsp dev (pid %d) ready, gateway %s, admin %s, bench applications routable, in %s",
		name, e.p.pid(), e.p.gatewayURL, e.p.adminURL, time.Since(t0).Round(time.Millisecond))
	return e, nil
}

func (e *env) close() {
	if e.p != nil {
		if err := e.p.stop(); err != nil {
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
func (e *env) gatewayBase() string { return e.p.gatewayURL + "/vdxp/1.0" }

// directBase is the service's own national surface on the admin listener.
func (e *env) directBase() string { return e.p.adminURL + "/docexchange/vdxp" }

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
	assert, err := newAsserter(e.p.internalToken, gatewayid.Identity{
		App: sender.appID, Agency: sender.agency, API: e.setup.apiID, SystemID: sender.systemID,
	})
	if err != nil {
		return nil, 0, err
	}
	direct := httpClient(maxSenders, assert)
	spec := func(n int, d time.Duration, base string, hc *http.Client) loadSpec {
		return loadSpec{
			senders: n, duration: d, from: agencyH41, to: to, docs: docs, pid: e.p.pid(),
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
				log.Printf("  warm-up with %d senders: %d refused: %s", n, r.failed, r.errorSummary())
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
				round+1, n, gw.rate(), ms(gw.p50), ms(gw.p99), gw.failed, gw.cpu(), gw.recentSigned, replayWindow, dr.rate(), ms(dr.p50), ms(dr.p99), dr.failed, dr.cpu())
			for _, r := range []loadResult{gw, dr} {
				if r.failed > 0 {
					log.Printf("    refused: %s", r.errorSummary())
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
		senders: senders, total: s.backlog, from: agencyH41, to: []string{agencyH14}, docs: docs, pid: e.p.pid(),
		client:   func(int) *vdxp.Client { return sdkClient(e.gatewayBase(), sender, hc) },
		accepted: sent.add,
	})
	stopProgress()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.sentTwice = sent.again
	r.sendPeakKB = host.StatusKB(e.p.pid(), "VmHWM")
	log.Printf("  sent %d in %s (%.0f/s), p50 %s p99 %s, refused %d, CPU %s, peak RSS %d MiB",
		r.send.ok, r.send.elapsed.Round(time.Millisecond), r.send.rate(), ms(r.send.p50), ms(r.send.p99), r.send.failed, r.send.cpu(), r.sendPeakKB/1024)
	if r.send.failed > 0 {
		log.Printf("    refused: %s", r.send.errorSummary())
	}

	// The push loop, metering and the gateway's journal finish their work;
	// then the child holds the backlog with nothing to do.
	r.settle, r.settled = e.p.waitIdle(ctx, 2*time.Second, 0.05, 5*time.Minute)
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
		*at = host.StatusKB(e.p.pid(), "VmRSS")
	}
	if r.idleGo, err = e.admin.goMemory(ctx); err != nil {
		return nil, err
	}
	if r.disk, err = measureDisk(e.p.dataDir); err != nil {
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
	drained, err = drainInbox(ctx, sdkClient(e.gatewayBase(), recipient, dhc), workers, sent, e.p.pid())
	r.drain = drained
	if err != nil {
		return nil, err
	}
	log.Printf("  drained %d in %s (%.0f/s); first list %s; twice %d, unknown %d, altered %d, missing %d, left %d; failed calls %d; CPU %.2f / %.2f / %.2f; peak RSS %d MiB",
		r.drain.drained, r.drain.elapsed.Round(time.Millisecond), r.drain.rate(), ms(r.drain.listFirst), r.drain.twice, r.drain.unknown,
		r.drain.mismatched, r.drain.missing, r.drain.leftInInbox, r.drain.failed, r.drain.childCPU, r.drain.ownCPU, r.drain.otherCPU, r.drain.peakRSSKB/1024)
	if r.drain.failed > 0 {
		log.Printf("    failed: %s", loadResult{errors: r.drain.errors}.errorSummary())
	}
	if r.after, err = measureDisk(e.p.dataDir); err != nil {
		return nil, err
	}
	r.afterKB = host.StatusKB(e.p.pid(), "VmRSS")
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
