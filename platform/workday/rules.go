package workday

import (
	"slices"
	"time"
)

// Holiday names, as the Labour Code and the yearly announcements write them.
const (
	nameNewYear       = "Tết Dương lịch"
	nameTet           = "Tết Nguyên Đán"
	nameHungKings     = "Giỗ Tổ Hùng Vương"
	nameVictory       = "Ngày Chiến thắng"
	nameLabour        = "Quốc tế Lao động"
	nameNationalDay   = "Quốc khánh"
	compensatoryName  = "Nghỉ bù " // + the name of the holiday it makes up for
	coincidentJoinSep = ", "
)

// Default is the calendar of a year: the Government's announced calendar
// when official.go has it, otherwise the one the rules give (byRules).
func Default(year int) Year {
	if y, ok := official[year]; ok {
		return y.clone()
	}
	return byRules(year)
}

// byRules is the calendar of a year as article 112 of the Labour Code 2019
// gives it, with the choices the package doc lists. It has no working
// weekend days: those exist only where the Government announces a swap.
func byRules(year int) Year {
	var statutory []Holiday
	add := func(d Date, name string) {
		statutory = append(statutory, Holiday{Date: d, Name: name})
	}
	add(Date{year, time.January, 1}, nameNewYear)
	if lunarYearSupported(year) {
		if tet, ok := fromLunar(lunarDate{Year: year, Month: 1, Day: 1}); ok {
			// The last day of the old lunar year and the first four of the new.
			for i := -1; i <= 3; i++ {
				add(tet.AddDays(i), nameTet)
			}
		}
		if hung, ok := fromLunar(lunarDate{Year: year, Month: 3, Day: 10}); ok {
			add(hung, nameHungKings)
		}
	}
	add(Date{year, time.April, 30}, nameVictory)
	add(Date{year, time.May, 1}, nameLabour)
	add(Date{year, time.September, 1}, nameNationalDay)
	add(Date{year, time.September, 2}, nameNationalDay)
	slices.SortStableFunc(statutory, func(a, b Holiday) int { return a.Date.Compare(b.Date) })

	// A holiday on a day that is off anyway (a weekend, or another holiday
	// on the same date, as Giỗ Tổ Hùng Vương on 30/4 in 1947) is made up
	// on the next day that is neither a weekend nor a holiday.
	var days []Holiday
	off := make(map[Date]bool, len(statutory)+4)
	for _, h := range statutory {
		off[h.Date] = true
	}
	var owed []Holiday
	for i, h := range statutory {
		if i > 0 && statutory[i-1].Date == h.Date {
			days[len(days)-1].Name += coincidentJoinSep + h.Name
			owed = append(owed, h)
			continue
		}
		days = append(days, h)
		if isWeekend(h.Date) {
			owed = append(owed, h)
		}
	}
	for _, h := range owed {
		d := h.Date.AddDays(1)
		for isWeekend(d) || off[d] {
			d = d.AddDays(1)
		}
		off[d] = true
		days = append(days, Holiday{Date: d, Name: compensatoryName + h.Name})
	}
	slices.SortFunc(days, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return Year{Year: year, Holidays: days}
}
