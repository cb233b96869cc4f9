package metering

import (
	"fmt"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
)

// Config is the metering service's configuration. Load it with
// platform/config over DefaultConfig, then call Validate.
type Config struct {
	// RetentionDays keeps raw metering events in the LGSP_METERING stream
	// for audit. Rollups in SQL are kept regardless.
	RetentionDays int `yaml:"retention_days" env:"LGSP_METERING_RETENTION_DAYS"`
	// Replicas is the stream and bucket replica count. The composition root
	// sets it from LGSP_NATS_REPLICAS.
	Replicas int `yaml:"-" env:"-"`
	// Consumer is the durable consumer's name on LGSP_METERING and the name
	// of the SQL cursor that records how far it has counted.
	Consumer string `yaml:"consumer" env:"LGSP_METERING_CONSUMER"`
	// BatchSize is the largest number of messages (each an EventBatch)
	// applied in one SQL transaction.
	BatchSize int `yaml:"batch_size" env:"LGSP_METERING_BATCH_SIZE"`
	// BatchLinger is how long a batch waits for more messages after the
	// first one arrived.
	BatchLinger time.Duration `yaml:"batch_linger" env:"LGSP_METERING_BATCH_LINGER"`
	// AckWait is the consumer's acknowledgement timeout.
	AckWait time.Duration `yaml:"ack_wait" env:"LGSP_METERING_ACK_WAIT"`
	// LimitsRefresh is how often quota limits are re-read from the
	// registry, besides on every registry change event.
	LimitsRefresh time.Duration `yaml:"limits_refresh" env:"LGSP_METERING_LIMITS_REFRESH"`
	// QuotaCheckInterval is how often the service checks for a new calendar
	// month (to reset exhausted quotas) and for changed limits.
	QuotaCheckInterval time.Duration `yaml:"quota_check_interval" env:"LGSP_METERING_QUOTA_CHECK_INTERVAL"`
	// TimeZone defines calendar days, months and years. Changing it after
	// data was counted leaves older day and month rollups on the old
	// boundaries.
	TimeZone string `yaml:"time_zone" env:"LGSP_METERING_TIMEZONE"`
	// MinuteRetentionDays deletes per-minute rollups older than this many
	// days; 0 keeps them forever. Hour, day and month rollups are always
	// kept.
	MinuteRetentionDays int `yaml:"minute_retention_days" env:"LGSP_METERING_MINUTE_RETENTION_DAYS"`
	// MaxPageSize bounds QueryUsage's page_size.
	MaxPageSize int `yaml:"max_page_size" env:"LGSP_METERING_MAX_PAGE_SIZE"`
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
	bad := func(setting string, v any, reason string) error {
		return &config.Invalid{Setting: setting, Value: fmt.Sprint(v), Reason: reason}
	}
	switch {
	case c.RetentionDays < 1 || c.RetentionDays > 3650:
		return bad("LGSP_METERING_RETENTION_DAYS", c.RetentionDays, "must be 1 to 3650 days")
	case c.Replicas < 1 || c.Replicas > 5:
		return bad("LGSP_NATS_REPLICAS", c.Replicas, "must be 1 to 5")
	case !validToken(c.Consumer):
		return bad("LGSP_METERING_CONSUMER", c.Consumer, "must be 1 to 64 letters, digits, '-' or '_'")
	case c.BatchSize < 1 || c.BatchSize > 20000:
		return bad("LGSP_METERING_BATCH_SIZE", c.BatchSize, "must be 1 to 20000 messages")
	case c.BatchLinger < 0 || c.BatchLinger > 10*time.Second:
		return bad("LGSP_METERING_BATCH_LINGER", c.BatchLinger, "must be 0 to 10s")
	case c.AckWait < time.Second:
		return bad("LGSP_METERING_ACK_WAIT", c.AckWait, "must be at least 1s")
	case c.LimitsRefresh < time.Second:
		return bad("LGSP_METERING_LIMITS_REFRESH", c.LimitsRefresh, "must be at least 1s")
	case c.QuotaCheckInterval <= 0:
		return bad("LGSP_METERING_QUOTA_CHECK_INTERVAL", c.QuotaCheckInterval, "must be positive")
	case c.MinuteRetentionDays < 0:
		return bad("LGSP_METERING_MINUTE_RETENTION_DAYS", c.MinuteRetentionDays, "must be 0 (keep) or a number of days")
	case c.MaxPageSize < 1 || c.MaxPageSize > 1_000_000:
		return bad("LGSP_METERING_MAX_PAGE_SIZE", c.MaxPageSize, "must be 1 to 1000000")
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		return bad("LGSP_METERING_TIMEZONE", c.TimeZone, "must be an IANA time zone such as Asia/Ho_Chi_Minh")
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
