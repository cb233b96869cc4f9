package main

import (
	"slices"
	"time"
)

// latencies is a set of measured durations (sync lags may be negative).
type latencies []time.Duration

// percentile returns the p-th percentile (0 < p ≤ 100) by the nearest-rank
// method: the smallest value with at least p% of the values at or below
// it. It sorts l in place; an empty set gives 0.
func (l latencies) percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	slices.Sort(l)
	rank := int(p/100*float64(len(l))+0.999999999) - 1
	return l[min(max(rank, 0), len(l)-1)]
}
