package adapters

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
)

// Config is the adapters service's configuration, the "adapters:" section
// of the configuration file.
type Config struct {
	NGSPURL        string        `yaml:"ngsp_url" env:"LGSP_ADAPTERS_NGSP_URL" check:"custom" help:"NGSP's API root, e.g. https://api.ngsp.gov.vn; empty answers every lookup 502 national_misconfigured until it is set"`
	NGSPTokenURL   string        `yaml:"ngsp_token_url" env:"LGSP_ADAPTERS_NGSP_TOKEN_URL" check:"custom" help:"NGSP's token endpoint; empty means <ngsp_url>/token"`
	ConsumerKey    string        `yaml:"ngsp_consumer_key" env:"LGSP_ADAPTERS_NGSP_CONSUMER_KEY" check:"any" help:"the province's application on NGSP (consumer key); held by the platform, never by departments"`
	ConsumerSecret string        `yaml:"ngsp_consumer_secret" env:"LGSP_ADAPTERS_NGSP_CONSUMER_SECRET" secret:"true" check:"any" help:"its consumer secret (required when ngsp_url is set)"`
	ProvinceAgency string        `yaml:"province_agency" env:"LGSP_ADAPTERS_PROVINCE_AGENCY" check:"any" help:"the province's agency identifier code, sent to NGSP as maDonVi when the caller has no agency of its own (a platform admin)"`
	Timeout        time.Duration `yaml:"ngsp_timeout" env:"LGSP_ADAPTERS_NGSP_TIMEOUT" check:"min=100ms" help:"time one attempt of a call to NGSP may take"`
	Retries        int           `yaml:"ngsp_retries" env:"LGSP_ADAPTERS_NGSP_RETRIES" check:"min=0,max=10" help:"retries of a read after a temporary NGSP failure (never of a submission)"`
	BreakerOpen    time.Duration `yaml:"ngsp_breaker_open" env:"LGSP_ADAPTERS_NGSP_BREAKER_OPEN" check:"min=1s" help:"how long calls fail fast after NGSP failed 5 times in a row, before one probe is let through"`

	AuditKey string `yaml:"audit_key" env:"LGSP_ADAPTERS_AUDIT_KEY" secret:"true" check:"custom" help:"32-byte key (base64 or hex) under which person identifiers are hashed and the access log is chained; lgsp dev generates one under the data directory. Keep it: a new key cannot find the old entries of a person"`

	CacheBusiness    time.Duration `yaml:"cache_business" env:"LGSP_ADAPTERS_CACHE_BUSINESS" check:"min=0" help:"how long an enterprise's record is kept and answered from the cache (0: not cached)"`
	CachePopulation  time.Duration `yaml:"cache_population" env:"LGSP_ADAPTERS_CACHE_POPULATION" check:"min=0" help:"the same for population records: personal data, 0 (not cached) by default"`
	CacheCivilStatus time.Duration `yaml:"cache_civil_status" env:"LGSP_ADAPTERS_CACHE_CIVIL_STATUS" check:"min=0" help:"the same for birth, marriage and death records: personal data, 0 by default"`
	CacheInsurance   time.Duration `yaml:"cache_insurance" env:"LGSP_ADAPTERS_CACHE_INSURANCE" check:"min=0" help:"the same for social-insurance histories: personal data, 0 by default"`
	CacheCatalogs    time.Duration `yaml:"cache_catalogs" env:"LGSP_ADAPTERS_CACHE_CATALOGS" check:"min=1s" help:"how long a shared catalog is answered from the cache before NGSP is asked again"`
	MaxStale         time.Duration `yaml:"max_stale" env:"LGSP_ADAPTERS_MAX_STALE" check:"min=0" help:"how long past its time a cached catalog or enterprise is still answered while NGSP is unavailable (personal data never is)"`
	CacheEntries     int           `yaml:"cache_entries" env:"LGSP_ADAPTERS_CACHE_ENTRIES" check:"min=1,max=10000000" help:"records each cache holds at most; the least recently used go first"`

	RetentionDays int `yaml:"event_retention_days" env:"LGSP_ADAPTERS_EVENT_RETENTION_DAYS" check:"min=1,max=3650" help:"days catalog-version events stay in the LGSP_ADAPTERS stream"`

	// Replicas is a process setting set by the root.
	Replicas int `yaml:"-" env:"-"`
}

// DefaultConfig returns the defaults: no NGSP, personal data not cached,
// catalogs cached for an hour and served up to a week while NGSP is down.
func DefaultConfig() Config {
	return Config{
		Timeout:       10 * time.Second,
		Retries:       2,
		BreakerOpen:   30 * time.Second,
		CacheBusiness: 10 * time.Minute,
		CacheCatalogs: time.Hour,
		MaxStale:      7 * 24 * time.Hour,
		CacheEntries:  100000,
		RetentionDays: 30,
		Replicas:      1,
	}
}

// Validate checks every setting and names the first bad one.
func (c Config) Validate() error {
	if err := config.Check(&c); err != nil {
		return err
	}
	for _, u := range []struct{ setting, value string }{
		{"LGSP_ADAPTERS_NGSP_URL", c.NGSPURL}, {"LGSP_ADAPTERS_NGSP_TOKEN_URL", c.NGSPTokenURL},
	} {
		if u.value == "" {
			continue
		}
		p, err := url.Parse(u.value)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
			return &config.Invalid{Setting: u.setting, Value: u.value, Reason: "must be an http or https URL without credentials"}
		}
	}
	if c.NGSPURL != "" && (c.ConsumerKey == "" || c.ConsumerSecret == "") {
		return &config.Invalid{Setting: "LGSP_ADAPTERS_NGSP_CONSUMER_SECRET", Value: "", Reason: "the consumer key and secret are required when LGSP_ADAPTERS_NGSP_URL is set"}
	}
	// An empty key is filled by lgsp dev; New refuses to start without one.
	if c.AuditKey != "" {
		if _, err := parseKey(c.AuditKey); err != nil {
			return &config.Invalid{Setting: "LGSP_ADAPTERS_AUDIT_KEY", Value: "", Reason: err.Error()}
		}
	}
	return nil
}

// keyError explains a bad audit key without quoting it.
type keyError string

func (e keyError) Error() string { return string(e) }

// parseKey reads a 32-byte key written in base64 (standard or URL) or hex.
func parseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, keyError("is required: 32 random bytes in base64 or hex (openssl rand -base64 32)")
	}
	for _, dec := range []func(string) ([]byte, error){
		base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString,
	} {
		if b, err := dec(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, keyError("must be 32 bytes in base64 or hex (openssl rand -base64 32)")
}
