package meterpub_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

func TestPublishDeduplicates(t *testing.T) {
	ctx := context.Background()
	_, bus := natstest.Start(t)
	stream, err := natsx.EnsureMeteringStream(ctx, bus.JS, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	one := &meteringv1.Event{Id: "doc-1", ApiId: "docexchange.send", Status: 200}
	for range 3 { // a retried single transaction
		if err := meterpub.Publish(ctx, bus.JS, meterpub.SourceDocExchange, one); err != nil {
			t.Fatal(err)
		}
	}
	batch := func() []*meteringv1.Event {
		return []*meteringv1.Event{{Id: "g-1"}, {Id: "g-2"}, {Id: "g-3"}}
	}
	for range 2 { // a retried batch, rebuilt from the same events
		if err := meterpub.Publish(ctx, bus.JS, meterpub.SourceGateway, batch()...); err != nil {
			t.Fatal(err)
		}
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Fatalf("stream holds %d messages, want 2", info.State.Msgs)
	}
	raw, err := stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if raw.Subject != "lgsp.metering.events.docexchange" || raw.Header.Get(jetstream.MsgIDHeader) != "doc-1" {
		t.Errorf("message 1: subject %s, id %s", raw.Subject, raw.Header.Get(jetstream.MsgIDHeader))
	}
	var got meteringv1.EventBatch
	if err := proto.Unmarshal(raw.Data, &got); err != nil {
		t.Fatal(err)
	}
	if ev := got.GetEvents()[0]; ev.GetSource() != "docexchange" || ev.GetTime() == nil {
		t.Errorf("event not completed with source and time: %v", ev)
	}
	if meterpub.BatchID(batch()) == meterpub.BatchID(batch()[:2]) {
		t.Error("different batches share an id")
	}
}

func TestMessageValidation(t *testing.T) {
	for name, c := range map[string]struct {
		source string
		b      *meteringv1.EventBatch
		want   string
	}{
		"wildcard source":  {"gate.*", &meteringv1.EventBatch{BatchId: "x", Events: []*meteringv1.Event{{Id: "1"}}}, "invalid source"},
		"no batch id":      {"gateway", &meteringv1.EventBatch{Events: []*meteringv1.Event{{Id: "1"}}}, "batch_id"},
		"event without id": {"gateway", &meteringv1.EventBatch{BatchId: "x", Events: []*meteringv1.Event{{Id: "1"}, {}}}, "event 1 has no id"},
	} {
		if _, err := meterpub.Message(c.source, c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", name, err, c.want)
		}
	}
}
