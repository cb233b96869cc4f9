package registry

import (
	"context"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// TestRunAndReady: Run rotates an overdue key at start and returns nil once
// its context ends; Ready follows the database and NATS.
func TestRunAndReady(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		srv, bus := natstest.Start(t)
		e := newEnv(t, db, bus)
		ctx := context.Background()
		must(0, e.s.Ready(ctx))(t)
		before := currentKid(t, e)
		e.clock.Advance(e.cfg.KeyRotation + time.Hour)

		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.s.Run(runCtx) }()
		deadline := time.Now().Add(10 * time.Second)
		for currentKid(t, e) == before {
			if time.Now().After(deadline) {
				t.Fatal("Run did not rotate the overdue key")
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run returned %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not stop")
		}
		keys := must(e.s.ListSigningKeys(adminCtx(), &registryv1.ListSigningKeysRequest{}))(t).GetKeys()
		if len(keys) != 2 {
			t.Fatalf("%d keys after the rotation", len(keys))
		}
		srv.Shutdown()
		if err := e.s.Ready(ctx); err == nil {
			t.Fatal("Ready with NATS down")
		}
	})
}
