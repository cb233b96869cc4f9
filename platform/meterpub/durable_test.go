package meterpub_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/journal"
	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

func encodeCall(dst *meteringv1.Event, src *call) {
	dst.Id = fmt.Sprintf("call-%d", src.id)
	dst.Status = src.status
}

func durableConfig() meterpub.BatcherConfig {
	return meterpub.BatcherConfig{Source: "gateway", Instance: "gw-test", Batch: 16, Buffer: 256, MaxPending: 8, AckTimeout: time.Second}
}

func startDurable(t *testing.T, bus *natsx.Bus, dir string, cfg meterpub.BatcherConfig) (*meterpub.Durable[call], *journal.Journal, func()) {
	t.Helper()
	j, _, err := journal.Open(journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	d, err := meterpub.NewDurable(bus.Conn, j, cfg, encodeCall)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); d.Run() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = d.Stop(ctx)
		<-done
		_ = j.Close()
	}
	t.Cleanup(stop)
	return d, j, stop
}

// eventIDs reads every event of the metering stream, failing on a repeat.
func eventIDs(t *testing.T, js jetstream.JetStream, want int) map[string]bool {
	t.Helper()
	ctx := context.Background()
	stream, err := natsx.EnsureMeteringStream(ctx, js, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ids = map[string]bool{}
		info, err := stream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			m, err := stream.GetMsg(ctx, seq)
			if err != nil {
				continue
			}
			var b meteringv1.EventBatch
			if err := proto.Unmarshal(m.Data, &b); err != nil {
				t.Fatal(err)
			}
			for _, e := range b.Events {
				if ids[e.Id] {
					t.Fatalf("event %s stored twice", e.Id)
				}
				ids[e.Id] = true
			}
		}
		if len(ids) >= want {
			return ids
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ids
}

func TestDurablePublishesEveryRecordedEventOnce(t *testing.T) {
	_, bus := natstest.Start(t)
	if _, err := natsx.EnsureMeteringStream(context.Background(), bus.JS, natsx.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	d, _, stop := startDurable(t, bus, t.TempDir(), durableConfig())
	const workers, each = 20, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := d.Record(&call{id: w*each + i, status: 200}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	stop()
	if got := d.Published(); got != workers*each {
		t.Fatalf("published %d, want %d", got, workers*each)
	}
	if ids := eventIDs(t, bus.JS, workers*each); len(ids) != workers*each {
		t.Fatalf("stream holds %d events, want %d", len(ids), workers*each)
	}
}

// While NATS is down, Record still returns as soon as the event is on
// disk; what was not shipped at stop goes out from the journal at the next
// start, once.
func TestDurableKeepsEventsThroughAnOutageAndARestart(t *testing.T) {
	natsDir, journalDir := t.TempDir(), t.TempDir()
	srv, bus := natstest.StartAt(t, natsDir)
	if _, err := natsx.EnsureMeteringStream(context.Background(), bus.JS, natsx.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	d, _, stop := startDurable(t, bus, journalDir, durableConfig())
	for i := range 10 {
		if err := d.Record(&call{id: i, status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	srv.Shutdown()
	start := time.Now()
	for i := 10; i < 60; i++ {
		if err := d.Record(&call{id: i, status: 200}); err != nil {
			t.Fatalf("record during the outage: %v", err)
		}
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("recording 50 events during the outage took %s", time.Since(start))
	}
	stop()
	if d.Backlog() == 0 {
		t.Fatal("nothing left in the journal although NATS was down")
	}

	// The next run, with NATS back, ships the backlog.
	_, bus2 := natstest.StartAt(t, natsDir)
	d2, _, stop2 := startDurable(t, bus2, journalDir, durableConfig())
	for i := 60; i < 70; i++ {
		if err := d2.Record(&call{id: i, status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	ids := eventIDs(t, bus2.JS, 70)
	stop2()
	if len(ids) != 70 {
		t.Fatalf("stream holds %d events after the restart, want 70", len(ids))
	}
	if d2.Backlog() != 0 {
		t.Fatalf("backlog %d after shipping", d2.Backlog())
	}
}

// A record shipped and acknowledged but still in the journal (the marker
// was not written before a crash) is shipped again with the same batch id,
// and JetStream keeps it once.
func TestDurableReshipIsDeduplicated(t *testing.T) {
	_, bus := natstest.Start(t)
	dir := t.TempDir()
	j, _, err := journal.Open(journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b := &meteringv1.EventBatch{BatchId: "gw-x-1", Events: []*meteringv1.Event{{Id: "e1"}, {Id: "e2"}}}
	data, _ := proto.Marshal(b)
	if _, err := j.Append(data); err != nil {
		t.Fatal(err)
	}
	j.Close()
	saved := snapshot(t, dir)
	for range 2 { // two runs; the journal is put back after each, as if a crash lost the marker
		_, _, stop := startDurable(t, bus, dir, durableConfig())
		eventIDs(t, bus.JS, 2)
		stop()
		restore(t, dir, saved)
	}
	if ids := eventIDs(t, bus.JS, 2); len(ids) != 2 {
		t.Fatalf("stream holds %d events, want 2", len(ids))
	}
}

func TestDurableFullJournalRefuses(t *testing.T) {
	_, bus := natstest.Start(t)
	j, _, err := journal.Open(journal.Options{Dir: t.TempDir(), MaxBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var dropped int
	cfg := durableConfig()
	cfg.Hooks.Dropped = func(reason string, n int) {
		if reason == meterpub.DropJournal {
			dropped += n
		}
	}
	d, err := meterpub.NewDurable(bus.Conn, j, cfg, encodeCall)
	if err != nil {
		t.Fatal(err)
	}
	go d.Run()
	defer d.Stop(context.Background())
	if err := d.Record(&call{id: 1}); !errors.Is(err, meterpub.ErrNotDurable) {
		t.Fatalf("record into a full journal: %v", err)
	}
	if dropped != 1 {
		t.Fatalf("dropped %d", dropped)
	}
}

func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func restore(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// Recording while the publisher stops never hangs: each call is either
// stored or refused.
func TestDurableRecordDuringStopNeverHangs(t *testing.T) {
	_, bus := natstest.Start(t)
	if _, err := natsx.EnsureMeteringStream(context.Background(), bus.JS, natsx.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	d, _, stop := startDurable(t, bus, t.TempDir(), durableConfig())
	var wg sync.WaitGroup
	var stored, refused atomic.Int64
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if err := d.Record(&call{id: w*1000 + i, status: 200}); err != nil {
					if !errors.Is(err, meterpub.ErrNotDurable) {
						t.Error(err)
					}
					refused.Add(1)
				} else {
					stored.Add(1)
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Record calls hang after Stop")
	}
	if stored.Load()+refused.Load() != 16*200 || stored.Load() == 0 {
		t.Fatalf("stored %d, refused %d", stored.Load(), refused.Load())
	}
}
