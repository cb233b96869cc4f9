package simkit

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWaitEndsWithTheRequestOrTheSimulator(t *testing.T) {
	if err := Wait(context.Background(), nil, 0); err != nil {
		t.Fatalf("no delay: %v", err)
	}
	if err := Wait(context.Background(), nil, time.Millisecond); err != nil {
		t.Fatalf("short delay: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Wait(ctx, nil, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("request gone: %v, want context.Canceled", err)
	}
	quit := make(chan struct{})
	close(quit)
	if err := Wait(context.Background(), quit, time.Hour); !errors.Is(err, ErrStopped) {
		t.Fatalf("simulator stopped: %v, want ErrStopped", err)
	}
}

func TestNewRandIsReproducibleUnderASeed(t *testing.T) {
	a, b := NewRand(42), NewRand(42)
	for range 8 {
		if x, y := a.Uint64(), b.Uint64(); x != y {
			t.Fatalf("same seed, different draws: %d, %d", x, y)
		}
	}
	if NewRand(0).Uint64() == NewRand(0).Uint64() {
		t.Fatal("two unseeded sources drew the same first number")
	}
}

func TestBadKnobNamesTheKnob(t *testing.T) {
	var err error = BadKnob("jitter", "%v: must be between 0 and %v", -time.Second, 5*time.Minute)
	var ke *KnobError
	if !errors.As(err, &ke) || ke.Knob != "jitter" || err.Error() != "jitter -1s: must be between 0 and 5m0s" {
		t.Fatalf("got %v (%#v)", err, ke)
	}
}
