package registry

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/services/registry/netguard"
	"github.com/lgsp-vn/lgsp/services/registry/secretbox"
)

// Config is the registry's configuration. DefaultConfig gives the defaults,
// LoadEnv overrides them from LGSP_… variables, Validate checks them.
type Config struct {
	// MasterKey (LGSP_MASTER_KEY) is the base64 of 32 random bytes. It
	// seals upstream secrets, signed-header secrets and the private signing
	// keys. Required. Losing it makes those unreadable.
	MasterKey string
	// InternalToken (LGSP_INTERNAL_TOKEN) authenticates other LGSP
	// processes (gateways, metering) as RoleService. Empty disables it,
	// which is fine when everything runs in one process.
	InternalToken string
	// TokenIssuer (LGSP_TOKEN_ISSUER) and TokenAudience
	// (LGSP_TOKEN_AUDIENCE) are the iss and aud of issued JWTs.
	TokenIssuer   string
	TokenAudience string
	// TokenTTL (LGSP_TOKEN_TTL, seconds or a Go duration) is the lifetime of
	// an access token. Default 3600 s.
	TokenTTL time.Duration
	// KeyRotation (LGSP_REGISTRY_KEY_ROTATION) is how old the current
	// signing key may get before Run replaces it. Default 30 days; 0 turns
	// automatic rotation off (RotateSigningKey still works).
	KeyRotation time.Duration
	// SessionTTL (LGSP_REGISTRY_SESSION_TTL) is how long an admin login
	// lasts. Default 12 h.
	SessionTTL time.Duration
	// UpstreamAllow (LGSP_REGISTRY_UPSTREAM_ALLOW, comma-separated) lists
	// where API upstreams may point: "public" (any globally routable
	// address), CIDRs such as "10.20.0.0/16", exact host names, and host
	// suffixes such as "*.gov.vn". Default: "public" only, so loopback and
	// private networks must be listed explicitly (the dev mode adds
	// 127.0.0.0/8 for the simulators). Link-local ranges, where cloud
	// metadata services live, and the known metadata addresses are refused
	// whatever the list says.
	UpstreamAllow []string
	// StreamReplicas (LGSP_REGISTRY_STREAM_REPLICAS) is the replica count of
	// the LGSP_REGISTRY stream: 1 embedded, 3 on a production cluster.
	StreamReplicas int
}

// DefaultConfig returns the defaults; MasterKey must still be set.
func DefaultConfig() Config {
	return Config{
		TokenIssuer:    "lgsp",
		TokenAudience:  "lgsp-gateway",
		TokenTTL:       time.Hour,
		KeyRotation:    30 * 24 * time.Hour,
		SessionTTL:     12 * time.Hour,
		UpstreamAllow:  []string{netguard.KeywordPublic},
		StreamReplicas: 1,
	}
}

// LoadEnv overrides c from the environment (getenv is os.Getenv in
// production). Unset variables keep their value.
func (c *Config) LoadEnv(getenv func(string) string) error {
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := parseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
				return
			}
			*dst = d
		}
	}
	str("LGSP_MASTER_KEY", &c.MasterKey)
	str("LGSP_INTERNAL_TOKEN", &c.InternalToken)
	str("LGSP_TOKEN_ISSUER", &c.TokenIssuer)
	str("LGSP_TOKEN_AUDIENCE", &c.TokenAudience)
	dur("LGSP_TOKEN_TTL", &c.TokenTTL)
	dur("LGSP_REGISTRY_KEY_ROTATION", &c.KeyRotation)
	dur("LGSP_REGISTRY_SESSION_TTL", &c.SessionTTL)
	if v := getenv("LGSP_REGISTRY_UPSTREAM_ALLOW"); v != "" {
		c.UpstreamAllow = nil
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				c.UpstreamAllow = append(c.UpstreamAllow, e)
			}
		}
	}
	if v := getenv("LGSP_REGISTRY_STREAM_REPLICAS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("LGSP_REGISTRY_STREAM_REPLICAS=%q: not a number", v))
		} else {
			c.StreamReplicas = n
		}
	}
	return errors.Join(errs...)
}

// parseDuration accepts a Go duration ("1h") or whole seconds ("3600").
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(v)
}

// Validate reports the first bad setting by its environment variable.
func (c Config) Validate() error {
	if c.MasterKey == "" {
		return errors.New("LGSP_MASTER_KEY is required (base64 of 32 random bytes)")
	}
	if _, err := secretbox.ParseKey(c.MasterKey); err != nil {
		return fmt.Errorf("LGSP_MASTER_KEY: %w", err)
	}
	if c.InternalToken != "" && len(c.InternalToken) < 32 {
		return errors.New("LGSP_INTERNAL_TOKEN must be at least 32 characters")
	}
	if strings.TrimSpace(c.TokenIssuer) == "" {
		return errors.New("LGSP_TOKEN_ISSUER must not be empty")
	}
	if strings.TrimSpace(c.TokenAudience) == "" {
		return errors.New("LGSP_TOKEN_AUDIENCE must not be empty")
	}
	if c.TokenTTL < time.Minute || c.TokenTTL > 24*time.Hour {
		return fmt.Errorf("LGSP_TOKEN_TTL=%s must be between 1m and 24h", c.TokenTTL)
	}
	if c.KeyRotation < 0 || (c.KeyRotation > 0 && c.KeyRotation < c.TokenTTL) {
		return fmt.Errorf("LGSP_REGISTRY_KEY_ROTATION=%s must be 0 (off) or at least LGSP_TOKEN_TTL", c.KeyRotation)
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 30*24*time.Hour {
		return fmt.Errorf("LGSP_REGISTRY_SESSION_TTL=%s must be between 1m and 720h", c.SessionTTL)
	}
	if _, err := netguard.Parse(c.UpstreamAllow); err != nil {
		return fmt.Errorf("LGSP_REGISTRY_UPSTREAM_ALLOW: %w", err)
	}
	if c.StreamReplicas < 1 || c.StreamReplicas > 5 {
		return fmt.Errorf("LGSP_REGISTRY_STREAM_REPLICAS=%d must be between 1 and 5", c.StreamReplicas)
	}
	return nil
}
