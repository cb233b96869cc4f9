package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/netguard"
)

// Config is the gateway's configuration, the "gateway:" section of the
// configuration file. platform/config loads it over DefaultConfig; the tags
// say each setting's key, variable, rules and meaning.
type Config struct {
	Addr string `yaml:"addr" env:"LGSP_GATEWAY_ADDR" check:"hostport" help:"public API traffic listener"`
	// With ClientCAFile, client certificates are requested and verified, and
	// their SHA-256 fingerprint maps to an application (mTLS).
	TLSCertFile  string `yaml:"tls_cert" env:"LGSP_GATEWAY_TLS_CERT" check:"any" help:"PEM certificate: serve the public listener over TLS (with tls_key)"`
	TLSKeyFile   string `yaml:"tls_key" env:"LGSP_GATEWAY_TLS_KEY" check:"any" help:"PEM private key of tls_cert"`
	ClientCAFile string `yaml:"tls_client_ca" env:"LGSP_GATEWAY_TLS_CLIENT_CA" check:"any" help:"PEM CA bundle: request and verify client certificates (mTLS authentication)"`

	InstanceID string `yaml:"instance_id" env:"LGSP_GATEWAY_INSTANCE_ID" check:"max=64" help:"this gateway's name in metering batch ids and request ids; empty means random per process"`

	ReadTimeout  time.Duration `yaml:"read_timeout" env:"LGSP_GATEWAY_READ_TIMEOUT" check:"min=1ms" help:"time to read a whole request"`
	WriteTimeout time.Duration `yaml:"write_timeout" env:"LGSP_GATEWAY_WRITE_TIMEOUT" check:"min=1ms" help:"time to write a whole response"`
	IdleTimeout  time.Duration `yaml:"idle_timeout" env:"LGSP_GATEWAY_IDLE_TIMEOUT" check:"min=1ms" help:"how long an idle keep-alive connection stays open"`
	// Behind a load balancer every connection comes from its address:
	// raise this above the balancer's connection pool, or set 0.
	MaxConnsPerIP int `yaml:"max_conns_per_ip" env:"LGSP_GATEWAY_MAX_CONNS_PER_IP" check:"min=0" help:"open connections allowed from one client address (0: no limit); more are answered 429 and closed"`
	// Public (anonymous) APIs have no subscription, hence no tier: each
	// client address gets its own bucket per public API instead.
	PublicRate     float64 `yaml:"public_rate" env:"LGSP_GATEWAY_PUBLIC_RATE" check:"min=0" help:"requests per second one client address may make to one public (anonymous) API, IPv6 counted by /64; 0 disables the limit"`
	PublicBurst    int     `yaml:"public_burst" env:"LGSP_GATEWAY_PUBLIC_BURST" check:"min=1" help:"requests a client address may make at once to a public API before public_rate applies"`
	MaxHeaderBytes int     `yaml:"max_header_bytes" env:"LGSP_GATEWAY_MAX_HEADER_BYTES" check:"min=1024" help:"bound on the request line plus headers"`
	MaxBodyBytes   int64   `yaml:"max_body_bytes" env:"LGSP_GATEWAY_MAX_BODY_BYTES" check:"min=1" help:"request body limit of APIs that set none"`
	// The server refuses bodies above BodyCapBytes before reading them.
	BodyCapBytes     int64 `yaml:"body_cap_bytes" env:"LGSP_GATEWAY_BODY_CAP_BYTES" check:"min=1,max=2147483647" help:"hard ceiling of a request body, whatever an API asks for"`
	MaxResponseBytes int64 `yaml:"max_response_bytes" env:"LGSP_GATEWAY_MAX_RESPONSE_BYTES" check:"min=1" help:"bound on an upstream response"`
	TrustForwarded   bool  `yaml:"trust_forwarded" env:"LGSP_GATEWAY_TRUST_FORWARDED" check:"any" help:"keep the client's X-Forwarded-For and Forwarded headers and take the client address from them; only behind a trusted load balancer"`

	// Checked at every new connection, against the addresses the name
	// resolves to then: the registry checks an upstream URL only when it is
	// registered. Link-local ranges, where cloud metadata services live,
	// and the known metadata addresses are refused whatever the list says.
	UpstreamAllow    []string      `yaml:"upstream_allow" env:"LGSP_GATEWAY_UPSTREAM_ALLOW" check:"nonempty" help:"where the gateway may connect for API upstreams and upstream token endpoints: public (globally routable), CIDRs such as 10.20.0.0/16, host names, suffixes such as *.gov.vn; dev mode adds 127.0.0.0/8 when unset"`
	UpstreamTimeout  time.Duration `yaml:"upstream_timeout" env:"LGSP_GATEWAY_UPSTREAM_TIMEOUT" check:"min=1ms" help:"default upstream timeout of APIs that set none"`
	UpstreamMaxConns int           `yaml:"upstream_max_conns" env:"LGSP_GATEWAY_UPSTREAM_MAX_CONNS" check:"min=1" help:"connections per upstream endpoint"`
	// Transport errors, 502, 503 and 504 count as failures.
	BreakerFailures int           `yaml:"breaker_failures" env:"LGSP_GATEWAY_BREAKER_FAILURES" check:"min=1" help:"consecutive failures that open an endpoint's circuit"`
	BreakerOpen     time.Duration `yaml:"breaker_open" env:"LGSP_GATEWAY_BREAKER_OPEN" check:"min=1ms" help:"how long an open circuit refuses calls"`
	HealthCooldown  time.Duration `yaml:"health_cooldown" env:"LGSP_GATEWAY_HEALTH_COOLDOWN" check:"min=1ms" help:"how long an endpoint that refused a connection is avoided (passive health check)"`

	// Each JWT cache entry holds the token, about 1 KB.
	JWTCacheSize       int           `yaml:"jwt_cache_size" env:"LGSP_GATEWAY_JWT_CACHE_SIZE" check:"min=1" help:"verified access tokens kept in memory"`
	SignedHeaderWindow time.Duration `yaml:"signed_header_window" env:"LGSP_GATEWAY_SIGNED_HEADER_WINDOW" check:"min=1s" help:"how far a signed-header timestamp may be from now"`
	ReplayCacheSize    int           `yaml:"replay_cache_size" env:"LGSP_GATEWAY_REPLAY_CACHE_SIZE" check:"min=1" help:"signed-header nonces remembered against replay"`

	// Trusted external issuers' key sets (federation, docs/federation.md):
	// fetched through the upstream_allow guard, refreshed every
	// federation_jwks_refresh, refetched at once (at most every
	// federation_jwks_min_gap) for a token naming an unknown key, and
	// served from the cache for federation_jwks_max_stale while the
	// issuer's JWKS endpoint is down.
	FederationJWKSRefresh  time.Duration `yaml:"federation_jwks_refresh" env:"LGSP_GATEWAY_FEDERATION_JWKS_REFRESH" check:"min=1s,max=24h" help:"how often the gateway refetches each trusted issuer's JWKS"`
	FederationJWKSMinGap   time.Duration `yaml:"federation_jwks_min_gap" env:"LGSP_GATEWAY_FEDERATION_JWKS_MIN_GAP" check:"min=1ms,max=1h" help:"shortest time between two JWKS fetches of one issuer besides the periodic refresh (a token naming an unknown key, retries after a failure); also the Retry-After of issuer_keys_unavailable"`
	FederationJWKSMaxStale time.Duration `yaml:"federation_jwks_max_stale" env:"LGSP_GATEWAY_FEDERATION_JWKS_MAX_STALE" check:"min=1s,max=720h" help:"how long after the last successful fetch a trusted issuer's cached keys still verify tokens while its JWKS endpoint fails; at least federation_jwks_refresh"`
	FederationJWKSTimeout  time.Duration `yaml:"federation_jwks_timeout" env:"LGSP_GATEWAY_FEDERATION_JWKS_TIMEOUT" check:"min=1ms,max=1m" help:"bound on one JWKS fetch, and on a request's wait for the keys of its token's issuer"`

	PollInterval    time.Duration `yaml:"poll_interval" env:"LGSP_GATEWAY_POLL_INTERVAL" check:"min=1ms" help:"registry snapshot refresh besides change events, as a safety net"`
	RegistryTimeout time.Duration `yaml:"registry_timeout" env:"LGSP_GATEWAY_REGISTRY_TIMEOUT" check:"min=1ms" help:"bound on one registry call"`

	// See the meter type for the overflow policy.
	MeteringBatch      int           `yaml:"metering_batch" env:"LGSP_GATEWAY_METERING_BATCH" check:"min=1" help:"metering events per JetStream message"`
	MeteringFlush      time.Duration `yaml:"metering_flush" env:"LGSP_GATEWAY_METERING_FLUSH" check:"min=1ms" help:"longest wait before a partial batch is published"`
	MeteringBuffer     int           `yaml:"metering_buffer" env:"LGSP_GATEWAY_METERING_BUFFER" check:"min=1" help:"metering events buffered in memory while NATS is slow or down"`
	MeteringMaxPending int           `yaml:"metering_max_pending" env:"LGSP_GATEWAY_METERING_MAX_PENDING" check:"min=1" help:"batches awaiting JetStream's acknowledgement at once"`
	MeteringAckTimeout time.Duration `yaml:"metering_ack_timeout" env:"LGSP_GATEWAY_METERING_ACK_TIMEOUT" check:"min=1ms" help:"wait for JetStream's acknowledgement before a batch is re-sent"`
	// Durable: every answered call is counted, whatever happens to the
	// process (docs/decisions.md D17).
	MeteringMode            string `yaml:"metering_mode" env:"LGSP_GATEWAY_METERING_MODE" check:"oneof=durable|async" help:"durable: a call is answered only once its metering event is fsynced in the local journal, which is shipped to JetStream; async: events wait in memory (metering_buffer) and a killed process loses them"`
	MeteringJournalDir      string `yaml:"metering_journal_dir" env:"LGSP_GATEWAY_METERING_JOURNAL_DIR" check:"any" help:"directory of the durable metering journal; empty means <data_dir>/metering-journal. Keep it on local disk and give each gateway its own"`
	MeteringJournalMaxBytes int64  `yaml:"metering_journal_max_bytes" env:"LGSP_GATEWAY_METERING_JOURNAL_MAX_BYTES" check:"min=1048576" help:"bound on metering events waiting on disk (JetStream slow or down); past it metering_on_failure applies"`
	MeteringOnFailure       string `yaml:"metering_on_failure" env:"LGSP_GATEWAY_METERING_ON_FAILURE" check:"oneof=reject|serve" help:"when an event cannot be stored durably (journal full, disk error): reject answers 503 metering_unavailable and leaves the load balancer (not ready); serve answers and counts the loss in lgsp_gateway_metering_dropped_total{reason=\"journal\"}"`

	// Lines wait in memory and are written in batches, off the request
	// path; see accessLog and docs/decisions.md D16.
	AccessLog       string        `yaml:"access_log" env:"LGSP_GATEWAY_ACCESS_LOG" check:"oneof=all|errors|off" help:"which requests are logged: all (every status >= 400 and a sample of the others, access_log_sample), errors (status >= 400 only) or off"`
	AccessLogSample float64       `yaml:"access_log_sample" env:"LGSP_GATEWAY_ACCESS_LOG_SAMPLE" check:"min=0,max=1" help:"fraction of successful requests logged when access_log is all; 1 logs every request (about 0.3 µs of request time each; every call is metered anyway)"`
	AccessLogBuffer int           `yaml:"access_log_buffer" env:"LGSP_GATEWAY_ACCESS_LOG_BUFFER" check:"min=65536,max=1073741824" help:"bytes of access lines waiting to be written; when the output is too slow, lines past it are dropped and counted in lgsp_gateway_access_log_dropped_total, never waited for"`
	AccessLogFlush  time.Duration `yaml:"access_log_flush" env:"LGSP_GATEWAY_ACCESS_LOG_FLUSH" check:"min=10ms,max=10s" help:"longest wait before access lines are written (sooner once 64 KiB wait)"`

	// StreamReplicas is the replica count used when the gateway is the
	// first to declare the metering stream or the quota bucket, and
	// ShutdownTimeout bounds the graceful stop (in-flight requests, then the
	// metering flush). Both come from the process settings
	// (LGSP_NATS_REPLICAS, LGSP_SHUTDOWN_TIMEOUT) through the composition
	// root; they are not gateway settings.
	StreamReplicas  int           `yaml:"-" env:"-"`
	ShutdownTimeout time.Duration `yaml:"-" env:"-"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Addr:                    ":8080",
		ReadTimeout:             60 * time.Second,
		WriteTimeout:            90 * time.Second,
		IdleTimeout:             90 * time.Second,
		MaxConnsPerIP:           1024,
		PublicRate:              20,
		PublicBurst:             40,
		MaxHeaderBytes:          16 << 10,
		MaxBodyBytes:            10 << 20,
		BodyCapBytes:            64 << 20,
		MaxResponseBytes:        64 << 20,
		UpstreamAllow:           []string{netguard.KeywordPublic},
		UpstreamTimeout:         30 * time.Second,
		UpstreamMaxConns:        1024,
		BreakerFailures:         5,
		BreakerOpen:             10 * time.Second,
		HealthCooldown:          5 * time.Second,
		JWTCacheSize:            20_000,
		SignedHeaderWindow:      5 * time.Minute,
		ReplayCacheSize:         100_000,
		FederationJWKSRefresh:   time.Hour,
		FederationJWKSMinGap:    30 * time.Second,
		FederationJWKSMaxStale:  24 * time.Hour,
		FederationJWKSTimeout:   5 * time.Second,
		PollInterval:            5 * time.Second,
		RegistryTimeout:         5 * time.Second,
		MeteringBatch:           256,
		MeteringFlush:           100 * time.Millisecond,
		MeteringBuffer:          1 << 17,
		MeteringMaxPending:      1024,
		MeteringAckTimeout:      5 * time.Second,
		MeteringMode:            "durable",
		MeteringJournalMaxBytes: 1 << 30,
		MeteringOnFailure:       "reject",
		ShutdownTimeout:         8 * time.Second,
		StreamReplicas:          1,
		AccessLog:               "all",
		AccessLogSample:         0.01,
		AccessLogBuffer:         1 << 20,
		AccessLogFlush:          200 * time.Millisecond,
	}
}

// Validate reports the first bad setting by its environment variable.
func (c *Config) Validate() error {
	if err := config.Check(c); err != nil {
		return err
	}
	var errs []error
	bad := func(env, msg string) { errs = append(errs, fmt.Errorf("%s: %s", env, msg)) }
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		bad("LGSP_GATEWAY_TLS_CERT", "LGSP_GATEWAY_TLS_CERT and LGSP_GATEWAY_TLS_KEY go together")
	}
	if c.ClientCAFile != "" && c.TLSCertFile == "" {
		bad("LGSP_GATEWAY_TLS_CLIENT_CA", "needs LGSP_GATEWAY_TLS_CERT and LGSP_GATEWAY_TLS_KEY")
	}
	if c.MaxBodyBytes > c.BodyCapBytes {
		bad("LGSP_GATEWAY_MAX_BODY_BYTES", "must not exceed LGSP_GATEWAY_BODY_CAP_BYTES")
	}
	if _, err := netguard.Parse(c.UpstreamAllow); err != nil {
		bad("LGSP_GATEWAY_UPSTREAM_ALLOW", err.Error())
	}
	if c.FederationJWKSMinGap > c.FederationJWKSRefresh {
		bad("LGSP_GATEWAY_FEDERATION_JWKS_MIN_GAP", "must not exceed LGSP_GATEWAY_FEDERATION_JWKS_REFRESH")
	}
	if c.FederationJWKSMaxStale < c.FederationJWKSRefresh {
		bad("LGSP_GATEWAY_FEDERATION_JWKS_MAX_STALE", "must be at least LGSP_GATEWAY_FEDERATION_JWKS_REFRESH")
	}
	if strings.ContainsAny(c.InstanceID, " \t\r\n.*>") {
		bad("LGSP_GATEWAY_INSTANCE_ID", "must be at most 64 characters without spaces, '.', '*' or '>'")
	}
	if c.ShutdownTimeout <= 0 {
		bad("LGSP_SHUTDOWN_TIMEOUT", "must be positive")
	}
	if c.StreamReplicas < 1 || c.StreamReplicas > 5 {
		bad("LGSP_NATS_REPLICAS", "must be 1 to 5")
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
