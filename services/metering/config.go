package metering

import (
	"fmt"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
)

// Config is the metering service's configuration, the "metering:" section
// of the configuration file. platform/config loads it over DefaultConfig;
// the tags say each setting's key, variable, rules and meaning.
type Config struct {
	RetentionDays int `yaml:"retention_days" env:"LGSP_METERING_RETENTION_DAYS" check:"min=1,max=3650" help:"days raw metering events stay in the LGSP_METERING stream for audit; SQL rollups are kept regardless"`
	// Replicas is the stream and bucket replica count, set by the
	// composition root from LGSP_NATS_REPLICAS (not a metering setting).
	Replicas            int           `yaml:"-" env:"-"`
	Consumer            string        `yaml:"consumer" env:"LGSP_METERING_CONSUMER" check:"custom" help:"durable consumer name on LGSP_METERING and name of the SQL cursor (letters, digits, - and _)"`
	BatchSize           int           `yaml:"batch_size" env:"LGSP_METERING_BATCH_SIZE" check:"min=1,max=20000" help:"largest number of messages applied in one SQL transaction"`
	BatchLinger         time.Duration `yaml:"batch_linger" env:"LGSP_METERING_BATCH_LINGER" check:"min=0s,max=10s" help:"how long a batch waits for more messages after the first arrived"`
	AckWait             time.Duration `yaml:"ack_wait" env:"LGSP_METERING_ACK_WAIT" check:"min=1s" help:"the consumer's acknowledgement timeout"`
	LimitsRefresh       time.Duration `yaml:"limits_refresh" env:"LGSP_METERING_LIMITS_REFRESH" check:"min=1s" help:"how often quota limits are re-read from the registry, besides on every change event"`
	QuotaCheckInterval  time.Duration `yaml:"quota_check_interval" env:"LGSP_METERING_QUOTA_CHECK_INTERVAL" check:"min=1ms" help:"how often to check for a new calendar month and for changed limits"`
	TimeZone            string        `yaml:"time_zone" env:"LGSP_METERING_TIMEZONE" check:"custom" help:"IANA time zone of calendar days, months and years; changing it later leaves older rollups on the old boundaries"`
	MinuteRetentionDays int           `yaml:"minute_retention_days" env:"LGSP_METERING_MINUTE_RETENTION_DAYS" check:"min=0" help:"days per-minute rollups are kept; 0 keeps them forever (hour, day and month rollups are always kept)"`
	MaxPageSize         int           `yaml:"max_page_size" env:"LGSP_METERING_MAX_PAGE_SIZE" check:"min=1,max=1000000" help:"upper bound of a usage report's page_size"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		RetentionDays:      90,
		Replicas:           1,
		Consumer:           "metering",
		BatchSize:          2000,
		BatchLinger:        50 * time.Millisecond,
		AckWait:            60 * time.Second,
		LimitsRefresh:      5 * time.Minute,
		QuotaCheckInterval: 30 * time.Second,
		TimeZone:           "Asia/Ho_Chi_Minh",
		MaxPageSize:        10000,
	}
}

// Validate checks every setting and names the first bad one.
func (c Config) Validate() error {
	if err := config.Check(&c); err != nil {
		return err
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		return &config.Invalid{Setting: "LGSP_NATS_REPLICAS", Value: fmt.Sprint(c.Replicas), Reason: "must be 1 to 5"}
	}
	if !validToken(c.Consumer) {
		return &config.Invalid{Setting: "LGSP_METERING_CONSUMER", Value: c.Consumer, Reason: "must be 1 to 64 letters, digits, '-' or '_'"}
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		return &config.Invalid{Setting: "LGSP_METERING_TIMEZONE", Value: c.TimeZone, Reason: "must be an IANA time zone such as Asia/Ho_Chi_Minh"}
	}
	return nil
}

func (c Config) retention() time.Duration {
	return time.Duration(c.RetentionDays) * 24 * time.Hour
}

// validToken reports whether s is usable as a NATS consumer name and a
// subject token.
func validToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
