package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
)

// access logs the request if the access log's mode and sample say so. The
// line has no credentials, no query string, and the resource template
// rather than the raw path (paths may carry citizen ids). client is the
// forwarded client address, or invalid for the socket peer.
func (g *Gateway) access(ctx *fasthttp.RequestCtx, ev *event, reqID string, rt *route, lat time.Duration, client netip.Addr) {
	g.accessLog.record(ctx, ev, reqID, rt, lat, client)
}

// WithAccessLog sends the access log to w instead of standard error.
func WithAccessLog(w io.Writer) Option {
	return func(g *Gateway) { g.accessOut = w }
}

// accessFlushAt is how many waiting bytes make the writer flush before its
// interval: a few hundred lines, one write system call.
const accessFlushAt = 64 << 10

// accessLog is the access log: one JSON line per logged request, in the
// shape the process's slog JSON handler gives other lines (time, level, msg,
// service, then the request's fields). A request encodes its line into a
// buffer on its own stack, appends it to the shared buffer under a short
// lock and returns; a goroutine writes the shared buffer out every
// LGSP_GATEWAY_ACCESS_LOG_FLUSH, or sooner once 64 KiB are waiting. So a
// request never makes a system call for its line, nor waits for a slow
// sink: past LGSP_GATEWAY_ACCESS_LOG_BUFFER waiting bytes, lines are
// dropped and counted in lgsp_gateway_access_log_dropped_total.
//
// Which requests are logged: every answer with status >= 400 unless the
// mode is off, and a sample of the others in mode all
// (LGSP_GATEWAY_ACCESS_LOG_SAMPLE). Every call is recorded by metering
// anyway; the access log is for looking into what went wrong
// (docs/decisions.md D16).
//
// A nil *accessLog logs nothing.
type accessLog struct {
	out        io.Writer
	errors     bool    // log answers with status >= 400
	sample     float64 // fraction of the other answers logged
	limit      int     // bytes waiting at most
	flushEvery time.Duration
	dropped    prometheus.Counter
	log        *slog.Logger // the writer's own failures
	failLogs   *logEvery

	mu      sync.Mutex
	buf     []byte // lines waiting
	spare   []byte // the other buffer, nil while it is being written
	kicked  bool   // a flush was asked for since the last one
	running bool   // the writer goroutine has started
	closed  bool

	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// newAccessLog returns the access log cfg asks for, writing to out
// (os.Stderr, beside the process's other lines, when nil), or nil when
// nothing is to be logged: mode off, or log set above info, which also
// silenced access lines when they went through it. The writer goroutine
// starts with the first line; Close writes what waits and stops it.
func newAccessLog(cfg *Config, log *slog.Logger, out io.Writer) *accessLog {
	if cfg.AccessLog == "off" || (log != nil && !log.Enabled(context.Background(), slog.LevelInfo)) {
		return nil
	}
	if out == nil {
		out = os.Stderr
	}
	if log == nil {
		log = slog.Default()
	}
	a := &accessLog{
		out:        out,
		errors:     true,
		limit:      max(cfg.AccessLogBuffer, accessFlushAt),
		flushEvery: cfg.AccessLogFlush,
		dropped:    accessLogDropped(),
		log:        log,
		failLogs:   newLogEvery(10 * time.Second),
		kick:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		stopped:    make(chan struct{}),
	}
	if cfg.AccessLog == "all" {
		a.sample = cfg.AccessLogSample
	}
	if a.flushEvery <= 0 {
		a.flushEvery = 200 * time.Millisecond
	}
	return a
}

var (
	accessDroppedOnce sync.Once
	accessDropped     prometheus.Counter
)

// accessLogDropped is the process's counter of dropped access lines, on
// the default registerer like the gateway's other metrics.
func accessLogDropped() prometheus.Counter {
	accessDroppedOnce.Do(func() {
		c := prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lgsp_gateway_access_log_dropped_total",
			Help: "Access log lines dropped because the log's buffer was full (its output too slow) or could not be written, or logged after the gateway stopped.",
		})
		if err := prometheus.DefaultRegisterer.Register(c); err != nil {
			if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
				if prev, ok := are.ExistingCollector.(prometheus.Counter); ok {
					c = prev
				}
			}
		}
		accessDropped = c
	})
	return accessDropped
}

// record logs the request if the mode and the sample say so. client is the
// forwarded client address, or invalid for the socket peer.
func (a *accessLog) record(ctx *fasthttp.RequestCtx, ev *event, reqID string, rt *route, lat time.Duration, client netip.Addr) {
	if a == nil {
		return
	}
	if ev.status >= 400 {
		if !a.errors {
			return
		}
	} else if a.sample <= 0 || (a.sample < 1 && rand.Float64() >= a.sample) {
		return
	}
	if !client.IsValid() {
		client = remoteAddr(ctx).Addr().Unmap()
	}
	var scratch [1024]byte
	a.write(appendAccessLine(scratch[:0], time.Now(), ev, reqID, rt, lat, client))
}

// write appends one line to the waiting buffer, or drops it when the
// buffer is full or the log closed. It never blocks on the output.
func (a *accessLog) write(line []byte) {
	a.mu.Lock()
	if a.closed || len(a.buf)+len(line) > a.limit {
		a.mu.Unlock()
		a.dropped.Inc()
		return
	}
	if a.buf == nil {
		a.buf = make([]byte, 0, min(a.limit, 2*accessFlushAt))
	}
	a.buf = append(a.buf, line...)
	kick := len(a.buf) >= accessFlushAt && !a.kicked
	if kick {
		a.kicked = true
	}
	if !a.running {
		a.running = true
		go a.run()
	}
	a.mu.Unlock()
	if kick {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

// run is the writer goroutine.
func (a *accessLog) run() {
	defer close(a.stopped)
	t := time.NewTicker(a.flushEvery)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			a.flush()
			return
		case <-t.C:
		case <-a.kick:
		}
		a.flush()
	}
}

// flush writes out the waiting lines. Requests append to the other buffer
// meanwhile.
func (a *accessLog) flush() {
	a.mu.Lock()
	b := a.buf
	a.buf, a.spare = a.spare, nil
	a.kicked = false
	a.mu.Unlock()
	if len(b) > 0 {
		if _, err := a.out.Write(b); err != nil {
			lost := bytes.Count(b, []byte{'\n'})
			a.dropped.Add(float64(lost))
			if ok, held := a.failLogs.allow(time.Now()); ok {
				a.log.Warn("access log lines not written", "err", err, "lines", lost, "similar_failures_not_logged", held)
			}
		}
	}
	a.mu.Lock()
	a.spare = b[:0]
	a.mu.Unlock()
}

// Close writes the lines still waiting and stops the writer, within ctx.
// Lines logged afterwards are dropped and counted. The gateway calls it
// once the server has stopped, so that no answered request is missing.
func (a *accessLog) Close(ctx context.Context) error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	running := a.running
	a.mu.Unlock()
	if !running {
		return nil // nothing was ever logged
	}
	close(a.stop)
	select {
	case <-a.stopped:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// appendAccessLine appends the JSON line of one request to b. Keys and
// values are those of the line slog wrote before (same order, latency as
// milliseconds with microsecond precision), so that log queries keep
// working.
func appendAccessLine(b []byte, now time.Time, ev *event, reqID string, rt *route, lat time.Duration, client netip.Addr) []byte {
	b = append(b, `{"time":"`...)
	b = now.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"access","service":"gateway","request_id":`...)
	b = appendLogString(b, reqID)
	b = append(b, `,"method":`...)
	b = appendLogString(b, ev.method)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(ev.status), 10)
	b = append(b, `,"latency_ms":`...)
	b = appendMillis(b, lat.Microseconds())
	b = append(b, `,"client_ip":`...)
	switch {
	case !client.IsValid():
		b = append(b, `"invalid IP"`...)
	case client.Zone() != "":
		b = appendLogString(b, client.String())
	default:
		b = append(b, '"')
		b = client.AppendTo(b)
		b = append(b, '"')
	}
	if reqID != ev.id {
		b = append(b, `,"event_id":`...)
		b = appendLogString(b, ev.id)
	}
	if rt != nil {
		b = append(b, `,"api":`...)
		b = appendLogString(b, rt.id)
		b = append(b, `,"route":"/`...)
		b = appendLogEscaped(b, rt.key)
		b = append(b, '"')
		b = append(b, `,"upstream_ms":`...)
		b = appendMillis(b, ev.upstream)
		if len(rt.resources) > 0 && ev.resource != "" {
			b = append(b, `,"resource":`...)
			b = appendLogString(b, ev.resource)
		}
	}
	if ev.app != "" {
		b = append(b, `,"application":`...)
		b = appendLogString(b, ev.app)
		b = append(b, `,"agency":`...)
		b = appendLogString(b, ev.agency)
	}
	b = append(b, `,"bytes_in":`...)
	b = strconv.AppendInt(b, ev.in, 10)
	b = append(b, `,"bytes_out":`...)
	b = strconv.AppendInt(b, ev.out, 10)
	if ev.errCode != "" {
		b = append(b, `,"error":`...)
		b = appendLogString(b, ev.errCode)
	}
	return append(b, "}\n"...)
}

// appendMillis appends microseconds as a JSON number of milliseconds, as
// encoding/json writes float64(us)/1000: "2.345", "2", "0.05".
func appendMillis(b []byte, us int64) []byte {
	if us < 0 {
		b = append(b, '-')
		us = -us
	}
	b = strconv.AppendInt(b, us/1000, 10)
	frac := us % 1000
	if frac == 0 {
		return b
	}
	digits := [3]byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 3
	for digits[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, digits[:n]...)
}

// appendLogString appends s as a JSON string, escaped as appendLogEscaped.
// The gateway's error answers are built with it too.
func appendLogString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendLogEscaped(b, s)
	return append(b, '"')
}

// appendLogEscaped appends s escaped as log/slog's JSON handler does:
// quotes, backslashes and control characters, U+2028 and U+2029, and
// invalid UTF-8 as U+FFFD; HTML characters are left alone.
func appendLogEscaped(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(b, s[start:]...)
}
