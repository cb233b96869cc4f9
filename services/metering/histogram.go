package metering

import (
	"math"
	"sort"
)

// Latency histogram.
//
// Latencies are counted in histBuckets log-spaced buckets, three per
// doubling: bucket 0 holds [0, 100 µs), bucket i (1..58) holds
// [100·2^((i-1)/3), 100·2^(i/3)) µs, and bucket 59 everything from about
// 66 s up. Histograms merge by adding counts, so SQL can sum them column by
// column over any set of rollup rows.
//
// A quantile is answered from the bucket holding the item of rank
// ceil(q·n): for a bucket [lo, hi) the estimate is 2·lo·hi/(lo+hi), whose
// relative distance to any value in the bucket is at most (r-1)/(r+1) with
// r = 2^(1/3), i.e. 11.5%. Below 100 µs the answer is 100 µs and above the
// last bound it is that bound (66,056,149 µs).
const (
	histBuckets     = 60
	histMinUS       = 100
	histPerDoubling = 3
)

// HistErrorBound is the largest relative error of a latency quantile
// between 100 µs and 66 s.
var HistErrorBound = func() float64 {
	r := math.Exp2(1.0 / histPerDoubling)
	return (r - 1) / (r + 1)
}()

// histLower[i] is the lower bound of bucket i in microseconds.
var histLower = func() (b [histBuckets]float64) {
	for i := 1; i < histBuckets; i++ {
		b[i] = histMinUS * math.Exp2(float64(i-1)/histPerDoubling)
	}
	return b
}()

// hist counts latencies per bucket.
type hist [histBuckets]int64

// bucketOf returns the bucket of a latency in microseconds.
func bucketOf(us int64) int {
	if us < histMinUS {
		return 0
	}
	v := float64(us)
	// Searching the bounds keeps the bucket consistent with histLower,
	// which a computed logarithm would not be at the edges.
	return sort.Search(histBuckets, func(i int) bool { return histLower[i] > v }) - 1
}

func (h *hist) add(us int64) { h[bucketOf(us)]++ }

func (h *hist) merge(o *hist) {
	for i := range h {
		h[i] += o[i]
	}
}

func (h *hist) total() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// quantile returns the estimated q-quantile (0 < q <= 1) in microseconds,
// or 0 for an empty histogram.
func (h *hist) quantile(q float64) int64 {
	n := h.total()
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	var seen int64
	for i, c := range h {
		seen += c
		if seen >= rank {
			return bucketEstimate(i)
		}
	}
	return bucketEstimate(histBuckets - 1)
}

// bucketEstimate is the value reported for any item in bucket i.
func bucketEstimate(i int) int64 {
	switch {
	case i <= 0:
		return histMinUS
	case i >= histBuckets-1:
		return int64(math.Round(histLower[histBuckets-1]))
	}
	lo, hi := histLower[i], histLower[i+1]
	return int64(math.Round(2 * lo * hi / (lo + hi)))
}
