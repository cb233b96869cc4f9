package latency

import (
	"slices"
	"time"
)

// Set is a set of measured durations. They may be negative: a sync lag is
// when a change arrived minus when its caller had the answer.
type Set []time.Duration

// Percentile returns the p-th percentile (0 < p ≤ 100) by the nearest-rank
// method: the smallest value with at least p% of the values at or below
// it. It sorts s in place; an empty set gives 0.
func (s Set) Percentile(p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	rank := int(p/100*float64(len(s))+0.999999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}
