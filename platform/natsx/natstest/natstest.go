// Package natstest starts a real embedded NATS server with JetStream for
// tests, on a random loopback port, and stops it when the test ends.
package natstest

import (
	"context"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/natsx"
)

// Start runs a server whose store lives in the test's temp dir and returns
// it together with a connected bus. Both are closed on cleanup.
func Start(t testing.TB) (*natsx.Embedded, *natsx.Bus) {
	t.Helper()
	return StartAt(t, t.TempDir())
}

// StartAt is Start with a chosen store directory, so that a test can restart
// a server on the same data.
func StartAt(t testing.TB, storeDir string) (*natsx.Embedded, *natsx.Bus) {
	t.Helper()
	srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: storeDir}, nil)
	if err != nil {
		t.Fatalf("start nats: %v", err)
	}
	bus, err := natsx.Connect(context.Background(), srv.ClientURL(), t.Name(), nil)
	if err != nil {
		srv.Shutdown()
		t.Fatalf("connect nats: %v", err)
	}
	t.Cleanup(func() {
		bus.Close()
		srv.Shutdown()
	})
	return srv, bus
}
