package metering

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// hcm is the platform's reporting zone.
var hcm = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return l
}()

func testConfig() Config {
	c := DefaultConfig()
	c.BatchSize = 200
	c.BatchLinger = 5 * time.Millisecond
	c.QuotaCheckInterval = 20 * time.Millisecond
	c.AckWait = 5 * time.Second
	return c
}

func testLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testClock is an adjustable clock.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.set(t)
	return c
}
func (c *testClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *testClock) now() time.Time  { return time.Unix(0, c.ns.Load()) }

// runner runs a Service's consumer in the background.
type runner struct {
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, s *Service) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and waits for it; it returns Run's error.
func (r *runner) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
		}
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return within 15s of cancellation")
		return nil
	}
}

// wait waits for Run to return by itself (a test hook stopped it).
func (r *runner) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		close(r.done)
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not stop within 15s")
		return nil
	}
}

func newService(t *testing.T, cfg Config, db *sqlstore.DB, bus *natsx.Bus, limits Limits, opts ...Option) *Service {
	t.Helper()
	s, err := New(cfg, db, bus, limits, testLogger(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// streamLastSeq is the sequence of the last message in LGSP_METERING.
func streamLastSeq(t *testing.T, bus *natsx.Bus) uint64 {
	t.Helper()
	st, err := natsx.EnsureMeteringStream(context.Background(), bus.JS, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq
}

func cursorOf(t testing.TB, db *sqlstore.DB) uint64 {
	t.Helper()
	var last int64
	err := db.QueryRowContext(context.Background(), `SELECT last_seq FROM metering_cursor WHERE name = 'metering'`).Scan(&last)
	if err != nil {
		return 0
	}
	return uint64(last)
}

// waitCaughtUp waits until the cursor reaches the end of the stream.
func waitCaughtUp(t *testing.T, db *sqlstore.DB, bus *natsx.Bus) {
	t.Helper()
	want := streamLastSeq(t, bus)
	deadline := time.Now().Add(15 * time.Second)
	for cursorOf(t, db) < want {
		if time.Now().After(deadline) {
			t.Fatalf("cursor at %d, stream ends at %d after 15s", cursorOf(t, db), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func tableTotal(t testing.TB, db *sqlstore.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(context.Background(), "SELECT CAST(COALESCE(SUM(request_count), 0) AS BIGINT) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// publishAll publishes events in messages of per events each.
func publishAll(t *testing.T, bus *natsx.Bus, source string, events []*meteringv1.Event, per int) {
	t.Helper()
	for i := 0; i < len(events); i += per {
		if err := meterpub.Publish(context.Background(), bus.JS, source, events[i:min(i+per, len(events))]...); err != nil {
			t.Fatal(err)
		}
	}
}

// gen makes n distinct events spread over the minutes after base.
func gen(prefix string, n int, base time.Time, f func(i int, ev *meteringv1.Event)) []*meteringv1.Event {
	evs := make([]*meteringv1.Event, n)
	for i := range evs {
		ev := &meteringv1.Event{
			Id:             fmt.Sprintf("%s-%d", prefix, i),
			Time:           timestamppb.New(base.Add(time.Duration(i%240) * 30 * time.Second)),
			ApiId:          fmt.Sprintf("api-%d", i%3),
			ApiVersion:     "1.0",
			ApplicationId:  fmt.Sprintf("app-%d", i%4),
			AgencyCode:     fmt.Sprintf("000.00.%02d.H30", i%4),
			ApiOwnerAgency: "000.00.99.H30",
			Status:         200,
			BytesIn:        100,
			BytesOut:       1000,
			LatencyUs:      int64(1000 + i%50*100),
		}
		if f != nil {
			f(i, ev)
		}
		evs[i] = ev
	}
	return evs
}

func asPrincipal(role authn.Role, agency string) context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "u-" + string(role), Role: role, Agency: agency})
}

// eventually polls cond until it holds or 15 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
