package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/bench/internal/benchdoc"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// runKey is one scenario at one number of clients.
type runKey struct {
	key     string
	clients int
}

// report is everything one run measured, rendered into the section.
type report struct {
	settings settings
	intro    benchdoc.Intro
	// runs are the rounds of each scenario, in order.
	runs   map[runKey][]loadResult
	titles map[string]string
	// enterprises and citizens are how many identifiers the load spread
	// its calls over.
	enterprises, citizens int
	// tokensAtStart is the token requests the second child's simulator
	// had received before the first burst.
	tokensAtStart int64
	bursts        []burstResult
}

// pair is a typed scenario and the proxied one it is compared with.
type pair struct{ typed, proxied, what string }

var pairs = []pair{
	{keyTypedCached, keyProxied, "enterprise, business cache on (one code: hits)"},
	{keyTypedUncached, keyProxied2, "enterprise, business cache off (every call to the simulator)"},
	{keyCitizen, keyCitizenProxy, "citizen with a purpose (not cached, access log written)"},
}

// order is the scenarios as the tables list them.
var order = []string{keyTypedCached, keyProxied, keyDirect, keyCitizen, keyCitizenProxy, keyTypedUncached, keyProxied2}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// signedMS is a latency difference, with its sign.
func signedMS(d time.Duration) string {
	if d < 0 {
		return "−" + ms(-d)
	}
	return "+" + ms(d)
}

// medianIndex is the index of the median of vs (the lower of the two
// middle values when their number is even); -1 for none.
func medianIndex(vs []float64) int {
	if len(vs) == 0 {
		return -1
	}
	idx := make([]int, len(vs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case vs[a] < vs[b]:
			return -1
		case vs[a] > vs[b]:
			return 1
		}
		return 0
	})
	return idx[(len(vs)-1)/2]
}

// ratios is typed/proxied throughput per round.
func ratios(typed, proxied []loadResult) []float64 {
	n := min(len(typed), len(proxied))
	out := make([]float64, n)
	for i := range n {
		if proxied[i].rate() > 0 {
			out[i] = typed[i].rate() / proxied[i].rate()
		}
	}
	return out
}

// pick is the round reported of a scenario outside any pair: the one with
// the median throughput.
func pick(rs []loadResult) (loadResult, bool) {
	rates := make([]float64, len(rs))
	for i, r := range rs {
		rates[i] = r.rate()
	}
	i := medianIndex(rates)
	if i < 0 {
		return loadResult{}, false
	}
	return rs[i], true
}

// chosen is the round reported of each scenario at a number of clients:
// for a pair, the round with the median throughput ratio, both sides of
// it; otherwise the median throughput.
func (r report) chosen(clients int) map[string]loadResult {
	out := map[string]loadResult{}
	for _, p := range pairs {
		t, x := r.runs[runKey{p.typed, clients}], r.runs[runKey{p.proxied, clients}]
		if i := medianIndex(ratios(t, x)); i >= 0 {
			out[p.typed], out[p.proxied] = t[i], x[i]
		}
	}
	for _, k := range order {
		if _, ok := out[k]; ok {
			continue
		}
		if res, ok := pick(r.runs[runKey{k, clients}]); ok {
			out[k] = res
		}
	}
	return out
}

// failedAll counts a scenario's failures over every round.
func (r report) failedAll(k runKey) int64 {
	var n int64
	for _, res := range r.runs[k] {
		n += res.failed
	}
	return n
}

func (r report) render() string {
	s := r.settings
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	b.WriteString(r.intro.String())
	p("The load generator and `lgsp dev` share the same cores; the NGSP simulator runs inside `lgsp dev`, so the CPU of the platform and of the simulator is one figure.\n\n")

	p("### Configuration: what ships\n\n")
	p("- `bin/lgsp dev` as `make build` ships it, in a child process on random loopback ports, with its data in a new temporary directory: the registry, the gateway, the adapters service, the simulators (the NGSP simulator among them, as a server of its own in the same process) and an embedded NATS JetStream server; SQLite (WAL) for every service;\n")
	p("- the adapters service with its defaults (`adapters.DefaultConfig`): one NGSP token shared by every call and renewed by one request whoever waits for it, reads retried twice after a temporary failure, a circuit breaker, business records cached 10 minutes (`LGSP_ADAPTERS_CACHE_BUSINESS`), personal data not cached; each personal lookup writes its access-log entry (keyed hash of the person, chained, SQLite, concurrent entries committed together) before its answer leaves; the demo's API key of the department %s, through the gateway's identity assertion to the adapters' REST face on the admin listener;\n", registry.AdaptersDemoAgency.Code)
	p("- the gateway as it ships: API key or JWT check, subscription, tier rate limit, metering, access log; for the proxied APIs, OAuth2 client credentials to the simulator's `/token` (the gateway's own upstream token). The demo tier (20 requests/s) is lifted through the admin API (`PATCH /admin/v1/tiers/Demo`) to %d requests/s with a burst of %d and no monthly quota: still checked on every call, never refusing at these rates;\n", liftedRate, liftedBurst)
	p("- the NGSP simulator with no fault injected; it writes one log line per personal-data lookup (who, why, the person masked), as its documentation says, to `lgsp dev`'s log file.\n\n")

	p("### Method\n\n")
	p("Scenarios, all `GET` on loopback:\n\n")
	p("- **a1** typed: `<gateway>/ngsp-business/v1/enterprises/{code}` with `apikey`, always the same code (the demo enterprise): the first call fills the business cache, every later call is answered from it and never reaches the simulator;\n")
	p("- **b** proxied: `<gateway>/apiCSDLDKDN/1.0/chiTietDoanhNghiep?msdn={code}`, the demo's business-registration API, with the demo application's OAuth2 token (`lgsp-demo-client`, client credentials at the gateway's `/token`); the gateway adds its own token to the simulator; %d codes;\n", r.enterprises)
	p("- **c** the simulator directly: `<simulator>/apiCSDLDKDN/1.0/chiTietDoanhNghiep?msdn={code}` with a simulator token, the floor; %d codes;\n", r.enterprises)
	p("- **d** typed citizen: `<gateway>/ngsp-population/v1/citizens/{id}?legalBasis=…&caseRef=…` with `apikey`: the adapter checks the purpose, sends `maDonVi`, `maCanBo` and `mucDich` to the simulator, writes the access-log entry, then answers; %d citizens;\n", r.citizens)
	p("- **e** proxied citizen: `<gateway>/apiCSDLDC/1.0/congDan?soDinhDanh={id}` with headers `maDonVi`, `maCanBo`, `mucDich` and the demo application's token. The demo has no proxied population API: the benchmark registers one through the admin REST API (`POST /admin/v1/apis`, upstream `<simulator>/apiCSDLDC/1.0`, OAuth2 client credentials to the simulator as the demo's business API has), publishes it and subscribes the demo application, approved;\n")
	p("- **a2** and **b2**: a and b again on a second `lgsp dev`, started with `LGSP_ADAPTERS_CACHE_BUSINESS=0`, with the %d codes: every typed call reaches the simulator, the honest cost of the adapter on a business lookup. a1 measures what a department sees when it asks for the same enterprises again within 10 minutes.\n\n", r.enterprises)
	p("The codes are every enterprise a search of the simulator finds (`timKiemDoanhNghiep?ten=công ty`) that it answers in full; the citizens are those `/_sim/demo` names that it answers in full (the simulator holds a dozen and lists no more; the incomplete records, answered with errorCode 200, are left out on both paths). Call *i* of client *k* of *n* takes identifier (k + i·n) mod count.\n\n")
	p("For each number of clients (%s), each scenario runs %d rounds, interleaved (a1, b, c, d, e, a1, b, …; on the second child a2, b2, a2, …), each a closed loop of %s warm-up then %s measured. A call counts when it answers HTTP 200 (and, for the NGSP envelope, errorCode \"0\"); req/s counts the answers of the measured period; p50/p99 by nearest rank from the call to its last byte read. CPU is cores used over the measured period by `lgsp dev` (gateway, adapter and simulator), by the benchmark and by anything else. *Simulator calls per call* is the count of the scenario's simulator path in `/_sim/stats` over the run divided by the calls made (warm-up included): 0 for cache hits, 1 when every call reaches NGSP. For each pair the round with the median throughput ratio is reported (both sides of it), and the ratio of every round is listed; c is its median round.\n\n",
		joinInts(s.clients), s.rounds, secsOf(s.warmup), secsOf(s.duration))

	r.renderPairs(p)
	r.renderScenarios(p)
	r.renderBursts(p)
	return b.String()
}

func (r report) renderPairs(p func(string, ...any)) {
	p("### Typed against proxied: the adapter's overhead\n\n")
	p("| lookup | clients | typed req/s | typed p50 / p99 | proxied req/s | proxied p50 / p99 | **typed / proxied throughput** | ratio per round | p50 added | p99 added |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, pr := range pairs {
		for _, c := range r.settings.clients {
			ch := r.chosen(c)
			t, tok := ch[pr.typed]
			x, xok := ch[pr.proxied]
			if !tok || !xok {
				continue
			}
			ratio := 0.0
			if x.rate() > 0 {
				ratio = t.rate() / x.rate()
			}
			var per []string
			for _, v := range ratios(r.runs[runKey{pr.typed, c}], r.runs[runKey{pr.proxied, c}]) {
				per = append(per, fmt.Sprintf("%.2f", v))
			}
			p("| %s (%s vs %s) | %d | %.0f | %s / %s | %.0f | %s / %s | **%.2f×** | %s | %s | %s |\n",
				pr.what, pr.typed, pr.proxied, c, t.rate(), ms(t.p50), ms(t.p99), x.rate(), ms(x.p50), ms(x.p99), ratio,
				strings.Join(per, " "), signedMS(t.p50-x.p50), signedMS(t.p99-x.p99))
		}
	}
	p("\nThe floor, the simulator called directly (c):\n\n| clients | req/s | p50 / p99 | proxied (b) / direct throughput |\n|---:|---:|---:|---:|\n")
	for _, c := range r.settings.clients {
		ch := r.chosen(c)
		d, ok := ch[keyDirect]
		if !ok {
			continue
		}
		gw := "–"
		if b, ok := ch[keyProxied]; ok && d.rate() > 0 {
			gw = fmt.Sprintf("%.2f×", b.rate()/d.rate())
		}
		p("| %d | %.0f | %s / %s | %s |\n", c, d.rate(), ms(d.p50), ms(d.p99), gw)
	}
	p("\n")
}

func (r report) renderScenarios(p func(string, ...any)) {
	p("### Every scenario\n\n")
	p("| scenario | clients | req/s | p50 / p99 | failed (all rounds) | CPU lgsp dev / benchmark / other | simulator calls per call | req/s per round |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	var failed []string
	for _, k := range order {
		for _, c := range r.settings.clients {
			rk := runKey{k, c}
			res, ok := r.chosen(c)[k]
			if !ok {
				continue
			}
			var per []string
			for _, x := range r.runs[rk] {
				per = append(per, fmt.Sprintf("%.0f", x.rate()))
			}
			p("| **%s** %s | %d | %.0f | %s / %s | %d | %s | %.2f | %s |\n",
				k, r.titles[k], c, res.rate(), ms(res.p50), ms(res.p99), r.failedAll(rk), res.cpu, res.perCall(), strings.Join(per, " "))
			for i, x := range r.runs[rk] {
				if x.failed > 0 {
					failed = append(failed, fmt.Sprintf("%s, %d clients, round %d: %s", k, c, i+1, failures.Summary(x.errors)))
				}
			}
		}
	}
	p("\n")
	if len(failed) > 0 {
		p("Failed calls (there should be none):\n\n")
		for _, f := range failed {
			p("- %s\n", f)
		}
		p("\n")
	}
}

func (r report) renderBursts(p func(string, ...any)) {
	if len(r.bursts) == 0 {
		return
	}
	p("### Token refresh under %d concurrent callers\n\n", r.bursts[0].callers)
	p("On the second `lgsp dev`, freshly started: the adapters service reads the shared catalogs at start, which fetched its NGSP token (%d token request(s) at the simulator before the first burst). Then %d typed citizen lookups (scenario d) are released at once, twice: as started, and after `DELETE /_sim/tokens` revoked every token the simulator had issued, so that the adapter's token is refused (401) and each caller must wait for a new one. Token requests are the simulator's `/token` count in `/_sim/stats` before and after each burst.\n\n",
		r.tokensAtStart, r.bursts[0].callers)
	p("| burst | callers | answered 200 | **token requests** | lookups at the simulator | refused 401 there | all answered in | p50 / max |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, b := range r.bursts {
		name := b.name
		if b.revoked > 0 {
			name += fmt.Sprintf(", %d token(s) revoked", b.revoked)
		}
		p("| %s | %d | %d | **%d** | %d | %d | %s | %s / %s |\n", name, b.callers, b.ok, b.tokens, b.reached, b.rejected, ms(b.wall), ms(b.p50), ms(b.max))
	}
	p("\n")
	for _, b := range r.bursts {
		if len(b.errors) > 0 {
			p("Failed (%s): %s\n\n", b.name, failures.Summary(b.errors))
		}
	}
}

func joinInts(xs []int) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, ", ")
}

func secsOf(d time.Duration) string { return fmt.Sprintf("%g s", d.Seconds()) }
