package vdxp

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
)

// Outage modes.
const (
	// OutageRefuse closes the simulator's listening socket, so that
	// connections are refused, and drops the open ones. When the
	// simulator serves only a Handler (behind httptest), it cannot close
	// the socket: it drops each connection without an answer instead.
	OutageRefuse = "refuse"
	// OutageUnavailable answers every call with HTTP 503 and ErrorCode 20.
	OutageUnavailable = "unavailable"
)

// Bounds on the knobs, so that a typo cannot park a request for a day.
const (
	maxLatency         = 5 * time.Minute
	maxOutage          = time.Hour
	defaultErrorStatus = http.StatusInternalServerError
)

// Faults are the fault knobs.
//
// For every axis call (not /_sim/) the simulator, before authentication:
// refuses it when Outage is set; waits Latency plus a uniform part of
// Jitter; then with probability ErrorRate answers ErrorCode 20 with
// ErrorStatus. Calls restricts latency and errors to some calls.
// RejectRecipients makes sendEdoc refuse documents for those agencies
// with ErrorCode 23, as a locked recipient does.
type Faults struct {
	Latency     Duration `json:"latency" yaml:"latency" env:"LGSP_SIM_VDXP_LATENCY" check:"custom" help:"added to every axis call (at most 5m)"`
	Jitter      Duration `json:"jitter" yaml:"jitter" env:"LGSP_SIM_VDXP_JITTER" check:"custom" help:"uniform random extra latency (at most 5m)"`
	ErrorRate   float64  `json:"errorRate" yaml:"error_rate" env:"LGSP_SIM_VDXP_ERROR_RATE" check:"min=0,max=1" help:"probability of an injected platform error (ErrorCode 20)"`
	ErrorStatus int      `json:"errorStatus,omitempty" yaml:"error_status" env:"LGSP_SIM_VDXP_ERROR_STATUS" check:"custom" help:"HTTP status of injected errors, 500 to 599; 0 means 500"`
	// Outage is "", "refuse" or "unavailable"; OutageFor ends it by
	// itself, which "refuse" needs, as the control endpoints share the
	// socket it closes.
	Outage    string   `json:"outage,omitempty" yaml:"outage" env:"LGSP_SIM_VDXP_OUTAGE" check:"custom" help:"refuse (connections refused) or unavailable (HTTP 503, ErrorCode 20); empty for none"`
	OutageFor Duration `json:"outageFor,omitempty" yaml:"outage_for" env:"LGSP_SIM_VDXP_OUTAGE_FOR" check:"custom" help:"the outage ends by itself after this long (at most 1h; required by refuse); 0 lasts until changed"`
	// RejectRecipients lists agency codes whose documents are refused.
	RejectRecipients []string `json:"rejectRecipients,omitempty" yaml:"reject_recipients" env:"LGSP_SIM_VDXP_REJECT_RECIPIENTS" check:"custom" help:"agency codes sendEdoc refuses with ErrorCode 23 (recipient locked)"`
	// Calls restricts latency and errors to these calls; empty means all.
	Calls []string `json:"calls,omitempty" yaml:"calls" env:"LGSP_SIM_VDXP_CALLS" check:"custom" help:"calls that latency and errors apply to (sendEdoc, getEdoc …); empty means all"`
	// Seed, when not zero, makes the random draws reproducible: the same
	// seed and the same sequence of calls give the same faults. Setting
	// faults restarts the sequence.
	Seed uint64 `json:"seed,omitempty" yaml:"seed" env:"LGSP_SIM_VDXP_SEED" check:"any" help:"non-zero makes the random draws reproducible"`
}

// KnobError names the fault knob that is out of range by its JSON name
// (latency, errorRate …).
type KnobError = simkit.KnobError

// knobEnv maps a knob to its environment variable, less the prefix.
var knobEnv = map[string]string{
	"latency": "LATENCY", "jitter": "JITTER", "errorRate": "ERROR_RATE", "errorStatus": "ERROR_STATUS",
	"outage": "OUTAGE", "outageFor": "OUTAGE_FOR", "rejectRecipients": "REJECT_RECIPIENTS", "calls": "CALLS",
}

// calls lists every call the simulator serves, for Calls.
var calls = []string{
	wire.CallSendEdoc, wire.CallGetReceivedEdocList, wire.CallGetEdoc, wire.CallUpdateStatus,
	wire.CallGetSentEdocList, wire.CallCountReceiveEdoc, wire.CallCountReceiveStatus, wire.CallGetAgenciesList,
	wire.CallRegisterAgency, wire.CallDeleteAgency,
}

// Validate reports the first knob out of range.
func (f Faults) Validate() error {
	bad := simkit.BadKnob
	switch {
	case f.Latency < 0 || time.Duration(f.Latency) > maxLatency:
		return bad("latency", "%v: must be between 0 and %v", time.Duration(f.Latency), maxLatency)
	case f.Jitter < 0 || time.Duration(f.Jitter) > maxLatency:
		return bad("jitter", "%v: must be between 0 and %v", time.Duration(f.Jitter), maxLatency)
	case f.ErrorRate < 0 || f.ErrorRate > 1:
		return bad("errorRate", "%v: must be between 0 and 1", f.ErrorRate)
	case f.ErrorStatus != 0 && (f.ErrorStatus < 500 || f.ErrorStatus > 599):
		return bad("errorStatus", "%d: must be a 5xx status", f.ErrorStatus)
	case f.Outage != "" && f.Outage != OutageRefuse && f.Outage != OutageUnavailable:
		return bad("outage", "%q: want refuse, unavailable or empty", f.Outage)
	case f.OutageFor < 0 || time.Duration(f.OutageFor) > maxOutage:
		return bad("outageFor", "%v: must be between 0 and %v", time.Duration(f.OutageFor), maxOutage)
	case f.Outage == OutageRefuse && f.OutageFor == 0:
		return bad("outageFor", "must be set with outage refuse: the control endpoints are refused too, so nothing else could end it")
	}
	for _, c := range f.RejectRecipients {
		if !validCode(c) {
			return bad("rejectRecipients", "%q: not an agency identifier code", c)
		}
	}
	for _, c := range f.Calls {
		if !slices.Contains(calls, c) {
			return bad("calls", "%q: not a call of the axis (%v)", c, calls)
		}
	}
	return nil
}

func (f Faults) clone() Faults {
	f.RejectRecipients = slices.Clone(f.RejectRecipients)
	f.Calls = slices.Clone(f.Calls)
	return f
}

// injector holds the current knobs and the random source. A seeded
// sequence is reproducible call by call, so draws happen under the lock.
type injector struct {
	mu     sync.Mutex
	cur    Faults
	reject map[string]bool
	rng    *rand.Rand
	// gen counts SetFaults, so that an outage timer started for earlier
	// knobs does not end a later outage.
	gen uint64
}

func newInjector(f Faults) *injector {
	in := &injector{}
	in.set(f)
	return in
}

func (in *injector) set(f Faults) uint64 {
	f = f.clone()
	rng := simkit.NewRand(f.Seed)
	reject := make(map[string]bool, len(f.RejectRecipients))
	for _, c := range f.RejectRecipients {
		reject[c] = true
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.cur, in.reject, in.gen = f, reject, in.gen+1
	in.rng = rng
	return in.gen
}

// endOutage clears the outage set at generation gen, if it is still the
// current one, and reports whether it did.
func (in *injector) endOutage(gen uint64) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.gen != gen || in.cur.Outage == "" {
		return false
	}
	in.cur.Outage, in.cur.OutageFor = "", 0
	return true
}

func (in *injector) get() Faults {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cur.clone()
}

func (in *injector) outage() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cur.Outage
}

func (in *injector) rejected(code string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.reject[code]
}

type decision struct {
	outage string
	delay  time.Duration
	fail   int // HTTP status of an injected error, 0 for none
}

// decide draws the faults of one call. Calls outside Calls, and knobs
// that need no draw, take nothing from a seeded sequence.
func (in *injector) decide(call string) decision {
	in.mu.Lock()
	defer in.mu.Unlock()
	f := &in.cur
	d := decision{outage: f.Outage}
	if d.outage != "" || (len(f.Calls) > 0 && !slices.Contains(f.Calls, call)) {
		return d
	}
	d.delay = time.Duration(f.Latency)
	if f.Jitter > 0 {
		d.delay += time.Duration(in.rng.Float64() * float64(f.Jitter))
	}
	if f.ErrorRate > 0 && in.rng.Float64() < f.ErrorRate {
		d.fail = f.ErrorStatus
		if d.fail == 0 {
			d.fail = defaultErrorStatus
		}
	}
	return d
}
