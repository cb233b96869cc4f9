package workday

import (
	"fmt"
	"time"

	// The calendar must not depend on the host's zoneinfo: containers built
	// FROM scratch have none.
	_ "time/tzdata"
)

// vietnam is where every date and deadline of this package is reckoned,
// whatever the location of the times callers pass in.
var vietnam = mustLoadLocation("Asia/Ho_Chi_Minh")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("workday: " + err.Error())
	}
	return loc
}

// Date is a civil date in Vietnam, without a time of day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the date in Vietnam (Asia/Ho_Chi_Minh) at the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(vietnam).Date()
	return Date{y, m, d}
}

// ParseDate reads a date written YYYY-MM-DD, as String writes it.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("workday: %q is not a date written YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// String writes the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Valid reports whether d is a real date of the years 1 to 9999.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= time.Date(d.Year, d.Month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return d.utc().Weekday()
}

// AddDays is the date n calendar days after d (before it when n < 0).
func (d Date) AddDays(n int) Date {
	y, m, day := time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC).Date()
	return Date{y, m, day}
}

// Compare returns -1, 0 or +1 as d is before, the same as, or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// At is the instant at clock time c on date d in Vietnam.
func (d Date) At(c Clock) time.Time {
	return time.Date(d.Year, d.Month, d.Day, c.Hour, c.Minute, 0, 0, vietnam)
}

// MarshalText writes the date as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText reads a date written YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

func (d Date) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// jdn is the Julian Day Number of d: the count of days from noon on
// 1 January 4713 BC (proleptic Julian calendar) to noon on d.
func (d Date) jdn() int {
	return int(d.utc().Unix()/86400) + unixEpochJDN
}

// unixEpochJDN is the Julian Day Number of 1970-01-01.
const unixEpochJDN = 2440588

func dateOfJDN(j int) Date {
	y, m, d := time.Unix(int64(j-unixEpochJDN)*86400, 0).UTC().Date()
	return Date{y, m, d}
}

func isWeekend(d Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// Clock is a time of day, to the minute: when an office closes, say.
type Clock struct {
	Hour, Minute int
}

// ParseClock reads a time of day written HH:MM (24-hour), from 00:00 to 23:59.
func ParseClock(s string) (Clock, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return Clock{}, fmt.Errorf("workday: %q is not a time of day written HH:MM", s)
	}
	return Clock{t.Hour(), t.Minute()}, nil
}

// String writes the clock as HH:MM.
func (c Clock) String() string {
	return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute)
}

// Valid reports whether c is a time of day from 00:00 to 23:59.
func (c Clock) Valid() bool {
	return c.Hour >= 0 && c.Hour < 24 && c.Minute >= 0 && c.Minute < 60
}

// MarshalText writes the clock as HH:MM.
func (c Clock) MarshalText() ([]byte, error) {
	return []byte(c.String()), nil
}

// UnmarshalText reads a clock written HH:MM, so that a configuration file
// can say "17:00".
func (c *Clock) UnmarshalText(b []byte) error {
	p, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = p
	return nil
}
