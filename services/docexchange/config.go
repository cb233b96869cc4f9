package docexchange

import (
	"net/url"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/netguard"
)

// Config is the document exchange's configuration, the "docexchange:"
// section of the configuration file.
type Config struct {
	MaxPackageBytes int64 `yaml:"max_package_bytes" env:"LGSP_DOCEXCHANGE_MAX_PACKAGE_BYTES" check:"min=1024,max=1073741824" help:"largest edXML package accepted, in bytes (the gateway's body limit of the vdxp and docexchange APIs must allow it too)"`
	// LenientAttachments accepts packages whose attachments do not decode
	// as base64 (some national samples carry such), with a warning logged.
	LenientAttachments bool          `yaml:"lenient_attachments" env:"LGSP_DOCEXCHANGE_LENIENT_ATTACHMENTS" check:"any" help:"accept a package whose attachment is not valid base64 (logged) instead of refusing it with ErrorCode 22; inbound national traffic is always accepted leniently"`
	DirectoryRefresh   time.Duration `yaml:"directory_refresh" env:"LGSP_DOCEXCHANGE_DIRECTORY_REFRESH" check:"min=1s" help:"how often the local agency directory is re-read from the registry (an unknown code also triggers a re-read)"`
	PushBatch          int           `yaml:"push_batch" env:"LGSP_DOCEXCHANGE_PUSH_BATCH" check:"min=1,max=10000" help:"deliveries published to NATS per round of the push loop"`
	PushEvery          time.Duration `yaml:"push_every" env:"LGSP_DOCEXCHANGE_PUSH_EVERY" check:"min=10ms" help:"how often the push loop looks for deliveries not yet published when nothing woke it"`
	WebhookTimeout     time.Duration `yaml:"webhook_timeout" env:"LGSP_DOCEXCHANGE_WEBHOOK_TIMEOUT" check:"min=100ms" help:"time a webhook has to answer one delivery"`
	WebhookMaxBackoff  time.Duration `yaml:"webhook_max_backoff" env:"LGSP_DOCEXCHANGE_WEBHOOK_MAX_BACKOFF" check:"min=1s" help:"longest wait between two attempts of a failing webhook (attempts go on until it answers 2xx)"`
	WebhookAllowHTTP   bool          `yaml:"webhook_allow_http" env:"LGSP_DOCEXCHANGE_WEBHOOK_ALLOW_HTTP" check:"any" help:"allow http:// webhook URLs (https only otherwise); lgsp dev allows them"`
	WebhookAllow       []string      `yaml:"webhook_allow" env:"LGSP_DOCEXCHANGE_WEBHOOK_ALLOW" check:"custom" help:"where webhooks may point: public (globally routable), CIDRs such as 10.20.0.0/16, host names, suffixes such as *.gov.vn; lgsp dev adds loopback"`
	PublicStatistics   bool          `yaml:"public_statistics" env:"LGSP_DOCEXCHANGE_PUBLIC_STATISTICS" check:"any" help:"serve aggregate exchange counts (no document contents) without credentials at /admin/v1/docexchange/public/statistics"`
	RetentionDays      int           `yaml:"event_retention_days" env:"LGSP_DOCEXCHANGE_EVENT_RETENTION_DAYS" check:"min=1,max=3650" help:"days delivery events stay in the LGSP_DOCEXCHANGE stream for NATS consumers and webhooks that are offline"`

	// The national bridge (national.go's counterpart, bridge.go).
	NationalURL              string        `yaml:"national_url" env:"LGSP_DOCEXCHANGE_NATIONAL_URL" check:"custom" help:"base URL of the national document axis; empty disables the bridge (recipients outside the province are then refused with ErrorCode 18)"`
	NationalSystemID         string        `yaml:"national_system_id" env:"LGSP_DOCEXCHANGE_NATIONAL_SYSTEM_ID" check:"nonempty" help:"the province's systemid on the national axis"`
	NationalSecret           string        `yaml:"national_secret" env:"LGSP_DOCEXCHANGE_NATIONAL_SECRET" secret:"true" check:"any" help:"the province's signing secret on the national axis (required when national_url is set)"`
	NationalPollEvery        time.Duration `yaml:"national_poll_every" env:"LGSP_DOCEXCHANGE_NATIONAL_POLL_EVERY" check:"min=100ms" help:"how often the national inbox is polled"`
	NationalTimeout          time.Duration `yaml:"national_timeout" env:"LGSP_DOCEXCHANGE_NATIONAL_TIMEOUT" check:"min=100ms" help:"time one call to the national axis may take"`
	NationalMaxBackoff       time.Duration `yaml:"national_max_backoff" env:"LGSP_DOCEXCHANGE_NATIONAL_MAX_BACKOFF" check:"min=1s" help:"longest wait between two attempts to forward one document to the national axis (attempts go on until it answers)"`
	NationalDirectoryRefresh time.Duration `yaml:"national_directory_refresh" env:"LGSP_DOCEXCHANGE_NATIONAL_DIRECTORY_REFRESH" check:"min=1s" help:"how often the national agency directory is re-read"`

	// Replicas and PeerToken are process settings set by the root.
	Replicas int `yaml:"-" env:"-"`
}

// National is the bridge's part of the configuration.
type National struct {
	URL, SystemID, Secret                      string
	PollEvery, Timeout, MaxBackoff, DirRefresh time.Duration
}

// national returns the bridge's settings.
func (c Config) national() National {
	return National{
		URL: c.NationalURL, SystemID: c.NationalSystemID, Secret: c.NationalSecret,
		PollEvery: c.NationalPollEvery, Timeout: c.NationalTimeout, MaxBackoff: c.NationalMaxBackoff, DirRefresh: c.NationalDirectoryRefresh,
	}
}

// DefaultConfig returns the defaults: no national bridge.
func DefaultConfig() Config {
	return Config{
		MaxPackageBytes:          edxml.DefaultMaxSize,
		DirectoryRefresh:         30 * time.Second,
		PushBatch:                500,
		PushEvery:                time.Second,
		WebhookTimeout:           10 * time.Second,
		WebhookMaxBackoff:        10 * time.Minute,
		RetentionDays:            30,
		Replicas:                 1,
		NationalSystemID:         "lgsp.province",
		NationalPollEvery:        5 * time.Second,
		NationalTimeout:          30 * time.Second,
		NationalMaxBackoff:       10 * time.Minute,
		NationalDirectoryRefresh: 10 * time.Minute,
	}
}

// Validate checks every setting and names the first bad one.
func (c Config) Validate() error {
	if err := config.Check(&c); err != nil {
		return err
	}
	if _, err := netguard.Parse(c.WebhookAllow); err != nil {
		return &config.Invalid{Setting: "LGSP_DOCEXCHANGE_WEBHOOK_ALLOW", Value: strings.Join(c.WebhookAllow, ","), Reason: err.Error()}
	}
	if c.NationalURL != "" {
		u, err := url.Parse(c.NationalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &config.Invalid{Setting: "LGSP_DOCEXCHANGE_NATIONAL_URL", Value: c.NationalURL, Reason: "must be an http or https URL"}
		}
		if c.NationalSecret == "" {
			return &config.Invalid{Setting: "LGSP_DOCEXCHANGE_NATIONAL_SECRET", Value: "", Reason: "is required when LGSP_DOCEXCHANGE_NATIONAL_URL is set"}
		}
	}
	return nil
}
