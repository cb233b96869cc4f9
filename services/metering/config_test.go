package metering

import (
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
)

func TestConfigValidateNamesSetting(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	for setting, mut := range map[string]func(*Config){
		"LGSP_METERING_RETENTION_DAYS":       func(c *Config) { c.RetentionDays = 0 },
		"LGSP_METERING_BATCH_SIZE":           func(c *Config) { c.BatchSize = 0 },
		"LGSP_METERING_CONSUMER":             func(c *Config) { c.Consumer = "a.b" },
		"LGSP_METERING_TIMEZONE":             func(c *Config) { c.TimeZone = "Mars/Olympus" },
		"LGSP_METERING_ACK_WAIT":             func(c *Config) { c.AckWait = time.Millisecond },
		"LGSP_METERING_QUOTA_CHECK_INTERVAL": func(c *Config) { c.QuotaCheckInterval = 0 },
		"LGSP_METERING_MAX_PAGE_SIZE":        func(c *Config) { c.MaxPageSize = 0 },
	} {
		c := DefaultConfig()
		mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), setting) {
			t.Errorf("%s: error %v does not name the setting", setting, err)
		}
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	c := DefaultConfig()
	env := []string{"LGSP_METERING_RETENTION_DAYS=30", "LGSP_METERING_BATCH_LINGER=10ms", "LGSP_METERING_TIMEZONE=Asia/Bangkok"}
	if _, err := config.Load(config.Options{Environ: env}, config.Section{Name: "metering", Value: &c}); err != nil {
		t.Fatal(err)
	}
	if c.RetentionDays != 30 || c.BatchLinger != 10*time.Millisecond || c.TimeZone != "Asia/Bangkok" || c.BatchSize != 2000 {
		t.Fatalf("loaded %+v", c)
	}
	if c.retention() != 30*24*time.Hour {
		t.Errorf("retention %v", c.retention())
	}
	_, err := config.Load(config.Options{Environ: []string{"LGSP_METERING_BATCH_SIZE=many"}}, config.Section{Name: "metering", Value: &c})
	if err == nil || !strings.Contains(err.Error(), "LGSP_METERING_BATCH_SIZE") {
		t.Errorf("bad number: %v", err)
	}
}
