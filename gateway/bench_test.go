package gateway

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

// TestEventSize: every request zeroes and copies an event, and BenchmarkAdmit
// measured a 16-byte larger one about 5% slower; grow it only knowingly.
func TestEventSize(t *testing.T) {
	if n := unsafe.Sizeof(event{}); n > 192 {
		t.Fatalf("event is %d bytes, was 192", n)
	}
}

// BenchmarkAdmit is the gateway's own work per request: routing, resource
// match, cached JWT verification, subscription check, rate limit, quota.
func BenchmarkAdmit(b *testing.B) {
	_, bus := natstest.Start(b)
	reg := registrytest.Start(b, registrytest.WithBus(bus))
	w := newWorld(b, reg, &settableClock{}, "http://127.0.0.1:1")
	// The gateway's clock moves a microsecond per reading, so that the
	// tier's highest rate (1,000,000/s) is never the limit.
	base := time.Now()
	var tick atomic.Int64
	clock := func() time.Time { return base.Add(time.Duration(tick.Add(int64(time.Microsecond)))) }
	reg.UpdateTier(&registryv1.Tier{Name: "gold", RatePerSecond: 1e6}, "rate_per_second")
	cfg := DefaultConfig()
	cfg.MeteringJournalDir = b.TempDir()
	g, err := New(cfg, RegistryFromClient(reg.GatewayClient()), bus, quietLogger(), WithClock(clock))
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	var req fasthttp.Request
	req.SetRequestURI("/apiCSDLDKDN/1.0/doanhnghiep/0101234567?x=1")
	req.Header.Set("Authorization", "Bearer "+w.tokens["app1"])
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}, nil)
	t := g.table.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var ev event
		rt, gerr, _ := g.admit(&ctx, t, &ev)
		if rt == nil || gerr != nil {
			b.Fatalf("admit: %v", gerr)
		}
	}
}

// BenchmarkProxyLoopback is the whole request path over loopback TCP:
// client → gateway (JWT, subscription, rate limit, metering) → upstream.
func BenchmarkProxyLoopback(b *testing.B) {
	up := startUpstream(b)
	up.setReply(func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"maSoDoanhNghiep":"0101234567","ten":"Công ty A"}`)
	})
	h := startGateway(b, up.url, nil)
	h.reg.UpdateTier(&registryv1.Tier{Name: "gold", RatePerSecond: 1e6, Burst: 1e6}, "rate_per_second", "burst")
	h.reload()
	tok := h.w.tokens["app1"]
	client := &fasthttp.HostClient{Addr: h.url[len("http://"):], MaxConns: 64}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			req.SetRequestURI("http://gw/apiCSDLDKDN/1.0/chiTietDoanhNghiep?msdn=0101234567")
			req.Header.Set("Authorization", "Bearer "+tok)
			if err := client.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				b.Fatalf("%v %d %s", err, resp.StatusCode(), resp.Body())
			}
		}
	})
	b.StopTimer()
	h.stop()
	if got := h.gw.MeteringPublished(); got < int64(b.N) {
		b.Fatalf("metering published %d for %d requests", got, b.N)
	}
}
