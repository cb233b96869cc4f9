package logging

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := &Limiter{PerSecond: 3, Now: func() time.Time { return now }}
	written := 0
	for range 10 {
		if ok, _ := l.Allow(); ok {
			written++
		}
	}
	if written != 3 {
		t.Fatalf("wrote %d lines in one second, want 3", written)
	}
	now = now.Add(time.Second)
	ok, suppressed := l.Allow()
	if !ok || suppressed != 7 {
		t.Fatalf("next second: ok=%v suppressed=%d, want the 7 left out reported", ok, suppressed)
	}
	if _, suppressed := l.Allow(); suppressed != 0 {
		t.Fatalf("suppressed reported twice: %d", suppressed)
	}
}
