package natsx_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
)

func TestEmbeddedJetStreamSurvivesRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()

	srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bus, err := natsx.Connect(ctx, srv.ClientURL(), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := natsx.EnsureMeteringStream(ctx, bus.JS, natsx.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"a", "b", "a"} { // "a" twice: de-duplicated
		msg := &nats.Msg{Subject: natsx.MeteringEventSubject + ".test", Data: []byte{byte(i)}, Header: nats.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, id)
		if _, err := bus.JS.PublishMsg(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := bus.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
	bus.Close()
	srv.Shutdown()

	srv, err = natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	bus, err = natsx.Connect(ctx, srv.ClientURL(), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	s, err := bus.JS.Stream(ctx, natsx.MeteringStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Fatalf("messages after restart = %d, want 2", info.State.Msgs)
	}
}

func TestConnectNamesSettingOnFailure(t *testing.T) {
	_, err := natsx.Connect(context.Background(), "nats://127.0.0.1:1", "test", nil)
	if err == nil {
		t.Fatal("connect to a closed port succeeded")
	}
	if got := err.Error(); !strings.Contains(got, "LGSP_NATS_URL") {
		t.Fatalf("error %q does not name LGSP_NATS_URL", got)
	}
}

func TestQuotaBucketIdempotent(t *testing.T) {
	ctx := context.Background()
	_, bus := natstest.Start(t)
	kv1, err := natsx.EnsureQuotaBucket(ctx, bus.JS, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv1.Put(ctx, "sub1", []byte("x")); err != nil {
		t.Fatal(err)
	}
	kv2, err := natsx.EnsureQuotaBucket(ctx, bus.JS, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv2.Get(ctx, "sub1")
	if err != nil || string(e.Value()) != "x" {
		t.Fatalf("get after re-ensure: %v %q", err, e)
	}
}

// A publisher declaring the metering stream with defaults must not undo the
// retention the owner configured.
func TestEnsureKeepsOwnerRetention(t *testing.T) {
	ctx := context.Background()
	_, bus := natstest.Start(t)
	if _, err := natsx.EnsureMeteringStream(ctx, bus.JS, natsx.StreamOptions{MeteringRetention: 10 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	s, err := natsx.EnsureMeteringStream(ctx, bus.JS, natsx.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.MaxAge != 10*24*time.Hour {
		t.Fatalf("retention = %s after a default declaration, want 240h", info.Config.MaxAge)
	}
}
