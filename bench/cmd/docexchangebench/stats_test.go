package main

import (
	"testing"
	"time"
)

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
