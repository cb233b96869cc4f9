package meterpub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// Reasons a Batcher loses events, as passed to Hooks.Dropped.
const (
	DropBufferFull = "buffer_full" // the buffer was full (NATS slow or down for long)
	DropStopped    = "stopped"     // recorded after Stop
	DropShutdown   = "shutdown"    // not acknowledged by the Stop deadline
	DropEncode     = "encode"      // the batch could not be encoded
	DropJournal    = "journal"     // a durable publisher could not write its journal (full, disk error)
)

// BatcherConfig configures a Batcher.
type BatcherConfig struct {
	// Source names the publisher; events go to Subject(Source).
	Source string
	// Instance distinguishes publishers of the same source; batch ids (the
	// Nats-Msg-Id) are "<Instance>-<sequence>", so it must be unique per
	// process run.
	Instance string
	// Batch is the most events per message; Flush the longest wait before
	// a partial batch goes out.
	Batch int
	Flush time.Duration
	// Buffer is how many recorded events wait for the publisher.
	Buffer int
	// MaxPending is how many batches may await JetStream's acknowledgement;
	// AckTimeout is the wait before a batch is re-sent.
	MaxPending int
	AckTimeout time.Duration
	// Log may be nil (slog.Default).
	Log *slog.Logger
	// Hooks report what happens, typically to metrics; each may be nil.
	Hooks Hooks
}

// Hooks observe a Batcher. They are called from its publisher goroutine,
// except Dropped with DropBufferFull or DropStopped, which is called from
// Record and must therefore be cheap.
type Hooks struct {
	Published func(events int)
	Dropped   func(reason string, events int)
	Republish func()
	Pending   func(batches int)
}

// Batcher publishes events in batches, asynchronously, for callers whose
// hot path may not wait or allocate (the gateway records one event per
// request). T is the caller's own record of an event; encode turns one into
// the protobuf event off the hot path.
//
// Overflow policy. Record never blocks: it copies the event into a bounded
// buffer (Buffer events) or, when that is full, drops it and reports
// DropBufferFull (logged at most once per 10 s). One goroutine (Run)
// drains the buffer into batches of up to Batch events, or whatever has
// gathered after Flush, and publishes each asynchronously. A batch stays in
// memory until JetStream acknowledges it; a failed or timed-out batch is
// re-published with the same Nats-Msg-Id, so JetStream stores it once. At
// most MaxPending batches await an acknowledgement; while that many are
// outstanding the publisher stops draining the buffer. So no event is lost
// in normal operation, and during a NATS outage up to MaxPending×Batch +
// Buffer events wait in memory and go out when NATS is back. Stop stops
// recording, drains the buffer, publishes the rest and waits for every
// acknowledgement until its context ends; events still unacknowledged then
// are reported as DropShutdown.
type Batcher[T any] struct {
	cfg    BatcherConfig
	encode func(dst *meteringv1.Event, src *T)
	js     jetstream.JetStream
	log    *slog.Logger

	ch       chan T
	stopping atomic.Bool
	stopCh   chan struct{}
	stopCtx  context.Context
	done     chan struct{}

	seq       uint64
	flight    inFlight
	lastWarn  atomic.Int64
	published atomic.Int64
	// inMemory counts events recorded and not yet acknowledged or dropped:
	// what a crash now would lose.
	inMemory atomic.Int64
}

// NewBatcher prepares a batcher on nc; Run starts it. encode fills dst
// from src; an event it leaves without an id gets "<batch id>-<index>", and
// one without a time the time of publication.
func NewBatcher[T any](nc *nats.Conn, cfg BatcherConfig, encode func(dst *meteringv1.Event, src *T)) (*Batcher[T], error) {
	if cfg.Flush <= 0 {
		return nil, errors.New("meterpub: Flush must be positive")
	}
	js, log, err := prepare(nc, cfg)
	if err != nil {
		return nil, err
	}
	b := &Batcher[T]{
		cfg: cfg, encode: encode, js: js, log: log,
		ch:     make(chan T, cfg.Buffer),
		stopCh: make(chan struct{}),
		done:   make(chan struct{}),
	}
	b.flight = inFlight{js: js, log: log, hooks: &b.cfg.Hooks}
	return b, nil
}

// Published is the number of events JetStream has acknowledged.
func (b *Batcher[T]) Published() int64 { return b.published.Load() }

// Record queues a copy of e without blocking.
func (b *Batcher[T]) Record(e *T) {
	if b.stopping.Load() {
		b.dropped(DropStopped, 1)
		return
	}
	select {
	case b.ch <- *e:
		b.inMemory.Add(1)
	default:
		b.dropped(DropBufferFull, 1)
		if now := time.Now().UnixNano(); now-b.lastWarn.Load() > int64(10*time.Second) {
			b.lastWarn.Store(now)
			b.log.Warn("metering buffer full: dropping events", "source", b.cfg.Source, "buffer", cap(b.ch), "pending_batches", b.cfg.MaxPending)
		}
	}
}

// Run publishes until Stop, then flushes within Stop's context.
func (b *Batcher[T]) Run() {
	defer close(b.done)
	batch := make([]T, 0, b.cfg.Batch)
	tick := time.NewTicker(b.cfg.Flush)
	defer tick.Stop()
	for {
		in := b.ch
		if len(b.flight.pending) >= b.cfg.MaxPending {
			in = nil // backpressure: leave events in the buffer
		}
		select {
		case e := <-in:
			batch = append(batch, e)
			if len(batch) >= b.cfg.Batch {
				b.send(batch)
				batch = batch[:0]
			}
		case <-tick.C:
			if len(batch) > 0 {
				b.send(batch)
				batch = batch[:0]
			}
			b.flight.reap(false, b.acked)
		case <-b.stopCh:
			b.drain(b.stopCtx, batch)
			return
		}
	}
}

// Stop stops recording and waits, bounded by ctx, for Run to publish what
// it holds and for JetStream to acknowledge it.
func (b *Batcher[T]) Stop(ctx context.Context) error {
	if b.stopping.CompareAndSwap(false, true) {
		b.stopCtx = ctx
		close(b.stopCh)
	}
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		return errors.New("metering flush did not finish before the shutdown deadline")
	}
}

func (b *Batcher[T]) drain(ctx context.Context, batch []T) {
	for more := true; more; {
		select {
		case e := <-b.ch:
			batch = append(batch, e)
			if len(batch) >= b.cfg.Batch {
				b.send(batch)
				batch = batch[:0]
			}
		default:
			more = false
		}
	}
	if len(batch) > 0 {
		b.send(batch)
	}
	for len(b.flight.pending) > 0 {
		b.flight.reap(true, b.acked)
		if len(b.flight.pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			lost := b.flight.events()
			b.dropped(DropShutdown, lost)
			b.log.Error("metering: events not acknowledged before the shutdown deadline", "source", b.cfg.Source, "events", lost, "batches", len(b.flight.pending))
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// send encodes batch and publishes it asynchronously.
func (b *Batcher[T]) send(batch []T) {
	b.seq++
	id := b.cfg.Instance + "-" + strconv.FormatUint(b.seq, 10)
	out := &meteringv1.EventBatch{BatchId: id, Events: make([]*meteringv1.Event, len(batch))}
	evs := make([]meteringv1.Event, len(batch))
	for i := range batch {
		b.encode(&evs[i], &batch[i])
		if evs[i].Id == "" {
			evs[i].Id = id + "-" + strconv.Itoa(i)
		}
		out.Events[i] = &evs[i]
	}
	msg, err := Message(b.cfg.Source, out)
	if err != nil { // cannot happen with valid events; never lose silently
		b.log.Error("metering: encode batch", "source", b.cfg.Source, "err", err)
		b.dropped(DropEncode, len(batch))
		return
	}
	b.flight.add(&pendingBatch{id: id, msg: msg, events: len(batch)})
}

// AtRisk is the number of events recorded but not yet acknowledged by
// JetStream: what the process would lose if it died now.
func (b *Batcher[T]) AtRisk() int64 { return b.inMemory.Load() }

func (b *Batcher[T]) acked(p *pendingBatch) {
	b.inMemory.Add(-int64(p.events))
	b.published.Add(int64(p.events))
	if h := b.cfg.Hooks.Published; h != nil {
		h(p.events)
	}
}

func (b *Batcher[T]) dropped(reason string, n int) {
	if reason == DropShutdown || reason == DropEncode {
		b.inMemory.Add(-int64(n))
	}
	if h := b.cfg.Hooks.Dropped; h != nil && n > 0 {
		h(reason, n)
	}
}

// prepare checks what every publisher needs and opens its JetStream
// context for asynchronous publishing.
func prepare(nc *nats.Conn, cfg BatcherConfig) (jetstream.JetStream, *slog.Logger, error) {
	switch {
	case nc == nil:
		return nil, nil, errors.New("meterpub: a NATS connection is required")
	case !validSource(cfg.Source):
		return nil, nil, fmt.Errorf("meterpub: invalid source %q", cfg.Source)
	case cfg.Instance == "":
		return nil, nil, errors.New("meterpub: an instance name is required (batch ids are built from it)")
	case cfg.Batch < 1 || cfg.Buffer < 1 || cfg.MaxPending < 1 || cfg.AckTimeout <= 0:
		return nil, nil, errors.New("meterpub: Batch, Buffer, MaxPending and AckTimeout must be positive")
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(cfg.MaxPending),
		jetstream.WithPublishAsyncTimeout(cfg.AckTimeout),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("meterpub: jetstream: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	return js, log, nil
}
