package workday

import (
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	fivePM = Clock{Hour: 17}
	utc7   = time.FixedZone("UTC+7", 7*3600)
)

// vn is a time in Vietnam, for tables: vn("2026-02-12 09:30").
func vn(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04:05", s+":00", vietnam)
	if err != nil {
		tm, err = time.ParseInLocation("2006-01-02 15:04:05", s, vietnam)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestAddWorkingDays(t *testing.T) {
	// A year 2026 that replaces Default: Saturday 7/3 worked, Monday 9/3 off,
	// and nothing else (not even Tết, since a loaded Year is final).
	loaded := Year{
		Year:     2026,
		Holidays: []Holiday{{Date{2026, time.March, 9}, "Ngày nghỉ hoán đổi"}},
		Workdays: []Holiday{{Date{2026, time.March, 7}, "Làm bù cho ngày 9/3"}},
	}
	for _, tc := range []struct {
		name     string
		cal      *Calendar
		received time.Time
		n        int
		want     string // VN time
	}{
		{"weekday to weekday", New(), vn(t, "2026-03-02 09:00"), 3, "2026-03-05 17:00"},
		{"across a weekend", New(), vn(t, "2026-03-05 10:00"), 3, "2026-03-10 17:00"},
		{"Friday, one day", New(), vn(t, "2026-03-06 16:59"), 1, "2026-03-09 17:00"},
		{"received on Saturday", New(), vn(t, "2026-03-07 09:00"), 1, "2026-03-09 17:00"},
		{"received on Sunday, same day", New(), vn(t, "2026-03-08 09:00"), 0, "2026-03-09 17:00"},
		{"same day", New(), vn(t, "2026-03-04 08:00"), 0, "2026-03-04 17:00"},
		{"same day, received after closing", New(), vn(t, "2026-03-04 18:30"), 0, "2026-03-04 17:00"},
		{"negative is zero", New(), vn(t, "2026-03-04 08:00"), -2, "2026-03-04 17:00"},
		{"received late in the evening", New(), vn(t, "2026-03-05 23:59"), 1, "2026-03-06 17:00"},
		// Thu 30/4 and Fri 1/5 are off.
		{"across 30/4 and 1/5", New(), vn(t, "2026-04-29 09:00"), 1, "2026-05-04 17:00"},
		{"received on 30/4", New(), vn(t, "2026-04-30 09:00"), 2, "2026-05-05 17:00"},
		// Tết Bính Ngọ: off from Saturday 14/2 to Sunday 22/2.
		{"across Tết", New(), vn(t, "2026-02-12 10:00"), 3, "2026-02-24 17:00"},
		{"received during Tết", New(), vn(t, "2026-02-18 10:00"), 0, "2026-02-23 17:00"},
		// 2026 rules: Giỗ Tổ on Sunday 26/4, made up on Monday 27/4.
		{"Giỗ Tổ on a Sunday", New(), vn(t, "2026-04-24 09:00"), 1, "2026-04-28 17:00"},
		// 2027 rules: 30/4 on Friday, 1/5 on Saturday made up on Monday 3/5.
		{"1/5 on a Saturday", New(), vn(t, "2027-04-29 09:00"), 1, "2027-05-04 17:00"},
		// 2025 as announced: Tết from 25/1 to 2/2, so Monday 3/2 is worked
		// (the rules would have made it up for Saturday 1/2).
		{"Tết 2025 as announced", New(), vn(t, "2025-01-24 09:00"), 1, "2025-02-03 17:00"},
		{"across New Year", New(), vn(t, "2026-12-31 09:00"), 1, "2027-01-04 17:00"},
		{"loaded year: Saturday worked", New().With(loaded), vn(t, "2026-03-06 09:00"), 1, "2026-03-07 17:00"},
		{"loaded year: Monday off", New().With(loaded), vn(t, "2026-03-06 09:00"), 2, "2026-03-10 17:00"},
		{"loaded year: no Tết", New().With(loaded), vn(t, "2026-02-12 10:00"), 3, "2026-02-17 17:00"},
		{"loaded year via New", New(loaded), vn(t, "2026-03-06 09:00"), 1, "2026-03-07 17:00"},
		{"other years keep Default", New(loaded), vn(t, "2027-04-29 09:00"), 1, "2027-05-04 17:00"},
		{"zero Calendar", &Calendar{}, vn(t, "2026-02-12 10:00"), 3, "2026-02-24 17:00"},
		{"nil Calendar", nil, vn(t, "2026-02-12 10:00"), 3, "2026-02-24 17:00"},
		// 18:00 UTC on Thursday 5/3 is 01:00 on Friday 6/3 in Vietnam.
		{"input in UTC", New(), time.Date(2026, 3, 5, 18, 0, 0, 0, time.UTC), 1, "2026-03-09 17:00"},
		{"input in UTC+7", New(), time.Date(2026, 3, 5, 18, 0, 0, 0, utc7), 1, "2026-03-06 17:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.AddWorkingDays(tc.received, tc.n, fivePM)
			if want := vn(t, tc.want); !got.Equal(want) {
				t.Errorf("AddWorkingDays(%v, %d) = %v, want %v", tc.received, tc.n, got, want)
			}
			if got.Location() != vietnam {
				t.Errorf("result in %v, want Asia/Ho_Chi_Minh", got.Location())
			}
			if tc.n > 0 {
				if between := tc.cal.WorkingDaysBetween(tc.received, got); between != tc.n {
					t.Errorf("WorkingDaysBetween(received, due) = %d, want %d", between, tc.n)
				}
			}
		})
	}
}

func TestAddWorkingDaysDayEnd(t *testing.T) {
	got := New().AddWorkingDays(vn(t, "2026-03-02 09:00"), 1, Clock{16, 30})
	if want := vn(t, "2026-03-03 16:30"); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("AddWorkingDays with 24:00 did not panic")
		}
	}()
	New().AddWorkingDays(vn(t, "2026-03-02 09:00"), 1, Clock{24, 0})
}

func TestHolidays(t *testing.T) {
	cal := New()
	for _, tc := range []struct {
		date    string
		name    string // "" for no holiday
		working bool
	}{
		{"2026-01-01", "Tết Dương lịch", false},
		{"2026-02-13", "", true},
		{"2026-02-14", "", false}, // Saturday in the Tết break
		{"2026-02-16", "Tết Nguyên Đán", false},
		{"2026-02-20", "Tết Nguyên Đán", false},
		{"2026-02-23", "", true},
		{"2026-04-26", "Giỗ Tổ Hùng Vương", false},
		{"2026-04-27", "Nghỉ bù Giỗ Tổ Hùng Vương", false},
		{"2026-04-30", "Ngày Chiến thắng", false},
		{"2026-05-01", "Quốc tế Lao động", false},
		{"2026-09-01", "Quốc khánh", false},
		{"2026-09-02", "Quốc khánh", false},
		{"2026-09-03", "", true},
		{"2025-01-27", "Tết Nguyên Đán", false},
		{"2025-02-03", "", true},
		{"2025-04-07", "Giỗ Tổ Hùng Vương", false},
		{"2025-05-02", "", true}, // the reported swap is not built in
		{"2027-05-01", "Quốc tế Lao động", false},
		{"2027-05-03", "Nghỉ bù Quốc tế Lao động", false},
		// 2027 rules: Tết Đinh Mùi from Friday 5/2 (eve) to Tuesday 9/2,
		// its Saturday and Sunday made up on Wednesday 10/2 and Thursday 11/2.
		{"2027-02-05", "Tết Nguyên Đán", false},
		{"2027-02-09", "Tết Nguyên Đán", false},
		{"2027-02-10", "Nghỉ bù Tết Nguyên Đán", false},
		{"2027-02-11", "Nghỉ bù Tết Nguyên Đán", false},
		{"2027-02-12", "", true},
		{"2027-03-06", "", false}, // an ordinary Saturday
	} {
		d := mustDate(t, tc.date)
		name, ok := cal.Holiday(d)
		if name != tc.name || ok != (tc.name != "") {
			t.Errorf("Holiday(%v) = %q, %v; want %q", d, name, ok, tc.name)
		}
		if got := cal.IsWorkingDay(d); got != tc.working {
			t.Errorf("IsWorkingDay(%v) = %v, want %v", d, got, tc.working)
		}
	}
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		year int
		want map[string]string // some of the dates off, with their names
	}{
		// Giỗ Tổ on Saturday 29/4, 30/4 on Sunday: off from 29/4 to 3/5.
		// National Day on Friday 1/9 and Saturday 2/9: Monday 4/9 made up.
		{2023, map[string]string{
			"2023-04-29": "Giỗ Tổ Hùng Vương",
			"2023-05-01": "Quốc tế Lao động",
			"2023-05-02": "Nghỉ bù Giỗ Tổ Hùng Vương",
			"2023-05-03": "Nghỉ bù Ngày Chiến thắng",
			"2023-09-04": "Nghỉ bù Quốc khánh",
		}},
		// Tết Ất Tỵ by the rules: 28/1 to Saturday 1/2, made up on 3/2.
		{2025, map[string]string{
			"2025-01-28": "Tết Nguyên Đán",
			"2025-02-01": "Tết Nguyên Đán",
			"2025-02-03": "Nghỉ bù Tết Nguyên Đán",
		}},
		// Giỗ Tổ on 30/4, a Wednesday: one date, two holidays, one made up.
		{1947, map[string]string{
			"1947-04-30": "Giỗ Tổ Hùng Vương, Ngày Chiến thắng",
			"1947-05-02": "Nghỉ bù Ngày Chiến thắng",
		}},
	} {
		y := byRules(tc.year)
		got := make(map[string]string)
		for _, h := range y.Holidays {
			got[h.Date.String()] = h.Name
		}
		for date, name := range tc.want {
			if got[date] != name {
				t.Errorf("rules %d: %s is %q, want %q", tc.year, date, got[date], name)
			}
		}
		if err := y.Validate(); err != nil {
			t.Errorf("rules %d: %v", tc.year, err)
		}
	}
	if _, ok := byRules(2025).holidayOn(Date{2025, time.January, 27}); ok {
		t.Error("rules 2025: 27/1 is off; the rules start Tết on the eve, 28/1")
	}
}

func (y Year) holidayOn(d Date) (string, bool) {
	for _, h := range y.Holidays {
		if h.Date == d {
			return h.Name, true
		}
	}
	return "", false
}

// TestRulesEveryYear checks invariants of the rules over two centuries:
// each year validates, has its 11 statutory days off (10 dates when two
// coincide), and one made-up weekday for each on a weekend or coinciding.
func TestRulesEveryYear(t *testing.T) {
	for year := 1950; year <= 2150; year++ {
		y := byRules(year)
		if err := y.Validate(); err != nil {
			t.Fatalf("%d: %v", year, err)
		}
		statutory, onWeekend, coinciding, madeUp := 0, 0, 0, 0
		for _, h := range y.Holidays {
			if strings.HasPrefix(h.Name, compensatoryName) {
				madeUp++
				if isWeekend(h.Date) {
					t.Errorf("%d: made-up day %v on a weekend", year, h.Date)
				}
				continue
			}
			statutory++
			if isWeekend(h.Date) {
				onWeekend++
			}
			coinciding += strings.Count(h.Name, coincidentJoinSep)
		}
		if statutory+coinciding != 11 {
			t.Errorf("%d: %d statutory dates and %d coinciding, want 11 holidays", year, statutory, coinciding)
		}
		if madeUp != onWeekend+coinciding {
			t.Errorf("%d: %d made-up days for %d on weekends and %d coinciding", year, madeUp, onWeekend, coinciding)
		}
	}
}

// TestOfficialAgainstRules keeps official.go honest: an announced year
// differs from the rules only on the dates listed here.
func TestOfficialAgainstRules(t *testing.T) {
	departures := map[int][]string{
		2025: {"2025-01-27", "2025-02-03"}, // Tết started on 28 tháng Chạp
		2026: {},
	}
	for year := range official {
		want, ok := departures[year]
		if !ok {
			t.Errorf("official year %d has no entry in this test", year)
			continue
		}
		if err := official[year].Validate(); err != nil {
			t.Errorf("official %d: %v", year, err)
		}
		announced, rules := New(official[year]), New(byRules(year))
		var got []string
		for d := (Date{year, time.January, 1}); d.Year == year; d = d.AddDays(1) {
			if announced.IsWorkingDay(d) != rules.IsWorkingDay(d) {
				got = append(got, d.String())
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d departs from the rules on %v, want %v", year, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%d departs from the rules on %v, want %v", year, got, want)
				break
			}
		}
	}
}

func TestDefaultIsACopy(t *testing.T) {
	y := Default(2026)
	y.Holidays[0].Name = "changed"
	if Default(2026).Holidays[0].Name == "changed" {
		t.Error("Default shares its slices with official")
	}
	cal := New()
	y = cal.Year(2026)
	y.Holidays = nil
	if len(cal.Year(2026).Holidays) == 0 {
		t.Error("Calendar.Year shares its slices")
	}
}

func TestWithLeavesTheOriginal(t *testing.T) {
	base := New()
	loaded := base.With(Year{Year: 2026})
	tet := Date{2026, time.February, 17}
	if base.IsWorkingDay(tet) {
		t.Error("With changed the calendar it was called on")
	}
	if !loaded.IsWorkingDay(tet) {
		t.Error("a loaded year without holidays still has Tết")
	}
	if got := loaded.Year(2026); len(got.Holidays) != 0 {
		t.Errorf("loaded.Year(2026) = %+v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("With an invalid Year did not panic")
		}
	}()
	base.With(Year{Year: 2026, Workdays: []Holiday{{Date{2026, time.March, 2}, "thứ Hai"}}})
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := New()
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2026-03-02 09:00", "2026-03-02 18:00", 0},
		{"2026-03-02 09:00", "2026-03-03 08:00", 1},
		{"2026-03-06 09:00", "2026-03-09 08:00", 1},
		{"2026-03-06 09:00", "2026-03-08 08:00", 0},
		{"2026-03-09 09:00", "2026-03-02 09:00", 0}, // backwards
		{"2026-02-12 09:00", "2026-02-24 09:00", 3},
		// 2026 has 261 weekdays, 11 of them off: 1/1, Tết (5), 27/4 made up
		// for Giỗ Tổ on Sunday 26/4, 30/4, 1/5, 1/9 and 2/9.
		{"2026-01-01 00:00", "2026-12-31 23:59", 250},
	} {
		if got := cal.WorkingDaysBetween(vn(t, tc.from), vn(t, tc.to)); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestRemaining(t *testing.T) {
	cal := New()
	due := vn(t, "2026-03-10 17:00") // Tuesday
	for _, tc := range []struct {
		now  string
		want int
	}{
		{"2026-03-05 10:00", 3},
		{"2026-03-07 10:00", 2}, // Saturday
		{"2026-03-09 16:00", 1},
		{"2026-03-10 09:00", 0},
		{"2026-03-10 18:00", 0},
		{"2026-03-12 09:00", 0},
	} {
		if got := cal.Remaining(vn(t, tc.now), due); got != tc.want {
			t.Errorf("Remaining(%s) = %d, want %d", tc.now, got, tc.want)
		}
	}
	if got := cal.Remaining(vn(t, "2026-02-12 10:00"), vn(t, "2026-02-24 17:00")); got != 3 {
		t.Errorf("Remaining across Tết = %d, want 3", got)
	}
}

func TestClassify(t *testing.T) {
	due := vn(t, "2026-03-10 17:00")
	for _, tc := range []struct {
		finished time.Time
		want     Outcome
	}{
		{vn(t, "2026-03-02 09:00"), Early},
		{vn(t, "2026-03-09 23:59:59"), Early},
		{vn(t, "2026-03-10 00:00"), OnTime},
		{vn(t, "2026-03-10 16:59:59"), OnTime},
		{due, OnTime},
		{due.Add(time.Nanosecond), Late},
		{vn(t, "2026-03-10 17:01"), Late},
		{vn(t, "2026-03-11 08:00"), Late},
		// 16:59 UTC on 9/3 is 23:59 on 9/3 in Vietnam; 17:30 UTC is 00:30
		// on 10/3, the due date, though still 9/3 in UTC.
		{time.Date(2026, 3, 9, 16, 59, 0, 0, time.UTC), Early},
		{time.Date(2026, 3, 9, 17, 30, 0, 0, time.UTC), OnTime},
	} {
		if got := Classify(tc.finished, due); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.finished, got, tc.want)
		}
	}
	for o, s := range map[Outcome]string{Early: "early", OnTime: "on_time", Late: "late", 0: "unknown"} {
		if o.String() != s {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), o.String(), s)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	cal := New()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			from := time.Date(2040+g, time.January, 1, 9, 0, 0, 0, vietnam)
			for n := 1; n < 300; n += 37 {
				due := cal.AddWorkingDays(from, n, fivePM)
				if got := cal.WorkingDaysBetween(from, due); got != n {
					t.Errorf("%v + %d: %d working days between", from, n, got)
				}
			}
		})
	}
	wg.Wait()
}

// FuzzAddWorkingDays checks, for any receipt time from 1950 to 2150 and
// any n, that the deadline falls on a working day at the day end, and that
// for n ≥ 1 exactly n working days separate it from the receipt.
func FuzzAddWorkingDays(f *testing.F) {
	f.Add(vn(f, "2026-02-12 10:00").Unix(), uint16(3), uint8(17), uint8(0))
	f.Add(vn(f, "2026-04-29 23:59").Unix(), uint16(0), uint8(8), uint8(30))
	f.Add(vn(f, "2027-04-30 00:00").Unix(), uint16(1), uint8(16), uint8(30))
	f.Add(int64(0), uint16(65535), uint8(0), uint8(0))
	lo := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2150, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	cal := New()
	f.Fuzz(func(t *testing.T, sec int64, n16 uint16, hour, minute uint8) {
		sec = lo + (sec%(hi-lo)+(hi-lo))%(hi-lo)
		from := time.Unix(sec, 0)
		n := int(n16 % 1000)
		end := Clock{int(hour % 24), int(minute % 60)}
		due := cal.AddWorkingDays(from, n, end)
		d := DateOf(due)
		if !cal.IsWorkingDay(d) {
			t.Fatalf("AddWorkingDays(%v, %d) = %v, not a working day", from, n, due)
		}
		if h, m, s := due.In(vietnam).Clock(); h != end.Hour || m != end.Minute || s != 0 {
			t.Fatalf("AddWorkingDays(%v, %d) = %v, not at %v", from, n, due, end)
		}
		if n == 0 {
			if d.Compare(DateOf(from)) < 0 {
				t.Fatalf("AddWorkingDays(%v, 0) = %v, before the receipt date", from, due)
			}
			return
		}
		if got := cal.WorkingDaysBetween(from, due); got != n {
			t.Fatalf("WorkingDaysBetween(%v, AddWorkingDays(.., %d) = %v) = %d", from, n, due, got)
		}
		if got := cal.Remaining(from, due); got != n {
			t.Fatalf("Remaining(%v, %v) = %d, want %d", from, due, got, n)
		}
	})
}
