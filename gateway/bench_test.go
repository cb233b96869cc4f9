package gateway

import (
	"context"
	"net"
	"testing"

	"github.com/valyala/fasthttp"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

func benchSnapshot(b *testing.B, upstreamURL string) *registryv1.Snapshot {
	s := baseSnapshot(b, upstreamURL)
	for _, tc := range s.Tiers {
		if tc.Name == "gold" {
			tc.RatePerSecond, tc.Burst = 1e9, 1e9 // limited, but never reached
		}
	}
	return s
}

// BenchmarkAdmit is the gateway's own work per request: routing, resource
// match, cached JWT verification, subscription check, rate limit, quota.
func BenchmarkAdmit(b *testing.B) {
	_, bus := natstestStart(b)
	reg := &testRegistry{}
	reg.set(benchSnapshot(b, "http://127.0.0.1:1"))
	g, err := New(DefaultConfig(), reg, bus, quietLogger())
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	tok := signToken(b, tokenOpts{sub: "app-1", cid: "cred-jwt-1"})
	var req fasthttp.Request
	req.SetRequestURI("/apiCSDLDKDN/1.0/doanhnghiep/0101234567?x=1")
	req.Header.Set("Authorization", "Bearer "+tok)
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
	h := startGateway(b, benchSnapshot(b, up.url), nil)
	tok := signToken(b, tokenOpts{sub: "app-1", cid: "cred-jwt-1"})
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
