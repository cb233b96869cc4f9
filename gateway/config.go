package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Config is the gateway's configuration. Every field has a default
// (DefaultConfig) and an LGSP_GATEWAY_… environment variable (the env tag).
type Config struct {
	// Addr is the public listener.
	Addr string `env:"LGSP_GATEWAY_ADDR" yaml:"addr"`
	// TLS on the public listener. With ClientCAFile, client certificates are
	// requested and verified, and their SHA-256 fingerprint maps to an
	// application (mTLS authentication).
	TLSCertFile  string `env:"LGSP_GATEWAY_TLS_CERT" yaml:"tls_cert"`
	TLSKeyFile   string `env:"LGSP_GATEWAY_TLS_KEY" yaml:"tls_key"`
	ClientCAFile string `env:"LGSP_GATEWAY_TLS_CLIENT_CA" yaml:"tls_client_ca"`

	// InstanceID names this gateway in metering batch ids and request ids.
	// Empty means a random id per process.
	InstanceID string `env:"LGSP_GATEWAY_INSTANCE_ID" yaml:"instance_id"`

	// Server limits.
	ReadTimeout  time.Duration `env:"LGSP_GATEWAY_READ_TIMEOUT" yaml:"read_timeout"`
	WriteTimeout time.Duration `env:"LGSP_GATEWAY_WRITE_TIMEOUT" yaml:"write_timeout"`
	IdleTimeout  time.Duration `env:"LGSP_GATEWAY_IDLE_TIMEOUT" yaml:"idle_timeout"`
	// MaxHeaderBytes bounds the request line plus headers.
	MaxHeaderBytes int `env:"LGSP_GATEWAY_MAX_HEADER_BYTES" yaml:"max_header_bytes"`
	// MaxBodyBytes is the request body limit of APIs that set none.
	MaxBodyBytes int64 `env:"LGSP_GATEWAY_MAX_BODY_BYTES" yaml:"max_body_bytes"`
	// BodyCapBytes is the hard ceiling, whatever an API asks for. The server
	// refuses larger bodies before reading them.
	BodyCapBytes int64 `env:"LGSP_GATEWAY_BODY_CAP_BYTES" yaml:"body_cap_bytes"`
	// MaxResponseBytes bounds an upstream response.
	MaxResponseBytes int64 `env:"LGSP_GATEWAY_MAX_RESPONSE_BYTES" yaml:"max_response_bytes"`
	// TrustForwarded keeps the X-Forwarded-For and Forwarded headers a
	// client sent (set it only behind a trusted load balancer); otherwise
	// they are replaced.
	TrustForwarded bool `env:"LGSP_GATEWAY_TRUST_FORWARDED" yaml:"trust_forwarded"`

	// Upstream defaults and resilience.
	UpstreamTimeout  time.Duration `env:"LGSP_GATEWAY_UPSTREAM_TIMEOUT" yaml:"upstream_timeout"`
	UpstreamMaxConns int           `env:"LGSP_GATEWAY_UPSTREAM_MAX_CONNS" yaml:"upstream_max_conns"`
	// BreakerFailures consecutive failures (transport errors, 502, 503, 504)
	// open an endpoint's circuit for BreakerOpen.
	BreakerFailures int           `env:"LGSP_GATEWAY_BREAKER_FAILURES" yaml:"breaker_failures"`
	BreakerOpen     time.Duration `env:"LGSP_GATEWAY_BREAKER_OPEN" yaml:"breaker_open"`
	// HealthCooldown is how long an endpoint that refused a connection is
	// avoided (passive health check).
	HealthCooldown time.Duration `env:"LGSP_GATEWAY_HEALTH_COOLDOWN" yaml:"health_cooldown"`

	// Authentication. JWTCacheSize bounds the verified-token cache (each
	// entry holds the token, about 1 KB).
	JWTCacheSize       int           `env:"LGSP_GATEWAY_JWT_CACHE_SIZE" yaml:"jwt_cache_size"`
	SignedHeaderWindow time.Duration `env:"LGSP_GATEWAY_SIGNED_HEADER_WINDOW" yaml:"signed_header_window"`
	ReplayCacheSize    int           `env:"LGSP_GATEWAY_REPLAY_CACHE_SIZE" yaml:"replay_cache_size"`

	// Registry snapshot refresh: on every change event, and every
	// PollInterval as a safety net.
	PollInterval    time.Duration `env:"LGSP_GATEWAY_POLL_INTERVAL" yaml:"poll_interval"`
	RegistryTimeout time.Duration `env:"LGSP_GATEWAY_REGISTRY_TIMEOUT" yaml:"registry_timeout"`

	// Metering. See the meter type for the overflow policy.
	MeteringBatch      int           `env:"LGSP_GATEWAY_METERING_BATCH" yaml:"metering_batch"`
	MeteringFlush      time.Duration `env:"LGSP_GATEWAY_METERING_FLUSH" yaml:"metering_flush"`
	MeteringBuffer     int           `env:"LGSP_GATEWAY_METERING_BUFFER" yaml:"metering_buffer"`
	MeteringMaxPending int           `env:"LGSP_GATEWAY_METERING_MAX_PENDING" yaml:"metering_max_pending"`
	MeteringAckTimeout time.Duration `env:"LGSP_GATEWAY_METERING_ACK_TIMEOUT" yaml:"metering_ack_timeout"`

	// StreamReplicas is the replica count used when the gateway is the first
	// to declare the metering stream or the quota bucket. The composition
	// root sets it from LGSP_NATS_REPLICAS.
	StreamReplicas int `env:"-" yaml:"-"`

	// ShutdownTimeout bounds the graceful stop: in-flight requests, then the
	// metering flush.
	ShutdownTimeout time.Duration `env:"LGSP_GATEWAY_SHUTDOWN_TIMEOUT" yaml:"shutdown_timeout"`

	// AccessLog is all, errors (status >= 400) or off. AccessLogSample is the
	// fraction of successful requests logged in mode all.
	AccessLog       string  `env:"LGSP_GATEWAY_ACCESS_LOG" yaml:"access_log"`
	AccessLogSample float64 `env:"LGSP_GATEWAY_ACCESS_LOG_SAMPLE" yaml:"access_log_sample"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Addr:               ":8080",
		ReadTimeout:        60 * time.Second,
		WriteTimeout:       90 * time.Second,
		IdleTimeout:        90 * time.Second,
		MaxHeaderBytes:     16 << 10,
		MaxBodyBytes:       10 << 20,
		BodyCapBytes:       64 << 20,
		MaxResponseBytes:   64 << 20,
		UpstreamTimeout:    30 * time.Second,
		UpstreamMaxConns:   1024,
		BreakerFailures:    5,
		BreakerOpen:        10 * time.Second,
		HealthCooldown:     5 * time.Second,
		JWTCacheSize:       20_000,
		SignedHeaderWindow: 5 * time.Minute,
		ReplayCacheSize:    100_000,
		PollInterval:       5 * time.Second,
		RegistryTimeout:    5 * time.Second,
		MeteringBatch:      256,
		MeteringFlush:      100 * time.Millisecond,
		MeteringBuffer:     1 << 17,
		MeteringMaxPending: 1024,
		MeteringAckTimeout: 5 * time.Second,
		ShutdownTimeout:    25 * time.Second,
		StreamReplicas:     1,
		AccessLog:          "all",
		AccessLogSample:    1,
	}
}

// ConfigFromEnv returns DefaultConfig overridden by the LGSP_GATEWAY_…
// environment variables, validated.
func ConfigFromEnv() (Config, error) {
	c := DefaultConfig()
	if err := c.ApplyEnv(os.LookupEnv); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// ApplyEnv overrides fields from environment variables named by their env
// tags. Durations use Go syntax ("1.5s"); a bare number means milliseconds.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Tag.Get("env")
		raw, ok := lookup(name)
		if name == "" || !ok {
			continue
		}
		raw = strings.TrimSpace(raw)
		f := v.Field(i)
		bad := func(err error) error { return fmt.Errorf("%s=%q: %w", name, raw, err) }
		switch f.Interface().(type) {
		case string:
			f.SetString(raw)
		case bool:
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return bad(err)
			}
			f.SetBool(b)
		case int, int64:
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return bad(err)
			}
			f.SetInt(n)
		case float64:
			x, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				return bad(err)
			}
			f.SetFloat(x)
		case time.Duration:
			d, err := time.ParseDuration(raw)
			if err != nil {
				ms, err2 := strconv.ParseInt(raw, 10, 64)
				if err2 != nil {
					return bad(err)
				}
				d = time.Duration(ms) * time.Millisecond
			}
			f.SetInt(int64(d))
		}
	}
	return nil
}

// Validate reports the first bad setting by its environment variable.
func (c *Config) Validate() error {
	var errs []error
	bad := func(env, msg string) { errs = append(errs, fmt.Errorf("%s: %s", env, msg)) }
	if c.Addr == "" {
		bad("LGSP_GATEWAY_ADDR", "must not be empty")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		bad("LGSP_GATEWAY_TLS_CERT", "LGSP_GATEWAY_TLS_CERT and LGSP_GATEWAY_TLS_KEY go together")
	}
	if c.ClientCAFile != "" && c.TLSCertFile == "" {
		bad("LGSP_GATEWAY_TLS_CLIENT_CA", "needs LGSP_GATEWAY_TLS_CERT and LGSP_GATEWAY_TLS_KEY")
	}
	positive := map[string]int64{
		"LGSP_GATEWAY_READ_TIMEOUT":         int64(c.ReadTimeout),
		"LGSP_GATEWAY_WRITE_TIMEOUT":        int64(c.WriteTimeout),
		"LGSP_GATEWAY_IDLE_TIMEOUT":         int64(c.IdleTimeout),
		"LGSP_GATEWAY_MAX_HEADER_BYTES":     int64(c.MaxHeaderBytes),
		"LGSP_GATEWAY_MAX_BODY_BYTES":       c.MaxBodyBytes,
		"LGSP_GATEWAY_BODY_CAP_BYTES":       c.BodyCapBytes,
		"LGSP_GATEWAY_MAX_RESPONSE_BYTES":   c.MaxResponseBytes,
		"LGSP_GATEWAY_UPSTREAM_TIMEOUT":     int64(c.UpstreamTimeout),
		"LGSP_GATEWAY_UPSTREAM_MAX_CONNS":   int64(c.UpstreamMaxConns),
		"LGSP_GATEWAY_BREAKER_FAILURES":     int64(c.BreakerFailures),
		"LGSP_GATEWAY_BREAKER_OPEN":         int64(c.BreakerOpen),
		"LGSP_GATEWAY_HEALTH_COOLDOWN":      int64(c.HealthCooldown),
		"LGSP_GATEWAY_JWT_CACHE_SIZE":       int64(c.JWTCacheSize),
		"LGSP_GATEWAY_SIGNED_HEADER_WINDOW": int64(c.SignedHeaderWindow),
		"LGSP_GATEWAY_REPLAY_CACHE_SIZE":    int64(c.ReplayCacheSize),
		"LGSP_GATEWAY_POLL_INTERVAL":        int64(c.PollInterval),
		"LGSP_GATEWAY_REGISTRY_TIMEOUT":     int64(c.RegistryTimeout),
		"LGSP_GATEWAY_METERING_BATCH":       int64(c.MeteringBatch),
		"LGSP_GATEWAY_METERING_FLUSH":       int64(c.MeteringFlush),
		"LGSP_GATEWAY_METERING_BUFFER":      int64(c.MeteringBuffer),
		"LGSP_GATEWAY_METERING_MAX_PENDING": int64(c.MeteringMaxPending),
		"LGSP_GATEWAY_METERING_ACK_TIMEOUT": int64(c.MeteringAckTimeout),
		"LGSP_GATEWAY_SHUTDOWN_TIMEOUT":     int64(c.ShutdownTimeout),
	}
	for env, n := range positive {
		if n <= 0 {
			bad(env, "must be positive")
		}
	}
	if c.MaxBodyBytes > c.BodyCapBytes {
		bad("LGSP_GATEWAY_MAX_BODY_BYTES", "must not exceed LGSP_GATEWAY_BODY_CAP_BYTES")
	}
	if c.BodyCapBytes > 1<<31-1 {
		bad("LGSP_GATEWAY_BODY_CAP_BYTES", "must be below 2 GiB")
	}
	switch c.AccessLog {
	case "all", "errors", "off":
	default:
		bad("LGSP_GATEWAY_ACCESS_LOG", "must be all, errors or off")
	}
	if c.AccessLogSample < 0 || c.AccessLogSample > 1 {
		bad("LGSP_GATEWAY_ACCESS_LOG_SAMPLE", "must be between 0 and 1")
	}
	if len(c.InstanceID) > 64 || strings.ContainsAny(c.InstanceID, " \t\r\n.*>") {
		bad("LGSP_GATEWAY_INSTANCE_ID", "must be at most 64 characters without spaces, '.', '*' or '>'")
	}
	if len(errs) > 0 {
		// Sorted for a stable first error.
		return errors.Join(sortErrs(errs)...)
	}
	return nil
}

func sortErrs(errs []error) []error {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Error() < errs[j-1].Error(); j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
	return errs
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
