package gateway

import (
	"bytes"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// admit routes and authorises the request. It returns the route (when one
// matched), the error to answer, and Retry-After seconds for 429s.
func (g *Gateway) admit(ctx *fasthttp.RequestCtx, t *table, ev *event) (*route, *gwError, int64) {
	if t == nil {
		return nil, errNotReady, 1
	}
	raw := ctx.Request.URI().PathOriginal()
	if !cleanPath(raw) {
		return nil, errInvalidPath, 0
	}
	rt, rest := t.match(raw)
	if rt == nil {
		return nil, errRouteNotFound, 0
	}
	ev.rt = rt
	res, gerr := rt.findResource(ctx.Method(), rest)
	if res != nil {
		ev.resource = res.template
	} else if len(rest) > 0 {
		ev.resource = string(rest)
	} else {
		ev.resource = "/"
	}
	if gerr != nil {
		return rt, gerr, 0
	}
	if rt.lifecycle == registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED {
		return rt, errAPIRetired, 0
	}
	if ev.in > rt.maxBody {
		return rt, errBodyTooLarge, 0
	}
	if rt.public {
		return rt, nil, 0
	}
	now := g.now().UnixNano()
	app, gerr := g.authenticate(ctx, t, rt, now)
	if gerr != nil {
		return rt, gerr, 0
	}
	ev.app, ev.agency = app.id, app.agency
	if !app.active {
		return rt, errAppSuspended, 0
	}
	if !app.agencyActive {
		return rt, errAgencySuspended, 0
	}
	sub := rt.subs[app.id]
	if sub == nil {
		return rt, errNoSubscription, 0
	}
	switch sub.state {
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED:
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED:
		return rt, errSubSuspended, 0
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING:
		return rt, errSubscriptionPending, 0
	default:
		return rt, errNoSubscription, 0
	}
	ev.sub = sub.id
	if sub.limit != nil {
		if ok, wait := sub.limit.allow(now); !ok {
			return rt, errRateLimited, int64((wait + time.Second - 1) / time.Second)
		}
	}
	if reset, exhausted := g.quotaExhausted(sub.id, now); exhausted {
		at := time.Unix(0, reset).In(signedheader.Zone).Format("2006-01-02 15:04:05 -07:00")
		e := errQuotaExceeded.withMessage(
			"the monthly quota of this subscription is used up; it resets at "+at,
			"đã dùng hết hạn mức tháng của đăng ký sử dụng; hạn mức được đặt lại lúc "+at)
		return rt, e, (reset - now + int64(time.Second) - 1) / int64(time.Second)
	}
	return rt, nil, 0
}

// cleanPath refuses dot segments (plain or percent-encoded) and empty
// segments, so that the path sent upstream cannot climb out of the API.
func cleanPath(p []byte) bool {
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	for i := 1; i <= len(p); {
		j := bytes.IndexByte(p[i:], '/')
		end := len(p)
		if j >= 0 {
			end = i + j
		}
		seg := p[i:end]
		if len(seg) == 0 && end != len(p) {
			return false // "//"
		}
		if isDotSegment(seg) {
			return false
		}
		i = end + 1
	}
	return true
}

func isDotSegment(s []byte) bool {
	if len(s) == 0 || len(s) > 6 {
		return false
	}
	// Decode "%2e" / "%2E" to '.' and compare.
	var d [6]byte
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && s[i+1] == '2' && (s[i+2] == 'e' || s[i+2] == 'E') {
			d[n] = '.'
			i += 2
		} else {
			d[n] = s[i]
		}
		n++
	}
	return (n == 1 && d[0] == '.') || (n == 2 && d[0] == '.' && d[1] == '.')
}
