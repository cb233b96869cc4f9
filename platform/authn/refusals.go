package authn

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lgsp-vn/lgsp/platform/logging"
)

// Reasons an admin call is refused, the reason label of
// lgsp_admin_refused_total.
const (
	// RefusedUnauthenticated: no credential, or one that is unknown,
	// expired or revoked.
	RefusedUnauthenticated = "unauthenticated"
	// RefusedForbidden: an authenticated caller whose role may not make
	// the call.
	RefusedForbidden = "forbidden"
	// RefusedCrossOrigin: a state-changing call authenticated by the
	// session cookie that does not come from the console.
	RefusedCrossOrigin = "cross_origin"
)

// refusedTotal counts refused admin calls by reason. It is created once
// per process on the default registerer, which /metrics serves.
var refusedTotal = func() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lgsp_admin_refused_total",
		Help: "Refused admin and internal calls, by reason (unauthenticated, forbidden, cross_origin).",
	}, []string{"reason"})
	if err := prometheus.DefaultRegisterer.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
	}
	for _, r := range []string{RefusedUnauthenticated, RefusedForbidden, RefusedCrossOrigin} {
		c.WithLabelValues(r)
	}
	return c
}()

// refusalLinesPerSecond bounds the log lines about refused calls: someone
// guessing tokens must not be able to flood the log. The count of lines
// left out is given on the next line written.
const refusalLinesPerSecond = 10

// refusalLog writes at most a bounded number of refusal lines a second.
type refusalLog struct {
	lines logging.Limiter
}

var refusals = newRefusalLog(refusalLinesPerSecond, time.Now)

func newRefusalLog(perSecond int, now func() time.Time) *refusalLog {
	return &refusalLog{lines: logging.Limiter{PerSecond: perSecond, Now: now}}
}

func (l *refusalLog) allow() (ok bool, suppressed int64) { return l.lines.Allow() }

func (l *refusalLog) record(ctx context.Context, log *slog.Logger, reason, call string) {
	refusedTotal.WithLabelValues(reason).Inc()
	ok, suppressed := l.allow()
	if !ok {
		return
	}
	attrs := []any{"reason", reason, "call", call, "source", SourceFrom(ctx)}
	if p, ok := From(ctx); ok {
		attrs = append(attrs, "subject", p.Subject, "role", string(p.Role))
	}
	if suppressed > 0 {
		attrs = append(attrs, "refusals_not_logged", suppressed)
	}
	log.WarnContext(ctx, "admin call refused", attrs...)
}

// Refused records a refused call: it counts it in
// lgsp_admin_refused_total{reason} and logs it (reason, call, source
// address, and the caller's subject and role when known; never a
// credential), at most ten lines a second for the whole process. call
// names what was refused: an RPC or "METHOD /path". The middleware and
// interceptors record unauthenticated and cross-origin calls; services
// record what their authorisation forbids.
func Refused(ctx context.Context, reason, call string) {
	refusals.record(ctx, slog.Default(), reason, call)
}
