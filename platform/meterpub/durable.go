package meterpub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/journal"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// ErrNotDurable is returned by Durable.Record when the event could not be
// stored: the journal is full or its disk fails, or the publisher stopped.
// The caller decides what that means (the gateway refuses the call with
// 503, or serves it and counts the loss, as configured).
var ErrNotDurable = errors.New("metering event not stored durably")

// Durable publishes events with a guarantee: Record returns only once the
// event is on local disk (a journal record, fsynced), and a shipper then
// publishes every record to JetStream, retrying until it is acknowledged,
// across restarts. So an event whose Record returned is counted even if
// the process is killed the next instant, and during a NATS outage events
// wait on disk (bounded by the journal's MaxBytes), not in memory.
//
// Group commit: one goroutine writes whatever events have queued while the
// previous fsync ran as one record (up to Batch events), so concurrent
// callers share an fsync; a record is one EventBatch, published with its
// batch id as Nats-Msg-Id. A record re-sent after a crash carries the same
// id, and JetStream stores it once within its duplicate window (one hour).
type Durable[T any] struct {
	cfg    BatcherConfig
	j      *journal.Journal
	encode func(dst *meteringv1.Event, src *T)
	js     jetstream.JetStream
	log    *slog.Logger

	in       chan *waiter[T]
	pool     sync.Pool
	stopOnce sync.Once
	stopping atomic.Bool
	stopCh   chan struct{}
	stopCtx  context.Context
	done     chan struct{}
	// committed is closed when the committer has written its last record.
	committed chan struct{}

	prefix    string
	seq       uint64
	flight    inFlight
	published atomic.Int64
	failures  atomic.Int64
}

type waiter[T any] struct {
	ev   T
	done chan error
}

// NewDurable prepares a durable publisher over an open journal; Run starts
// it. cfg.Buffer bounds the callers queued for the next commit; Flush is
// unused (a commit starts as soon as one event waits).
func NewDurable[T any](nc *nats.Conn, j *journal.Journal, cfg BatcherConfig, encode func(dst *meteringv1.Event, src *T)) (*Durable[T], error) {
	if j == nil {
		return nil, errors.New("meterpub: a journal is required")
	}
	js, log, err := prepare(nc, cfg)
	if err != nil {
		return nil, err
	}
	// Batch ids must not repeat across runs of the same instance: the
	// journal's records keep theirs, new ones get a fresh run prefix.
	var run [4]byte
	_, _ = rand.Read(run[:])
	d := &Durable[T]{
		cfg: cfg, j: j, encode: encode, js: js, log: log,
		in:        make(chan *waiter[T], cfg.Buffer),
		stopCh:    make(chan struct{}),
		done:      make(chan struct{}),
		committed: make(chan struct{}),
		prefix:    cfg.Instance + "-" + hex.EncodeToString(run[:]) + "-",
	}
	d.pool.New = func() any { return &waiter[T]{done: make(chan error, 1)} }
	d.flight = inFlight{js: js, log: log, hooks: &d.cfg.Hooks}
	return d, nil
}

// Published is the number of events JetStream has acknowledged.
func (d *Durable[T]) Published() int64 { return d.published.Load() }

// Backlog is the size in bytes of the events on disk that JetStream has
// not acknowledged yet.
func (d *Durable[T]) Backlog() int64 { return d.j.Unacked() }

// Record stores a copy of e durably, waiting for the fsync of the record
// it joins. It returns ErrNotDurable (wrapping the cause) when it could not.
func (d *Durable[T]) Record(e *T) error {
	if d.stopping.Load() {
		d.dropped(DropStopped, 1)
		return fmt.Errorf("%w: stopped", ErrNotDurable)
	}
	w := d.pool.Get().(*waiter[T])
	w.ev = *e
	select {
	case d.in <- w:
	case <-d.stopCh:
		d.pool.Put(w)
		d.dropped(DropStopped, 1)
		return fmt.Errorf("%w: stopped", ErrNotDurable)
	}
	var err error
	select {
	case err = <-w.done:
	case <-d.committed:
		// The committer has stopped; it answered w before, or never will.
		select {
		case err = <-w.done:
		default:
			// w may still sit in d.in, which nobody reads any more: it is
			// not returned to the pool.
			d.dropped(DropStopped, 1)
			return fmt.Errorf("%w: stopped", ErrNotDurable)
		}
	}
	var zero T
	w.ev = zero
	d.pool.Put(w)
	return err
}

// Run commits and ships until Stop.
func (d *Durable[T]) Run() {
	defer close(d.done)
	shipped := make(chan struct{})
	go func() {
		defer close(shipped)
		d.ship()
	}()
	d.commit()
	<-shipped
}

// Stop refuses new events, commits those already queued, and ships until
// ctx ends. What is not acknowledged by then stays in the journal and is
// shipped at the next start: nothing is lost.
func (d *Durable[T]) Stop(ctx context.Context) error {
	d.stopOnce.Do(func() {
		// stopCtx is written before the flag that tells the shipper to
		// read it.
		d.stopCtx = ctx
		d.stopping.Store(true)
		close(d.stopCh)
	})
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		return errors.New("metering: journal not fully shipped before the shutdown deadline; the rest is shipped at the next start")
	}
}

// commit is the single journal writer.
func (d *Durable[T]) commit() {
	defer close(d.committed)
	batch := make([]*waiter[T], 0, d.cfg.Batch)
	evs := make([]meteringv1.Event, d.cfg.Batch)
	for {
		batch = batch[:0]
		select {
		case w := <-d.in:
			batch = append(batch, w)
		case <-d.stopCh:
			// Commit whoever queued before the stop, then quit.
			for {
				select {
				case w := <-d.in:
					batch = append(batch, w)
					if len(batch) == d.cfg.Batch {
						d.write(batch, evs)
						batch = batch[:0]
					}
					continue
				default:
				}
				break
			}
			if len(batch) > 0 {
				d.write(batch, evs)
			}
			return
		}
		for len(batch) < d.cfg.Batch {
			select {
			case w := <-d.in:
				batch = append(batch, w)
				continue
			default:
			}
			break
		}
		d.write(batch, evs)
	}
}

// write stores one batch as one record and answers its callers.
func (d *Durable[T]) write(batch []*waiter[T], evs []meteringv1.Event) {
	d.seq++
	id := d.prefix + strconv.FormatUint(d.seq, 10)
	out := &meteringv1.EventBatch{BatchId: id, Events: make([]*meteringv1.Event, len(batch))}
	for i, w := range batch {
		evs[i].Reset()
		d.encode(&evs[i], &w.ev)
		if evs[i].Id == "" {
			evs[i].Id = id + "-" + strconv.Itoa(i)
		}
		if evs[i].Time == nil {
			evs[i].Time = timestamppb.Now()
		}
		if evs[i].Source == "" {
			evs[i].Source = d.cfg.Source
		}
		out.Events[i] = &evs[i]
	}
	data, err := proto.Marshal(out)
	if err == nil {
		_, err = d.j.Append(data)
	}
	if err != nil {
		err = fmt.Errorf("%w: %v", ErrNotDurable, err)
		d.dropped(DropJournal, len(batch))
		if n := d.failures.Add(1); n == 1 || n%1000 == 0 {
			d.log.Error("metering: journal write failed", "source", d.cfg.Source, "events", len(batch), "failures", n, "err", err)
		}
	}
	for _, w := range batch {
		w.done <- err
	}
}

// ship publishes the journal's records in order and acknowledges each in
// the journal once JetStream has it.
func (d *Durable[T]) ship() {
	tail := d.j.Tail(d.j.Acked() + 1)
	defer tail.Close()
	for {
		if d.stopping.Load() {
			select {
			case <-d.committed:
				if len(d.flight.pending) == 0 && d.j.Unacked() == 0 {
					return
				}
			default:
			}
			if d.stopCtx != nil && d.stopCtx.Err() != nil {
				d.shutdownLost()
				return
			}
		}
		full := len(d.flight.pending) >= d.cfg.MaxPending
		d.flight.reap(full, d.acked)
		if full {
			if len(d.flight.pending) >= d.cfg.MaxPending && d.flight.pending[0].fut == nil {
				time.Sleep(10 * time.Millisecond) // every slot waits for a retry: do not spin
			}
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		rec, err := tail.Next(ctx)
		cancel()
		if err != nil {
			if errors.Is(err, journal.ErrClosed) {
				return
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				d.log.Error("metering: journal read failed", "source", d.cfg.Source, "err", err)
				time.Sleep(time.Second)
			}
			continue
		}
		// The record is the EventBatch as it will be published, validated
		// when written: read only its id and event count.
		id, events, err := batchHeader(rec.Data)
		if err != nil || id == "" || len(rec.Data) > MaxBatchBytes {
			d.log.Error("metering: journal record is not a publishable event batch; skipped", "seq", rec.Seq, "err", err)
			_ = d.j.Ack(rec.Seq)
			continue
		}
		msg := nats.NewMsg(Subject(d.cfg.Source))
		msg.Data = rec.Data
		msg.Header.Set(jetstream.MsgIDHeader, id)
		d.flight.add(&pendingBatch{id: id, msg: msg, events: events, seq: rec.Seq})
	}
}

func (d *Durable[T]) acked(p *pendingBatch) {
	if err := d.j.Ack(p.seq); err != nil {
		d.log.Warn("metering: journal acknowledgement", "err", err)
	}
	d.published.Add(int64(p.events))
	if h := d.cfg.Hooks.Published; h != nil {
		h(p.events)
	}
}

// shutdownLost reports what stays unshipped at a stop: not lost, it is in
// the journal for the next start.
func (d *Durable[T]) shutdownLost() {
	if n := d.j.Unacked(); n > 0 {
		d.log.Warn("metering: events left in the journal at stop; they are shipped at the next start", "source", d.cfg.Source, "bytes", n, "batches_in_flight", len(d.flight.pending))
	}
}

func (d *Durable[T]) dropped(reason string, n int) {
	if h := d.cfg.Hooks.Dropped; h != nil && n > 0 {
		h(reason, n)
	}
}

// batchHeader reads an encoded EventBatch's batch_id (field 1) and counts
// its events (field 2) without decoding them.
func batchHeader(b []byte) (id string, events int, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return "", 0, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return "", 0, protowire.ParseError(m)
			}
			id, b = string(v), b[m:]
		default:
			if num == 2 && typ == protowire.BytesType {
				events++
			}
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return "", 0, protowire.ParseError(m)
			}
			b = b[m:]
		}
	}
	return id, events, nil
}
