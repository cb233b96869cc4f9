package simkit

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// KnobError names the fault knob that is out of range, so that a
// configuration error can name the knob's own setting.
type KnobError struct {
	Knob string // the knob's JSON name: latency, jitter …
	msg  string
}

func (e *KnobError) Error() string { return e.msg }

// BadKnob reports a knob out of range; the message starts with its name.
func BadKnob(knob, format string, args ...any) *KnobError {
	return &KnobError{Knob: knob, msg: knob + " " + fmt.Sprintf(format, args...)}
}

// NewRand returns a fault injector's random source. A non-zero seed makes
// the draws reproducible: the same seed and the same sequence of calls
// give the same faults. Zero seeds it at random.
func NewRand(seed uint64) *rand.Rand {
	if seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:]) // never fails on supported platforms
		seed = binary.LittleEndian.Uint64(b[:])
	}
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// ErrStopped is Wait's error when the simulator stops first.
var ErrStopped = errors.New("simulator stopped")

// Wait sleeps d unless the request ends (ctx's error) or the simulator
// stops, closing quit (ErrStopped), first. Injected latency and hangs use
// it, so that shutting down does not wait for them.
func Wait(ctx context.Context, quit <-chan struct{}, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-quit:
		return ErrStopped
	}
}
