package workday

import "time"

// official holds the calendars the Government has announced for civil
// servants (cán bộ, công chức, viên chức), which Default returns instead of
// the rules. Each year is complete: it lists every weekday off and every
// weekend day worked, not only where it departs from the rules.
//
// To add a year, copy the announcement here and keep every entry one date.
// A date taken from the rules rather than from an announcement is marked
// "(unverified)"; replace the mark when the announcement is checked. An
// installation can also load a year at run time as JSON (Calendar.With)
// without a new release.
var official = map[int]Year{
	2025: {
		Year: 2025,
		Holidays: []Holiday{
			{Date{2025, time.January, 1}, nameNewYear},
			// Tết Ất Tỵ: off from Saturday 25/1 to Sunday 2/2/2025
			// (26 tháng Chạp to mùng 5 tháng Giêng), nine days with the
			// weekends; lunar 1/1 is 29/1.
			{Date{2025, time.January, 27}, nameTet},
			{Date{2025, time.January, 28}, nameTet},
			{Date{2025, time.January, 29}, nameTet},
			{Date{2025, time.January, 30}, nameTet},
			{Date{2025, time.January, 31}, nameTet},
			{Date{2025, time.April, 7}, nameHungKings},
			{Date{2025, time.April, 30}, nameVictory},
			{Date{2025, time.May, 1}, nameLabour},
			// A swap of Friday 2/5 off for Saturday 26/4 worked was reported
			// for 2025 but is not built in: it is unverified. An installation
			// that has the announcement loads the year with both entries.
			{Date{2025, time.September, 1}, nameNationalDay},
			{Date{2025, time.September, 2}, nameNationalDay},
		},
	},
	2026: {
		Year: 2026,
		Holidays: []Holiday{
			{Date{2026, time.January, 1}, nameNewYear}, // (unverified): the rules
			// Tết Bính Ngọ: off from Saturday 14/2 to Sunday 22/2/2026, nine
			// days with the weekends; lunar 1/1 is 17/2.
			{Date{2026, time.February, 16}, nameTet},
			{Date{2026, time.February, 17}, nameTet},
			{Date{2026, time.February, 18}, nameTet},
			{Date{2026, time.February, 19}, nameTet},
			{Date{2026, time.February, 20}, nameTet},
			// The rest is the rules, until checked against the announcement.
			{Date{2026, time.April, 26}, nameHungKings},                    // Sunday (unverified)
			{Date{2026, time.April, 27}, compensatoryName + nameHungKings}, // (unverified)
			{Date{2026, time.April, 30}, nameVictory},                      // (unverified)
			{Date{2026, time.May, 1}, nameLabour},                          // (unverified)
			{Date{2026, time.September, 1}, nameNationalDay},               // or 3/9 (unverified)
			{Date{2026, time.September, 2}, nameNationalDay},               // (unverified)
		},
	},
}
