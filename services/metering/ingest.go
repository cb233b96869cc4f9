package metering

import (
	"strings"

	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// dims is a rollup key.
type dims struct {
	api, version, app, agency, owner, source string
	class                                    int32
}

// measures are the additive values of a rollup.
type measures struct {
	count, bytesIn, bytesOut, latSum int64
	h                                hist
}

func (m *measures) merge(o *measures) {
	m.count += o.count
	m.bytesIn += o.bytesIn
	m.bytesOut += o.bytesOut
	m.latSum += o.latSum
	m.h.merge(&o.h)
}

// maxDimLen bounds the length of a key dimension, so that a malformed event
// cannot bloat the key table. Real ids and codes are far shorter.
const maxDimLen = 128

func clip(s string) string {
	if len(s) <= maxDimLen {
		return s
	}
	// Cut on a rune boundary so the stored text stays valid UTF-8.
	cut := maxDimLen
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut]
}

// classify returns an event's status class. A gateway error code wins over
// the status; 1xx and 3xx count as success, as does status 0 from services
// that are not HTTP-based.
func classify(ev *meteringv1.Event) meteringv1.StatusClass {
	switch s := ev.GetStatus(); {
	case ev.GetErrorCode() != "":
		return meteringv1.StatusClass_STATUS_CLASS_GATEWAY_ERROR
	case s >= 400 && s < 500:
		return meteringv1.StatusClass_STATUS_CLASS_CLIENT_ERROR
	case s >= 500:
		return meteringv1.StatusClass_STATUS_CLASS_SERVER_ERROR
	default:
		return meteringv1.StatusClass_STATUS_CLASS_SUCCESS
	}
}

// countsTowardQuota reports whether an event uses its subscription's
// monthly quota: only calls the upstream answered. Calls the gateway
// refused or failed itself (authentication, rate or quota limits, upstream
// unreachable) are not charged, so a client that keeps retrying after its
// quota ran out does not push its count further.
func countsTowardQuota(ev *meteringv1.Event) bool {
	return ev.GetSubscriptionId() != "" && ev.GetErrorCode() == ""
}

type minuteKey struct {
	minute int64
	d      dims
}

type quotaKey struct {
	sub   string
	month int64 // start of the local month, unix ms
}

// aggregate folds the events of one fetched batch of messages.
type aggregate struct {
	cal     calendar
	minutes map[minuteKey]*measures
	quota   map[quotaKey]int64
	// months memoises the local month start of a minute.
	months map[int64]int64
	events int
}

func newAggregate(cal calendar) *aggregate {
	return &aggregate{
		cal:     cal,
		minutes: make(map[minuteKey]*measures),
		quota:   make(map[quotaKey]int64),
		months:  make(map[int64]int64),
	}
}

// add counts one event. fallbackMS is the time used when the event has
// none (the stream's receive time); fallbackSource is the subject's last
// token.
func (a *aggregate) add(ev *meteringv1.Event, fallbackMS int64, fallbackSource string) {
	ms := fallbackMS
	if t := ev.GetTime(); t != nil {
		ms = t.GetSeconds()*1000 + int64(t.GetNanos())/1_000_000
	}
	src := ev.GetSource()
	if src == "" {
		src = fallbackSource
	}
	k := minuteKey{
		minute: a.cal.minute(ms),
		d: dims{
			api:     clip(ev.GetApiId()),
			version: clip(ev.GetApiVersion()),
			app:     clip(ev.GetApplicationId()),
			agency:  clip(ev.GetAgencyCode()),
			owner:   clip(ev.GetApiOwnerAgency()),
			source:  clip(strings.ToLower(src)),
			class:   int32(classify(ev)),
		},
	}
	m := a.minutes[k]
	if m == nil {
		m = new(measures)
		a.minutes[k] = m
	}
	lat := max(ev.GetLatencyUs(), 0)
	m.count++
	m.bytesIn += max(ev.GetBytesIn(), 0)
	m.bytesOut += max(ev.GetBytesOut(), 0)
	m.latSum += lat
	m.h.add(lat)
	if countsTowardQuota(ev) {
		month, ok := a.months[k.minute]
		if !ok {
			month = a.cal.month(k.minute)
			a.months[k.minute] = month
		}
		a.quota[quotaKey{sub: clip(ev.GetSubscriptionId()), month: month}]++
	}
	a.events++
}
