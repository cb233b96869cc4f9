package ngsp

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
)

// Bounds on the knobs, so that a typo cannot park a request for a day.
const (
	maxLatency           = 5 * time.Minute
	maxTimeout           = 10 * time.Minute
	defaultTimeoutMax    = 30 * time.Second
	defaultFailureStatus = http.StatusServiceUnavailable
)

// FaultProfile is one set of fault-injection knobs.
//
// For every call the simulator waits Latency plus a uniform random part of
// Jitter, then draws once: with probability TimeoutRate it hangs until the
// client gives up or TimeoutMax passes (then answers 504); with probability
// FailureRate it answers FailureStatus; with probability MalformedRate it
// serves the call but cuts its answer short; otherwise it serves the call.
// Faults come before authentication, as a failing gateway would, and apply
// to /token as well, so connectors get to exercise their token retries.
// Injected answers use the WSO2 gateway's fault body
// {"fault":{"code","message","description"}}, not the data envelope.
//
// TokenRejectRate is drawn on its own, after the rest: a data call whose
// bearer token is otherwise valid is then refused with the gateway's
// 900901 Invalid Credentials fault (HTTP 401) and the token is forgotten,
// as if NGSP had expired it before its announced expires_in. A connector
// must drop the token, fetch a new one and retry once. It has no effect on
// /token, on unknown paths, or on calls already refused for another
// reason.
type FaultProfile struct {
	Latency       Duration `json:"latency" yaml:"latency" env:"LGSP_SIM_NGSP_LATENCY" check:"custom" help:"added to every call (at most 5m)"`
	Jitter        Duration `json:"jitter" yaml:"jitter" env:"LGSP_SIM_NGSP_JITTER" check:"custom" help:"uniform random extra latency (at most 5m)"`
	FailureRate   float64  `json:"failureRate" yaml:"failure_rate" env:"LGSP_SIM_NGSP_FAILURE_RATE" check:"min=0,max=1" help:"probability of an injected 5xx"`
	FailureStatus int      `json:"failureStatus,omitempty" yaml:"failure_status" env:"LGSP_SIM_NGSP_FAILURE_STATUS" check:"custom" help:"status of injected failures, 500 to 599; 0 means 503"`
	TimeoutRate   float64  `json:"timeoutRate" yaml:"timeout_rate" env:"LGSP_SIM_NGSP_TIMEOUT_RATE" check:"min=0,max=1" help:"probability of a hang until the client gives up or timeout_max passes"`
	TimeoutMax    Duration `json:"timeoutMax,omitempty" yaml:"timeout_max" env:"LGSP_SIM_NGSP_TIMEOUT_MAX" check:"custom" help:"cap of a simulated hang (at most 10m); 0 means 30s"`
	// A call that draws MalformedRate is served before its answer is cut,
	// as after a real cut: the caller cannot tell whether it was acted on.
	MalformedRate   float64 `json:"malformedRate" yaml:"malformed_rate" env:"LGSP_SIM_NGSP_MALFORMED_RATE" check:"min=0,max=1" help:"probability that a served call's answer is cut short (same status and Content-Type, body not valid JSON); with failure_rate and timeout_rate at most 1"`
	TokenRejectRate float64 `json:"tokenRejectRate" yaml:"token_reject_rate" env:"LGSP_SIM_NGSP_TOKEN_REJECT_RATE" check:"min=0,max=1" help:"probability that a data call with a valid token is refused with the gateway's 900901 fault (HTTP 401) and the token revoked, as if it had expired early"`
}

// Faults are the knobs for every path, with per-path overrides.
type Faults struct {
	FaultProfile
	// Seed, when not zero, makes the random draws reproducible: the same
	// seed and the same sequence of calls give the same faults. Setting
	// faults restarts the sequence.
	Seed uint64 `json:"seed,omitempty" yaml:"seed" env:"LGSP_SIM_NGSP_SEED" check:"any" help:"non-zero makes the random draws reproducible"`
	// Paths overrides the profile for some paths. A key is an exact path
	// ("/apiCSDLDC/1.0/congDan") or a prefix ending in "*"
	// ("/apiCSDLDKDN/*"); the exact key wins, then the longest prefix. An
	// override replaces the whole profile for that path.
	Paths map[string]FaultProfile `json:"paths,omitempty"`
}

// Validate reports the first knob out of range.
func (p FaultProfile) Validate() error {
	bad := simkit.BadKnob
	switch {
	case p.Latency < 0 || time.Duration(p.Latency) > maxLatency:
		return bad("latency", "%v: must be between 0 and %v", time.Duration(p.Latency), maxLatency)
	case p.Jitter < 0 || time.Duration(p.Jitter) > maxLatency:
		return bad("jitter", "%v: must be between 0 and %v", time.Duration(p.Jitter), maxLatency)
	case p.FailureRate < 0 || p.FailureRate > 1:
		return bad("failureRate", "%v: must be between 0 and 1", p.FailureRate)
	case p.TimeoutRate < 0 || p.TimeoutRate > 1:
		return bad("timeoutRate", "%v: must be between 0 and 1", p.TimeoutRate)
	case p.MalformedRate < 0 || p.MalformedRate > 1:
		return bad("malformedRate", "%v: must be between 0 and 1", p.MalformedRate)
	case p.TokenRejectRate < 0 || p.TokenRejectRate > 1:
		return bad("tokenRejectRate", "%v: must be between 0 and 1", p.TokenRejectRate)
	case p.FailureRate+p.TimeoutRate > 1:
		return bad("failureRate", "+ timeoutRate = %v: must not exceed 1", p.FailureRate+p.TimeoutRate)
	case p.FailureRate+p.TimeoutRate+p.MalformedRate > 1:
		return bad("malformedRate", "+ failureRate + timeoutRate = %v: must not exceed 1", p.FailureRate+p.TimeoutRate+p.MalformedRate)
	case p.FailureStatus != 0 && (p.FailureStatus < 500 || p.FailureStatus > 599):
		return bad("failureStatus", "%d: must be a 5xx status", p.FailureStatus)
	case p.TimeoutMax < 0 || time.Duration(p.TimeoutMax) > maxTimeout:
		return bad("timeoutMax", "%v: must be between 0 and %v", time.Duration(p.TimeoutMax), maxTimeout)
	}
	return nil
}

// KnobError names the fault knob that is out of range by its JSON name
// (latency, failureRate …).
type KnobError = simkit.KnobError

// knobEnv maps a knob to its environment variable.
var knobEnv = map[string]string{
	"latency": "LATENCY", "jitter": "JITTER", "failureRate": "FAILURE_RATE", "timeoutRate": "TIMEOUT_RATE",
	"failureStatus": "FAILURE_STATUS", "timeoutMax": "TIMEOUT_MAX", "malformedRate": "MALFORMED_RATE",
	"tokenRejectRate": "TOKEN_REJECT_RATE",
}

// Validate checks the profile and every override.
func (f Faults) Validate() error {
	if err := f.FaultProfile.Validate(); err != nil {
		return err
	}
	for k, p := range f.Paths {
		if !strings.HasPrefix(k, "/") {
			return fmt.Errorf("paths[%q]: must start with /", k)
		}
		if i := strings.IndexByte(k, '*'); i >= 0 && i != len(k)-1 {
			return fmt.Errorf("paths[%q]: * is only allowed at the end", k)
		}
		if err := p.Validate(); err != nil {
			return fmt.Errorf("paths[%q]: %w", k, err)
		}
	}
	return nil
}

func (f Faults) clone() Faults {
	f.Paths = maps.Clone(f.Paths)
	return f
}

func (f *Faults) profileFor(path string) FaultProfile {
	if p, ok := f.Paths[path]; ok {
		return p
	}
	best, found := -1, FaultProfile{}
	for k, p := range f.Paths {
		if prefix, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(path, prefix) && len(prefix) > best {
			best, found = len(prefix), p
		}
	}
	if best >= 0 {
		return found
	}
	return f.FaultProfile
}

func (p FaultProfile) inert() bool {
	return p.Latency == 0 && p.Jitter == 0 && p.FailureRate == 0 && p.TimeoutRate == 0 &&
		p.MalformedRate == 0 && p.TokenRejectRate == 0
}

// injector applies the current faults. The knobs are swapped atomically;
// the random source is shared and locked so that a seeded run is
// reproducible call by call.
type injector struct {
	cur atomic.Pointer[Faults]
	mu  sync.Mutex
	rng *rand.Rand
}

func newInjector(f Faults) *injector {
	in := &injector{}
	in.set(f)
	return in
}

func (in *injector) set(f Faults) {
	f = f.clone()
	rng := simkit.NewRand(f.Seed)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rng = rng
	in.cur.Store(&f)
}

func (in *injector) get() Faults { return in.cur.Load().clone() }

type faultAction int

const (
	actServe faultAction = iota
	actFail
	actHang
	actMalformed
)

type decision struct {
	delay   time.Duration
	action  faultAction
	status  int
	hangMax time.Duration
	// rejectToken refuses the call's token if it gets as far as a valid one.
	rejectToken bool
}

// decide draws the faults of one call. Calls on paths whose profile is
// inert draw nothing, so they do not shift a seeded sequence; the token
// draw is taken only when its knob is set, so profiles written before it
// existed keep their sequence.
func (in *injector) decide(path string) decision {
	p := in.cur.Load().profileFor(path)
	if p.inert() {
		return decision{}
	}
	in.mu.Lock()
	j, u := in.rng.Float64(), in.rng.Float64()
	reject := p.TokenRejectRate > 0 && in.rng.Float64() < p.TokenRejectRate
	in.mu.Unlock()
	d := decision{delay: time.Duration(p.Latency) + time.Duration(j*float64(p.Jitter)), rejectToken: reject}
	switch {
	case u < p.TimeoutRate:
		d.action = actHang
		d.hangMax = time.Duration(p.TimeoutMax)
		if d.hangMax == 0 {
			d.hangMax = defaultTimeoutMax
		}
	case u < p.TimeoutRate+p.FailureRate:
		d.action = actFail
		d.status = p.FailureStatus
		if d.status == 0 {
			d.status = defaultFailureStatus
		}
	case u < p.TimeoutRate+p.FailureRate+p.MalformedRate:
		d.action = actMalformed
	}
	return d
}

// applyFaults runs the faults for one call and reports whether it has
// answered (or the client is gone) so the caller must stop. Otherwise it
// returns the writer and request to serve the call with: the writer cuts
// the answer short when the call drew a malformed answer (the caller must
// then call finish), and the request carries a drawn token refusal.
func (s *Simulator) applyFaults(w http.ResponseWriter, r *http.Request, rec *recorder) (http.ResponseWriter, *http.Request, func(), bool) {
	d := s.faults.decide(r.URL.Path)
	if err := simkit.Wait(r.Context(), s.quit, d.delay); err != nil {
		rec.gone(err)
		return nil, nil, nil, true
	}
	if d.rejectToken {
		r = r.WithContext(context.WithValue(r.Context(), rejectKey{}, true))
	}
	switch d.action {
	case actFail:
		if d.status == http.StatusServiceUnavailable {
			writeFault(w, d.status, 101503, "Runtime Error", "Error connecting to the back end")
		} else {
			writeFault(w, d.status, 101500, "Runtime Error", "Error in Sender")
		}
		return nil, nil, nil, true
	case actHang:
		if err := simkit.Wait(r.Context(), s.quit, d.hangMax); err != nil {
			rec.gone(err)
			return nil, nil, nil, true
		}
		writeFault(w, http.StatusGatewayTimeout, 101504, "Runtime Error", "Send timeout")
		return nil, nil, nil, true
	case actMalformed:
		cw := &cutWriter{ResponseWriter: w}
		return cw, r, cw.finish, false
	}
	return w, r, func() {}, false
}

type rejectKey struct{}

// tokenRejected reports whether the call drew a token refusal.
func tokenRejected(r *http.Request) bool {
	v, _ := r.Context().Value(rejectKey{}).(bool)
	return v
}

// rejectToken answers as the WSO2 gateway does for a token it no longer
// accepts, and forgets the token so that it stays refused and a new one
// is issued even when active tokens are reused.
func (s *Simulator) rejectToken(w http.ResponseWriter, tok string) {
	s.tokens.revoke(tok)
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token expired"`)
	writeFault(w, http.StatusUnauthorized, 900901, "Invalid Credentials",
		"Invalid Credentials. Make sure you have provided the correct security credentials")
}

// cutWriter holds a handler's answer back and then sends its status and
// headers with only the first half of its body, as a connection cut in
// the middle of the answer leaves it. No Content-Length is sent, so the
// client reads a complete HTTP answer whose JSON stops short.
type cutWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *cutWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// finish sends what is kept of the answer. A JSON value cut in half is
// never valid JSON: its closing bracket or quote is in the dropped half.
func (c *cutWriter) finish() {
	if c.status == 0 {
		return
	}
	c.Header().Del("Content-Length")
	c.ResponseWriter.WriteHeader(c.status)
	b := c.body.Bytes()
	_, _ = c.ResponseWriter.Write(b[:len(b)/2])
}
