package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/bench/internal/benchdoc"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
)

// targetRate is the target: status updates per second on SQLite
// on the 2-core machine, with the sync outbox on.
const targetRate = 2000

// report is everything one run measured, rendered into the section.
type report struct {
	settings settings
	intro    benchdoc.Intro
	// postgres is the server's version and settings, for the PostgreSQL
	// runs.
	postgres string
	goChange *goBenchRun
	goStats  *goBenchRun
	engines  []engineResult
}

func msec(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d >= 100*time.Millisecond:
		s = strconv.FormatFloat(float64(d)/1e6, 'f', 0, 64) + " ms"
	case d >= 10*time.Millisecond:
		s = strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms"
	default:
		s = strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms"
	}
	if neg {
		return "−" + s
	}
	return s
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s" }

// thousands writes n with a comma every three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// best is the run with the highest rate through the gateway.
func (e engineResult) best() *clientsRun {
	var b *clientsRun
	for i := range e.runs {
		if b == nil || e.runs[i].gateway.load.rate() > b.gateway.load.rate() {
			b = &e.runs[i]
		}
	}
	return b
}

func (r report) engine(name string) *engineResult {
	for i := range r.engines {
		if r.engines[i].engine == name {
			return &r.engines[i]
		}
	}
	return nil
}

// inProcess is BenchmarkChangeStatus's figure on an engine.
func (r report) inProcess(engine string) (goBench, bool) {
	if r.goChange == nil {
		return goBench{}, false
	}
	return r.goChange.find("BenchmarkChangeStatus/" + engine)
}

func verdict(rate float64) string {
	if rate >= targetRate {
		return fmt.Sprintf("met, %.2f× the target", rate/targetRate)
	}
	return fmt.Sprintf("**not met**: %.0f%% of the target", 100*rate/targetRate)
}

func (r report) render() string {
	s := r.settings
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	intro := r.intro
	if r.postgres != "" {
		intro.Rows = append(intro.Rows, [2]string{"PostgreSQL", r.postgres + ", on the same machine, over loopback, as installed"})
	}
	b.WriteString(intro.String())
	p("The load generator, the platform and PostgreSQL share the same cores.\n\n")

	p("### Configuration: what ships\n\n")
	p("- `bin/lgsp dev` as `make build` ships it, in a child process on random loopback ports (every simulator too, the portal simulator included), with its data in a new temporary directory: one process with the registry, metering, the gateway, the one-stop service, the simulators and an embedded NATS JetStream server;\n")
	p("- SQLite (modernc.org/sqlite, pure Go), one file per service, WAL mode, `synchronous=NORMAL`, transactions `BEGIN IMMEDIATE`; for the PostgreSQL runs, `LGSP_DATABASE_URL` names a new schema of the server above, which every service of `lgsp dev` then uses;\n")
	p("- the one-stop service with its defaults (`onestop.DefaultConfig`, and `lgsp dev`'s two changes: `sync_max_backoff` 5 s, `overdue_every` 10 s, neither involved here): a status change commits the dossier, its trail entry (the outbox of NATS events) and its portal outbox item in one transaction, concurrent changes sharing one (group commit, up to 64); ChangeStatus answers the dossier as its transaction left it (no trail: GetDossier has it); the sync, woken by each commit, sends up to 100 changes per portal call (`DongBoHoSoMC`), one per dossier, to the portal simulator, and marks them done; the event loop publishes every trail entry to JetStream;\n")
	p("- the gateway as it ships: API key check, subscription, tier rate limit, metering, access log, the identity assertion to the service. The demo tier (20 requests/s, 100,000 a month) is lifted through the admin API (`PATCH /admin/v1/tiers/%s`) to %s requests/s with a burst of %s and no monthly quota: still checked on every call, never refusing at these rates.\n\n",
		"Demo", thousands(demoTierRate), thousands(demoTierBurst))

	p("### Method\n\n")
	p("- **end to end**: the demo commune (000.01.14.H56) calls with its one-stop software's demo API key, `POST <gateway>/onestop/v1/dossiers/{code}/status`. For each number of clients, on fresh dossiers: %s dossiers are created (`POST /onestop/v1/dossiers`, each with its request id) and moved to processing (4), shared out among the clients, and the portal simulator has them all; then each client cycles its own dossiers 4 → 5 (supplement requested, with a note and the officer) → 4 in a closed loop, %s of warm-up then %s measured. Updates/s counts the answers of the measured period; latency is from the call to the decoded answer, p50/p99 by nearest rank; CPU is the cores used over the measured period by the platform child, by the benchmark, and by everything else (PostgreSQL's server processes in the PostgreSQL runs);\n",
		thousands(int64(s.dossiers)), secs(s.warmup), secs(s.duration))
	p("- **reference, the service alone**: the same run on fresh dossiers straight to the service, `POST <admin>/admin/v1/onestop/dossiers/{code}/status` with `Authorization: Bearer <assertion>`, the gateway's identity assertion (`platform/gatewayid`) for the same application, minted from the `LGSP_INTERNAL_TOKEN` the benchmark gave the child; gateway / service alone is the share of the service's throughput the gateway keeps. The service's Go benchmark (below) is the figure without HTTP at all;\n")
	p("- **sync lag**: the portal simulator records every change it receives with its time (`/_sim/dossiers/{code}`, `received`); after each run the benchmark reads every dossier's history and, for each change answered in the measured period, takes the simulator's time of that version (PhienBan: 1 for the creation, 2 for the move to 4, +1 per change) minus the time the client had the answer. It is negative when the sync delivered the change before the answer reached the client. **Drain**: from the last answer of the run to the simulator holding every change of it (`/_sim/stats`, polled every 10 ms). The simulator forgets everything before each run (`/_sim/reset`);\n")
	p("- **in process**: `BenchmarkChangeStatus` (services/onestop/bench_test.go) calls the gRPC server as the gateway's identity reaches it, %d goroutines each cycling its own dossiers 4 ↔ 5 (about 8 changes per dossier), with the registry, NATS, the database and the portal simulator in the same process and the sync on. The test environment starts from `DefaultConfig` and changes `SyncEvery` to 20 ms (1 s: the outbox read when no commit woke it), `SyncMaxBackoff` to 200 ms and `PortalTimeout` to 2 s (which only matter when the portal fails); `sync_drain_ms` is the time the outbox took to empty after the last update;\n", 32)
	p("- **statistics**: `BenchmarkStatisticsYear` loads 250,000 dossiers received over the last twelve months at five communes, two districts and the province (a quarter of the communes' and districts' dossiers transferred up a level; about 92%% finished, of which 35%% early, 57%% on time and 8%% late; 3%% refused, withdrawn or stopped; the rest in progress, paused or overdue), written with direct `INSERT`s into `onestop_dossiers` and `onestop_access` (the columns the service writes, in transactions of 10,000) rather than through the API, then times `GetStatistics` for the province (an overseer: every unit), over those twelve months, `by=receiving` and `by=handling`.\n\n")

	r.renderTargets(p)
	for _, e := range r.engines {
		r.renderEngine(p, e)
	}
	r.renderGo(p)
	return b.String()
}

func (r report) renderTargets(p func(string, ...any)) {
	p("### Against the targets\n\n")
	p("| target | measured | |\n|---|---|---|\n")
	if e := r.engine("sqlite"); e != nil {
		if best := e.best(); best != nil {
			g := best.gateway
			p("| ≥ %s status updates/s on SQLite, sync outbox on, **through the gateway** | **%.0f/s** with %d clients (p50 %s, p99 %s) | %s |\n",
				thousands(targetRate), g.load.rate(), best.clients, msec(g.load.p50), msec(g.load.p99), verdict(g.load.rate()))
			p("| the same, the service alone (no gateway, over HTTP) | %.0f/s with %d clients | %s |\n", best.service.load.rate(), best.clients, verdict(best.service.load.rate()))
		}
	}
	if b, ok := r.inProcess("sqlite"); ok {
		p("| the same, **in process** (Go benchmark, no HTTP) | **%.0f/s** | %s |\n", b.metrics["updates/s"], verdict(b.metrics["updates/s"]))
	}
	if e := r.engine("sqlite"); e != nil {
		if best := e.best(); best != nil {
			g := best.gateway
			p("| sync lag to the portal simulator at that load (SQLite, gateway, %d clients) | p50 %s, p99 %s, max %s over %s changes | measured |\n",
				best.clients, msec(g.lag.p50), msec(g.lag.p99), msec(g.lag.max), thousands(int64(g.lag.n)))
			p("| outbox drained after the load stopped | %s | measured |\n", msec(g.drain))
		}
	}
	if e := r.engine("postgres"); e != nil {
		if best := e.best(); best != nil {
			g := best.gateway
			p("| status updates/s on PostgreSQL, through the gateway (no target) | %.0f/s with %d clients (p50 %s, p99 %s); sync lag p50 %s, p99 %s, max %s; drained in %s | measured |\n",
				g.load.rate(), best.clients, msec(g.load.p50), msec(g.load.p99), msec(g.lag.p50), msec(g.lag.p99), msec(g.lag.max), msec(g.drain))
		}
	}
	if b, ok := r.inProcess("postgres"); ok {
		p("| status updates/s on PostgreSQL, in process | %.0f/s | measured |\n", b.metrics["updates/s"])
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		rec, ok1 := r.stat(engine, "receiving")
		han, ok2 := r.stat(engine, "handling")
		if ok1 && ok2 {
			p("| statistics over one year of a province (250,000 dossiers), %s | %s by receiving agency, %s by handling agency | measured |\n",
				engineName(engine), msec(time.Duration(rec.nsPerOp)), msec(time.Duration(han.nsPerOp)))
		}
	}
	p("\n")
}

func (r report) stat(engine, by string) (goBench, bool) {
	if r.goStats == nil {
		return goBench{}, false
	}
	return r.goStats.find("BenchmarkStatisticsYear/" + engine + "/by=" + by)
}

func engineName(e string) string {
	if e == "postgres" {
		return "PostgreSQL"
	}
	return "SQLite"
}

func (r report) renderEngine(p func(string, ...any), e engineResult) {
	p("### End to end on %s: status updates per second\n\n", engineName(e.engine))
	p("| clients | gateway: updates/s | p50 / p99 | failed | CPU child / bench / other | service alone: updates/s | p50 / p99 | failed | CPU child / bench / other | gateway / service alone |\n")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range e.runs {
		g, s := c.gateway.load, c.service.load
		ratio := 0.0
		if s.rate() > 0 {
			ratio = g.rate() / s.rate()
		}
		p("| %d | **%.0f** | %s / %s | %d | %s | %.0f | %s / %s | %d | %s | **%.2f×** |\n",
			c.clients, g.rate(), msec(g.p50), msec(g.p99), g.failed, g.cpu, s.rate(), msec(s.p50), msec(s.p99), s.failed, s.cpu, ratio)
	}
	p("\nSync to the portal simulator during the same runs:\n\n")
	p("| clients | path | changes measured | sync lag p50 / p99 / max | earliest | drain after the load | changes per dossier | dossiers created + moved to 4 | portal: out of order / gaps / duplicates |\n")
	p("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range e.runs {
		for _, w := range []struct {
			name string
			r    pathRun
		}{{"gateway", c.gateway}, {"service alone", c.service}} {
			missing := ""
			if w.r.lag.missing > 0 {
				missing = fmt.Sprintf(" (%d not found)", w.r.lag.missing)
			}
			p("| %d | %s | %s%s | %s / %s / %s | %s | %s | %.1f | %s in %s | %d / %d / %d |\n",
				c.clients, w.name, thousands(int64(w.r.lag.n)), missing, msec(w.r.lag.p50), msec(w.r.lag.p99), msec(w.r.lag.max), msec(w.r.lag.min),
				msec(w.r.drain), w.r.changesPerDossier(), thousands(int64(w.r.dossiers)), secs(w.r.create), w.r.outOfOrder, w.r.gaps, w.r.duplicates)
		}
	}
	for _, c := range e.runs {
		for _, w := range []struct {
			name string
			r    pathRun
		}{{"gateway", c.gateway}, {"service alone", c.service}} {
			if w.r.load.failed > 0 {
				p("\nFailed (%s, %d clients): %s\n", w.name, c.clients, failures.Summary(w.r.load.errors))
			}
		}
	}
	p("\n")
}

func (r report) renderGo(p func(string, ...any)) {
	if r.goChange == nil && r.goStats == nil {
		return
	}
	p("### In process: the service's Go benchmarks\n\n")
	if r.goChange != nil {
		p("`%s` (%s):\n\n", r.goChange.command, secs(r.goChange.elapsed))
		p("| engine | updates/s | per update | updates | outbox drained after | end to end, gateway (best) / in process |\n|---|---:|---:|---:|---:|---:|\n")
		for _, engine := range []string{"sqlite", "postgres"} {
			b, ok := r.inProcess(engine)
			if !ok {
				continue
			}
			ratio := "–"
			if e := r.engine(engine); e != nil && e.best() != nil && b.metrics["updates/s"] > 0 {
				ratio = fmt.Sprintf("%.2f×", e.best().gateway.load.rate()/b.metrics["updates/s"])
			}
			p("| %s | **%.0f** | %s | %s | %.0f ms | %s |\n", engineName(engine), b.metrics["updates/s"], msec(time.Duration(b.nsPerOp)),
				thousands(b.n), b.metrics["sync_drain_ms"], ratio)
		}
		p("\n")
	}
	if r.goStats != nil {
		p("`%s` (%s):\n\n", r.goStats.command, secs(r.goStats.elapsed))
		p("| engine | GetStatistics by receiving agency | by handling agency | calls timed |\n|---|---:|---:|---:|\n")
		for _, engine := range []string{"sqlite", "postgres"} {
			rec, ok1 := r.stat(engine, "receiving")
			han, ok2 := r.stat(engine, "handling")
			if ok1 && ok2 {
				p("| %s | **%s** | **%s** | %d + %d |\n", engineName(engine), msec(time.Duration(rec.nsPerOp)), msec(time.Duration(han.nsPerOp)), rec.n, han.n)
			}
		}
		p("\n")
	}
	var notes []string
	for _, run := range []*goBenchRun{r.goChange, r.goStats} {
		if run != nil {
			notes = append(notes, run.notes...)
		}
	}
	if len(notes) > 0 {
		p("The benchmarks said:\n\n")
		for _, n := range notes {
			p("- %s\n", n)
		}
		p("\n")
	}
}
