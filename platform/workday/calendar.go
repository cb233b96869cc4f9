package workday

import (
	"maps"
	"sync"
	"time"
)

// Calendar says which days are working days and counts deadlines in them.
// It is immutable: With returns a new Calendar, so a service can swap the
// one it uses atomically while requests keep reading the old one. It is
// safe for concurrent use. The zero Calendar, and a nil *Calendar, use
// Default for every year.
type Calendar struct {
	years map[int]*yearDays // the years given to New and With
}

// yearDays is a Year indexed by date.
type yearDays struct {
	src      Year
	holidays map[Date]string
	workdays map[Date]string
}

// New is a Calendar with the given years; every other year is Default(year).
// Of two Years for the same year, the later wins. New panics if a Year is
// invalid: check a Year from outside with Validate (JSON does it on reading).
func New(years ...Year) *Calendar {
	c := &Calendar{years: make(map[int]*yearDays, len(years))}
	for _, y := range years {
		c.years[y.Year] = mustIndex(y)
	}
	return c
}

// With is a copy of c in which year y.Year is y: how an installation puts
// a year's announced calendar in force. It panics if y is invalid.
func (c *Calendar) With(y Year) *Calendar {
	n := &Calendar{years: make(map[int]*yearDays, c.len()+1)}
	if c != nil {
		maps.Copy(n.years, c.years)
	}
	n.years[y.Year] = mustIndex(y)
	return n
}

// Year is the calendar c uses for the year y.
func (c *Calendar) Year(y int) Year {
	if c != nil {
		if yd, ok := c.years[y]; ok {
			return yd.src.clone()
		}
	}
	return Default(y)
}

// IsWorkingDay reports whether d is a working day: a weekday that is not a
// day off, or a weekend day worked.
func (c *Calendar) IsWorkingDay(d Date) bool {
	yd := c.days(d.Year)
	if _, off := yd.holidays[d]; off {
		return false
	}
	if _, worked := yd.workdays[d]; worked {
		return true
	}
	return !isWeekend(d)
}

// Holiday is the name of the day off d, if d is one other than an ordinary
// Saturday or Sunday.
func (c *Calendar) Holiday(d Date) (name string, ok bool) {
	name, ok = c.days(d.Year).holidays[d]
	return name, ok
}

// AddWorkingDays is the deadline of a dossier received at from with n
// working days to process it: dayEnd on the n-th working day after the date
// of from, which does not count itself. With n = 0 (or less) it is dayEnd
// on the date of from if that is a working day, else on the next working
// day, even when from is already past dayEnd. The result is in
// Asia/Ho_Chi_Minh. AddWorkingDays panics if dayEnd is not Valid.
func (c *Calendar) AddWorkingDays(from time.Time, n int, dayEnd Clock) time.Time {
	if !dayEnd.Valid() {
		panic("workday: AddWorkingDays: day end " + dayEnd.String() + " is not a time of day")
	}
	d := DateOf(from)
	if n <= 0 {
		for !c.IsWorkingDay(d) {
			d = d.AddDays(1)
		}
		return d.At(dayEnd)
	}
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d.At(dayEnd)
}

// WorkingDaysBetween counts the working days after the date of from, up to
// and including the date of to (dates in Asia/Ho_Chi_Minh). It is 0 when to
// is not on a later date than from. For n ≥ 1,
// WorkingDaysBetween(from, AddWorkingDays(from, n, end)) is n.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	d, last := DateOf(from), DateOf(to)
	n := 0
	for d.Compare(last) < 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// Remaining is the number of working days left before due at now: those
// after the date of now up to and including the date of due. It is 0 on
// the due date itself and after it. A dossier paused at now and resumed at
// a later time r is due at AddWorkingDays(r, Remaining(now, due), dayEnd):
// the day of the pause counts as used, the day of resumption does not.
func (c *Calendar) Remaining(now, due time.Time) int {
	return c.WorkingDaysBetween(now, due)
}

func (c *Calendar) len() int {
	if c == nil {
		return 0
	}
	return len(c.years)
}

func (c *Calendar) days(year int) *yearDays {
	if c != nil {
		if yd, ok := c.years[year]; ok {
			return yd
		}
	}
	return defaultDays(year)
}

// defaults caches Default by year. Default is a pure function of the year,
// so the cache is shared by every Calendar.
var defaults sync.Map // int → *yearDays

func defaultDays(year int) *yearDays {
	if v, ok := defaults.Load(year); ok {
		return v.(*yearDays)
	}
	yd := index(Default(year))
	if !lunarYearSupported(year) {
		return yd // not cached: only absurd inputs get here
	}
	v, _ := defaults.LoadOrStore(year, yd)
	return v.(*yearDays)
}

func mustIndex(y Year) *yearDays {
	if err := y.Validate(); err != nil {
		panic(err.Error())
	}
	return index(y)
}

func index(y Year) *yearDays {
	yd := &yearDays{
		src:      y.clone(),
		holidays: make(map[Date]string, len(y.Holidays)),
		workdays: make(map[Date]string, len(y.Workdays)),
	}
	for _, h := range y.Holidays {
		yd.holidays[h.Date] = h.Name
	}
	for _, h := range y.Workdays {
		yd.workdays[h.Date] = h.Name
	}
	return yd
}

// Outcome is how a dossier's processing ended against its deadline, as the
// one-stop-shop reports count it.
type Outcome int

const (
	Early  Outcome = iota + 1 // trước hạn: finished on a date before the due date
	OnTime                    // đúng hạn: finished on the due date, not after the due time
	Late                      // quá hạn: finished after the due time
)

// String is "early", "on_time" or "late".
func (o Outcome) String() string {
	switch o {
	case Early:
		return "early"
	case OnTime:
		return "on_time"
	case Late:
		return "late"
	}
	return "unknown"
}

// Classify says whether a dossier finished at finished was early, on time
// or late for the deadline due, comparing dates in Asia/Ho_Chi_Minh.
func Classify(finished, due time.Time) Outcome {
	switch {
	case finished.After(due):
		return Late
	case DateOf(finished).Compare(DateOf(due)) < 0:
		return Early
	default:
		return OnTime
	}
}
