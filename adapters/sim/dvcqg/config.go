package dvcqg

import (
	"errors"
	"fmt"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
	"github.com/lgsp-vn/lgsp/platform/config"
)

// EnvPrefix prefixes the environment variables of the simulator's settings.
const EnvPrefix = "LGSP_SIM_DVCQG_"

// The province's account in dev mode. `lgsp dev` wires the province's
// connector to the simulator with these when the configuration names no
// other. They are public on purpose: the simulator guards nothing real.
const (
	DevUsername   = "lgsp-dev-province"
	DevPassword   = "lgsp-dev-dvcqg-password"
	DevAdminToken = "lgsp-dev-dvcqg-admin"
	DevAddr       = "127.0.0.1:8094"
)

// Config configures a Simulator, the "sim_dvcqg:" section of the
// configuration file. Start from DefaultConfig; platform/config loads it.
type Config struct {
	// Addr is where `lgsp dev` and `lgsp sim dvcqg` serve the simulator.
	Addr string `yaml:"addr" env:"LGSP_SIM_DVCQG_ADDR" check:"hostport" help:"where lgsp dev and lgsp sim dvcqg serve the national public-service portal simulator"`
	// Username and Password are the province's account: LayPhien gives a
	// session for them and refuses anything else with "02".
	Username string `yaml:"username" env:"LGSP_SIM_DVCQG_USERNAME" check:"nonempty" help:"username the province logs in with (LayPhien)"`
	Password string `yaml:"password" env:"LGSP_SIM_DVCQG_PASSWORD" secret:"true" check:"nonempty" help:"its password (public demo value by default: the simulator guards nothing real)"`
	// AdminToken protects /_sim/ but /_sim/health.
	AdminToken string `yaml:"admin_token" env:"LGSP_SIM_DVCQG_ADMIN_TOKEN" secret:"true" check:"min=8,omitempty" help:"token for the /_sim/ control endpoints (dossiers, stats, faults, reset); empty disables them (404)"`
	// SessionTTL is how long a session lasts; LayPhien announces it as
	// expires_in.
	SessionTTL time.Duration `yaml:"session_ttl" env:"LGSP_SIM_DVCQG_SESSION_TTL" check:"min=1s,max=24h" help:"how long a session from LayPhien lasts (expires_in); a call with an expired session is answered 01"`
	// Beyond MaxDossiers the dossier first received is forgotten.
	MaxDossiers int `yaml:"max_dossiers" env:"LGSP_SIM_DVCQG_MAX_DOSSIERS" check:"min=1" help:"dossiers kept in memory with their history; the first received is forgotten beyond it"`
	// Faults are the initial fault knobs; SetFaults and POST /_sim/faults
	// change them at run time.
	Faults Faults `yaml:"faults" env:"LGSP_SIM_DVCQG_FAULTS" check:"custom" help:"initial fault knobs; the variable takes the JSON that POST /_sim/faults takes"`
	// Clock returns the current time; nil means time.Now. Session expiry
	// and the received times of records read it; latency uses real time.
	Clock func() time.Time
}

// DefaultConfig returns a configuration that works out of the box: the dev
// province account, the demo admin token, 30-minute sessions, no faults.
func DefaultConfig() Config {
	return Config{
		Addr:        DevAddr,
		Username:    DevUsername,
		Password:    DevPassword,
		AdminToken:  DevAdminToken,
		SessionTTL:  30 * time.Minute,
		MaxDossiers: 100_000,
	}
}

// Validate reports the first bad setting by its environment variable name.
func (c Config) Validate() error {
	if err := config.Check(&c); err != nil {
		return err
	}
	var ke *KnobError
	if err := c.Faults.Validate(); errors.As(err, &ke) {
		if env, ok := knobEnv[ke.Knob]; ok {
			return fmt.Errorf("%s%s (or %sFAULTS): %w", EnvPrefix, env, EnvPrefix, err)
		}
		return fmt.Errorf("%sFAULTS: %w", EnvPrefix, err)
	} else if err != nil {
		return fmt.Errorf("%sFAULTS: %w", EnvPrefix, err)
	}
	return nil
}

// Duration is a fault knob's duration, written as a Go duration ("250ms")
// in JSON and settings; a bare number is refused.
type Duration = simkit.Duration

// KnobError names the fault knob that is out of range by its JSON name
// (latency, error_rate …).
type KnobError = simkit.KnobError
