package registry

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/netguard"
	"github.com/lgsp-vn/lgsp/services/registry/secretbox"
)

// Config is the registry's configuration, the "registry:" section of the
// configuration file. platform/config loads it over DefaultConfig; the tags
// say each setting's key, variable, rules and meaning.
type Config struct {
	// MasterKey seals upstream secrets, signed-header secrets and the
	// private signing keys. Losing it makes those unreadable.
	MasterKey     string        `yaml:"master_key" env:"LGSP_MASTER_KEY" secret:"true" check:"custom" help:"base64 of 32 random bytes sealing stored secrets and signing keys; required by the registry, generated under the data directory in dev mode"`
	AdminPassword string        `yaml:"admin_password" env:"LGSP_ADMIN_PASSWORD" secret:"true" check:"min=10,omitempty" help:"bootstrap password of user admin, set when the registry starts; dev mode generates one into <data>/admin-password"`
	TokenIssuer   string        `yaml:"token_issuer" env:"LGSP_TOKEN_ISSUER" check:"custom" help:"iss of issued access tokens"`
	TokenAudience string        `yaml:"token_audience" env:"LGSP_TOKEN_AUDIENCE" check:"custom" help:"aud of issued access tokens"`
	TokenTTL      time.Duration `yaml:"token_ttl" env:"LGSP_TOKEN_TTL" check:"min=1m,max=24h" help:"lifetime of an access token"`
	// RotateSigningKey works whatever KeyRotation says.
	KeyRotation time.Duration `yaml:"key_rotation" env:"LGSP_REGISTRY_KEY_ROTATION" check:"custom" help:"age at which the token-signing key is replaced; 0 turns automatic rotation off, otherwise at least token_ttl"`
	SessionTTL  time.Duration `yaml:"session_ttl" env:"LGSP_REGISTRY_SESSION_TTL" check:"min=1m,max=720h" help:"how long an admin login lasts"`
	// Link-local ranges, where cloud metadata services live, and the known
	// metadata addresses are refused whatever the list says.
	UpstreamAllow []string `yaml:"upstream_allow" env:"LGSP_REGISTRY_UPSTREAM_ALLOW" check:"custom" help:"where API upstreams may point: public (globally routable), CIDRs such as 10.20.0.0/16, host names, suffixes such as *.gov.vn; dev mode adds 127.0.0.0/8 when unset"`

	// InternalToken authenticates other LGSP processes (gateways,
	// metering) as RoleService; empty disables it, which is fine when
	// everything runs in one process. StreamReplicas is the replica count
	// of the LGSP_REGISTRY stream. Both come from the process settings
	// (LGSP_INTERNAL_TOKEN, LGSP_NATS_REPLICAS) through the composition root.
	InternalToken  string `yaml:"-" env:"-"`
	StreamReplicas int    `yaml:"-" env:"-"`
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

// Validate reports the first bad setting by its environment variable.
func (c Config) Validate() error {
	if err := config.Check(&c); err != nil {
		return err
	}
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
		return fmt.Errorf("LGSP_NATS_REPLICAS=%d must be between 1 and 5", c.StreamReplicas)
	}
	return nil
}
