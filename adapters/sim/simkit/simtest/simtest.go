package simtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Simulator is what a simulator offers to be run by a test.
type Simulator interface {
	Handler() http.Handler
	Start(ctx context.Context, addr string) (string, error)
	Done() <-chan struct{}
	// Close releases calls waiting on injected faults.
	Close()
}

// Serve serves sim's handler behind an httptest server until the test
// ends; then it releases the calls still waiting and closes the server.
// It returns the base URL and a client for it.
func Serve(t testing.TB, sim Simulator) (string, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return srv.URL, srv.Client()
}

// Start runs sim on a free local port until the test ends, then stops it
// and waits until it has stopped. It returns the base URL.
func Start(t testing.TB, sim Simulator) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-sim.Done()
	})
	return base
}
