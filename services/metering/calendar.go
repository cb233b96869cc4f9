package metering

import (
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh must resolve on hosts without a zone database.
)

// calendar maps instants (unix milliseconds) to the starts of their
// minute, hour, local day, local month and local year. Rollups store UTC
// unix milliseconds; only the boundaries depend on the zone.
type calendar struct {
	loc *time.Location
}

func newCalendar(zone string) (calendar, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return calendar{}, err
	}
	return calendar{loc: loc}, nil
}

func floorMS(ms, unit int64) int64 {
	q := ms / unit
	if ms%unit < 0 {
		q--
	}
	return q * unit
}

func (c calendar) minute(ms int64) int64 { return floorMS(ms, 60_000) }

func (c calendar) local(ms int64) time.Time { return time.UnixMilli(ms).In(c.loc) }

func (c calendar) hour(ms int64) int64 {
	t := c.local(ms)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, c.loc).UnixMilli()
}

func (c calendar) day(ms int64) int64 {
	t := c.local(ms)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.loc).UnixMilli()
}

func (c calendar) month(ms int64) int64 {
	t := c.local(ms)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, c.loc).UnixMilli()
}

func (c calendar) nextMonth(ms int64) int64 {
	t := c.local(ms)
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, c.loc).UnixMilli()
}

// yearOf returns the start of the local year of ms.
func (c calendar) yearOf(ms int64) int64 { return c.yearStart(c.year(ms)) }

func (c calendar) yearStart(year int) int64 {
	return time.Date(year, time.January, 1, 0, 0, 0, 0, c.loc).UnixMilli()
}

func (c calendar) year(ms int64) int { return c.local(ms).Year() }

// period names the calendar month of ms, "2006-01", as QuotaState does.
func (c calendar) period(ms int64) string { return c.local(ms).Format("2006-01") }
