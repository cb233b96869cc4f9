package ngsp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix prefixes every environment variable the simulator reads.
const EnvPrefix = "LGSP_SIM_NGSP_"

// Demo credentials used when the configuration names none. They are public
// on purpose: the simulator guards nothing real.
const (
	DemoConsumerKey    = "lgsp-demo-ngsp-key"
	DemoConsumerSecret = "lgsp-demo-ngsp-secret"
)

// Config configures a Simulator. Start from DefaultConfig.
type Config struct {
	// ConsumerKey and ConsumerSecret are the one application the token
	// endpoint knows.
	ConsumerKey    string
	ConsumerSecret string
	// AdminToken protects /_sim/faults, /_sim/stats and /_sim/tokens. Empty
	// disables those endpoints (they answer 404).
	AdminToken string
	// TokenTTL is how long an issued access token stays valid.
	TokenTTL time.Duration
	// ReuseActiveToken makes /token hand back the still-valid token with the
	// remaining lifetime instead of a new one, as WSO2 does by default for
	// client_credentials.
	ReuseActiveToken bool
	// MaxTokens bounds the remembered tokens; beyond it the oldest expired
	// ones are dropped first, then arbitrary ones.
	MaxTokens int
	// AllowedIPs, when not empty, lists the client addresses or CIDR
	// prefixes the data APIs accept; others get 101 IP_DISALLOWED.
	AllowedIPs []string
	// AllowedAgencies, when not empty, lists the agency identifier codes
	// (maDonVi) allowed to read personal data; others get 106.
	AllowedAgencies []string
	// BusinessErrorsAsHTTP200 answers business errors (201, 302, …) with
	// HTTP 200 and the code only in the body, as some national endpoints do.
	// Authentication errors keep 401/403.
	BusinessErrorsAsHTTP200 bool
	// Faults are the initial fault-injection knobs; SetFaults and
	// POST /_sim/faults change them at run time.
	Faults Faults
	// Clock returns the current time; nil means time.Now. Only token expiry
	// reads it: latency and hangs use real time.
	Clock func() time.Time
}

// DefaultConfig returns a configuration that works out of the box with the
// demo credentials and no faults.
func DefaultConfig() Config {
	return Config{
		ConsumerKey:    DemoConsumerKey,
		ConsumerSecret: DemoConsumerSecret,
		TokenTTL:       time.Hour,
		MaxTokens:      100_000,
	}
}

// Validate reports the first bad setting by its environment variable name.
func (c Config) Validate() error {
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
	if err := c.Faults.Validate(); err != nil {
		return fmt.Errorf("%sFAULTS: %w", EnvPrefix, err)
	}
	return nil
}

// ApplyEnv overrides settings from LGSP_SIM_NGSP_* variables found by
// lookup (os.LookupEnv in production): CONSUMER_KEY, CONSUMER_SECRET,
// ADMIN_TOKEN, TOKEN_TTL, REUSE_ACTIVE_TOKEN, MAX_TOKENS, ALLOWED_IPS and
// ALLOWED_AGENCIES (comma-separated), BUSINESS_ERRORS_AS_HTTP200, FAULTS
// (JSON, as POST /_sim/faults takes), LATENCY, JITTER, FAILURE_RATE,
// FAILURE_STATUS, TIMEOUT_RATE, TIMEOUT_MAX and SEED. It reports every
// variable it cannot parse by name.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	str := func(name string, dst *string) {
		if v, ok := lookup(EnvPrefix + name); ok {
			*dst = v
		}
	}
	list := func(name string, dst *[]string) {
		if v, ok := lookup(EnvPrefix + name); ok {
			*dst = splitList(v)
		}
	}
	dur := func(name string, dst *time.Duration) error {
		if v, ok := lookup(EnvPrefix + name); ok {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s%s: %w", EnvPrefix, name, err)
			}
			*dst = d
		}
		return nil
	}
	boolean := func(name string, dst *bool) error {
		if v, ok := lookup(EnvPrefix + name); ok {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s%s: %w", EnvPrefix, name, err)
			}
			*dst = b
		}
		return nil
	}
	float := func(name string, dst *float64) error {
		if v, ok := lookup(EnvPrefix + name); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return fmt.Errorf("%s%s: %w", EnvPrefix, name, err)
			}
			*dst = f
		}
		return nil
	}
	integer := func(name string, dst *int) error {
		if v, ok := lookup(EnvPrefix + name); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s%s: %w", EnvPrefix, name, err)
			}
			*dst = n
		}
		return nil
	}

	// The whole fault set, per-path overrides included, as JSON; the
	// single-knob variables below then override its top-level profile.
	if v, ok := lookup(EnvPrefix + "FAULTS"); ok && strings.TrimSpace(v) != "" {
		var f Faults
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return fmt.Errorf("%sFAULTS: %w", EnvPrefix, err)
		}
		c.Faults = f
	}
	str("CONSUMER_KEY", &c.ConsumerKey)
	str("CONSUMER_SECRET", &c.ConsumerSecret)
	str("ADMIN_TOKEN", &c.AdminToken)
	list("ALLOWED_IPS", &c.AllowedIPs)
	list("ALLOWED_AGENCIES", &c.AllowedAgencies)
	errs := []error{
		dur("TOKEN_TTL", &c.TokenTTL),
		boolean("REUSE_ACTIVE_TOKEN", &c.ReuseActiveToken),
		integer("MAX_TOKENS", &c.MaxTokens),
		boolean("BUSINESS_ERRORS_AS_HTTP200", &c.BusinessErrorsAsHTTP200),
		dur("LATENCY", (*time.Duration)(&c.Faults.Latency)),
		dur("JITTER", (*time.Duration)(&c.Faults.Jitter)),
		float("FAILURE_RATE", &c.Faults.FailureRate),
		integer("FAILURE_STATUS", &c.Faults.FailureStatus),
		float("TIMEOUT_RATE", &c.Faults.TimeoutRate),
		dur("TIMEOUT_MAX", (*time.Duration)(&c.Faults.TimeoutMax)),
	}
	if v, ok := lookup(EnvPrefix + "SEED"); ok {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%sSEED: %w", EnvPrefix, err))
		}
		c.Faults.Seed = n
	}
	return errors.Join(errs...)
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
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

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("250ms"), and also reads a bare number as milliseconds.
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "250ms" or 250 (milliseconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return errors.New(`duration must be a string like "250ms" or a number of milliseconds`)
	}
	*d = Duration(ms * float64(time.Millisecond))
	return nil
}
