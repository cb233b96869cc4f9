package latency

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var s Set
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}, {0.0001, time.Millisecond}} {
		if got := s.Percentile(c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := (Set{7 * time.Second}).Percentile(99); got != 7*time.Second {
		t.Errorf("one value: %v", got)
	}
	if got := (Set{}).Percentile(50); got != 0 {
		t.Errorf("empty: %v", got)
	}
	// Nearest rank: of 3 values the median is the second, p99 the third.
	three := Set{3, 1, 2}
	if three.Percentile(50) != 2 || three.Percentile(99) != 3 {
		t.Errorf("three values: %v %v", three.Percentile(50), three.Percentile(99))
	}
	// Negative lags sort before positive ones.
	lags := Set{3 * time.Millisecond, -2 * time.Millisecond, time.Millisecond}
	if lags.Percentile(0.0001) != -2*time.Millisecond || lags.Percentile(50) != time.Millisecond {
		t.Errorf("signed: %v", lags)
	}
}
