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
	switch {
	case nc == nil:
		return nil, errors.New("meterpub: a NATS connection is required")
	case j == nil:
		return nil, errors.New("meterpub: a journal is required")
	case !validSource(cfg.Source):
		return nil, fmt.Errorf("meterpub: invalid source %q", cfg.Source)
	case cfg.Instance == "":
		return nil, errors.New("meterpub: an instance name is required (batch ids are built from it)")
	case cfg.Batch < 1 || cfg.Buffer < 1 || cfg.MaxPending < 1 || cfg.AckTimeout <= 0:
		return nil, errors.New("meterpub: Batch, Buffer, MaxPending and AckTimeout must be positive")
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(cfg.MaxPending),
		jetstream.WithPublishAsyncTimeout(cfg.AckTimeout),
	)
	if err != nil {
		return nil, fmt.Errorf("meterpub: jetstream: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
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
	err := <-w.done
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
	var pending []*pendingRecord
	for {
		stopping := d.stopping.Load()
		if stopping {
			select {
			case <-d.committed:
				if len(pending) == 0 && d.j.Unacked() == 0 {
					return
				}
			default:
			}
			if d.stopCtx != nil && d.stopCtx.Err() != nil {
				d.shutdownLost(pending)
				return
			}
		}
		pending = d.reap(pending, len(pending) >= d.cfg.MaxPending)
		if len(pending) >= d.cfg.MaxPending {
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
		var b meteringv1.EventBatch
		if err := proto.Unmarshal(rec.Data, &b); err != nil {
			d.log.Error("metering: journal record is not an event batch; skipped", "seq", rec.Seq, "err", err)
			_ = d.j.Ack(rec.Seq)
			continue
		}
		msg, err := Message(d.cfg.Source, &b)
		if err != nil {
			d.log.Error("metering: journal record cannot be published; skipped", "seq", rec.Seq, "err", err)
			_ = d.j.Ack(rec.Seq)
			continue
		}
		p := &pendingRecord{seq: rec.Seq, pb: pendingBatch{id: b.BatchId, msg: msg, events: len(b.Events)}}
		d.publish(&p.pb)
		pending = append(pending, p)
		d.pendingChanged(len(pending))
	}
}

type pendingRecord struct {
	seq uint64
	pb  pendingBatch
}

func (d *Durable[T]) publish(p *pendingBatch) {
	p.attempts++
	fut, err := d.js.PublishMsgAsync(p.msg)
	if err != nil {
		p.fut = nil
		p.nextRetry = time.Now().Add(backoff(p.attempts))
		return
	}
	p.fut = fut
}

// reap acknowledges shipped records and re-publishes failed ones; with
// wait it gives outstanding ones a moment.
func (d *Durable[T]) reap(pending []*pendingRecord, wait bool) []*pendingRecord {
	now := time.Now()
	kept := pending[:0]
	for _, r := range pending {
		p := &r.pb
		if p.fut == nil {
			if !now.Before(p.nextRetry) {
				d.publish(p)
			}
			kept = append(kept, r)
			continue
		}
		var timer <-chan time.Time
		if wait {
			timer = time.After(5 * time.Millisecond)
		}
		select {
		case <-p.fut.Ok():
			d.acked(r)
			continue
		case err := <-p.fut.Err():
			d.retry(p, err, now)
		case <-timer:
		}
		kept = append(kept, r)
	}
	for i := len(kept); i < len(pending); i++ {
		pending[i] = nil
	}
	if wait && len(kept) > 0 && kept[0].pb.fut == nil {
		// Every slot is waiting for a retry: do not spin.
		time.Sleep(10 * time.Millisecond)
	}
	d.pendingChanged(len(kept))
	return kept
}

func (d *Durable[T]) retry(p *pendingBatch, err error, now time.Time) {
	if p.attempts == 1 || p.attempts%20 == 0 {
		d.log.Warn("metering: batch not acknowledged, will re-send from the journal", "batch", p.id, "attempt", p.attempts, "err", err)
	}
	if h := d.cfg.Hooks.Republish; h != nil {
		h()
	}
	p.fut = nil
	p.nextRetry = now.Add(backoff(p.attempts))
}

func (d *Durable[T]) acked(r *pendingRecord) {
	if err := d.j.Ack(r.seq); err != nil {
		d.log.Warn("metering: journal acknowledgement", "err", err)
	}
	d.published.Add(int64(r.pb.events))
	if h := d.cfg.Hooks.Published; h != nil {
		h(r.pb.events)
	}
}

// shutdownLost reports what stays unshipped at a stop: not lost, it is in
// the journal for the next start.
func (d *Durable[T]) shutdownLost(pending []*pendingRecord) {
	if n := d.j.Unacked(); n > 0 {
		d.log.Warn("metering: events left in the journal at stop; they are shipped at the next start", "source", d.cfg.Source, "bytes", n, "batches_in_flight", len(pending))
	}
}

func (d *Durable[T]) dropped(reason string, n int) {
	if h := d.cfg.Hooks.Dropped; h != nil && n > 0 {
		h(reason, n)
	}
}

func (d *Durable[T]) pendingChanged(n int) {
	if h := d.cfg.Hooks.Pending; h != nil {
		h(n)
	}
}
