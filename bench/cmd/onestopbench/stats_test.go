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
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.0001, time.Millisecond}} {
		if got := l.percentile(c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := (latencies{}).percentile(50); got != 0 {
		t.Errorf("empty: %v", got)
	}
	// Negative lags sort before positive ones.
	lags := latencies{3 * time.Millisecond, -2 * time.Millisecond, time.Millisecond}
	if lags.percentile(0.0001) != -2*time.Millisecond || lags.percentile(50) != time.Millisecond {
		t.Errorf("signed: %v", lags)
	}
}
