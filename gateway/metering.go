package gateway

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
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// event is one request as the hot path records it: plain values and a
// pointer to the immutable route, converted to protobuf off the hot path.
type event struct {
	id                string
	at                int64 // unix nanoseconds
	rt                *route
	resource          string
	method            string
	app, agency, sub  string
	status            int32
	in, out           int64
	latency, upstream int64 // microseconds
	errCode           string
}

// meter publishes metering events to JetStream in batches.
//
// Overflow policy. The request path never blocks on metering: record does a
// non-blocking send into a bounded buffer (LGSP_GATEWAY_METERING_BUFFER
// events). One publisher goroutine drains it into batches of up to
// LGSP_GATEWAY_METERING_BATCH events, or whatever has gathered after
// LGSP_GATEWAY_METERING_FLUSH, and publishes each batch asynchronously with
// Nats-Msg-Id = "<instance>-<sequence>". A batch stays in memory until
// JetStream acknowledges it; a failed or timed-out batch is re-published
// with the same id (JetStream de-duplicates, so a batch is never counted
// twice). At most LGSP_GATEWAY_METERING_MAX_PENDING batches wait for an
// acknowledgement; while that many are outstanding the publisher stops
// draining the buffer. So in normal operation no event is lost; during a
// NATS outage the gateway keeps up to MAX_PENDING×BATCH + BUFFER events
// (about 390,000 with the defaults) and re-sends them when NATS is back.
// Only beyond that are new events dropped, each one counted in
// lgsp_gateway_metering_dropped_total{reason="buffer_full"} and reported in
// the log at most once per 10 s. A graceful stop stops recording, drains the
// buffer, publishes what is left and waits for every acknowledgement until
// the shutdown deadline; events still unacknowledged then are counted with
// reason="shutdown".
type meter struct {
	ch       chan event
	stopping atomic.Bool
	stopCh   chan struct{}
	done     chan struct{}

	js       jetstream.JetStream
	subject  string
	instance string
	seq      uint64
	batchMax int
	flush    time.Duration
	maxPend  int
	log      *slog.Logger
	metrics  *metrics

	pending   []*pendingBatch
	lastWarn  atomic.Int64
	published atomic.Int64 // events acknowledged
}

type pendingBatch struct {
	id        string
	msg       *nats.Msg
	events    int
	fut       jetstream.PubAckFuture
	attempts  int
	nextRetry time.Time
}

func newMeter(cfg *Config, bus *natsx.Bus, instance string, log *slog.Logger, m *metrics) (*meter, error) {
	js, err := jetstream.New(bus.Conn,
		jetstream.WithPublishAsyncMaxPending(max(cfg.MeteringMaxPending, 1)),
		jetstream.WithPublishAsyncTimeout(cfg.MeteringAckTimeout),
	)
	if err != nil {
		return nil, fmt.Errorf("metering jetstream: %w", err)
	}
	return &meter{
		ch:       make(chan event, cfg.MeteringBuffer),
		stopCh:   make(chan struct{}),
		done:     make(chan struct{}),
		js:       js,
		subject:  natsx.MeteringEventSubject + ".gateway",
		instance: instance,
		batchMax: cfg.MeteringBatch,
		flush:    cfg.MeteringFlush,
		maxPend:  cfg.MeteringMaxPending,
		log:      log,
		metrics:  m,
	}, nil
}

// record queues e without blocking.
func (m *meter) record(e *event) {
	if m.stopping.Load() {
		m.metrics.meterDropped.WithLabelValues("stopped").Inc()
		return
	}
	select {
	case m.ch <- *e:
	default:
		m.metrics.meterDroppedFull.Inc()
		if now := time.Now().UnixNano(); now-m.lastWarn.Load() > int64(10*time.Second) {
			m.lastWarn.Store(now)
			m.log.Warn("metering buffer full: dropping events", "buffer", cap(m.ch), "pending_batches", m.maxPend)
		}
	}
}

// run publishes until stop is called, then flushes within ctx's deadline.
func (m *meter) run(stopCtx func() context.Context) {
	defer close(m.done)
	batch := make([]event, 0, m.batchMax)
	tick := time.NewTicker(m.flush)
	defer tick.Stop()
	for {
		in := m.ch
		if len(m.pending) >= m.maxPend {
			in = nil // backpressure: leave events in the buffer
		}
		select {
		case e := <-in:
			batch = append(batch, e)
			if len(batch) >= m.batchMax {
				m.send(batch)
				batch = batch[:0]
			}
		case <-tick.C:
			if len(batch) > 0 {
				m.send(batch)
				batch = batch[:0]
			}
			m.reap(false)
		case <-m.stopCh:
			m.drain(stopCtx(), batch)
			return
		}
	}
}

func (m *meter) drain(ctx context.Context, batch []event) {
	for {
		select {
		case e := <-m.ch:
			batch = append(batch, e)
			if len(batch) >= m.batchMax {
				m.send(batch)
				batch = batch[:0]
			}
			continue
		default:
		}
		break
	}
	if len(batch) > 0 {
		m.send(batch)
	}
	for len(m.pending) > 0 {
		m.reap(true)
		if len(m.pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			lost := 0
			for _, p := range m.pending {
				lost += p.events
			}
			m.metrics.meterDropped.WithLabelValues("shutdown").Add(float64(lost))
			m.log.Error("metering: events not acknowledged before the shutdown deadline", "events", lost, "batches", len(m.pending))
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// send encodes batch and publishes it asynchronously.
func (m *meter) send(batch []event) {
	m.seq++
	id := m.instance + "-" + strconv.FormatUint(m.seq, 10)
	data, err := proto.Marshal(toProto(id, batch))
	if err != nil { // cannot happen with these types; never lose silently
		m.log.Error("metering: encode batch", "err", err)
		m.metrics.meterDropped.WithLabelValues("encode").Add(float64(len(batch)))
		return
	}
	msg := &nats.Msg{Subject: m.subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, id)
	p := &pendingBatch{id: id, msg: msg, events: len(batch)}
	m.publish(p)
	m.pending = append(m.pending, p)
	m.metrics.meterPending.Set(float64(len(m.pending)))
}

func (m *meter) publish(p *pendingBatch) {
	p.attempts++
	fut, err := m.js.PublishMsgAsync(p.msg)
	if err != nil {
		p.fut = nil
		p.nextRetry = time.Now().Add(backoff(p.attempts))
		return
	}
	p.fut = fut
}

// reap removes acknowledged batches and re-publishes failed ones. With
// wait, it gives each outstanding batch a moment to complete.
func (m *meter) reap(wait bool) {
	now := time.Now()
	kept := m.pending[:0]
	for _, p := range m.pending {
		if p.fut == nil {
			if !now.Before(p.nextRetry) {
				m.publish(p)
			}
			kept = append(kept, p)
			continue
		}
		var timer <-chan time.Time
		if wait {
			timer = time.After(5 * time.Millisecond)
		}
		select {
		case <-p.fut.Ok():
			m.metrics.meterPublished.Add(float64(p.events))
			m.published.Add(int64(p.events))
			continue
		case err := <-p.fut.Err():
			if p.attempts == 1 || p.attempts%20 == 0 {
				m.log.Warn("metering: batch not acknowledged, will re-send", "batch", p.id, "attempt", p.attempts, "err", err)
			}
			m.metrics.meterRetries.Inc()
			p.fut = nil
			p.nextRetry = now.Add(backoff(p.attempts))
		default:
			if timer != nil {
				select {
				case <-p.fut.Ok():
					m.metrics.meterPublished.Add(float64(p.events))
					m.published.Add(int64(p.events))
					continue
				case <-p.fut.Err():
					p.fut = nil
					p.nextRetry = now
				case <-timer:
				}
			}
		}
		kept = append(kept, p)
	}
	for i := len(kept); i < len(m.pending); i++ {
		m.pending[i] = nil
	}
	m.pending = kept
	m.metrics.meterPending.Set(float64(len(m.pending)))
}

func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 6)
	return min(d, 5*time.Second)
}

// stop stops recording and waits for the flush, bounded by ctx.
func (m *meter) stop(ctx context.Context) error {
	if m.stopping.CompareAndSwap(false, true) {
		close(m.stopCh)
	}
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		return errors.New("metering flush did not finish before the shutdown deadline")
	}
}

func toProto(id string, batch []event) *meteringv1.EventBatch {
	out := &meteringv1.EventBatch{BatchId: id, Events: make([]*meteringv1.Event, len(batch))}
	evs := make([]meteringv1.Event, len(batch))
	for i := range batch {
		e := &batch[i]
		pe := &evs[i]
		pe.Id = e.id
		pe.Time = timestamppb.New(time.Unix(0, e.at))
		pe.Source = "gateway"
		if e.rt != nil {
			pe.ApiId, pe.ApiContext, pe.ApiVersion, pe.ApiOwnerAgency = e.rt.id, e.rt.context, e.rt.version, e.rt.owner
		}
		pe.Resource = e.resource
		pe.Method = e.method
		pe.ApplicationId = e.app
		pe.AgencyCode = e.agency
		pe.SubscriptionId = e.sub
		pe.Status = e.status
		pe.BytesIn = e.in
		pe.BytesOut = e.out
		pe.LatencyUs = e.latency
		pe.UpstreamLatencyUs = e.upstream
		pe.ErrorCode = e.errCode
		out.Events[i] = pe
	}
	return out
}
