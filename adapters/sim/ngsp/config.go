package ngsp

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
	"github.com/lgsp-vn/lgsp/platform/config"
)

// EnvPrefix prefixes the environment variables of the simulator's knobs.
const EnvPrefix = "LGSP_SIM_NGSP_"

// Demo credentials used when the configuration names none. They are public
// on purpose: the simulator guards nothing real.
const (
	DemoConsumerKey    = "lgsp-demo-ngsp-key"
	DemoConsumerSecret = "lgsp-demo-ngsp-secret"
)

// Config configures a Simulator, the "sim_ngsp:" section of the
// configuration file. Start from DefaultConfig; platform/config loads it.
type Config struct {
	// Addr is where `lgsp dev` starts the simulator.
	Addr string `yaml:"addr" env:"LGSP_SIMULATOR_ADDR" check:"hostport" help:"where lgsp dev serves the national-system simulators"`
	// ConsumerKey and ConsumerSecret are the one application the token
	// endpoint knows.
	ConsumerKey    string `yaml:"consumer_key" env:"LGSP_SIM_NGSP_CONSUMER_KEY" check:"custom" help:"consumer key of the one application the simulated token endpoint knows"`
	ConsumerSecret string `yaml:"consumer_secret" env:"LGSP_SIM_NGSP_CONSUMER_SECRET" secret:"true" check:"nonempty" help:"its consumer secret (public demo value by default: the simulator guards nothing real)"`
	// AdminToken protects /_sim/faults, /_sim/stats and /_sim/tokens.
	AdminToken string        `yaml:"admin_token" env:"LGSP_SIM_NGSP_ADMIN_TOKEN" secret:"true" check:"min=8,omitempty" help:"token for /_sim/faults, /_sim/stats and /_sim/tokens; empty disables them (404)"`
	TokenTTL   time.Duration `yaml:"token_ttl" env:"LGSP_SIM_NGSP_TOKEN_TTL" check:"min=1s" help:"lifetime of a simulated access token"`
	// As WSO2 does by default for client_credentials.
	ReuseActiveToken bool `yaml:"reuse_active_token" env:"LGSP_SIM_NGSP_REUSE_ACTIVE_TOKEN" check:"any" help:"hand back the still-valid token with its remaining lifetime instead of a new one"`
	// Beyond MaxTokens the oldest expired ones are dropped first, then
	// arbitrary ones.
	MaxTokens       int      `yaml:"max_tokens" env:"LGSP_SIM_NGSP_MAX_TOKENS" check:"min=1" help:"tokens remembered"`
	AllowedIPs      []string `yaml:"allowed_ips" env:"LGSP_SIM_NGSP_ALLOWED_IPS" check:"custom" help:"client addresses or CIDR prefixes the data APIs accept (others get 101 IP_DISALLOWED); empty allows all"`
	AllowedAgencies []string `yaml:"allowed_agencies" env:"LGSP_SIM_NGSP_ALLOWED_AGENCIES" check:"custom" help:"agency identifier codes (maDonVi) allowed to read personal data (others get 106); empty allows all"`
	// Authentication errors keep 401/403.
	BusinessErrorsAsHTTP200 bool `yaml:"business_errors_as_http200" env:"LGSP_SIM_NGSP_BUSINESS_ERRORS_AS_HTTP200" check:"any" help:"answer business errors (201, 302 …) with HTTP 200 and the code only in the body, as some national endpoints do"`
	// Faults are the initial fault-injection knobs; SetFaults and
	// POST /_sim/faults change them at run time.
	Faults Faults `yaml:"faults" env:"LGSP_SIM_NGSP_FAULTS" check:"custom" help:"initial fault-injection knobs; the variable takes the JSON that POST /_sim/faults takes, per-path overrides included"`
	// Clock returns the current time; nil means time.Now. Token expiry,
	// the progress of judicial-record certificate requests and the
	// registration changes dated from today read it: latency and hangs use
	// real time.
	Clock func() time.Time
}

// DefaultConfig returns a configuration that works out of the box with the
// demo credentials and no faults.
func DefaultConfig() Config {
	return Config{
		ConsumerKey:    DemoConsumerKey,
		ConsumerSecret: DemoConsumerSecret,
		Addr:           "127.0.0.1:8090",
		TokenTTL:       time.Hour,
		MaxTokens:      100_000,
	}
}

// Validate reports the first bad setting by its environment variable name.
func (c Config) Validate() error {
	if err := config.Check(&c); err != nil {
		return err
	}
	if strings.TrimSpace(c.ConsumerKey) == "" {
		return fmt.Errorf("%sCONSUMER_KEY: must not be empty", EnvPrefix)
	}
	if c.ConsumerSecret == "" {
		return fmt.Errorf("%sCONSUMER_SECRET: must not be empty", EnvPrefix)
	}
	if c.AdminToken != "" && len(c.AdminToken) < 8 {
		return fmt.Errorf("%sADMIN_TOKEN: must be at least 8 characters", EnvPrefix)
	}
	if c.TokenTTL < time.Second {
		return fmt.Errorf("%sTOKEN_TTL: %v is below one second", EnvPrefix, c.TokenTTL)
	}
	if c.MaxTokens < 1 {
		return fmt.Errorf("%sMAX_TOKENS: must be positive", EnvPrefix)
	}
	if _, err := parseAllowList(c.AllowedIPs); err != nil {
		return fmt.Errorf("%sALLOWED_IPS: %w", EnvPrefix, err)
	}
	for _, a := range c.AllowedAgencies {
		if !validAgencyCode(a) {
			return fmt.Errorf("%sALLOWED_AGENCIES: %q is not an agency identifier code", EnvPrefix, a)
		}
	}
	// A knob of the top profile is named by its own variable; the rest of
	// the fault set (per-path overrides) by the JSON variable.
	var ke *KnobError
	if err := c.Faults.FaultProfile.Validate(); errors.As(err, &ke) {
		return fmt.Errorf("%s%s (or %sFAULTS): %w", EnvPrefix, knobEnv[ke.Knob], EnvPrefix, err)
	}
	if err := c.Faults.Validate(); err != nil {
		return fmt.Errorf("%sFAULTS: %w", EnvPrefix, err)
	}
	return nil
}

// parseAllowList turns addresses and CIDR prefixes into prefixes.
func parseAllowList(items []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(items))
	for _, it := range items {
		if strings.Contains(it, "/") {
			p, err := netip.ParsePrefix(it)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", it, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(it)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", it, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Duration is a fault knob's duration, written as a Go duration ("250ms")
// in JSON and settings; a bare number is refused.
type Duration = simkit.Duration
