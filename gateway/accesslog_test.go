package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/valyala/fasthttp"
)

// slogAccessLine is the line the gateway wrote through log/slog before
// the access log had its own encoder: the reference for the shape.
func slogAccessLine(t *testing.T, now time.Time, ev *event, reqID string, rt *route, lat time.Duration, client netip.Addr) []byte {
	t.Helper()
	attrs := []slog.Attr{
		slog.String("request_id", reqID),
		slog.String("method", ev.method),
		slog.Int("status", int(ev.status)),
		slog.Float64("latency_ms", float64(lat.Microseconds())/1000),
		slog.String("client_ip", client.String()),
	}
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
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, nil).WithAttrs([]slog.Attr{slog.String("service", "gateway")})
	r := slog.NewRecord(now, slog.LevelInfo, "access", 0)
	r.AddAttrs(attrs...)
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAccessLineShape(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 30, 0, 123456789, time.FixedZone("ICT", 7*3600))
	rt := &route{id: "0b7e4c1a-api", key: "apiCSDLDKDN/1.0", resources: []resource{{}}}
	full := event{id: "gw1-abc-e1", method: "GET", status: 200, in: 12, out: 812, upstream: 1234,
		resource: "GET /doanhnghiep/{msdn}", app: "app-0001", agency: "so-khdt"}
	odd := full
	odd.status, odd.errCode, odd.upstream = 503, "circuit_open", 0
	odd.resource = "GET /t\u00ean/\"q\"\\/\u2028\u2029\x01\t\n\xff<&>"
	odd.app, odd.agency = "Sở Kế hoạch", "ubnd\x7f"
	for _, c := range []struct {
		name   string
		ev     event
		reqID  string
		rt     *route
		lat    time.Duration
		client netip.Addr
	}{
		{"success", full, "gw1-abc-e1", rt, 2345 * time.Microsecond, netip.MustParseAddr("203.0.113.7")},
		{"client request id", full, "client-chosen.id:1", rt, 2 * time.Millisecond, netip.MustParseAddr("2001:db8::7")},
		{"no route", event{id: "e2", method: "BREW", status: 404, errCode: "not_found"}, "e2", nil, 1500 * time.Millisecond, netip.MustParseAddr("10.0.0.1")},
		{"escaping", odd, "r3", rt, 50 * time.Microsecond, netip.MustParseAddr("fe80::1%eth0")},
		{"no resources", full, "r4", &route{id: "x", key: "k/1"}, 0, netip.MustParseAddr("127.0.0.1")},
		{"no client", full, "r5", rt, 999 * time.Microsecond, netip.Addr{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := appendAccessLine(nil, now, &c.ev, c.reqID, c.rt, c.lat, c.client)
			want := slogAccessLine(t, now, &c.ev, c.reqID, c.rt, c.lat, c.client)
			if !bytes.Equal(got, want) {
				t.Fatalf("line\n%s\nwant (slog)\n%s", got, want)
			}
		})
	}
}

// FuzzLogString checks the encoder's strings against log/slog's.
func FuzzLogString(f *testing.F) {
	for _, s := range []string{"", "abc", `"\`, "\u2028\u2029", "\x00\x1f\x7f", "\xff\xfe", "Việt Nam", "<script>&amp;", "\xe2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey {
				return slog.Attr{}
			}
			return a
		}})).Info("", "k", s)
		want := buf.String()
		if got := `{"k":` + string(appendLogString(nil, s)) + "}\n"; got != want {
			t.Fatalf("%q: %s, slog %s", s, got, want)
		}
	})
}

// lineSink collects what the access log writes; block, when set, holds
// every Write until it is closed.
type lineSink struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	block  chan struct{}
}

func (s *lineSink) Write(p []byte) (int, error) {
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *lineSink) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(s.b.Bytes(), []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// testAccessLog is an access log over sink with its own drop counter.
func testAccessLog(t testing.TB, sink io.Writer, tweak func(*Config)) *accessLog {
	t.Helper()
	cfg := DefaultConfig()
	tweak(&cfg)
	a := newAccessLog(&cfg, quietInfoLogger(), sink)
	if a != nil {
		a.dropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "test_dropped"})
		t.Cleanup(func() { _ = a.Close(context.Background()) })
	}
	return a
}

// quietInfoLogger lets info through (access lines are on) and writes
// nowhere.
func quietInfoLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func testRequest() *fasthttp.RequestCtx {
	var ctx fasthttp.RequestCtx
	ctx.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 9), Port: 5555}, nil)
	return &ctx
}

func TestAccessLogWrittenAndFlushedAtClose(t *testing.T) {
	var sink lineSink
	a := testAccessLog(t, &sink, func(c *Config) { c.AccessLogSample = 1; c.AccessLogFlush = 10 * time.Second })
	ctx := testRequest()
	rt := &route{id: "api-1", key: "dmdc/1.0"}
	for i := range 100 {
		ev := event{id: "e", method: "GET", status: int32(200 + i%2*300)}
		a.record(ctx, &ev, "r", rt, time.Millisecond, netip.Addr{})
	}
	if n := len(sink.lines(t)); n != 0 {
		t.Fatalf("%d lines written before the interval or 64 KiB", n)
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := sink.lines(t)
	if len(lines) != 100 || sink.writes != 1 {
		t.Fatalf("%d lines in %d writes at close, want 100 in 1", len(lines), sink.writes)
	}
	if l := lines[1]; l["msg"] != "access" || l["status"] != 500.0 || l["client_ip"] != "192.0.2.9" || l["route"] != "/dmdc/1.0" {
		t.Fatalf("line %v", l)
	}
	// After Close: dropped and counted, never written.
	a.record(ctx, &event{status: 500}, "r", nil, 0, netip.Addr{})
	if n := len(sink.lines(t)); n != 100 || testutil.ToFloat64(a.dropped) != 1 {
		t.Fatalf("after close: %d lines, %v dropped", n, testutil.ToFloat64(a.dropped))
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestAccessLogFlushes(t *testing.T) {
	t.Run("interval", func(t *testing.T) {
		var sink lineSink
		a := testAccessLog(t, &sink, func(c *Config) { c.AccessLogFlush = 20 * time.Millisecond })
		a.record(testRequest(), &event{status: 404}, "r", nil, 0, netip.Addr{})
		waitFor(t, 2*time.Second, "access line", func() bool { return len(sink.lines(t)) == 1 })
	})
	t.Run("64 KiB", func(t *testing.T) {
		var sink lineSink
		a := testAccessLog(t, &sink, func(c *Config) { c.AccessLogFlush = 10 * time.Second })
		ev := event{status: 404, resource: strings.Repeat("x", 1000)}
		rt := &route{resources: []resource{{}}}
		for range accessFlushAt/1000 + 1 {
			a.record(testRequest(), &ev, "r", rt, 0, netip.Addr{})
		}
		waitFor(t, 2*time.Second, "a flush", func() bool { return len(sink.lines(t)) > 0 })
	})
}

// A sink that blocks costs requests nothing: lines past the buffer are
// dropped and counted, and the rest are written once it unblocks.
func TestAccessLogDropsWhenSinkBlocks(t *testing.T) {
	sink := lineSink{block: make(chan struct{})}
	a := testAccessLog(t, &sink, func(c *Config) { c.AccessLogBuffer = 1 << 16; c.AccessLogFlush = 10 * time.Millisecond })
	ctx := testRequest()
	ev := event{status: 500, errCode: "upstream_unavailable"}
	const n = 5000 // about 1 MB of lines, against 64 KiB held and 64 KiB being written
	start := time.Now()
	for range n {
		a.record(ctx, &ev, "r", nil, 0, netip.Addr{})
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("%d lines took %v with the sink blocked", n, d)
	}
	dropped := testutil.ToFloat64(a.dropped)
	if dropped < n/2 {
		t.Fatalf("%v lines dropped of %d, with room for about 400", dropped, n)
	}
	close(sink.block)
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(sink.lines(t)); got+int(dropped) != n {
		t.Fatalf("%d written + %v dropped, want %d", got, dropped, n)
	}
}

func TestAccessLogClose(t *testing.T) {
	// Close is bounded by its context when the sink hangs.
	sink := lineSink{block: make(chan struct{})}
	defer close(sink.block)
	a := testAccessLog(t, &sink, func(*Config) {})
	a.record(testRequest(), &event{status: 500}, "r", nil, 0, netip.Addr{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := a.Close(ctx); err == nil {
		t.Fatal("Close returned before the sink took the lines")
	}
	// A log that never wrote has no goroutine to stop.
	b := testAccessLog(t, &sink, func(*Config) {})
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAccessLogModes(t *testing.T) {
	count := func(tweak func(*Config), log *slog.Logger) (errs, oks int) {
		t.Helper()
		var sink lineSink
		cfg := DefaultConfig()
		tweak(&cfg)
		a := newAccessLog(&cfg, log, &sink)
		if a == nil {
			return 0, 0
		}
		a.dropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "test_dropped"})
		for i := range 2000 {
			a.record(testRequest(), &event{status: int32(200 + i%2*200)}, "r", nil, 0, netip.Addr{})
		}
		if err := a.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, l := range sink.lines(t) {
			if l["status"].(float64) >= 400 {
				errs++
			} else {
				oks++
			}
		}
		return errs, oks
	}
	info, warn := quietInfoLogger(), quietLogger()
	for _, c := range []struct {
		name     string
		tweak    func(*Config)
		log      *slog.Logger
		errs     int
		oks, tol int
	}{
		{"default: errors and a sample", func(*Config) {}, info, 1000, 10, 10},
		{"all", func(c *Config) { c.AccessLogSample = 1 }, info, 1000, 1000, 0},
		{"all, no sample", func(c *Config) { c.AccessLogSample = 0 }, info, 1000, 0, 0},
		{"errors", func(c *Config) { c.AccessLog = "errors"; c.AccessLogSample = 1 }, info, 1000, 0, 0},
		{"off", func(c *Config) { c.AccessLog = "off" }, info, 0, 0, 0},
		{"logger above info", func(c *Config) { c.AccessLogSample = 1 }, warn, 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs, oks := count(c.tweak, c.log)
			if errs != c.errs || oks < c.oks-c.tol || oks > c.oks+c.tol {
				t.Fatalf("%d errors and %d successes logged, want %d and %d±%d", errs, oks, c.errs, c.oks, c.tol)
			}
		})
	}
}

// BenchmarkAccessLog is the request path's cost of one logged line: the
// encoding and the append; the writes happen on the log's goroutine.
func BenchmarkAccessLog(b *testing.B) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	ctx := testRequest()
	rt := &route{id: "0b7e4c1a-api", key: "apiCSDLDKDN/1.0", resources: []resource{{}}}
	ev := event{id: "gw1-abc-e0001", method: "GET", status: 200, out: 812, upstream: 1234,
		resource: "GET /doanhnghiep/{msdn}", app: "app-0001", agency: "so-khdt"}
	b.Run("encode", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			buf = appendAccessLine(buf[:0], time.Now(), &ev, "gw1-abc-r0001", rt, 2345*time.Microsecond, netip.Addr{}.Next())
		}
	})
	// Lines dropped because the benchmark outran /dev/null would make
	// the append look cheaper than it is; they are reported.
	dropped := func(b *testing.B, a *accessLog) {
		b.ReportMetric(testutil.ToFloat64(a.dropped)/float64(b.N), "dropped/op")
	}
	b.Run("all", func(b *testing.B) {
		a := testAccessLog(b, f, func(c *Config) { c.AccessLogSample = 1 })
		b.ReportAllocs()
		for b.Loop() {
			a.record(ctx, &ev, "gw1-abc-r0001", rt, 2345*time.Microsecond, netip.Addr{})
		}
		dropped(b, a)
	})
	b.Run("all-parallel", func(b *testing.B) {
		a := testAccessLog(b, f, func(c *Config) { c.AccessLogSample = 1 })
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				a.record(ctx, &ev, "gw1-abc-r0001", rt, 2345*time.Microsecond, netip.Addr{})
			}
		})
		dropped(b, a)
	})
	b.Run("default", func(b *testing.B) {
		a := testAccessLog(b, f, func(*Config) {})
		b.ReportAllocs()
		for b.Loop() {
			a.record(ctx, &ev, "gw1-abc-r0001", rt, 2345*time.Microsecond, netip.Addr{})
		}
	})
}

// The gateway's access lines wait in memory and are all written when it
// stops.
func TestGatewayAccessLogWrittenAtStop(t *testing.T) {
	up := startUpstream(t)
	var sink lineSink
	h := startGatewayWith(t, up.url, setup{
		logger: quietInfoLogger(),
		opts:   []Option{WithAccessLog(&sink)},
		tweak: func(c *Config) {
			c.AccessLog, c.AccessLogSample, c.AccessLogFlush = "all", 1, 10*time.Second
		},
	})
	key := h.w.apiKey()
	for range 3 {
		if r := h.do("GET", p1, key, ""); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	h.expectError(h.do("GET", "/nowhere/1.0/x", nil, ""), 404, "route_not_found")
	if n := len(sink.lines(t)); n != 0 {
		t.Fatalf("%d lines written before the flush interval", n)
	}
	h.stop()
	lines := sink.lines(t)
	if len(lines) != 4 {
		t.Fatalf("%d lines after stop, want 4", len(lines))
	}
	if l := lines[3]; l["status"] != 404.0 || l["error"] != "route_not_found" || l["service"] != "gateway" {
		t.Fatalf("last line %v", l)
	}
	if l := lines[0]; l["route"] != "/apiCSDLDKDN/1.0" || l["application"] == nil {
		t.Fatalf("first line %v", l)
	}
}

// A path that fits none of its API's declared resources is logged as
// "(unmatched)", never raw: the identifiers such paths may carry (a
// citizen ID) are why APIs declare templates.
func TestUnmatchedPathNotLogged(t *testing.T) {
	up := startUpstream(t)
	var sink lineSink
	h := startGatewayWith(t, up.url, setup{
		logger: quietInfoLogger(),
		opts:   []Option{WithAccessLog(&sink)},
		tweak:  func(c *Config) { c.AccessLog, c.AccessLogSample = "all", 1 },
	})
	key := h.w.apiKey()
	h.expectError(h.do("GET", "/apiCSDLDKDN/1.0/doanhnghiep/0101/001085736253", key, ""), 404, "route_not_found")
	h.stop()
	lines := sink.lines(t)
	if len(lines) != 1 || lines[0]["resource"] != unmatchedResource {
		t.Fatalf("lines %v", lines)
	}
	for _, l := range lines {
		for k, v := range l {
			if s, ok := v.(string); ok && strings.Contains(s, "001085736253") {
				t.Fatalf("%s holds the path's identifier: %q", k, s)
			}
		}
	}
}
