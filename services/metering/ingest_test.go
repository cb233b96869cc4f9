package metering

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

var base = time.Date(2026, 3, 14, 9, 0, 0, 0, hcm)

// publishWithDuplicates publishes events in messages of per events and
// re-publishes every fifth message with the same Nats-Msg-Id, as a
// publisher retrying after a lost acknowledgement does.
func publishWithDuplicates(ctx context.Context, js jetstream.JetStream, events []*meteringv1.Event, per int) error {
	for i, n := 0, 0; i < len(events); i, n = i+per, n+1 {
		chunk := events[i:min(i+per, len(events))]
		if err := meterpub.Publish(ctx, js, meterpub.SourceGateway, chunk...); err != nil {
			return err
		}
		if n%5 == 0 {
			if err := meterpub.Publish(ctx, js, meterpub.SourceGateway, chunk...); err != nil {
				return err
			}
		}
	}
	return nil
}

func assertTotals(t *testing.T, db *sqlstore.DB, want int64) {
	t.Helper()
	for _, table := range rollupTables {
		if got := tableTotal(t, db, table); got != want {
			t.Errorf("%s counts %d events, want exactly %d", table, got, want)
		}
	}
}

// TestExactlyOnceAcrossAbruptStops publishes N events with duplicates while
// metering is stopped mid-stream in several ways, and checks that exactly N
// are counted.
func TestExactlyOnceAcrossAbruptStops(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		_, bus := natstest.Start(t)
		ctx := context.Background()
		if _, err := natsx.EnsureMeteringStream(ctx, bus.JS, natsx.StreamOptions{}); err != nil {
			t.Fatal(err)
		}
		const n = 12000
		events := gen("ev", n, base, nil)
		cfg := testConfig()
		cfg.BatchSize = 20 // many small transactions, so stops land mid-stream

		// Publish concurrently with the first runs.
		var pubErr error
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			pubErr = publishWithDuplicates(ctx, bus.JS, events, 10)
		}()

		// 1. Cancel Run in the middle of ingest.
		s1 := newService(t, cfg, db, bus, nil)
		r1 := start(t, s1)
		eventually(t, "first progress", func() bool { return cursorOf(t, db) > 20 })
		if err := r1.stop(t); err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
		c1 := cursorOf(t, db)

		// 2. Crash after a commit, before the ack.
		s2 := newService(t, cfg, db, bus, nil)
		commits := 0
		s2.hooks.afterCommit = func(uint64) error {
			if commits++; commits == 3 {
				return errStop
			}
			return nil
		}
		r2 := start(t, s2)
		if err := r2.wait(t); !errors.Is(err, errStop) {
			t.Fatalf("Run with crash hook returned %v", err)
		}
		c2 := cursorOf(t, db)
		if c2 <= c1 {
			t.Fatalf("cursor did not move in run 2: %d -> %d", c1, c2)
		}

		// 3. Crash inside the transaction, before the commit.
		s3 := newService(t, cfg, db, bus, nil)
		s3.hooks.beforeCommit = func(uint64) error { return errStop }
		r3 := start(t, s3)
		if err := r3.wait(t); !errors.Is(err, errStop) {
			t.Fatalf("Run with crash hook returned %v", err)
		}
		if c3 := cursorOf(t, db); c3 != c2 {
			t.Fatalf("a rolled-back batch moved the cursor: %d -> %d", c2, c3)
		}

		// 4. Restart and finish.
		t.Logf("cursor after cancel %d, after crash before ack %d (stream at %d)", c1, c2, streamLastSeq(t, bus))
		wg.Wait()
		if pubErr != nil {
			t.Fatal(pubErr)
		}
		s4 := newService(t, cfg, db, bus, nil)
		r4 := start(t, s4)
		waitCaughtUp(t, db, bus)
		if err := r4.stop(t); err != nil {
			t.Fatal(err)
		}
		if last := streamLastSeq(t, bus); last != n/10 {
			t.Errorf("stream holds %d messages, want %d: duplicates were stored", last, n/10)
		}
		assertTotals(t, db, n)
		var keysUsed int64
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM metering_keys`).Scan(&keysUsed); err != nil {
			t.Fatal(err)
		}
		// api-(i%3) x app-(i%4): 12 combinations, one status class.
		if keysUsed != 12 {
			t.Errorf("%d rollup keys, want 12", keysUsed)
		}
	})
}

// TestRedeliveryIsSkipped leaves batches unacknowledged so that JetStream
// redelivers them after AckWait while newer messages are being counted.
func TestRedeliveryIsSkipped(t *testing.T) {
	db := sqltest.Open(t, sqltest.SQLite)
	_, bus := natstest.Start(t)
	const n = 3000
	cfg := testConfig()
	cfg.BatchSize = 25
	cfg.AckWait = time.Second
	s := newService(t, cfg, db, bus, nil)
	var mu sync.Mutex
	unacked := 0
	s.hooks.skipAck = func(uint64) bool {
		mu.Lock()
		defer mu.Unlock()
		unacked++
		return unacked%3 == 1
	}
	r := start(t, s)
	publishAll(t, bus, meterpub.SourceGateway, gen("rd", n, base, nil), 10)
	waitCaughtUp(t, db, bus)
	// Let at least one AckWait pass so redeliveries arrive and are skipped.
	time.Sleep(2500 * time.Millisecond)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	assertTotals(t, db, n)
	if got := s.Counted(); got != n {
		t.Errorf("Counted() = %d, want %d", got, n)
	}
}

// TestNATSServerRestart restarts the embedded server on the same store
// directory between two runs and while one is running.
func TestNATSServerRestart(t *testing.T) {
	db := sqltest.Open(t, sqltest.SQLite)
	dir := t.TempDir()
	srv, bus := natstest.StartAt(t, dir)
	cfg := testConfig()
	s := newService(t, cfg, db, bus, nil)
	r := start(t, s)
	publishAll(t, bus, meterpub.SourceGateway, gen("a", 1000, base, nil), 10)
	waitCaughtUp(t, db, bus)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	// Events published while metering is down survive a server restart.
	publishAll(t, bus, meterpub.SourceDocExchange, gen("b", 500, base, nil), 1)
	bus.Close()
	srv.Shutdown()

	_, bus2 := natstest.StartAt(t, dir)
	if got := streamLastSeq(t, bus2); got != 600 {
		t.Fatalf("stream after restart ends at %d, want 600", got)
	}
	s2 := newService(t, cfg, db, bus2, nil)
	if lag, err := s2.Lag(context.Background()); err != nil || lag != 500 {
		t.Fatalf("lag before restart = %d, %v; want 500", lag, err)
	}
	r2 := start(t, s2)
	publishAll(t, bus2, meterpub.SourceOneStop, gen("c", 500, base, nil), 5)
	waitCaughtUp(t, db, bus2)
	if err := r2.stop(t); err != nil {
		t.Fatal(err)
	}
	assertTotals(t, db, 2000)
	if lag, err := s2.Lag(context.Background()); err != nil || lag != 0 {
		t.Errorf("lag after catching up = %d, %v", lag, err)
	}
	var bySource = map[string]int64{}
	rows, err := db.QueryContext(context.Background(), `SELECT k.source, CAST(SUM(u.request_count) AS BIGINT) FROM metering_usage_day u JOIN metering_keys k ON k.id = u.key_id GROUP BY k.source`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var src string
		var c int64
		if err := rows.Scan(&src, &c); err != nil {
			t.Fatal(err)
		}
		bySource[src] = c
	}
	if bySource["gateway"] != 1000 || bySource["docexchange"] != 500 || bySource["onestop"] != 500 {
		t.Errorf("per source %v, want gateway 1000, docexchange 500, onestop 500", bySource)
	}
}

// TestRollupsAgree checks that every granularity holds the same totals and
// that coarser buckets are the sums of finer ones.
func TestRollupsAgree(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		_, bus := natstest.Start(t)
		s := newService(t, testConfig(), db, bus, nil)
		r := start(t, s)
		// Events around local midnight, over three hours.
		evs := gen("ra", 3000, time.Date(2026, 1, 31, 22, 30, 0, 0, hcm), func(i int, ev *meteringv1.Event) {
			switch i % 7 {
			case 1:
				ev.Status = 404
			case 2:
				ev.Status = 503
			case 3:
				ev.ErrorCode = "upstream_timeout"
				ev.Status = 504
			}
			ev.LatencyUs = int64(500 + i*37%200000)
		})
		publishAll(t, bus, meterpub.SourceGateway, evs, 25)
		waitCaughtUp(t, db, bus)
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		assertTotals(t, db, 3000)
		ctx := context.Background()
		// Every column, summed over each table, is equal.
		cols := append([]string{"bytes_in", "bytes_out", "latency_sum_us"}, histColumns...)
		for _, c := range cols {
			var ref int64
			for i, table := range rollupTables {
				var v int64
				if err := db.QueryRowContext(ctx, "SELECT CAST(COALESCE(SUM("+c+"), 0) AS BIGINT) FROM "+table).Scan(&v); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					ref = v
				} else if v != ref {
					t.Errorf("SUM(%s) in %s = %d, minute table has %d", c, table, v, ref)
				}
			}
		}
		// The day starting at local midnight Feb 1 holds exactly the
		// minute buckets from that midnight on.
		feb1 := time.Date(2026, 2, 1, 0, 0, 0, 0, hcm).UnixMilli()
		var day, minutes int64
		if err := db.QueryRowContext(ctx, db.Rebind(`SELECT CAST(SUM(request_count) AS BIGINT) FROM metering_usage_day WHERE bucket_ms = ?`), feb1).Scan(&day); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, db.Rebind(`SELECT CAST(SUM(request_count) AS BIGINT) FROM metering_usage_minute WHERE bucket_ms >= ?`), feb1).Scan(&minutes); err != nil {
			t.Fatal(err)
		}
		if day != minutes || day == 0 || day == 3000 {
			t.Errorf("Feb 1 day bucket %d, minute buckets from local midnight %d", day, minutes)
		}
		// Events are 30 s apart from 22:30 on Jan 31, cycling every 240;
		// those from 00:00 on Feb 1 have i%240 >= 180: 60 per full cycle.
		if want := int64(3000 / 240 * 60); day != want {
			t.Errorf("Feb 1 holds %d events, want %d", day, want)
		}
		var hours int64
		if err := db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT bucket_ms) FROM metering_usage_hour`).Scan(&hours); err != nil {
			t.Fatal(err)
		}
		if hours != 3 { // 22:00, 23:00 and 00:00 local
			t.Errorf("%d hour buckets, want 3", hours)
		}
	})
}

// TestDeletedMessagesAreNotAwaited removes messages from the stream (as an
// operator purging a poison message, or retention at the head would) and
// checks that metering counts the rest instead of waiting for them.
func TestDeletedMessagesAreNotAwaited(t *testing.T) {
	ctx := context.Background()
	db := sqltest.Open(t, sqltest.SQLite)
	_, bus := natstest.Start(t)
	stream, err := natsx.EnsureMeteringStream(ctx, bus.JS, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	publishAll(t, bus, meterpub.SourceGateway, gen("del", 1000, base, nil), 10)
	for _, seq := range []uint64{1, 50, 51, 100} {
		if err := stream.DeleteMsg(ctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	cfg := testConfig()
	cfg.BatchSize = 7
	s := newService(t, cfg, db, bus, nil)
	r := start(t, s)
	publishAll(t, bus, meterpub.SourceGateway, gen("del2", 100, base, nil), 10)
	eventually(t, "cursor at the end of the stream", func() bool { return cursorOf(t, db) == 110 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	assertTotals(t, db, 1100-40)
}
