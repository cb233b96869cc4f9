// Package workday is the working-day calendar (ngày làm việc) in which the
// deadlines of administrative procedures are counted: a procedure that
// takes "5 working days" skips weekends, public holidays and the Lunar New
// Year (Tết). Every service that promises or reports a deadline counts it
// here, so that the portal, the officer's screen and the statistics agree
// on one due date. The package is pure: no database, no network, no clock.
//
// # Days
//
// Dates are reckoned in Asia/Ho_Chi_Minh whatever the location of the
// times passed in; results are in that location. A day is a working day
// unless it is a Saturday, a Sunday or a holiday of its Year, and a weekend
// day listed among the Year's workdays is a working day (a Saturday worked
// in exchange for a weekday off).
//
// # Deadlines
//
// A dossier received at time t with a processing time of n working days is
// due at dayEnd (the office's closing time, say 17:00) on the n-th working
// day after the date of t; the day of receipt does not count, whatever the
// hour. With n = 0 it is due at dayEnd on the day of receipt if that is a
// working day, else on the next working day:
//
//	due := cal.AddWorkingDays(received, 3, workday.Clock{Hour: 17})
//
// Classify compares the finish with the deadline: early (trước hạn) if it
// finished on a date before the due date, on time (đúng hạn) if on the due
// date and not after the due time, late (quá hạn) otherwise.
//
// Pausing, when the office asks the applicant to supplement the dossier,
// is done by the caller: at the pause, left := cal.Remaining(paused, due)
// (the working days after the pause date up to the due date; the day of the
// pause counts as used); at the resumption, due = cal.AddWorkingDays(resumed,
// left, dayEnd). See the package example.
//
// # The calendar of a year
//
// Default(year) is the Government's announced calendar for the years
// official.go holds (2025 and 2026, with the dates not yet checked against
// an announcement marked there), and otherwise the rules of article 112 of
// the Labour Code 2019 (Bộ luật Lao động 2019) for civil servants, whose
// weekly rest is Saturday and Sunday. The rules are today's, applied to
// every year, past ones included:
//
//   - Tết Dương lịch: 1 January.
//   - Tết Nguyên Đán: five days, the last day of the lunar year (29 or 30
//     tháng Chạp) and lunar 1 to 4 tháng Giêng.
//   - Giỗ Tổ Hùng Vương: lunar 10 tháng 3 (of the ordinary month 3 when the
//     year repeats it).
//   - Ngày Chiến thắng: 30 April; Quốc tế Lao động: 1 May.
//   - Quốc khánh: 2 September and one adjacent day. The Government chooses
//     1 or 3 September each year; the rules take 1 September.
//   - Nghỉ bù: a holiday that falls on a Saturday or Sunday, or on the same
//     date as another holiday, gives a day off on the next day that is
//     neither a weekend nor a holiday, taken in date order (so Tết's
//     Saturday and Sunday give the first two weekdays after its five days).
//
// The rules never swap a weekday with a Saturday (hoán đổi ngày làm việc):
// that is an announcement's decision, and so are extra days off. An
// installation that has a year's announcement loads it as JSON and puts it
// in force with Calendar.With:
//
//	{"year":2026,
//	 "holidays":[{"date":"2026-02-16","name":"Tết Nguyên Đán"}, ...],
//	 "workdays":[]}
//
// A Year's lists are final: every weekday off is listed, compensatory days
// included. Reading the JSON validates it and names the bad entry (a date
// outside the year, a date listed twice, a workday that is not a weekend
// day).
//
// # The lunar calendar
//
// The Vietnamese lunar calendar is computed, not tabulated, so that any
// year has its Tết and Giỗ Tổ. It is reckoned for UTC+7 (105°E), which is
// why Tết sometimes falls a day earlier than in China (UTC+8), as in 2007
// and 2030, or even a month earlier, as in 1985:
//
//   - A month begins on the day, in UTC+7, on which a new moon falls.
//   - Month 11 is the month in which the December solstice falls.
//   - When 13 months run from one month 11 up to the next, the first after
//     month 11 in which no major solar term falls (the Sun's longitude
//     reaching a multiple of 30°) is a leap month (tháng nhuận) and repeats
//     the number of the month before it.
//
// The instants of new moons and the Sun's longitude come from the series in
// Jean Meeus, Astronomical Algorithms (1998), chapters 49 and 25. Checked
// against an independent ephemeris under the same rules, every month from
// 1900 to 2150 begins on the same day but one: July 1967, whose new moon
// fell within seconds of midnight. Lunar holidays are computed for the
// years 1 to 9999; a Date outside them has only the solar holidays.
package workday
