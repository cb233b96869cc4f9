package meterpub_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

type call struct {
	id     int
	status int32
}

func TestBatcherPublishesEveryEventOnce(t *testing.T) {
	ctx := context.Background()
	_, bus := natstest.Start(t)
	stream, err := natsx.EnsureMeteringStream(ctx, bus.JS, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	counts := map[string]int{}
	hook := func(name string) func(int) {
		return func(n int) { mu.Lock(); counts[name] += n; mu.Unlock() }
	}
	b, err := meterpub.NewBatcher(bus.Conn, meterpub.BatcherConfig{
		Source: "onestop", Instance: "test-1", Batch: 7, Flush: 10 * time.Millisecond,
		Buffer: 1000, MaxPending: 4, AckTimeout: time.Second,
		Hooks: meterpub.Hooks{Published: hook("published"), Dropped: func(reason string, n int) { hook(reason)(n) }},
	}, func(dst *meteringv1.Event, src *call) {
		if src.id%2 == 0 { // the rest get an id from the batch
			dst.Id = fmt.Sprintf("call-%d", src.id)
		}
		dst.Status = src.status
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); b.Run() }()
	const n = 100
	for i := 0; i < n; i++ {
		b.Record(&call{id: i, status: 200})
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := b.Stop(sctx); err != nil {
		t.Fatal(err)
	}
	<-done
	b.Record(&call{id: n}) // after Stop: counted as dropped
	if b.Published() != n || counts["published"] != n || counts[meterpub.DropStopped] != 1 {
		t.Fatalf("published %d, counts %v", b.Published(), counts)
	}

	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64((n + 6) / 7); info.State.Msgs != want {
		t.Fatalf("%d messages, want %d batches of at most 7", info.State.Msgs, want)
	}
	ids := map[string]bool{}
	for seq := uint64(1); seq <= info.State.Msgs; seq++ {
		raw, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var eb meteringv1.EventBatch
		if err := proto.Unmarshal(raw.Data, &eb); err != nil {
			t.Fatal(err)
		}
		if raw.Subject != meterpub.Subject("onestop") || raw.Header.Get(jetstream.MsgIDHeader) != eb.GetBatchId() || eb.GetBatchId() != fmt.Sprintf("test-1-%d", seq) {
			t.Fatalf("message %d: subject %s, id %s, batch %s", seq, raw.Subject, raw.Header.Get(jetstream.MsgIDHeader), eb.GetBatchId())
		}
		for _, ev := range eb.GetEvents() {
			if ids[ev.GetId()] || ev.GetId() == "" || ev.GetSource() != "onestop" || ev.GetTime() == nil || ev.GetStatus() != 200 {
				t.Fatalf("event %v", ev)
			}
			ids[ev.GetId()] = true
		}
	}
	if len(ids) != n {
		t.Fatalf("%d distinct events, want %d", len(ids), n)
	}
}

func TestNewBatcherValidates(t *testing.T) {
	_, bus := natstest.Start(t)
	good := meterpub.BatcherConfig{Source: "gateway", Instance: "x", Batch: 1, Flush: time.Second, Buffer: 1, MaxPending: 1, AckTimeout: time.Second}
	enc := func(*meteringv1.Event, *call) {}
	if _, err := meterpub.NewBatcher(bus.Conn, good, enc); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*meterpub.BatcherConfig){
		"source":   func(c *meterpub.BatcherConfig) { c.Source = "gate.*" },
		"instance": func(c *meterpub.BatcherConfig) { c.Instance = "" },
		"batch":    func(c *meterpub.BatcherConfig) { c.Batch = 0 },
	} {
		c := good
		mutate(&c)
		if _, err := meterpub.NewBatcher(bus.Conn, c, enc); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
