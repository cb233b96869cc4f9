package metering

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"

	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
)

func TestPlanStream(t *testing.T) {
	const (
		oldCreated = int64(1_700_000_000_000)
		newCreated = int64(1_800_000_000_000)
		lastMsg    = int64(1_750_000_000_000) // when message 100 was received
	)
	// span returns messages from..to, received 1 s apart and ending at end.
	type msgs map[uint64]int64
	span := func(m msgs, from, to uint64, end int64) msgs {
		if m == nil {
			m = msgs{}
		}
		for seq := from; seq <= to; seq++ {
			m[seq] = end - int64(to-seq)*1000
		}
		return m
	}
	counted := span(nil, 1, 100, lastMsg)
	cases := []struct {
		name string
		cur  cursorState
		sv   streamView
		msgs msgs
		want streamPlan
	}{
		{"nothing counted, empty stream",
			cursorState{}, streamView{created: newCreated}, nil,
			streamPlan{planAdopt, 0, 0}},
		{"nothing counted, identity known",
			cursorState{created: newCreated}, streamView{created: newCreated, first: 1, last: 9}, nil,
			streamPlan{planKeep, 0, 0}},
		{"same stream, more to count",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 1, last: 150},
			span(counted, 101, 150, lastMsg+50_000),
			streamPlan{planKeep, 100, lastMsg}},
		{"same stream, caught up",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 1, last: 100}, counted,
			streamPlan{planKeep, 100, lastMsg}},
		{"same stream, message at the cursor deleted",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 1, last: 150},
			span(span(nil, 1, 99, lastMsg-1000), 101, 150, lastMsg+50_000),
			streamPlan{planKeep, 100, lastMsg}},
		{"same stream, retention removed everything up to the cursor",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 101, last: 100}, nil,
			streamPlan{planKeep, 100, lastMsg}},
		{"same stream, retention removed messages past the cursor",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 140, last: 150}, nil,
			streamPlan{planKeep, 100, lastMsg}},
		{"same stream restored from an older backup",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 1, last: 60},
			span(nil, 1, 60, lastMsg-40_000),
			streamPlan{planRolledBack, 60, lastMsg - 40_000}},
		{"same stream restored from an older backup, then published to",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 1, last: 90},
			span(span(nil, 1, 60, lastMsg-40_000), 61, 90, newCreated),
			streamPlan{planRolledBack, 60, lastMsg - 40_000}},
		{"same stream restored from an older backup, then published to past the cursor",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 1, last: 130},
			span(span(nil, 1, 60, lastMsg-40_000), 61, 130, newCreated),
			streamPlan{planRolledBack, 60, lastMsg - 40_000}},
		{"same stream restored from an older backup with deleted messages",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 3, last: 90},
			func() msgs {
				m := span(span(nil, 3, 60, lastMsg-40_000), 61, 90, newCreated)
				for _, seq := range []uint64{30, 31, 59, 60, 61, 75} {
					delete(m, seq)
				}
				return m
			}(),
			streamPlan{planRolledBack, 58, lastMsg - 42_000}},
		{"same stream restored from a backup holding nothing counted",
			cursorState{100, oldCreated, lastMsg}, streamView{created: oldCreated, first: 1, last: 30},
			span(nil, 1, 30, newCreated),
			streamPlan{planRolledBack, 0, 0}},
		{"new stream shorter than the cursor",
			cursorState{100, oldCreated, lastMsg}, streamView{created: newCreated, first: 1, last: 30},
			span(nil, 1, 30, newCreated+30_000),
			streamPlan{planReplaced, 0, 0}},
		{"new stream longer than the cursor",
			cursorState{100, oldCreated, lastMsg}, streamView{created: newCreated, first: 1, last: 500},
			span(nil, 1, 500, newCreated+500_000),
			streamPlan{planReplaced, 0, 0}},
		{"new empty stream",
			cursorState{100, oldCreated, lastMsg}, streamView{created: newCreated}, nil,
			streamPlan{planReplaced, 0, 0}},
		{"new stream whose first messages are gone",
			cursorState{100, oldCreated, lastMsg}, streamView{created: newCreated, first: 11, last: 40},
			span(nil, 11, 40, newCreated+40_000),
			streamPlan{planReplaced, 10, 0}},
		{"counted stream under a new identity (restored into a cluster)",
			cursorState{100, oldCreated, lastMsg}, streamView{created: newCreated, first: 1, last: 120},
			span(counted, 101, 120, newCreated),
			streamPlan{planAdopt, 100, lastMsg}},
		{"older copy of the counted stream under a new identity, then published to",
			cursorState{100, oldCreated, lastMsg}, streamView{created: newCreated, first: 1, last: 130},
			span(span(nil, 1, 60, lastMsg-40_000), 61, 130, newCreated+70_000),
			streamPlan{planRolledBack, 60, lastMsg - 40_000}},
		{"counted stream under a new identity, retention past the cursor",
			cursorState{100, oldCreated, lastMsg}, streamView{created: newCreated, first: 101, last: 120},
			span(nil, 101, 120, newCreated),
			streamPlan{planReplaced, 100, 0}},
		{"cursor of unknown identity, stream at or past it",
			cursorState{last: 100}, streamView{created: newCreated, first: 1, last: 100}, nil,
			streamPlan{planAdopt, 100, 0}},
		{"cursor of unknown identity, stream below it",
			cursorState{last: 100}, streamView{created: newCreated, first: 1, last: 99}, nil,
			streamPlan{planReplaced, 0, 0}},
		{"receive time unknown, same stream below the cursor",
			cursorState{100, oldCreated, 0}, streamView{created: oldCreated, first: 1, last: 60}, nil,
			streamPlan{planRolledBack, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			got, err := planStream(c.cur, c.sv, func(seq uint64) (uint64, int64, bool, error) {
				calls++
				for at := seq; at <= c.sv.last; at++ {
					if ms, ok := c.msgs[at]; ok {
						return at, ms, true, nil
					}
				}
				return 0, 0, false, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("planStream = %+v, want %+v", got, c.want)
			}
			if calls > 10 {
				t.Errorf("%d messages read, want a binary search", calls)
			}
		})
	}
}

// resetsCounted reads lgsp_metering_stream_resets_total{kind}.
func resetsCounted(t *testing.T, kind string) float64 {
	t.Helper()
	var m dto.Metric
	if err := metricStreamResets.WithLabelValues(kind).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newLoggedService is newService with its log kept in a buffer.
func newLoggedService(t *testing.T, cfg Config, db *sqlstore.DB, bus *natsx.Bus) (*Service, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	s, err := New(cfg, db, bus, nil, slog.New(slog.NewTextHandler(buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, buf
}

// countAll runs a consumer until it has counted the whole stream.
func countAll(t *testing.T, s *Service, db *sqlstore.DB, bus *natsx.Bus) {
	t.Helper()
	r := start(t, s)
	waitCaughtUp(t, db, bus)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
}

// countUntil runs a consumer until the cursor is at cursor and the rollups
// hold total events (waitCaughtUp cannot tell when the stored cursor is
// past the end of a new stream).
func countUntil(t *testing.T, s *Service, db *sqlstore.DB, cursor uint64, total int64) {
	t.Helper()
	r := start(t, s)
	eventually(t, "the new stream counted", func() bool {
		return cursorOf(t, db) == cursor && tableTotal(t, db, tableYear) >= total
	})
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
}

func ensureStream(t *testing.T, bus *natsx.Bus) jetstream.Stream {
	t.Helper()
	st, err := natsx.EnsureMeteringStream(context.Background(), bus.JS, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// stopServer stops a server started by natstest.StartAt before the test
// ends (its cleanup stops it again, harmlessly).
func stopServer(srv *natsx.Embedded, bus *natsx.Bus) {
	bus.Close()
	srv.Shutdown()
}

// TestNATSStoreReplaced counts events, replaces the NATS store with an
// empty one while SQL is kept, and checks that the new stream's events are
// counted once, whether the new stream ends below the old cursor or past
// it, and whether the cursor predates the recording of the stream identity.
func TestNATSStoreReplaced(t *testing.T) {
	cases := []struct {
		name         string
		oldEv, newEv int // events, 10 per message
		legacyCursor bool
	}{
		{name: "new stream below the cursor", oldEv: 1000, newEv: 300},
		{name: "new stream past the cursor", oldEv: 200, newEv: 500},
		{name: "cursor without stream identity", oldEv: 1000, newEv: 300, legacyCursor: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				ctx := context.Background()
				cfg := testConfig()
				dir := t.TempDir()
				srv, bus := natstest.StartAt(t, dir)
				ensureStream(t, bus)
				publishAll(t, bus, meterpub.SourceGateway, gen("old", c.oldEv, base, nil), 10)
				countAll(t, newService(t, cfg, db, bus, nil), db, bus)
				assertTotals(t, db, int64(c.oldEv))
				if c.legacyCursor {
					// As written before the stream identity was recorded.
					if _, err := db.ExecContext(ctx, `UPDATE metering_cursor SET stream_created_ms = 0, last_msg_ms = 0`); err != nil {
						t.Fatal(err)
					}
				}

				// The store is lost: a new server starts on an empty one.
				stopServer(srv, bus)
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				srv2, bus2 := natstest.StartAt(t, dir)
				ensureStream(t, bus2)
				publishAll(t, bus2, meterpub.SourceOneStop, gen("new", c.newEv, base, nil), 10)
				newMsgs := uint64(c.newEv / 10)
				if got := streamLastSeq(t, bus2); got != newMsgs {
					t.Fatalf("new stream ends at %d, want %d", got, newMsgs)
				}

				s2, logs := newLoggedService(t, cfg, db, bus2)
				if lag, err := s2.Lag(ctx); err != nil || lag != newMsgs {
					t.Errorf("lag on the new stream = %d, %v; want %d", lag, err, newMsgs)
				}
				before := resetsCounted(t, "replaced")
				countUntil(t, s2, db, newMsgs, int64(c.oldEv+c.newEv))
				assertTotals(t, db, int64(c.oldEv+c.newEv))
				if got := resetsCounted(t, "replaced") - before; got != 1 {
					t.Errorf("%v replaced-stream resets counted, want 1", got)
				}
				out := logs.String()
				if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "counting restarts at the new stream's first message") ||
					!strings.Contains(out, "msg_vi=") {
					t.Errorf("no error-level report of the replaced stream in the log:\n%s", out)
				}
				if got := s2.Counted(); got != uint64(c.newEv) {
					t.Errorf("Counted() = %d, want %d", got, c.newEv)
				}

				// A restart on the new store is not another reset.
				publishAll(t, bus2, meterpub.SourceGateway, gen("more", 100, base, nil), 10)
				countAll(t, newService(t, cfg, db, bus2, nil), db, bus2)
				assertTotals(t, db, int64(c.oldEv+c.newEv+100))
				if got := resetsCounted(t, "replaced") - before; got != 1 {
					t.Errorf("%v replaced-stream resets counted after a plain restart, want 1", got)
				}
				stopServer(srv2, bus2)
			})
		})
	}
}

// TestSameStoreIsNotAReset restarts NATS on the same store and removes
// counted messages (as retention does) between runs: nothing is taken for a
// new stream and the totals stay exact.
func TestSameStoreIsNotAReset(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		cfg := testConfig()
		dir := t.TempDir()
		srv, bus := natstest.StartAt(t, dir)
		ensureStream(t, bus)
		replaced, rolledBack := resetsCounted(t, "replaced"), resetsCounted(t, "rolled_back")

		publishAll(t, bus, meterpub.SourceGateway, gen("a", 1000, base, nil), 10)
		countAll(t, newService(t, cfg, db, bus, nil), db, bus)
		// Retention removes everything counted so far; more arrives while
		// metering is down.
		if err := ensureStream(t, bus).Purge(ctx, jetstream.WithPurgeSequence(101)); err != nil {
			t.Fatal(err)
		}
		publishAll(t, bus, meterpub.SourceGateway, gen("b", 500, base, nil), 10)
		stopServer(srv, bus)

		srv2, bus2 := natstest.StartAt(t, dir)
		s2 := newService(t, cfg, db, bus2, nil)
		if lag, err := s2.Lag(ctx); err != nil || lag != 50 {
			t.Errorf("lag after restart = %d, %v; want 50", lag, err)
		}
		r2 := start(t, s2)
		publishAll(t, bus2, meterpub.SourceGateway, gen("c", 500, base, nil), 10)
		waitCaughtUp(t, db, bus2)
		// Retention at the head while metering runs.
		if err := ensureStream(t, bus2).Purge(ctx, jetstream.WithPurgeSequence(180)); err != nil {
			t.Fatal(err)
		}
		publishAll(t, bus2, meterpub.SourceGateway, gen("d", 200, base, nil), 10)
		waitCaughtUp(t, db, bus2)
		if err := r2.stop(t); err != nil {
			t.Fatal(err)
		}
		stopServer(srv2, bus2)

		_, bus3 := natstest.StartAt(t, dir)
		publishAll(t, bus3, meterpub.SourceGateway, gen("e", 100, base, nil), 10)
		countAll(t, newService(t, cfg, db, bus3, nil), db, bus3)
		assertTotals(t, db, 2300)
		if got := cursorOf(t, db); got != 230 {
			t.Errorf("cursor at %d, want 230", got)
		}
		if resetsCounted(t, "replaced") != replaced || resetsCounted(t, "rolled_back") != rolledBack {
			t.Error("a restart on the same store was taken for a new stream")
		}
	})
}

// copyDir copies a stopped server's store.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNATSStoreRestoredFromOlderBackup puts back a copy of the store taken
// before the last events were counted. Its messages were all counted; the
// events published after the restore reuse the sequences of the lost ones,
// and are counted once whether the stream then ends below the cursor or
// past it.
func TestNATSStoreRestoredFromOlderBackup(t *testing.T) {
	for _, after := range []int{300, 600} {
		t.Run(fmt.Sprintf("%d events after the restore", after), func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				cfg := testConfig()
				dir, backup := t.TempDir(), t.TempDir()
				srv, bus := natstest.StartAt(t, dir)
				ensureStream(t, bus)
				publishAll(t, bus, meterpub.SourceGateway, gen("a", 600, base, nil), 10)
				countAll(t, newService(t, cfg, db, bus, nil), db, bus)
				stopServer(srv, bus)
				copyDir(t, dir, backup)

				srv2, bus2 := natstest.StartAt(t, dir)
				publishAll(t, bus2, meterpub.SourceGateway, gen("b", 400, base, nil), 10)
				countAll(t, newService(t, cfg, db, bus2, nil), db, bus2)
				stopServer(srv2, bus2)
				assertTotals(t, db, 1000)

				before := resetsCounted(t, "rolled_back")
				_, bus3 := natstest.StartAt(t, backup)
				if got := streamLastSeq(t, bus3); got != 60 {
					t.Fatalf("restored stream ends at %d, want 60", got)
				}
				publishAll(t, bus3, meterpub.SourceGateway, gen("c", after, base, nil), 10)
				s3, logs := newLoggedService(t, cfg, db, bus3)
				if lag, err := s3.Lag(context.Background()); err != nil || lag != uint64(after/10) {
					t.Errorf("lag on the restored stream = %d, %v; want %d", lag, err, after/10)
				}
				countUntil(t, s3, db, uint64(60+after/10), int64(1000+after))
				assertTotals(t, db, int64(1000+after))
				if got := resetsCounted(t, "rolled_back") - before; got != 1 {
					t.Errorf("%v rolled-back resets counted, want 1", got)
				}
				if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "is an older copy of the counted stream") {
					t.Errorf("no error-level report of the rolled-back stream in the log:\n%s", out)
				}
			})
		})
	}
}

// TestStreamRecreatedWhileRunning deletes and recreates the stream under a
// running consumer.
func TestStreamRecreatedWhileRunning(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		_, bus := natstest.Start(t)
		ensureStream(t, bus)
		s := newService(t, testConfig(), db, bus, nil)
		s.streamCheck = 50 * time.Millisecond
		before := resetsCounted(t, "replaced")
		r := start(t, s)
		publishAll(t, bus, meterpub.SourceGateway, gen("a", 1000, base, nil), 10)
		waitCaughtUp(t, db, bus)

		if err := bus.JS.DeleteStream(ctx, natsx.MeteringStream); err != nil {
			t.Fatal(err)
		}
		ensureStream(t, bus)
		publishAll(t, bus, meterpub.SourceGateway, gen("b", 300, base, nil), 10)
		eventually(t, "the new stream's events counted", func() bool {
			return cursorOf(t, db) == 30 && tableTotal(t, db, tableYear) >= 1300
		})
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		assertTotals(t, db, 1300)
		if got := resetsCounted(t, "replaced") - before; got != 1 {
			t.Errorf("%v replaced-stream resets counted, want 1", got)
		}
	})
}

// TestNATSServerReplacedWhileRunning replaces the NATS server under a
// running consumer with one on an empty store at the same address; the
// client reconnects to it.
func TestNATSServerReplacedWhileRunning(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		srv, bus := natstest.Start(t)
		ensureStream(t, bus)
		s := newService(t, testConfig(), db, bus, nil)
		s.streamCheck = 50 * time.Millisecond
		before := resetsCounted(t, "replaced")
		r := start(t, s)
		publishAll(t, bus, meterpub.SourceGateway, gen("a", 1000, base, nil), 10)
		waitCaughtUp(t, db, bus)

		u, err := url.Parse(srv.ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		srv.Shutdown()
		srv2, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: t.TempDir(), Listen: u.Host}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv2.Shutdown)
		eventually(t, "the client reconnected", func() bool { return bus.Ready(context.Background()) == nil })
		ensureStream(t, bus)
		publishAll(t, bus, meterpub.SourceGateway, gen("b", 300, base, nil), 10)
		eventually(t, "the new stream's events counted", func() bool {
			return cursorOf(t, db) == 30 && tableTotal(t, db, tableYear) >= 1300
		})
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		assertTotals(t, db, 1300)
		if got := resetsCounted(t, "replaced") - before; got != 1 {
			t.Errorf("%v replaced-stream resets counted, want 1", got)
		}
	})
}
