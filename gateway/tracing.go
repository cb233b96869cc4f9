package gateway

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"time"

	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
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

// traceUpstream starts the client span of the upstream call when a tracing
// SDK is installed, continuing the caller's trace and propagating the span
// upstream; endUpstreamSpan ends it. Without an SDK it only makes sure a
// traceparent goes upstream, and returns nil.
func (g *Gateway) traceUpstream(ctx *fasthttp.RequestCtx, rt *route, ev *event) trace.Span {
	req := &ctx.Request
	if !g.tracingOn.Load() {
		if len(req.Header.PeekCanonical(kTraceparent)) == 0 {
			var buf [64]byte
			req.Header.SetCanonical(kTraceparent, newTraceparent(buf[:0]))
		}
		return nil
	}
	pctx := g.propagator.Extract(context.Background(), headerCarrier{&req.Header})
	pctx, span := g.tracer.Start(pctx, rt.spanName, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("lgsp.api_id", rt.id), attribute.String("http.request.method", ev.method)))
	req.Header.Del("Traceparent")
	req.Header.Del("Tracestate")
	g.propagator.Inject(pctx, headerCarrier{&req.Header})
	return span
}

// endUpstreamSpan records the outcome on the span and ends it. It is a
// plain function, deferred with its arguments, so that the request's event
// stays on the stack.
func endUpstreamSpan(span trace.Span, ctx *fasthttp.RequestCtx, ev *event) {
	span.SetAttributes(attribute.Int("http.response.status_code", ctx.Response.StatusCode()))
	if ev.errCode != "" || ctx.Response.StatusCode() >= 500 {
		span.SetStatus(codes.Error, ev.errCode)
	}
	span.End()
}
