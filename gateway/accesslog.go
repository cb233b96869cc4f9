package gateway

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/valyala/fasthttp"
)

// access writes the access log line: no credentials, no query string, and
// the resource template rather than the raw path (paths may carry citizen
// ids). client is the forwarded client address, or invalid for the socket
// peer.
func (g *Gateway) access(ctx *fasthttp.RequestCtx, ev *event, reqID string, rt *route, lat time.Duration, client netip.Addr) {
	if ev.status >= 400 {
		if !g.accessErr {
			return
		}
	} else if !g.accessAll || (g.sample < 1 && rand.Float64() >= g.sample) {
		return
	}
	if !client.IsValid() {
		client = remoteAddr(ctx).Addr().Unmap()
	}
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.String("request_id", reqID),
		slog.String("method", ev.method),
		slog.Int("status", int(ev.status)),
		slog.Float64("latency_ms", float64(lat.Microseconds())/1000),
		slog.String("client_ip", client.String()),
	)
	if reqID != ev.id {
		attrs = append(attrs, slog.String("event_id", ev.id))
	}
	if rt != nil {
		attrs = append(attrs, slog.String("api", rt.id), slog.String("route", "/"+rt.key), slog.Float64("upstream_ms", float64(ev.upstream)/1000))
		if len(rt.resources) > 0 && ev.resource != "" {
			attrs = append(attrs, slog.String("resource", ev.resource))
		}
	}
	if ev.app != "" {
		attrs = append(attrs, slog.String("application", ev.app), slog.String("agency", ev.agency))
	}
	attrs = append(attrs, slog.Int64("bytes_in", ev.in), slog.Int64("bytes_out", ev.out))
	if ev.errCode != "" {
		attrs = append(attrs, slog.String("error", ev.errCode))
	}
	g.log.LogAttrs(context.Background(), slog.LevelInfo, "access", attrs...)
}
