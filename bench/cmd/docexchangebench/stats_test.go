package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var l latencies
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := l.percentile(c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := (latencies{7 * time.Second}).percentile(99); got != 7*time.Second {
		t.Errorf("one value: %v", got)
	}
	if got := (latencies{}).percentile(50); got != 0 {
		t.Errorf("empty: %v", got)
	}
	// Nearest rank: of 3 values the median is the second, p99 the third.
	three := latencies{3, 1, 2}
	if three.percentile(50) != 2 || three.percentile(99) != 3 {
		t.Errorf("three values: %v %v", three.percentile(50), three.percentile(99))
	}
}

func TestMedianIndex(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want int
	}{{nil, -1}, {[]float64{5}, 0}, {[]float64{3, 1, 2}, 2}, {[]float64{900, 1000, 800}, 0}, {[]float64{4, 1, 3, 2}, 3}} {
		if got := medianIndex(c.in); got != c.want {
			t.Errorf("medianIndex(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestParseCPUTime(t *testing.T) {
	// utime 250 and stime 50 ticks: 3 s. The name holds a space and a ')'.
	stat := "1234 (lgsp dev) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 1000 200 18446744073709551615"
	if got := parseCPUTime(stat); got != 3*time.Second {
		t.Fatalf("parseCPUTime = %v, want 3s", got)
	}
	if got := parseCPUTime("garbage"); got != 0 {
		t.Fatalf("garbage: %v", got)
	}
}

func TestParseMachineBusy(t *testing.T) {
	// user 100, nice 10, system 50, idle 9000, iowait 300, irq 5, softirq 15, steal 20: 200 ticks busy.
	if got := parseMachineBusy("cpu  100 10 50 9000 300 5 15 20 0 0"); got != 2*time.Second {
		t.Fatalf("parseMachineBusy = %v, want 2s", got)
	}
	if got := parseMachineBusy("cpu0 1 2 3"); got != 0 {
		t.Fatalf("short line: %v", got)
	}
}

func TestParseGoMemory(t *testing.T) {
	page := `# HELP go_memstats_heap_inuse_bytes Number of heap bytes that are in use.
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 6.5757184e+07
go_memstats_heap_idle_bytes 2.5174016e+07
go_memstats_heap_released_bytes 9.13408e+06
go_memstats_sys_bytes 9.8285864e+07
process_resident_memory_bytes 1.09473792e+08
`
	got := parseGoMemory(page)
	want := goMemory{heapInuse: 65757184, heapRetained: 25174016 - 9134080, sys: 98285864}
	if got != want {
		t.Fatalf("parseGoMemory = %+v, want %+v", got, want)
	}
}

func TestCallsWithin(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	runs := []loadResult{
		{start: t0, elapsed: 100 * time.Second, ok: 1000},                                    // 10 a second
		{start: t0.Add(200 * time.Second), elapsed: 100 * time.Second, ok: 900, failed: 100}, // 10 a second
	}
	for _, c := range []struct {
		at     time.Time
		window time.Duration
		want   int64
	}{
		{t0.Add(300 * time.Second), 5 * time.Minute, 2000}, // both whole
		{t0.Add(350 * time.Second), 5 * time.Minute, 1500}, // the first from 50 s on
		{t0.Add(250 * time.Second), time.Minute, 500},      // half the second
		{t0.Add(150 * time.Second), 10 * time.Second, 0},   // between the runs
		{t0.Add(1000 * time.Second), 5 * time.Minute, 0},   // long after
	} {
		if got := callsWithin(runs, c.at, c.window); got != c.want {
			t.Errorf("callsWithin(at %s, %s) = %d, want %d", c.at.Sub(t0), c.window, got, c.want)
		}
	}
}
