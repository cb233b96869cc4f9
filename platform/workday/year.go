package workday

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Year is the calendar of one Gregorian year: the days off besides Saturdays
// and Sundays, and the Saturdays and Sundays worked. Its lists are final:
// nothing is derived from them (a compensatory day off is listed as a day
// off of its own).
type Year struct {
	Year int
	// Holidays are the days off, each named in Vietnamese. A holiday may
	// fall on a weekend: an announcement that gives "from 14/2 to 22/2"
	// can be copied date by date.
	Holidays []Holiday
	// Workdays are the weekend days worked, usually a Saturday worked in
	// exchange for a weekday off next to a holiday (làm bù).
	Workdays []Holiday
}

// Holiday is a date with its name.
type Holiday struct {
	Date Date   `json:"date"`
	Name string `json:"name"`
}

// Limits on a Year, so that a calendar loaded as JSON stays small.
const (
	maxEntries  = 366      // in each of Holidays and Workdays
	maxNameLen  = 200      // bytes of UTF-8 in a name
	maxYearJSON = 64 << 10 // bytes of a Year's JSON
)

// Validate reports the first entry of y that cannot stand: a date outside
// y.Year, a date listed twice (in either list), a workday that is not a
// Saturday or Sunday, an empty or overlong name. The error names the entry,
// as in "workdays[0] 2026-02-09".
func (y Year) Validate() error {
	if y.Year < 1 || y.Year > 9999 {
		return fmt.Errorf("workday: calendar year %d is not between 1 and 9999", y.Year)
	}
	if len(y.Holidays) > maxEntries || len(y.Workdays) > maxEntries {
		return fmt.Errorf("workday: calendar %d: more than %d entries in a list", y.Year, maxEntries)
	}
	seen := make(map[Date]string, len(y.Holidays)+len(y.Workdays))
	check := func(list string, i int, h Holiday) error {
		entry := fmt.Sprintf("%s[%d] %s", list, i, h.Date)
		var problem string
		switch {
		case !h.Date.Valid():
			problem = "not a valid date"
		case h.Date.Year != y.Year:
			problem = fmt.Sprintf("date is not in %d", y.Year)
		case strings.TrimSpace(h.Name) == "":
			problem = "name is empty"
		case len(h.Name) > maxNameLen:
			problem = fmt.Sprintf("name is longer than %d bytes", maxNameLen)
		case !utf8.ValidString(h.Name):
			problem = "name is not valid UTF-8"
		case list == "workdays" && !isWeekend(h.Date):
			problem = fmt.Sprintf("a workday must be a Saturday or Sunday, this is a %s", h.Date.Weekday())
		default:
			if prev, dup := seen[h.Date]; dup {
				problem = "date also listed as " + prev
			}
		}
		if problem != "" {
			return fmt.Errorf("workday: calendar %d: %s: %s", y.Year, entry, problem)
		}
		seen[h.Date] = fmt.Sprintf("%s[%d]", list, i)
		return nil
	}
	for i, h := range y.Holidays {
		if err := check("holidays", i, h); err != nil {
			return err
		}
	}
	for i, h := range y.Workdays {
		if err := check("workdays", i, h); err != nil {
			return err
		}
	}
	return nil
}

func (y Year) clone() Year {
	return Year{Year: y.Year, Holidays: slices.Clone(y.Holidays), Workdays: slices.Clone(y.Workdays)}
}

// yearJSON is Year on the wire. Dates are read as strings so that a bad one
// is reported with its place in the list.
type yearJSON struct {
	Year     int           `json:"year"`
	Holidays []holidayJSON `json:"holidays"`
	Workdays []holidayJSON `json:"workdays"`
}

type holidayJSON struct {
	Date string `json:"date"`
	Name string `json:"name"`
}

// MarshalJSON writes
//
//	{"year":2026,"holidays":[{"date":"2026-02-16","name":"Tết Nguyên Đán"}],"workdays":[]}
func (y Year) MarshalJSON() ([]byte, error) {
	out := yearJSON{
		Year:     y.Year,
		Holidays: make([]holidayJSON, 0, len(y.Holidays)),
		Workdays: make([]holidayJSON, 0, len(y.Workdays)),
	}
	for _, h := range y.Holidays {
		out.Holidays = append(out.Holidays, holidayJSON{h.Date.String(), h.Name})
	}
	for _, h := range y.Workdays {
		out.Workdays = append(out.Workdays, holidayJSON{h.Date.String(), h.Name})
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes and validates it (Validate).
// Unknown fields are errors, so that a misspelt "workdays" is not a year
// without working Saturdays. Either list may be left out.
func (y *Year) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	if len(data) > maxYearJSON {
		return fmt.Errorf("workday: calendar JSON is larger than %d bytes", maxYearJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in yearJSON
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("workday: calendar JSON: %w", err)
	}
	if in.Year == 0 {
		return errors.New(`workday: calendar JSON: "year" is missing`)
	}
	out := Year{Year: in.Year}
	var err error
	if out.Holidays, err = parseEntries(in.Year, "holidays", in.Holidays); err != nil {
		return err
	}
	if out.Workdays, err = parseEntries(in.Year, "workdays", in.Workdays); err != nil {
		return err
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*y = out
	return nil
}

func parseEntries(year int, list string, in []holidayJSON) ([]Holiday, error) {
	if len(in) > maxEntries {
		return nil, fmt.Errorf("workday: calendar %d: more than %d %s", year, maxEntries, list)
	}
	out := make([]Holiday, 0, len(in))
	for i, h := range in {
		d, err := ParseDate(h.Date)
		if err != nil {
			return nil, fmt.Errorf("workday: calendar %d: %s[%d]: date %q is not a date written YYYY-MM-DD", year, list, i, h.Date)
		}
		out = append(out, Holiday{Date: d, Name: h.Name})
	}
	return out, nil
}
