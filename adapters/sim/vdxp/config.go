package vdxp

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/edxml"
)

// EnvPrefix prefixes the environment variables of the simulator's settings.
const EnvPrefix = "LGSP_SIM_VDXP_"

// The province's system in dev mode. `lgsp dev` wires the province's
// bridge to the simulator with these when the configuration names no
// other. They are public on purpose: the simulator guards nothing real.
const (
	DevSystemID   = "lgsp-dev-province"
	DevSecret     = "lgsp-dev-vdxp-secret"
	DevAdminToken = "lgsp-dev-vdxp-admin"
	DevAddr       = "127.0.0.1:8092"
)

// Config configures a Simulator, the "sim_vdxp:" section of the
// configuration file. Start from DefaultConfig; platform/config loads it.
type Config struct {
	// Addr is where `lgsp dev` and `lgsp sim vdxp` serve the simulator.
	Addr string `yaml:"addr" env:"LGSP_SIM_VDXP_ADDR" check:"hostport" help:"where lgsp dev and lgsp sim vdxp serve the national document axis simulator"`
	// SystemID and Secret are the province's system: it hosts every
	// agency code outside the simulator's own directory.
	SystemID string `yaml:"system_id" env:"LGSP_SIM_VDXP_SYSTEM_ID" check:"custom" help:"systemid of the province's system, which hosts every agency code outside the simulator's directory"`
	Secret   string `yaml:"secret" env:"LGSP_SIM_VDXP_SECRET" secret:"true" check:"nonempty" help:"its signed-header secret (public demo value by default: the simulator guards nothing real)"`
	// Systems are other systems, standing for other provinces' software.
	Systems []string `yaml:"systems" env:"LGSP_SIM_VDXP_SYSTEMS" secret:"true" check:"custom" help:"other systems, each systemid:secret:code;code… (the codes it hosts, which may be empty: systemid:secret:)"`
	// AdminToken protects /_sim/ but /_sim/health and /_sim/directory.
	AdminToken string        `yaml:"admin_token" env:"LGSP_SIM_VDXP_ADMIN_TOKEN" secret:"true" check:"min=8,omitempty" help:"token for the /_sim/ control endpoints (documents, inject, faults, reset); empty disables them (404)"`
	Window     time.Duration `yaml:"timestamp_window" env:"LGSP_SIM_VDXP_TIMESTAMP_WINDOW" check:"min=1s,max=24h" help:"how far a signed timestamp may be from the simulator's clock"`
	// AutoAnswer makes the directory's agencies answer documents with
	// status packages, AnswerDelay apart.
	AutoAnswer  bool          `yaml:"auto_answer" env:"LGSP_SIM_VDXP_AUTO_ANSWER" check:"any" help:"agencies of the simulator's directory answer a document with status packages 01 then 03 (15 for an update or revocation)"`
	AnswerDelay time.Duration `yaml:"answer_delay" env:"LGSP_SIM_VDXP_ANSWER_DELAY" check:"min=0s,max=1h" help:"delay before each automatic status; 0 answers before sendEdoc returns"`
	// MaxPackageBytes bounds one package; the body may carry two more
	// bytes, the CRLF the national SDK appends.
	MaxPackageBytes int64 `yaml:"max_package_bytes" env:"LGSP_SIM_VDXP_MAX_PACKAGE_BYTES" check:"min=1024,max=1073741824" help:"largest package sendEdoc and inject accept, in bytes"`
	// Beyond MaxDocuments the oldest documents are forgotten.
	MaxDocuments int `yaml:"max_documents" env:"LGSP_SIM_VDXP_MAX_DOCUMENTS" check:"min=1" help:"documents and statuses kept in memory; the oldest are forgotten beyond it"`
	// Faults are the initial fault knobs; SetFaults and POST /_sim/faults
	// change them at run time.
	Faults Faults `yaml:"faults" env:"LGSP_SIM_VDXP_FAULTS" check:"custom" help:"initial fault knobs; the variable takes the JSON that POST /_sim/faults takes"`
	// Clock returns the current time; nil means time.Now. Signed
	// timestamps and the times in answers read it; latency, outages and
	// answer delays use real time.
	Clock func() time.Time
}

// DefaultConfig returns a configuration that works out of the box: the dev
// province system, the demo admin token, auto-answer on, no faults.
func DefaultConfig() Config {
	return Config{
		Addr:            DevAddr,
		SystemID:        DevSystemID,
		Secret:          DevSecret,
		AdminToken:      DevAdminToken,
		Window:          5 * time.Minute,
		AutoAnswer:      true,
		AnswerDelay:     200 * time.Millisecond,
		MaxPackageBytes: edxml.DefaultMaxSize,
		MaxDocuments:    10_000,
	}
}

// Validate reports the first bad setting by its environment variable name.
func (c Config) Validate() error {
	if err := config.Check(&c); err != nil {
		return err
	}
	if err := checkSystemID(c.SystemID); err != nil {
		return fmt.Errorf("%sSYSTEM_ID: %w", EnvPrefix, err)
	}
	if _, err := parseSystems(c.SystemID, c.Systems); err != nil {
		return fmt.Errorf("%sSYSTEMS: %w", EnvPrefix, err)
	}
	var ke *KnobError
	if err := c.Faults.Validate(); errors.As(err, &ke) {
		return fmt.Errorf("%s%s (or %sFAULTS): %w", EnvPrefix, knobEnv[ke.Knob], EnvPrefix, err)
	} else if err != nil {
		return fmt.Errorf("%sFAULTS: %w", EnvPrefix, err)
	}
	return nil
}

func checkSystemID(id string) error {
	switch {
	case strings.TrimSpace(id) != id || id == "":
		return errors.New("must not be empty or start or end with a space")
	case len(id) > 128:
		return errors.New("longer than 128 characters")
	case strings.ContainsAny(id, ":;,\"\\"):
		return fmt.Errorf("%q: must not contain : ; , \" or \\", id)
	}
	return nil
}

// system is a client of the axis and the agency codes it hosts.
type system struct {
	id     string
	secret string
	// codes is nil for the province's system, which hosts every code that
	// is neither in the directory nor hosted by another system.
	codes    map[string]bool
	province bool
}

// parseSystems reads the Systems setting, each "systemid:secret:codes"
// with codes separated by ";". The secret may itself hold colons: the
// system id ends at the first colon, the codes start after the last.
func parseSystems(province string, items []string) ([]*system, error) {
	seen := map[string]bool{province: true}
	hosted := map[string]string{}
	var out []*system
	for i, it := range items {
		first, last := strings.IndexByte(it, ':'), strings.LastIndexByte(it, ':')
		if first < 0 || first == last {
			return nil, fmt.Errorf("entry %d: want systemid:secret:code;code (codes may be empty)", i+1)
		}
		id, secret, codes := it[:first], it[first+1:last], it[last+1:]
		if err := checkSystemID(id); err != nil {
			return nil, fmt.Errorf("entry %d: systemid %w", i+1, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("entry %d: systemid %q is used twice (the province's system included)", i+1, id)
		}
		seen[id] = true
		if secret == "" {
			return nil, fmt.Errorf("entry %d (%s): empty secret", i+1, id)
		}
		sys := &system{id: id, secret: secret, codes: map[string]bool{}}
		for _, code := range strings.Split(codes, ";") {
			if code = strings.TrimSpace(code); code == "" {
				continue
			}
			if !validCode(code) {
				return nil, fmt.Errorf("entry %d (%s): %q is not an agency identifier code", i+1, id, code)
			}
			if other, dup := hosted[code]; dup {
				return nil, fmt.Errorf("entry %d (%s): %s is already hosted by %s", i+1, id, code, other)
			}
			hosted[code] = id
			sys.codes[code] = true
		}
		out = append(out, sys)
	}
	return out, nil
}

// validCode accepts what the axis may carry: dot-separated groups of
// letters and digits (LLL.LL.LL.XNN and the short forms real files use).
func validCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	groups := 1
	prevDot := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			groups++
			prevDot = true
		case c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			prevDot = false
		default:
			return false
		}
	}
	return !prevDot && groups >= 2 && groups <= 6
}

// Duration is a fault knob's duration, written as a Go duration ("250ms")
// in JSON and settings; a bare number is refused.
type Duration = simkit.Duration
