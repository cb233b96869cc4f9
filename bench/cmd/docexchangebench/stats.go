package main

import (
	"slices"
	"time"
)

// latencies is a set of measured durations.
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

// medianIndex returns the index of the median of values (the lower middle
// for an even count) without reordering values; -1 when empty.
func medianIndex(values []float64) int {
	if len(values) == 0 {
		return -1
	}
	idx := make([]int, len(values))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case values[a] < values[b]:
			return -1
		case values[a] > values[b]:
			return 1
		}
		return 0
	})
	return idx[(len(idx)-1)/2]
}
