package onestop

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/workday"
)

// Config is the one-stop service's configuration, the "onestop:" section
// of the configuration file.
type Config struct {
	Levels  []string `yaml:"levels" env:"LGSP_ONESTOP_LEVELS" check:"custom" help:"administrative levels from the lowest, e.g. commune,district,province (or commune,province where the district level was removed); transfers go between adjacent levels"`
	DayEnds string   `yaml:"day_ends" env:"LGSP_ONESTOP_DAY_ENDS" check:"custom" help:"time of day (HH:MM, Asia/Ho_Chi_Minh) at which a due working day ends"`

	PortalURL      string        `yaml:"portal_url" env:"LGSP_ONESTOP_PORTAL_URL" check:"custom" help:"base URL of the national public-service portal's integration API; empty keeps changes in the outbox (pending) until it is set"`
	PortalUsername string        `yaml:"portal_username" env:"LGSP_ONESTOP_PORTAL_USERNAME" check:"any" help:"the province's account on the national portal"`
	PortalPassword string        `yaml:"portal_password" env:"LGSP_ONESTOP_PORTAL_PASSWORD" secret:"true" check:"any" help:"its password (required when portal_url is set)"`
	PortalAgency   string        `yaml:"portal_agency" env:"LGSP_ONESTOP_PORTAL_AGENCY" check:"any" help:"the province's agency code sent as madonvi"`
	PortalTimeout  time.Duration `yaml:"portal_timeout" env:"LGSP_ONESTOP_PORTAL_TIMEOUT" check:"min=100ms" help:"time one call to the portal may take"`
	SyncBatch      int           `yaml:"sync_batch" env:"LGSP_ONESTOP_SYNC_BATCH" check:"min=1,max=1000" help:"changes sent to the portal in one call"`
	SyncEvery      time.Duration `yaml:"sync_every" env:"LGSP_ONESTOP_SYNC_EVERY" check:"min=10ms" help:"how often the outbox is read when no change woke it"`
	SyncAttempts   int           `yaml:"sync_max_attempts" env:"LGSP_ONESTOP_SYNC_MAX_ATTEMPTS" check:"min=1,max=1000" help:"refusals of one change by the portal before it goes to the dead letter (an invalid-data answer sends it there at once; an outage of the whole portal does not count)"`
	SyncMaxBackoff time.Duration `yaml:"sync_max_backoff" env:"LGSP_ONESTOP_SYNC_MAX_BACKOFF" check:"min=100ms" help:"longest wait between two attempts of a change, or of the portal after an outage"`

	OverdueEvery  time.Duration `yaml:"overdue_every" env:"LGSP_ONESTOP_OVERDUE_EVERY" check:"min=1s" help:"how often dossiers that became overdue are looked for (each gives one overdue event)"`
	RetentionDays int           `yaml:"event_retention_days" env:"LGSP_ONESTOP_EVENT_RETENTION_DAYS" check:"min=1,max=3650" help:"days dossier events stay in the LGSP_ONESTOP stream for consumers that are offline"`

	// Replicas is a process setting set by the root.
	Replicas int `yaml:"-" env:"-"`
}

// DefaultConfig returns the defaults: three levels, days ending at 17:00,
// no portal.
func DefaultConfig() Config {
	return Config{
		Levels:         []string{"commune", "district", "province"},
		DayEnds:        "17:00",
		PortalTimeout:  30 * time.Second,
		SyncBatch:      100,
		SyncEvery:      time.Second,
		SyncAttempts:   10,
		SyncMaxBackoff: 5 * time.Minute,
		OverdueEvery:   time.Minute,
		RetentionDays:  30,
		Replicas:       1,
	}
}

// Validate checks every setting and names the first bad one.
func (c Config) Validate() error {
	if err := config.Check(&c); err != nil {
		return err
	}
	if len(c.Levels) == 0 {
		return &config.Invalid{Setting: "LGSP_ONESTOP_LEVELS", Value: "", Reason: "needs at least one level"}
	}
	for i, l := range c.Levels {
		if l == "" || strings.TrimSpace(l) != l || strings.ContainsAny(l, ",/ ") || slices.Index(c.Levels, l) != i {
			return &config.Invalid{Setting: "LGSP_ONESTOP_LEVELS", Value: strings.Join(c.Levels, ","), Reason: "levels must be distinct words without spaces, e.g. commune,district,province"}
		}
	}
	if _, err := workday.ParseClock(c.DayEnds); err != nil {
		return &config.Invalid{Setting: "LGSP_ONESTOP_DAY_ENDS", Value: c.DayEnds, Reason: "must be a time of day HH:MM, e.g. 17:00"}
	}
	if c.PortalURL != "" {
		u, err := url.Parse(c.PortalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &config.Invalid{Setting: "LGSP_ONESTOP_PORTAL_URL", Value: c.PortalURL, Reason: "must be an http or https URL"}
		}
		if c.PortalUsername == "" {
			return &config.Invalid{Setting: "LGSP_ONESTOP_PORTAL_USERNAME", Value: "", Reason: "is required when LGSP_ONESTOP_PORTAL_URL is set"}
		}
		if c.PortalPassword == "" {
			return &config.Invalid{Setting: "LGSP_ONESTOP_PORTAL_PASSWORD", Value: "", Reason: "is required when LGSP_ONESTOP_PORTAL_URL is set"}
		}
		if c.PortalAgency == "" {
			return &config.Invalid{Setting: "LGSP_ONESTOP_PORTAL_AGENCY", Value: "", Reason: "is required when LGSP_ONESTOP_PORTAL_URL is set (the province's agency code, sent as madonvi)"}
		}
	}
	return nil
}

// level returns a level's index, lowest first, or -1.
func (c Config) level(name string) int { return slices.Index(c.Levels, name) }
