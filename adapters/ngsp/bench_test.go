package ngsp

import (
	"testing"

	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
)

// BenchmarkTokenConcurrent measures the cached-token path under parallel
// callers (no network).
func BenchmarkTokenConcurrent(b *testing.B) {
	s := sim.New(sim.DefaultConfig(), nil)
	srv, _ := simtest.Serve(b, s)
	c, err := New(Config{BaseURL: srv, ConsumerKey: sim.DemoConsumerKey, ConsumerSecret: sim.DemoConsumerSecret})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.tokens.get(bg()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.tokens.get(bg()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if n := c.TokenRequests(); n != 1 {
		b.Fatalf("token requests = %d, want 1", n)
	}
}
