package gateway

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"time"

	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/trace"
)

// headerCarrier lets the OpenTelemetry propagator read and write fasthttp
// request headers.
type headerCarrier struct{ h *fasthttp.RequestHeader }

func (c headerCarrier) Get(key string) string { return string(c.h.Peek(key)) }
func (c headerCarrier) Set(key, value string) { c.h.Set(key, value) }
func (c headerCarrier) Keys() []string {
	var keys []string
	for k := range c.h.All() {
		keys = append(keys, string(k))
	}
	return keys
}

// watchTracing notices whether a tracing SDK is installed behind the global
// provider. Without one, the request path skips span creation entirely and
// only makes sure a traceparent goes upstream.
//
// The probe starts a child of a remote, unsampled parent: the no-op tracer
// returns the parent's span context unchanged, a real SDK assigns a new span
// id, and a parent-based sampler (the default) records nothing.
func (g *Gateway) watchTracing(ctx context.Context) {
	parent := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, Remote: true,
	})
	probe := func() {
		pctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
		_, sp := g.tracer.Start(pctx, "lgsp.gateway.probe")
		on := sp.SpanContext().SpanID() != parent.SpanID()
		sp.End()
		if g.tracingOn.Swap(on) != on {
			g.log.Info("gateway tracing", "enabled", on)
		}
	}
	probe()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			probe()
		}
	}
}

// newTraceparent writes a fresh, unsampled W3C traceparent.
func newTraceparent(dst []byte) []byte {
	var ids [24]byte
	for i := 0; i < len(ids); i += 8 {
		v := rand.Uint64()
		for j := 0; j < 8; j++ {
			ids[i+j] = byte(v >> (8 * j))
		}
	}
	dst = append(dst, "00-"...)
	dst = hex.AppendEncode(dst, ids[:16])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, ids[16:])
	return append(dst, "-00"...)
}
