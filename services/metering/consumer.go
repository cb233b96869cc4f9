package metering

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// filterSubject is every metering event subject.
const filterSubject = natsx.MeteringEventSubject + ".>"

// errStop is returned by a test hook to stop Run on the spot, as a crash
// would: nothing after the hook runs (no ack, no rollback of committed work).
var errStop = errors.New("metering: stopped by test hook")

// consume counts messages until ctx is done (nil) or the subscription
// fails (an error, after which Run re-positions and calls it again).
func (s *Service) consume(ctx context.Context, stream jetstream.Stream) error {
	if err := s.reconcileStream(ctx, stream); err != nil {
		return err
	}
	cons, err := s.positionConsumer(ctx, stream)
	if err != nil {
		return err
	}
	// The stream may have been replaced between the check and the
	// consumer's creation, which would then start inside the new stream.
	if err := s.checkStream(ctx, stream, true); err != nil {
		return err
	}
	s.setReady(nil)
	for {
		msgs, err := s.collect(cons)
		if len(msgs) > 0 {
			// Finish what was received even when ctx is done: the
			// transaction and the ack are not interrupted by a stop.
			if perr := s.process(context.WithoutCancel(ctx), stream, msgs); perr != nil {
				return perr
			}
		}
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if err := s.checkStream(ctx, stream, false); err != nil {
			return err
		}
		s.maintain(ctx)
	}
}

// positionConsumer makes the durable consumer deliver from just after the
// stored cursor. A consumer that is exactly there with nothing in flight is
// kept; any other is replaced, because JetStream would redeliver its
// in-flight messages only after AckWait and deliver newer ones first.
func (s *Service) positionConsumer(ctx context.Context, stream jetstream.Stream) (jetstream.Consumer, error) {
	want := jetstream.ConsumerConfig{
		Durable:       s.cfg.Consumer,
		Description:   "metering: counts every metering event into SQL rollups",
		FilterSubject: filterSubject,
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       s.cfg.AckWait,
		MaxAckPending: 4 * s.cfg.BatchSize,
		MaxDeliver:    -1,
		Replicas:      s.cfg.Replicas,
	}
	if s.cur.last == 0 {
		want.DeliverPolicy = jetstream.DeliverAllPolicy
	} else {
		want.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		want.OptStartSeq = s.cur.last + 1
	}
	cons, err := stream.Consumer(ctx, s.cfg.Consumer)
	switch {
	case err == nil:
		info := cons.CachedInfo()
		if info.AckFloor.Stream == s.cur.last && info.NumAckPending == 0 && info.NumRedelivered == 0 &&
			info.Config.FilterSubject == filterSubject && info.Config.AckPolicy == jetstream.AckAllPolicy &&
			info.Config.MaxAckPending == want.MaxAckPending && info.Config.AckWait == want.AckWait {
			return cons, nil
		}
		if err := stream.DeleteConsumer(ctx, s.cfg.Consumer); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("metering: replace consumer %s: %w", s.cfg.Consumer, err)
		}
	case errors.Is(err, jetstream.ErrConsumerNotFound):
	default:
		return nil, fmt.Errorf("metering: consumer %s: %w", s.cfg.Consumer, err)
	}
	s.log.Info("metering: positioning consumer", "consumer", s.cfg.Consumer, "start_seq", s.cur.last+1)
	cons, err = stream.CreateConsumer(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("metering: create consumer %s: %w", s.cfg.Consumer, err)
	}
	return cons, nil
}

// collect waits for a first message (at most until the next maintenance is
// due) and then takes what arrives within BatchLinger, up to BatchSize.
//
// Every pull request is read to its end before the next one is made: a
// message the server delivered but nobody read would only come back after
// AckWait, behind newer ones. That is why this uses one-shot fetches that
// the server itself ends (expiry, or no-wait) rather than a prefetching
// iterator, whose buffer can overflow while a batch is being applied.
func (s *Service) collect(cons jetstream.Consumer) ([]jetstream.Msg, error) {
	b, err := cons.Fetch(1, jetstream.FetchMaxWait(s.idleWait()))
	if err != nil {
		return nil, fmt.Errorf("metering: receive: %w", err)
	}
	msgs, err := drain(b, make([]jetstream.Msg, 0, s.cfg.BatchSize))
	if err != nil || len(msgs) == 0 {
		return msgs, err
	}
	deadline := time.Now().Add(s.cfg.BatchLinger)
	for len(msgs) < s.cfg.BatchSize {
		b, err := cons.FetchNoWait(s.cfg.BatchSize - len(msgs))
		if err != nil {
			return msgs, fmt.Errorf("metering: receive: %w", err)
		}
		n := len(msgs)
		if msgs, err = drain(b, msgs); err != nil {
			return msgs, err
		}
		if len(msgs) == n {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			time.Sleep(min(left, 5*time.Millisecond))
		}
	}
	return msgs, nil
}

// drain appends every message of a fetch to msgs.
func drain(b jetstream.MessageBatch, msgs []jetstream.Msg) ([]jetstream.Msg, error) {
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	if err := b.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, jetstream.ErrNoMessages) {
		return msgs, fmt.Errorf("metering: receive: %w", err)
	}
	return msgs, nil
}

func (s *Service) idleWait() time.Duration {
	return min(s.cfg.QuotaCheckInterval, time.Second)
}

// process counts a batch of delivered messages exactly once: messages at or
// below the cursor were counted before and are only acknowledged; the rest
// must continue the stream without a gap, are aggregated, and are applied
// together with the new cursor in one transaction; then the batch is
// acknowledged (AckAll on its last message).
func (s *Service) process(ctx context.Context, stream jetstream.Stream, msgs []jetstream.Msg) error {
	agg := newAggregate(s.cal)
	prev := s.cur.last
	expect := s.cur.last + 1
	lastMsgMS := s.cur.lastMsg
	for _, m := range msgs {
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("metering: message metadata: %w", err)
		}
		seq := md.Sequence.Stream
		if seq < expect {
			continue // counted already (a redelivery)
		}
		if seq > expect {
			if err := s.checkGap(ctx, stream, expect, seq); err != nil {
				return err
			}
		}
		expect = seq + 1
		lastMsgMS = md.Timestamp.UnixMilli()
		var batch meteringv1.EventBatch
		if err := proto.Unmarshal(m.Data(), &batch); err != nil {
			// A malformed message can never be counted; skipping it keeps
			// the stream moving. It stays in the stream for audit.
			metricSkipped.Inc()
			s.log.Warn("metering: undecodable message skipped", "seq", seq, "subject", m.Subject(), "err", err)
			continue
		}
		src := strings.TrimPrefix(m.Subject(), natsx.MeteringEventSubject+".")
		recvMS := md.Timestamp.UnixMilli()
		for _, ev := range batch.GetEvents() {
			if ev != nil {
				agg.add(ev, recvMS, src)
			}
		}
	}
	last := expect - 1
	var uses []quotaUse
	if last > prev {
		began := time.Now()
		var err error
		if uses, err = s.apply(ctx, agg, prev, last, lastMsgMS); err != nil {
			return err
		}
		metricBatchSeconds.Observe(time.Since(began).Seconds())
		metricBatches.Inc()
		metricEvents.Add(float64(agg.events))
		s.cur.last, s.cur.lastMsg = last, lastMsgMS
		s.counted.Add(uint64(agg.events))
	}
	if s.hooks.afterCommit != nil {
		if err := s.hooks.afterCommit(last); err != nil {
			return err
		}
	}
	if s.hooks.skipAck != nil && s.hooks.skipAck(last) {
		return nil
	}
	if err := msgs[len(msgs)-1].Ack(); err != nil {
		// Harmless for exactness: redelivered messages are below the
		// cursor and skipped.
		s.log.Warn("metering: ack failed", "seq", last, "err", err)
	}
	if len(uses) > 0 {
		s.publishQuotaUses(ctx, uses)
	}
	return nil
}

// checkGap accepts a jump in stream sequences only when the messages in
// between no longer exist (removed by retention or deleted): the first
// message at or after expect must be seq itself. Otherwise delivery is out
// of order with respect to the cursor and the consumer must be
// re-positioned.
func (s *Service) checkGap(ctx context.Context, stream jetstream.Stream, expect, seq uint64) error {
	raw, err := stream.GetMsg(ctx, expect, jetstream.WithGetMsgSubject(filterSubject))
	if err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("metering: check sequence gap %d..%d: %w", expect, seq-1, err)
	}
	if err == nil && raw.Sequence != seq {
		return fmt.Errorf("metering: message %d was delivered before %d: re-positioning", seq, raw.Sequence)
	}
	s.log.Warn("metering: stream messages missing (retention or deletion); not counted", "from_seq", expect, "to_seq", seq-1)
	return nil
}
