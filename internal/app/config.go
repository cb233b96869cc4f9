package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/config"
)

// Process holds the process-wide settings, at the top level of the
// configuration file. Each service's own settings are in its section.
type Process struct {
	DataDir   string `yaml:"data_dir" env:"LGSP_DATA_DIR" check:"any" help:"local state: in dev mode the embedded NATS store, SQLite files and generated secrets (lgsp dev --data); in every mode the gateway's metering journal"`
	AdminAddr string `yaml:"admin_addr" env:"LGSP_ADMIN_ADDR" check:"hostport" help:"admin REST API, gRPC, health and /metrics listener (dev mode default 127.0.0.1:8081)"`
	// Empty in dev mode starts an embedded server.
	NATSURL      string `yaml:"nats_url" env:"LGSP_NATS_URL" check:"custom" help:"NATS cluster URLs, comma-separated (nats://user:pass@nats-1:4222,…); required by lgsp serve, embedded in dev mode"`
	NATSReplicas int    `yaml:"nats_replicas" env:"LGSP_NATS_REPLICAS" check:"min=1,max=5" help:"replicas of every stream and bucket the services declare: 1 embedded, 3 on a production cluster"`
	// Empty in dev mode means one SQLite file per service under DataDir.
	DatabaseURL   string `yaml:"database_url" env:"LGSP_DATABASE_URL" secret:"true" check:"custom" help:"sqlite:/path/file.db or postgres://user:pass@host/db; required by lgsp serve for services with a store"`
	InternalToken string `yaml:"internal_token" env:"LGSP_INTERNAL_TOKEN" secret:"true" check:"min=32,omitempty" help:"token LGSP processes present to each other, the same in every process; required by lgsp serve"`
	MetricsToken  string `yaml:"metrics_token" env:"LGSP_METRICS_TOKEN" secret:"true" check:"min=32,omitempty" help:"lets a scraper read /metrics (and nothing else) with Authorization: Bearer <token>"`
	RegistryAddr  string `yaml:"registry_addr" env:"LGSP_REGISTRY_ADDR" check:"hostport,omitempty" help:"host:port of the registry's admin listener, for services in their own processes"`
	RegistryTLS   bool   `yaml:"registry_tls" env:"LGSP_REGISTRY_TLS" check:"any" help:"call the registry over TLS"`
	AdminTLSCert  string `yaml:"admin_tls_cert" env:"LGSP_ADMIN_TLS_CERT" check:"any" help:"PEM certificate: serve the admin listener over TLS (with admin_tls_key)"`
	AdminTLSKey   string `yaml:"admin_tls_key" env:"LGSP_ADMIN_TLS_KEY" check:"any" help:"PEM private key of admin_tls_cert"`
	// Empty trusts nobody: the caller's address is the socket peer.
	TrustedProxies []string `yaml:"trusted_proxies" env:"LGSP_TRUSTED_PROXIES" check:"custom" help:"CIDRs or addresses of the reverse proxies in front of the admin listener, whose X-Forwarded-For gives the caller's address (logins, audit log); empty believes no X-Forwarded-For"`

	LogLevel     string `yaml:"log_level" env:"LGSP_LOG_LEVEL" check:"oneof=debug|info|warn|error" help:"least severe log level written"`
	LogFormat    string `yaml:"log_format" env:"LGSP_LOG_FORMAT" check:"oneof=json|text" help:"json (one object a line, for journald and collectors) or text (dev mode default)"`
	OTLPEndpoint string `yaml:"otlp_endpoint" env:"LGSP_OTLP_ENDPOINT" check:"hostport,omitempty" help:"host:port of an OTLP/gRPC trace collector; empty turns trace export off"`

	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" env:"LGSP_SHUTDOWN_TIMEOUT" check:"min=3s,max=10m" help:"bound on a graceful stop; services get this less two seconds"`

	Simulators bool `yaml:"simulators" env:"LGSP_SIMULATORS" check:"any" help:"dev mode: run the national-system simulators"`
	Demo       bool `yaml:"demo" env:"LGSP_DEMO" check:"any" help:"dev mode: register the demo agency, API and application (lgsp dev --no-demo turns it off)"`
}

// Config is the whole configuration of a process: the process-wide
// settings and one section per service of the table.
type Config struct {
	Process
	sections map[string]any
}

// DefaultConfig returns the defaults of every setting. dev selects the
// `lgsp dev` defaults: listeners on loopback, simulators and demo data on.
func DefaultConfig(dev bool) *Config {
	c := &Config{
		Process: Process{
			DataDir:         "./data",
			AdminAddr:       ":8081",
			NATSReplicas:    1,
			LogLevel:        "info",
			LogFormat:       "json",
			ShutdownTimeout: 10 * time.Second,
		},
		sections: map[string]any{},
	}
	if dev {
		c.AdminAddr = "127.0.0.1:8081"
		c.LogFormat = "text"
		c.Simulators = true
		c.Demo = true
	}
	for _, d := range Table {
		if d.Config != nil {
			c.sections[d.Name] = d.Config(dev)
		}
	}
	return c
}

// Sections lists the process settings, then each service's section in
// table order, for the loader, printing and docs.
func (c *Config) Sections() []config.Section {
	out := []config.Section{{Value: &c.Process}}
	for _, d := range Table {
		if v, ok := c.sections[d.Name]; ok {
			out = append(out, config.Section{Name: d.Name, Value: v})
		}
	}
	return out
}

// Section returns a pointer to a service's settings.
func (c *Config) Section(name string) any { return c.sections[name] }

// LoadOptions says where settings come from.
type LoadOptions struct {
	// File is the optional YAML file (--config, LGSP_CONFIG).
	File string
	// Environ is the environment; nil reads the process's.
	Environ []string
	// Dev selects the `lgsp dev` defaults.
	Dev bool
}

// notSettings are LGSP_* variables read by something other than a running
// service, so they are not reported as unknown.
var notSettings = []string{
	"LGSP_CONFIG", "LGSP_ADMIN_URL", "LGSP_ADMIN_TOKEN", "LGSP_UPSTREAM_SECRET", "LGSP_SESSION_FILE",
	"LGSP_SQLTEST_CHILD",
	"LGSP_TEST_*", "LGSP_CI_*", "LGSP_BENCH_*",
}

// LoadConfig reads the defaults, the file and the environment, in that
// order, and checks every setting's own rules. Unknown LGSP_* variables come
// back in the result, to be reported at start.
func LoadConfig(o LoadOptions) (*Config, config.Result, error) {
	c := DefaultConfig(o.Dev)
	res, err := config.Load(config.Options{File: o.File, Environ: o.Environ, Ignore: notSettings}, c.Sections()...)
	return c, res, err
}

// Validate checks what the mode and the chosen services need beyond each
// setting's own rules. dev is true for `lgsp dev`.
func (c *Config) Validate(dev bool, services []string) error {
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return &config.Invalid{Setting: "LGSP_DATABASE_URL", Reason: "want sqlite:/path/to/file.db or postgres://user:pass@host/db"}
	}
	if _, err := authn.ParseProxies(c.TrustedProxies); err != nil {
		return &config.Invalid{Setting: "LGSP_TRUSTED_PROXIES", Reason: err.Error()}
	}
	if (c.AdminTLSCert == "") != (c.AdminTLSKey == "") {
		return &config.Invalid{Setting: "LGSP_ADMIN_TLS_CERT", Reason: "LGSP_ADMIN_TLS_CERT and LGSP_ADMIN_TLS_KEY go together"}
	}
	if dev {
		if c.DataDir == "" {
			return &config.Invalid{Setting: "--data / LGSP_DATA_DIR", Reason: "must not be empty"}
		}
		return nil
	}
	if c.NATSURL == "" {
		return &config.Invalid{Setting: "LGSP_NATS_URL", Reason: "required by `lgsp serve` (e.g. nats://nats-1:4222,nats://nats-2:4222)"}
	}
	if c.InternalToken == "" {
		return &config.Invalid{Setting: "LGSP_INTERNAL_TOKEN", Reason: "required by `lgsp serve`: at least 32 random characters, the same in every process"}
	}
	for _, s := range services {
		d, ok := lookup(s)
		if !ok || d.DevOnly {
			return &config.Invalid{Setting: "service", Value: s, Reason: "want one of " + strings.Join(ServeNames(), ", ")}
		}
		if d.Needs.Database && c.DatabaseURL == "" {
			return &config.Invalid{Setting: "LGSP_DATABASE_URL", Reason: fmt.Sprintf("required by `lgsp serve %s`", s)}
		}
		if d.Needs.Registry && !contains(services, RegistryName) && c.RegistryAddr == "" {
			return &config.Invalid{Setting: "LGSP_REGISTRY_ADDR", Reason: fmt.Sprintf("required by `lgsp serve %s` (host:port of the registry's admin listener)", s)}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
