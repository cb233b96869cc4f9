package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/bench/internal/benchdoc"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
)

// targetRate is the target: documents accepted per second through
// the gateway.
const targetRate = 1000

// report is everything one run measured, rendered into the section.
type report struct {
	settings    settings
	intro       benchdoc.Intro
	packageSize int
	throughput  []throughputRun
	backlog     *backlogResult
}

// median returns the round with the median rate.
func median(rs []loadResult) loadResult {
	rates := make([]float64, len(rs))
	for i, r := range rs {
		rates[i] = r.rate()
	}
	if i := medianIndex(rates); i >= 0 {
		return rs[i]
	}
	return loadResult{}
}

// ratios are gateway/direct throughput per round.
func (t throughputRun) ratios() []float64 {
	var out []float64
	for i := range min(len(t.gateway), len(t.direct)) {
		if d := t.direct[i].rate(); d > 0 {
			out = append(out, t.gateway[i].rate()/d)
		}
	}
	return out
}

// best is the number of senders with the highest median rate through the
// gateway; nil without throughput runs.
func (r report) best() *throughputRun {
	var b *throughputRun
	for i := range r.throughput {
		if b == nil || median(r.throughput[i].gateway).rate() > median(b.gateway).rate() {
			b = &r.throughput[i]
		}
	}
	return b
}

// lastRound is the number of senders with the highest rate through the
// gateway in the last round, and the number of rounds.
func (r report) lastRound() (*throughputRun, int) {
	var b *throughputRun
	n := 0
	for i := range r.throughput {
		t := &r.throughput[i]
		if len(t.gateway) == 0 {
			continue
		}
		n = len(t.gateway)
		if b == nil || t.gateway[n-1].rate() > b.gateway[len(b.gateway)-1].rate() {
			b = t
		}
	}
	return b, n
}

func ms(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 0, 64) + " ms"
	case d >= 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms"
}

func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}

func mib(kb int64) string { return strconv.FormatFloat(float64(kb)/1024, 'f', 0, 64) + " MiB" }

func mibBytes(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 0, 64) + " MiB" }

// thousands writes n with a comma every three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func rateList(rs []loadResult) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, strconv.FormatFloat(r.rate(), 'f', 0, 64))
	}
	return strings.Join(parts, " · ")
}

func signedList(rs []loadResult) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, thousands(r.recentSigned))
	}
	return strings.Join(parts, " · ")
}

func minutes(d time.Duration) string {
	if d%time.Minute == 0 {
		return plural(int(d/time.Minute), "minute")
	}
	return secs(d)
}

func floatList(v []float64) string {
	var parts []string
	for _, f := range v {
		parts = append(parts, strconv.FormatFloat(f, 'f', 2, 64))
	}
	return strings.Join(parts, " · ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func (r report) render() string {
	s := r.settings
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	b.WriteString(r.intro.String())
	p("The load generator runs on the same cores as the platform; a load average above the core count before the run means other work shared the machine.\n\n")

	p("### Configuration: what ships\n\n")
	p("`bin/lgsp dev` (as `make run` starts it) in a child process on random loopback ports, with its data in a new temporary directory for each part:\n\n")
	p("- one process: registry, metering, document exchange, gateway, the national-system simulators (the national bridge polls the axis simulator), and an embedded NATS JetStream server (file store, the server's default sync);\n")
	p("- SQLite (modernc.org/sqlite, pure Go), one file per service, WAL mode, `synchronous=NORMAL`, transactions `BEGIN IMMEDIATE`;\n")
	p("- `sendEdoc` answers only once the package is in the JetStream Object Store under its SHA-256 and the document, one delivery per recipient and the trace are committed in one SQL transaction; concurrent sends share a transaction (group commit, up to 64 sends);\n")
	p("- the gateway as it ships: signed-header check (HMAC-SHA256 over the SDK's headers, ±5 min window, replay check in memory and in the shared `LGSP_SIGNED_REPLAY` bucket), subscription, tier rate limit, durable metering (the event is fsynced in the gateway's journal before the answer), access log; it calls the service with its identity assertion;\n")
	p("- the demo tier allows 20 requests/s, so the benchmark registers, through the admin REST API (admin login with the generated password), a tier `%s` (%s req/s with a burst of %s, i.e. %s at that rate, and no monthly quota: checked on every call, never refusing at these rates) and, for H41, H14 and G22, an application with a signed-header credential subscribed to vdxp/1.0 on it.\n\n",
		benchTier, thousands(benchTierRate), thousands(benchTierBurst), secs(time.Duration(float64(benchTierBurst)/benchTierRate*float64(time.Second))))

	p("### Method\n\n")
	p("- **packages**: %s-byte edXML packages built with `edxml.BuildDocument` (one base64 text attachment), each with its own DocumentId;\n", thousands(int64(r.packageSize)))
	p("- **calls**: the national SDK's, made with `adapters/vdxp` without retries: signed `XroadVnpt-` headers, body = package + CRLF, `hash-file` in the SDK's form; one client per sender, so that every refusal is counted;\n")
	p("- **throughput**: H41 sends to H14 and G22 (two deliveries a document) through the gateway, `POST <gateway>/vdxp/1.0/sendEdoc`, in a closed loop of N senders (each waits for its answer before the next send); a %s warm-up of each N on each path, then %s, each running every N in turn for %s through the gateway then %s on the reference; for each N the median round (by accepted/s) is reported, every round's figure beside it;\n",
		secs(s.warmup), plural(s.rounds, "round"), secs(s.duration), secs(s.duration))
	p("- **reference**: the same sends in the same rounds straight to the service, `POST <admin>/docexchange/vdxp/sendEdoc` with `Authorization: Bearer <assertion>`, the gateway's identity assertion (`platform/gatewayid`) minted from the `LGSP_INTERNAL_TOKEN` the benchmark gave the child and renewed every 10 s: the service with its SQLite and JetStream, without the gateway; gateway/reference is the share of the service's throughput the gateway keeps;\n")
	p("- **latency**: from the call to the decoded answer, accepted sends only, p50/p99 by nearest rank over every send of the round; **CPU**: the child's user + system time from `/proc/<pid>/stat` over the round, in cores (%d = the whole machine);\n", r.intro.Machine.CPUs)
	p("- **backlog**: a new child; H41 sends %s documents to H14 alone through the gateway as fast as the senders go; once the child is idle, it holds the backlog for %s, its RSS (`VmRSS`) read %s into that and at the end, with the Go runtime's heap figures from its `/metrics` and the size of the data directory; then H14 returns and drains its inbox through the gateway: one caller lists (`getReceivedEdocList`, up to 1,000 pending entries), %d workers fetch (`getEdoc`) and acknowledge (`updateStatus done`) every entry, and it lists again until the inbox is empty; every DocId and the SHA-256 of every package are checked against what was sent; the RSS peak during the drain is `VmHWM` after resetting it (`/proc/<pid>/clear_refs`), and sampled `VmRSS`.\n\n",
		thousands(s.backlog), secs(backlogHold), secs(backlogHoldEarly), s.drainWorkers)

	r.renderTargets(p)
	r.renderThroughput(p)
	r.renderBacklog(p)
	return b.String()
}

func (r report) renderTargets(p func(string, ...any)) {
	p("### Against the targets\n\n")
	p("| target | measured | |\n|---|---|---|\n")
	if best := r.best(); best != nil {
		g := median(best.gateway)
		verdict := fmt.Sprintf("met, %.2f× the target", g.rate()/targetRate)
		if last, n := r.lastRound(); n > 1 && last.gateway[n-1].rate() < targetRate {
			verdict = fmt.Sprintf("met by the median round, %.2f× the target, but **not sustained** (next rows)", g.rate()/targetRate)
		}
		if g.rate() < targetRate {
			verdict = fmt.Sprintf("**not met**: %.0f%% of the target, %.0f documents/s short", 100*g.rate()/targetRate, targetRate-g.rate())
		}
		p("| ≥ %s documents/s accepted through the gateway (10 KiB, 2 recipients, durable) | **%.0f/s** with %d senders (median of %s) | %s |\n",
			thousands(targetRate), g.rate(), best.senders, plural(len(best.gateway), "round"), verdict)
		p("| accept latency at that load, p50 / p99 | %s / %s | measured |\n", ms(g.p50), ms(g.p99))
		if last, n := r.lastRound(); n > 1 {
			l := last.gateway[n-1]
			verdict := "met"
			if l.rate() < targetRate {
				verdict = fmt.Sprintf("**not met**: %.0f%% of the target", 100*l.rate()/targetRate)
			}
			p("| the same, last round only (round %d: %s signed calls through the gateway in its last %s) | %.0f/s at best, with %d senders; p50 / p99 %s / %s | %s |\n",
				n, thousands(l.recentSigned), minutes(replayWindow), l.rate(), last.senders, ms(l.p50), ms(l.p99), verdict)
		}
		refused := int64(0)
		for _, t := range r.throughput {
			for _, l := range append(append([]loadResult{}, t.gateway...), t.direct...) {
				refused += l.failed
			}
		}
		p("| no send refused | %d refused over all measured rounds | %s |\n", refused, map[bool]string{true: "met", false: "**not met**"}[refused == 0])
	}
	if bl := r.backlog; bl != nil {
		d := bl.drain
		p("| %s-document backlog drained through the gateway | %s (%.0f documents/s) | every document once, byte for byte: %s |\n",
			thousands(bl.n), secs(d.elapsed), d.rate(), yesNo(d.complete(bl.send.ok) && bl.send.ok == bl.n))
		p("| memory with the backlog | %s holding it idle; %s peak during the drain | measured |\n", mib(bl.idleKB), mib(d.peakRSSKB))
	}
	p("\n")
}

func (r report) renderThroughput(p func(string, ...any)) {
	if len(r.throughput) == 0 {
		return
	}
	p("### Throughput: documents accepted per second\n\n")
	p("| senders | gateway: accepted/s | each round | signed calls in the %s before each round's end | p50 / p99 | refused | CPU child / bench / other | reference: accepted/s | each round | p50 / p99 | refused | CPU child / bench / other | gateway / reference | each round |\n", minutes(replayWindow))
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range r.throughput {
		g, d := median(t.gateway), median(t.direct)
		ratio := 0.0
		if d.rate() > 0 {
			ratio = g.rate() / d.rate()
		}
		p("| %d | **%.0f** | %s | %s | %s / %s | %d | %s | %.0f | %s | %s / %s | %d | %s | **%.2f×** | %s |\n",
			t.senders, g.rate(), rateList(t.gateway), signedList(t.gateway), ms(g.p50), ms(g.p99), g.failed, g.cpu,
			d.rate(), rateList(t.direct), ms(d.p50), ms(d.p99), d.failed, d.cpu, ratio, floatList(t.ratios()))
	}
	p("\nCPU is in cores of the %d, averaged over the median round: the platform child, the load generator (this benchmark, same machine), and every other process.\n", r.intro.Machine.CPUs)
	for _, t := range r.throughput {
		for _, path := range []struct {
			name   string
			rounds []loadResult
		}{{"gateway", t.gateway}, {"reference", t.direct}} {
			for i, l := range path.rounds {
				if l.failed > 0 {
					p("\nRefused (%s, %d senders, round %d): %s\n", path.name, t.senders, i+1, failures.Summary(l.errors))
				}
			}
		}
	}
	p("\n")
}

func (r report) renderBacklog(p func(string, ...any)) {
	bl := r.backlog
	if bl == nil {
		return
	}
	d := bl.drain
	p("### Offline recipient: %s documents\n\n", thousands(bl.n))
	p("| | |\n|---|---|\n")
	p("| send, through the gateway, %d senders, H41 → H14 | %s accepted in %s (%.0f/s), p50 / p99 %s / %s, %d refused, %d DocIds answered twice |\n",
		bl.send.senders, thousands(bl.send.ok), secs(bl.send.elapsed), bl.send.rate(), ms(bl.send.p50), ms(bl.send.p99), bl.send.failed, bl.sentTwice)
	p("| CPU while sending: child / bench / other | %s cores |\n", bl.send.cpu)
	p("| child RSS peak up to the end of the send (`VmHWM`) | %s |\n", mib(bl.sendPeakKB))
	settled := "idle"
	if !bl.settled {
		settled = "still busy, measured anyway"
	}
	p("| child idle after the last send | %s (%s), then held idle %s |\n", secs(bl.settle), settled, secs(backlogHold))
	p("| **child RSS holding the backlog idle** (`VmRSS`) | %s after %s, **%s** after %s; then Go heap in use %s, free heap not yet returned to the system %s, Go runtime total %s |\n",
		mib(bl.idleEarlyKB), secs(backlogHoldEarly), mib(bl.idleKB), secs(backlogHold), mibBytes(bl.idleGo.heapInuse), mibBytes(bl.idleGo.heapRetained), mibBytes(bl.idleGo.sys))
	perDoc := "?"
	if bl.send.ok > 0 {
		perDoc = strconv.FormatFloat(float64(bl.disk.total)/float64(bl.send.ok)/1024, 'f', 1, 64) + " KiB"
	}
	p("| data directory with the backlog | %s (%s a document): SQLite %s, NATS store %s |\n", mibBytes(bl.disk.total), perDoc, mibBytes(bl.disk.sqlite), mibBytes(bl.disk.nats))
	p("| **drain**, through the gateway, 1 lister + %d workers | **%s** for %s documents (**%.0f/s**) |\n", d.workers, secs(d.elapsed), thousands(d.drained), d.rate())
	calls := 0.0
	if d.elapsed > 0 {
		calls = float64(d.lists+d.gets+d.updates) / d.elapsed.Seconds()
	}
	p("| calls | %s getReceivedEdocList, %s getEdoc, %s updateStatus (%.0f signed calls/s); %d failed (left pending, listed again) |\n",
		thousands(d.lists), thousands(d.gets), thousands(d.updates), calls, d.failed)
	p("| getReceivedEdocList | first, with the whole backlog pending: %s; p50 %s, slowest %s |\n", ms(d.listFirst), ms(d.listP50), ms(d.listMax))
	p("| per document, getEdoc + updateStatus | p50 %s, p99 %s |\n", ms(d.docP50), ms(d.docP99))
	p("| delivered | %s distinct DocIds of %s sent; %d twice, %d unknown, %d altered, %d missing; %d left in the inbox — complete: %s |\n",
		thousands(d.drained), thousands(bl.send.ok), d.twice, d.unknown, d.mismatched, d.missing, d.leftInInbox, yesNo(d.complete(bl.send.ok)))
	p("| CPU during the drain: child / bench / other | %s cores |\n", d.cpu)
	p("| **child RSS peak during the drain** | **%s** |\n", mib(d.peakRSSKB))
	p("| child RSS right after the drain | %s |\n", mib(bl.afterKB))
	p("| data directory after the drain | %s: SQLite %s, NATS store %s |\n", mibBytes(bl.after.total), mibBytes(bl.after.sqlite), mibBytes(bl.after.nats))
	if bl.send.failed > 0 {
		p("\nRefused sends: %s\n", failures.Summary(bl.send.errors))
	}
	if d.failed > 0 {
		p("\nFailed drain calls: %s\n", failures.Summary(d.errors))
	}
	p("\n")
}
