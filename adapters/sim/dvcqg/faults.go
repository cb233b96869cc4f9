package dvcqg

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
)

// Bounds on the knobs, so that a typo cannot park a request for a day.
const (
	maxLatency    = 5 * time.Minute
	minSessionTTL = time.Second
	maxSessionTTL = 24 * time.Hour
)

// Faults are the fault knobs.
//
// For every portal call (not /_sim/) the simulator: answers HTTP 503 when
// Outage is set; waits Latency; then with probability ErrorRate fails the
// call without acting on it, half the time with HTTP 503 and half with
// error_code "99"; then with probability MalformedRate acts on the call
// and truncates its answer, as a connection cut mid-answer would, so that
// the client sends again what the portal already has. Reject lists dossier
// codes whose items are answered "03". ExpireSessions makes each session
// good for one call only; SessionTTL, when set, replaces the configured
// lifetime of sessions issued from then on.
type Faults struct {
	Latency       Duration `json:"latency" yaml:"latency" env:"LGSP_SIM_DVCQG_LATENCY" check:"custom" help:"added to every portal call (at most 5m)"`
	ErrorRate     float64  `json:"error_rate" yaml:"error_rate" env:"LGSP_SIM_DVCQG_ERROR_RATE" check:"min=0,max=1" help:"probability of an injected failure, half HTTP 503 and half error_code 99; the call is not acted on"`
	Outage        bool     `json:"outage" yaml:"outage" env:"LGSP_SIM_DVCQG_OUTAGE" check:"any" help:"every portal call answers HTTP 503"`
	MalformedRate float64  `json:"malformed_rate" yaml:"malformed_rate" env:"LGSP_SIM_DVCQG_MALFORMED_RATE" check:"min=0,max=1" help:"probability that a call is acted on and its answer truncated (not valid JSON)"`
	// ExpireSessions is the persistent form of POST /_sim/sessions/expire.
	ExpireSessions bool `json:"expire_sessions" yaml:"expire_sessions" env:"LGSP_SIM_DVCQG_EXPIRE_SESSIONS" check:"any" help:"every session expires after one call, so the next call is answered 01 and the client logs in again"`
	// SessionTTL is set at run time only (the section's session_ttl is
	// the configured lifetime).
	SessionTTL Duration `json:"session_ttl,omitempty" yaml:"-"`
	// Reject lists dossier codes whose items are refused.
	Reject []string `json:"reject,omitempty" yaml:"reject" env:"LGSP_SIM_DVCQG_REJECT" check:"custom" help:"dossier codes (MaHoSo) whose items are answered 03, to test dead letters"`
	// Seed, when not zero, makes the random draws reproducible: the same
	// seed and the same sequence of calls give the same faults. Setting
	// faults restarts the sequence.
	Seed uint64 `json:"seed,omitempty" yaml:"seed" env:"LGSP_SIM_DVCQG_SEED" check:"any" help:"non-zero makes the random draws reproducible"`
}

// knobEnv maps a knob to its environment variable, less the prefix. A
// knob without one is set through the FAULTS JSON only.
var knobEnv = map[string]string{
	"latency": "LATENCY", "error_rate": "ERROR_RATE", "malformed_rate": "MALFORMED_RATE", "reject": "REJECT",
}

// Validate reports the first knob out of range.
func (f Faults) Validate() error {
	bad := simkit.BadKnob
	switch {
	case f.Latency < 0 || time.Duration(f.Latency) > maxLatency:
		return bad("latency", "%v: must be between 0 and %v", time.Duration(f.Latency), maxLatency)
	case f.ErrorRate < 0 || f.ErrorRate > 1:
		return bad("error_rate", "%v: must be between 0 and 1", f.ErrorRate)
	case f.MalformedRate < 0 || f.MalformedRate > 1:
		return bad("malformed_rate", "%v: must be between 0 and 1", f.MalformedRate)
	case f.SessionTTL != 0 && (time.Duration(f.SessionTTL) < minSessionTTL || time.Duration(f.SessionTTL) > maxSessionTTL):
		return bad("session_ttl", "%v: must be 0 (the configured one) or between %v and %v", time.Duration(f.SessionTTL), minSessionTTL, maxSessionTTL)
	}
	for _, m := range f.Reject {
		if err := wire.CheckMaHoSo(m); err != nil {
			return bad("reject", "%q: not a dossier code: %v", m, err)
		}
	}
	return nil
}

func (f Faults) clone() Faults {
	f.Reject = slices.Clone(f.Reject)
	return f
}

// injector holds the current knobs and the random source. A seeded
// sequence is reproducible call by call, so draws happen under the lock.
type injector struct {
	mu     sync.Mutex
	cur    Faults
	reject map[string]bool
	rng    *rand.Rand
}

func newInjector(f Faults) *injector {
	in := &injector{}
	in.set(f)
	return in
}

func (in *injector) set(f Faults) {
	f = f.clone()
	reject := make(map[string]bool, len(f.Reject))
	for _, m := range f.Reject {
		reject[m] = true
	}
	rng := simkit.NewRand(f.Seed)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.cur, in.reject, in.rng = f, reject, rng
}

func (in *injector) get() Faults {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cur.clone()
}

func (in *injector) rejected(maHoSo string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.reject[maHoSo]
}

// sessionPolicy returns the knobs sessions obey.
func (in *injector) sessionPolicy() (ttl time.Duration, oneCall bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return time.Duration(in.cur.SessionTTL), in.cur.ExpireSessions
}

// Injected failures, besides the outage.
const (
	failNone = iota
	failUnavailable
	failSystemError
)

type decision struct {
	outage    bool
	delay     time.Duration
	fail      int
	malformed bool
}

// decide draws the faults of one call. Knobs that need no draw take
// nothing from a seeded sequence.
func (in *injector) decide() decision {
	in.mu.Lock()
	defer in.mu.Unlock()
	f := &in.cur
	if f.Outage {
		return decision{outage: true}
	}
	d := decision{delay: time.Duration(f.Latency)}
	if f.ErrorRate > 0 && in.rng.Float64() < f.ErrorRate {
		d.fail = failSystemError
		if in.rng.IntN(2) == 0 {
			d.fail = failUnavailable
		}
		return d
	}
	if f.MalformedRate > 0 && in.rng.Float64() < f.MalformedRate {
		d.malformed = true
	}
	return d
}
