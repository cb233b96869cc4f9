package main

import (
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/bench/internal/benchdoc"
	"github.com/lgsp-vn/lgsp/bench/internal/cpuuse"
	"github.com/lgsp-vn/lgsp/bench/internal/host"
)

func round(ok int64, p50, p99 time.Duration) loadResult {
	return loadResult{senders: 16, ok: ok, elapsed: 10 * time.Second, p50: p50, p99: p99, cpu: cpuuse.Use{Child: 1.5, Own: 0.4, Other: 0.05}}
}

func sampleReport() report {
	r := report{
		settings: settings{warmup: 5 * time.Second, duration: 10 * time.Second, rounds: 3, backlog: 100_000, drainWorkers: 16},
		intro: benchdoc.Intro{
			Title: "Document exchange benchmark", Command: "docexchangebench", Target: "bench-docexchange",
			CommandLine: "bin/docexchangebench -out docs/BENCHMARKS.md", Started: time.Date(2026, 11, 30, 4, 5, 0, 0, time.UTC),
			Machine:    host.Machine{CPUs: 2, CPUModel: "Test CPU", Memory: "8.0 GiB", Kernel: "Linux 6.1", GoVersion: "go1.26", LGSP: "lgsp test"},
			LoadBefore: "0.10 0.20 0.30", LoadAfter: "1.90 1.50 0.90",
		},
		packageSize: 10240,
		throughput: []throughputRun{
			{senders: 16,
				gateway: []loadResult{round(6000, 20*time.Millisecond, 60*time.Millisecond), round(6500, 19*time.Millisecond, 55*time.Millisecond), round(5000, 25*time.Millisecond, 90*time.Millisecond)},
				direct:  []loadResult{round(9000, 15*time.Millisecond, 40*time.Millisecond), round(10000, 14*time.Millisecond, 35*time.Millisecond), round(9500, 14*time.Millisecond, 38*time.Millisecond)}},
			{senders: 32,
				gateway: []loadResult{round(7000, 40*time.Millisecond, 120*time.Millisecond), round(7200, 39*time.Millisecond, 110*time.Millisecond), round(6900, 41*time.Millisecond, 130*time.Millisecond)},
				direct:  []loadResult{round(9900, 30*time.Millisecond, 80*time.Millisecond), round(9800, 31*time.Millisecond, 85*time.Millisecond), round(9700, 32*time.Millisecond, 90*time.Millisecond)}},
		},
		backlog: &backlogResult{
			n: 100_000, packageSize: 10240, send: loadResult{senders: 32, ok: 100_000, elapsed: 150 * time.Second, p50: 40 * time.Millisecond, p99: 120 * time.Millisecond},
			sendPeakKB: 300 << 10, settle: 4 * time.Second, settled: true, idleEarlyKB: 250 << 10, idleKB: 200 << 10,
			idleGo: goMemory{heapInuse: 100 << 20, heapRetained: 50 << 20, sys: 260 << 20}, afterKB: 340 << 10,
			disk: diskUsage{total: 1500 << 20, sqlite: 200 << 20, nats: 1300 << 20},
			drain: drainResult{workers: 16, elapsed: 400 * time.Second, drained: 100_000, lists: 101, gets: 100_000, updates: 100_000,
				listFirst: 900 * time.Millisecond, listP50: 300 * time.Millisecond, listMax: time.Second, peakRSSKB: 350 << 10},
			after: diskUsage{total: 1600 << 20, sqlite: 300 << 20, nats: 1300 << 20},
		},
	}
	for i, t := range r.throughput {
		for j := range t.gateway {
			t.gateway[j].recentSigned = int64(40_000 * (j + 1) * (i + 1))
		}
	}
	return r
}

func TestReportStatesTheTargetPlainly(t *testing.T) {
	out := sampleReport().render()
	// 32 senders: median 7000 in 10 s = 700/s, the best; 70% of 1,000.
	for _, want := range []string{
		"## Document exchange benchmark",
		"`bin/docexchangebench -out docs/BENCHMARKS.md`",
		"| CPU model | Test CPU |",
		"| ≥ 1,000 documents/s accepted through the gateway (10 KiB, 2 recipients, durable) | **700/s** with 32 senders (median of 3 rounds) | **not met**: 70% of the target, 300 documents/s short |",
		"| accept latency at that load, p50 / p99 | 40.0 ms / 120 ms |",
		"| no send refused | 0 refused over all measured rounds | met |",
		"| the same, last round only (round 3: 240,000 signed calls through the gateway in its last 5 minutes) | 690/s at best, with 32 senders; p50 / p99 41.0 ms / 130 ms | **not met**: 69% of the target |",
		"| **child RSS holding the backlog idle** (`VmRSS`) | 250 MiB after 10.0 s, **200 MiB** after 60.0 s; then Go heap in use 100 MiB, free heap not yet returned to the system 50 MiB, Go runtime total 260 MiB |",
		"| 100,000-document backlog drained through the gateway | 400.0 s (250 documents/s) | every document once, byte for byte: yes |",
		"| memory with the backlog | 200 MiB holding it idle; 350 MiB peak during the drain |",
		// 16 senders: median rounds 600/s and 950/s.
		"| 16 | **600** | 600 · 650 · 500 | 40,000 · 80,000 · 120,000 | 20.0 ms / 60.0 ms | 0 | 1.50 / 0.40 / 0.05 | 950 | 900 · 1000 · 950 | 14.0 ms / 38.0 ms | 0 | 1.50 / 0.40 / 0.05 | **0.63×** | 0.67 · 0.65 · 0.53 |",
		"| data directory with the backlog | 1500 MiB (15.4 KiB a document): SQLite 200 MiB, NATS store 1300 MiB |",
		"| calls | 101 getReceivedEdocList, 100,000 getEdoc, 100,000 updateStatus (500 signed calls/s); 0 failed (left pending, listed again) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

func TestReportMetAndIncomplete(t *testing.T) {
	r := sampleReport()
	// 32 senders: 1,200/s in the first two rounds, 690/s in the last.
	r.throughput[1].gateway[0].ok = 12_000
	r.throughput[1].gateway[1].ok = 12_000
	r.throughput[0].direct[1].failed = 2
	r.throughput[0].direct[1].errors = map[string]int64{"vdxp sendEdoc: 20 (HTTP 503): unavailable": 2}
	r.backlog.drain.missing = 1
	r.backlog.drain.drained = 99_999
	out := r.render()
	for _, want := range []string{"**1200/s** with 32 senders", "met by the median round, 1.20× the target, but **not sustained** (next rows)", "every document once, byte for byte: **no**", "complete: **no**",
		"| no send refused | 2 refused over all measured rounds | **not met** |",
		"Refused (reference, 16 senders, round 2): vdxp sendEdoc: 20 (HTTP 503): unavailable ×2"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Sustained: the last round meets it too.
	for i := range r.throughput {
		for j := range r.throughput[i].gateway {
			r.throughput[i].gateway[j].ok = 12_000
		}
	}
	if out := r.render(); !strings.Contains(out, "| met, 1.20× the target |") || !strings.Contains(out, "1200/s at best, with 16 senders; p50 / p99 25.0 ms / 90.0 ms | met |") {
		t.Errorf("sustained:\n%s", out)
	}
	// Without a backlog or throughput part, the other still renders.
	r.backlog = nil
	if out := r.render(); strings.Contains(out, "Offline recipient") || !strings.Contains(out, "Throughput") {
		t.Errorf("throughput only:\n%s", out)
	}
	r = sampleReport()
	r.throughput = nil
	if out := r.render(); strings.Contains(out, "### Throughput") || !strings.Contains(out, "Offline recipient") {
		t.Errorf("backlog only:\n%s", out)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
