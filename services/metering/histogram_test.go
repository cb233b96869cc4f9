package metering

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketBoundaries(t *testing.T) {
	cases := []struct {
		us   int64
		want int
	}{
		{-5, 0}, {0, 0}, {99, 0}, {100, 1}, {125, 1}, {126, 2}, {199, 3}, {200, 4},
		{1_000_000, 40}, // 10^6 µs = 100·2^13.29 µs: floor(3·13.29)+1
		{66_056_148, histBuckets - 2}, {66_056_149, histBuckets - 1}, {math.MaxInt64, histBuckets - 1},
	}
	for _, c := range cases {
		if got := bucketOf(c.us); got != c.want {
			t.Errorf("bucketOf(%d) = %d, want %d", c.us, got, c.want)
		}
	}
	// Every bucket's bounds map back to it.
	for i := 1; i < histBuckets; i++ {
		lo := int64(math.Ceil(histLower[i]))
		if got := bucketOf(lo); got != i {
			t.Errorf("lower bound %d of bucket %d lands in %d", lo, i, got)
		}
		if i+1 < histBuckets {
			hi := int64(math.Ceil(histLower[i+1])) - 1
			if got := bucketOf(hi); got != i {
				t.Errorf("upper end %d of bucket %d lands in %d", hi, i, got)
			}
		}
	}
}

// TestQuantileErrorBound checks the documented bound on known
// distributions, including after merging histograms.
func TestQuantileErrorBound(t *testing.T) {
	if HistErrorBound > 0.116 || HistErrorBound < 0.114 {
		t.Fatalf("HistErrorBound = %v, documented as 11.5%%", HistErrorBound)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() int64{
		// Log-uniform between 200 µs and 20 s.
		"log-uniform": func() int64 { return int64(200 * math.Exp(rng.Float64()*math.Log(100000))) },
		// Typical API latencies: log-normal around 80 ms.
		"log-normal": func() int64 {
			v := math.Exp(math.Log(80000) + 0.8*rng.NormFloat64())
			return int64(min(max(v, 100), 60e6))
		},
		// Uniform 1..100 ms.
		"uniform": func() int64 { return 1000 + rng.Int64N(99000) },
		// Bimodal: cache hits at ~2 ms, upstream calls at ~1.5 s.
		"bimodal": func() int64 {
			if rng.IntN(10) < 7 {
				return 1500 + rng.Int64N(1000)
			}
			return 1_200_000 + rng.Int64N(600_000)
		},
	}
	for name, draw := range dists {
		t.Run(name, func(t *testing.T) {
			const n = 50_000
			vals := make([]int64, n)
			var parts [4]hist
			for i := range vals {
				vals[i] = draw()
				parts[i%4].add(vals[i])
			}
			var h hist
			for i := range parts {
				h.merge(&parts[i])
			}
			if h.total() != n {
				t.Fatalf("merged total %d, want %d", h.total(), n)
			}
			slices.Sort(vals)
			for _, q := range []float64{0.5, 0.9, 0.95, 0.99, 0.999, 1} {
				rank := int(math.Ceil(q * n))
				exact := float64(vals[rank-1])
				got := float64(h.quantile(q))
				if rel := math.Abs(got-exact) / exact; rel > HistErrorBound+1e-9 {
					t.Errorf("q=%v: estimate %v, exact %v: relative error %.4f > %.4f", q, got, exact, rel, HistErrorBound)
				}
			}
		})
	}
	var empty hist
	if empty.quantile(0.5) != 0 {
		t.Error("quantile of an empty histogram is not 0")
	}
	var tiny hist
	tiny.add(3)
	if got := tiny.quantile(0.99); got != histMinUS {
		t.Errorf("latency below 100µs answers %d, want %d", got, histMinUS)
	}
}

func TestCalendarBoundaries(t *testing.T) {
	cal, err := newCalendar("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	// 2025-12-31 23:30 in Hanoi is 16:30 UTC: local day Dec 31, local year 2025.
	late := time.Date(2025, 12, 31, 23, 30, 15, 0, hcm).UnixMilli()
	// 2026-01-01 00:30 in Hanoi is still 2025 in UTC.
	early := time.Date(2026, 1, 1, 0, 30, 0, 0, hcm).UnixMilli()
	if got := cal.year(late); got != 2025 {
		t.Errorf("year(late) = %d", got)
	}
	if got := cal.year(early); got != 2026 {
		t.Errorf("year(early) = %d", got)
	}
	if got, want := cal.day(early), time.Date(2026, 1, 1, 0, 0, 0, 0, hcm).UnixMilli(); got != want {
		t.Errorf("day(early) = %v, want %v", time.UnixMilli(got), time.UnixMilli(want))
	}
	if got, want := cal.month(late), time.Date(2025, 12, 1, 0, 0, 0, 0, hcm).UnixMilli(); got != want {
		t.Errorf("month(late) = %v, want %v", time.UnixMilli(got), time.UnixMilli(want))
	}
	if got, want := cal.nextMonth(late), time.Date(2026, 1, 1, 0, 0, 0, 0, hcm).UnixMilli(); got != want {
		t.Errorf("nextMonth(late) = %v, want %v", time.UnixMilli(got), time.UnixMilli(want))
	}
	if got, want := cal.minute(late), time.Date(2025, 12, 31, 23, 30, 0, 0, hcm).UnixMilli(); got != want {
		t.Errorf("minute(late) = %v", time.UnixMilli(got))
	}
	if got := cal.period(early); got != "2026-01" {
		t.Errorf("period(early) = %q", got)
	}
}
