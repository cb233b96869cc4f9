package meterpub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// Sources of metering events known to the platform.
const (
	SourceGateway     = "gateway"
	SourceDocExchange = "docexchange"
	SourceOneStop     = "onestop"
)

// MaxBatchBytes bounds an encoded batch, well under the NATS payload limit.
const MaxBatchBytes = 4 << 20

// Subject returns the subject a source publishes on.
func Subject(source string) string { return natsx.MeteringEventSubject + "." + source }

// Publish sends events as one batch and waits for the stream to store it.
// A single event's Nats-Msg-Id is its id; a batch of several is identified
// by a digest of their ids, so publishing the same events again is
// de-duplicated either way. Events without a source get source; events
// without a time get the current time.
func Publish(ctx context.Context, js jetstream.JetStream, source string, events ...*meteringv1.Event) error {
	if len(events) == 0 {
		return nil
	}
	b := &meteringv1.EventBatch{Events: events}
	if len(events) == 1 {
		b.BatchId = events[0].GetId()
	} else {
		b.BatchId = BatchID(events)
	}
	return PublishBatch(ctx, js, source, b)
}

// PublishBatch sends a prepared batch; its batch_id is the Nats-Msg-Id and
// must be the same on every retry of the batch.
func PublishBatch(ctx context.Context, js jetstream.JetStream, source string, b *meteringv1.EventBatch) error {
	msg, err := Message(source, b)
	if err != nil {
		return err
	}
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("meterpub: publish batch %s: %w", b.GetBatchId(), err)
	}
	return nil
}

// Message validates a batch and builds its NATS message, for callers that
// publish asynchronously (jetstream.PublishMsgAsync).
func Message(source string, b *meteringv1.EventBatch) (*nats.Msg, error) {
	if !validSource(source) {
		return nil, fmt.Errorf("meterpub: invalid source %q: want lower-case letters, digits, '-' or '_'", source)
	}
	if b.GetBatchId() == "" {
		return nil, errors.New("meterpub: batch_id is required (it is the Nats-Msg-Id)")
	}
	var now *timestamppb.Timestamp
	for i, ev := range b.GetEvents() {
		if ev == nil || ev.GetId() == "" {
			return nil, fmt.Errorf("meterpub: event %d has no id", i)
		}
		if ev.Source == "" {
			ev.Source = source
		}
		if ev.Time == nil {
			if now == nil {
				now = timestamppb.New(time.Now())
			}
			ev.Time = now
		}
	}
	data, err := proto.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("meterpub: encode batch: %w", err)
	}
	if len(data) > MaxBatchBytes {
		return nil, fmt.Errorf("meterpub: batch %s is %d bytes, more than %d: split it", b.GetBatchId(), len(data), MaxBatchBytes)
	}
	msg := nats.NewMsg(Subject(source))
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, b.GetBatchId())
	return msg, nil
}

// BatchID derives a stable batch id from the ids of its events.
func BatchID(events []*meteringv1.Event) string {
	h := sha256.New()
	for _, ev := range events {
		h.Write([]byte(ev.GetId()))
		h.Write([]byte{0})
	}
	return "b-" + hex.EncodeToString(h.Sum(nil)[:16])
}

func validSource(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
