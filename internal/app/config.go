package app

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
)

// Service names accepted by `lgsp serve`.
const (
	ServiceRegistry = "registry"
	ServiceGateway  = "gateway"
	ServiceMetering = "metering"
)

// Services lists every service in start order.
var Services = []string{ServiceRegistry, ServiceMetering, ServiceGateway}

// Config is the process configuration shared by every service. Each service
// adds its own settings in its own Config.
type Config struct {
	// DataDir holds the embedded NATS store, SQLite files and generated
	// secrets in dev mode.
	DataDir string `yaml:"data_dir" env:"LGSP_DATA_DIR"`
	// GatewayAddr is the public API traffic listener.
	GatewayAddr string `yaml:"gateway_addr" env:"LGSP_GATEWAY_ADDR"`
	// AdminAddr is the admin API, console, gRPC and /metrics listener.
	AdminAddr string `yaml:"admin_addr" env:"LGSP_ADMIN_ADDR"`
	// NATSURL points at an external NATS cluster. Empty in dev mode starts
	// an embedded server.
	NATSURL string `yaml:"nats_url" env:"LGSP_NATS_URL"`
	// NATSReplicas is the stream replica count on an external cluster.
	NATSReplicas int `yaml:"nats_replicas" env:"LGSP_NATS_REPLICAS"`
	// DatabaseURL is "sqlite:/path" or "postgres://…". Empty in dev mode
	// means SQLite files under DataDir.
	DatabaseURL string `yaml:"database_url" env:"LGSP_DATABASE_URL"`
	// AdminPassword is the bootstrap password of user "admin".
	AdminPassword string `yaml:"-" env:"LGSP_ADMIN_PASSWORD"`
	// MasterKey (base64, 32 bytes) encrypts stored secrets.
	MasterKey string `yaml:"-" env:"LGSP_MASTER_KEY"`
	// InternalToken authenticates services to each other.
	InternalToken string `yaml:"-" env:"LGSP_INTERNAL_TOKEN"`
	// MetricsToken, when set, lets a scraper read /metrics with
	// "Authorization: Bearer <token>" and nothing else. Without it /metrics
	// needs an admin session or the internal token, like the admin API.
	MetricsToken string `yaml:"-" env:"LGSP_METRICS_TOKEN"`
	// RegistryAddr is the registry's gRPC address (host:port of its admin
	// listener) for gateways and metering running in their own processes.
	RegistryAddr string `yaml:"registry_addr" env:"LGSP_REGISTRY_ADDR"`
	// RegistryTLS enables TLS to the registry.
	RegistryTLS bool `yaml:"registry_tls" env:"LGSP_REGISTRY_TLS"`
	// AdminTLSCert and AdminTLSKey serve the admin listener over TLS.
	AdminTLSCert string `yaml:"admin_tls_cert" env:"LGSP_ADMIN_TLS_CERT"`
	AdminTLSKey  string `yaml:"admin_tls_key" env:"LGSP_ADMIN_TLS_KEY"`

	LogLevel     string `yaml:"log_level" env:"LGSP_LOG_LEVEL"`
	LogFormat    string `yaml:"log_format" env:"LGSP_LOG_FORMAT"`
	OTLPEndpoint string `yaml:"otlp_endpoint" env:"LGSP_OTLP_ENDPOINT"`

	// ShutdownTimeout bounds a graceful stop.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" env:"LGSP_SHUTDOWN_TIMEOUT"`

	// Dev mode only.
	Simulators bool `yaml:"simulators" env:"LGSP_SIMULATORS"`
	Demo       bool `yaml:"demo" env:"LGSP_DEMO"`
	// SimulatorAddr is where the national-system simulators listen.
	SimulatorAddr string `yaml:"simulator_addr" env:"LGSP_SIMULATOR_ADDR"`
}

// DefaultConfig is the configuration before files and environment.
func DefaultConfig() Config {
	return Config{
		DataDir:         "./data",
		GatewayAddr:     ":8080",
		AdminAddr:       ":8081",
		NATSReplicas:    1,
		LogLevel:        "info",
		LogFormat:       "json",
		ShutdownTimeout: 10 * time.Second,
		SimulatorAddr:   "127.0.0.1:8090",
	}
}

// Load reads the optional YAML file and the environment over defaults.
func Load(path string) (Config, error) {
	c := DefaultConfig()
	if err := config.Load(path, &c); err != nil {
		return c, err
	}
	return c, nil
}

// Validate checks the settings a mode needs. dev is true for `lgsp dev`.
func (c Config) Validate(dev bool, services []string) error {
	for _, a := range []struct{ name, v string }{
		{"LGSP_GATEWAY_ADDR", c.GatewayAddr}, {"LGSP_ADMIN_ADDR", c.AdminAddr},
	} {
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			return &config.Invalid{Setting: a.name, Value: a.v, Reason: "want host:port, e.g. :8080 or 127.0.0.1:8080"}
		}
	}
	if c.ShutdownTimeout <= 0 {
		return &config.Invalid{Setting: "LGSP_SHUTDOWN_TIMEOUT", Value: c.ShutdownTimeout.String(), Reason: "must be positive"}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 32 {
		return &config.Invalid{Setting: "LGSP_METRICS_TOKEN", Reason: "at least 32 random characters"}
	}
	if c.NATSReplicas < 1 || c.NATSReplicas > 5 {
		return &config.Invalid{Setting: "LGSP_NATS_REPLICAS", Value: fmt.Sprint(c.NATSReplicas), Reason: "must be 1 to 5"}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return &config.Invalid{Setting: "LGSP_DATABASE_URL", Reason: "want sqlite:/path/to/file.db or postgres://user:pass@host/db"}
	}
	if dev {
		if c.DataDir == "" {
			return &config.Invalid{Setting: "--data / LGSP_DATA_DIR", Reason: "must not be empty"}
		}
		return nil
	}
	// Per-service mode: shared engines must be named explicitly.
	if c.NATSURL == "" {
		return &config.Invalid{Setting: "LGSP_NATS_URL", Reason: "required by `lgsp serve` (e.g. nats://nats-1:4222,nats://nats-2:4222)"}
	}
	if c.InternalToken == "" || len(c.InternalToken) < 32 {
		return &config.Invalid{Setting: "LGSP_INTERNAL_TOKEN", Reason: "required by `lgsp serve`: at least 32 random characters, the same in every process"}
	}
	for _, s := range services {
		switch s {
		case ServiceRegistry, ServiceMetering:
			if c.DatabaseURL == "" {
				return &config.Invalid{Setting: "LGSP_DATABASE_URL", Reason: "required by `lgsp serve " + s + "`"}
			}
			if s == ServiceRegistry && c.MasterKey == "" {
				return &config.Invalid{Setting: "LGSP_MASTER_KEY", Reason: "required by `lgsp serve registry`: 32 random bytes, base64"}
			}
		case ServiceGateway:
			if c.RegistryAddr == "" {
				return &config.Invalid{Setting: "LGSP_REGISTRY_ADDR", Reason: "required by `lgsp serve gateway` (host:port of the registry's admin listener)"}
			}
		default:
			return &config.Invalid{Setting: "service", Value: s, Reason: "want one of " + strings.Join(Services, ", ")}
		}
		if s == ServiceMetering && c.RegistryAddr == "" {
			return &config.Invalid{Setting: "LGSP_REGISTRY_ADDR", Reason: "required by `lgsp serve metering` (quota limits come from the registry)"}
		}
	}
	return nil
}
