package workday

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestYearJSONRoundTrip(t *testing.T) {
	for _, y := range []Year{
		Default(2025),
		Default(2026),
		Default(2027),
		{Year: 2030},
		{
			Year:     2026,
			Holidays: []Holiday{{Date{2026, time.March, 9}, "Ngày nghỉ hoán đổi"}},
			Workdays: []Holiday{{Date{2026, time.March, 7}, "Làm bù cho ngày 9/3"}},
		},
	} {
		b, err := json.Marshal(y)
		if err != nil {
			t.Fatal(err)
		}
		var back Year
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if y.Holidays == nil {
			y.Holidays = []Holiday{}
		}
		if y.Workdays == nil {
			y.Workdays = []Holiday{}
		}
		if !reflect.DeepEqual(back, y) {
			t.Errorf("round trip of %d:\n got %+v\nwant %+v", y.Year, back, y)
		}
	}
}

func TestYearJSONShape(t *testing.T) {
	y := Year{Year: 2026, Holidays: []Holiday{{Date{2026, time.February, 16}, "Tết Nguyên Đán"}}}
	b, err := json.Marshal(y)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"year":2026,"holidays":[{"date":"2026-02-16","name":"Tết Nguyên Đán"}],"workdays":[]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestYearJSONLoad(t *testing.T) {
	const in = `{"year":2026,
		"holidays":[{"date":"2026-02-16","name":"Tết Nguyên Đán"},
		            {"date":"2026-03-09","name":"Ngày nghỉ hoán đổi"}],
		"workdays":[{"date":"2026-03-07","name":"Làm bù cho ngày 9/3"}]}`
	var y Year
	if err := json.Unmarshal([]byte(in), &y); err != nil {
		t.Fatal(err)
	}
	cal := New().With(y)
	if cal.IsWorkingDay(Date{2026, time.February, 16}) || cal.IsWorkingDay(Date{2026, time.March, 9}) {
		t.Error("a loaded holiday is a working day")
	}
	if !cal.IsWorkingDay(Date{2026, time.March, 7}) {
		t.Error("a loaded workday is not a working day")
	}
	// A Year field inside another document, absent or null, stays zero.
	var doc struct {
		Calendar Year `json:"calendar"`
	}
	if err := json.Unmarshal([]byte(`{"calendar":null}`), &doc); err != nil || doc.Calendar.Year != 0 {
		t.Errorf("null: %v, %+v", err, doc.Calendar)
	}
}

func TestYearJSONErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // in the error
	}{
		{"not JSON", `{"year":`, "unexpected end of JSON input"},
		{"wrong type", `{"year":"2026"}`, "calendar JSON: json: cannot unmarshal string"},
		{"unknown field", `{"year":2026,"holiday":[]}`, `unknown field "holiday"`},
		{"no year", `{"holidays":[]}`, `"year" is missing`},
		{"year out of range", `{"year":10000}`, "10000 is not between 1 and 9999"},
		{"bad date", `{"year":2026,"holidays":[{"date":"2026-02-16","name":"Tết"},{"date":"2026-02-30","name":"x"}]}`,
			`holidays[1]: date "2026-02-30" is not a date`},
		{"date not written YYYY-MM-DD", `{"year":2026,"workdays":[{"date":"7/3/2026","name":"x"}]}`,
			`workdays[0]: date "7/3/2026"`},
		{"date outside the year", `{"year":2026,"holidays":[{"date":"2025-12-31","name":"x"}]}`,
			"calendar 2026: holidays[0] 2025-12-31: date is not in 2026"},
		{"duplicate holiday", `{"year":2026,"holidays":[{"date":"2026-02-16","name":"a"},{"date":"2026-02-17","name":"b"},{"date":"2026-02-16","name":"c"}]}`,
			"holidays[2] 2026-02-16: date also listed as holidays[0]"},
		{"workday also a holiday", `{"year":2026,"holidays":[{"date":"2026-03-07","name":"a"}],"workdays":[{"date":"2026-03-07","name":"b"}]}`,
			"workdays[0] 2026-03-07: date also listed as holidays[0]"},
		{"workday on a weekday", `{"year":2026,"workdays":[{"date":"2026-03-06","name":"b"}]}`,
			"workdays[0] 2026-03-06: a workday must be a Saturday or Sunday, this is a Friday"},
		{"empty name", `{"year":2026,"holidays":[{"date":"2026-03-06","name":"  "}]}`,
			"holidays[0] 2026-03-06: name is empty"},
		{"long name", `{"year":2026,"holidays":[{"date":"2026-03-06","name":"` + strings.Repeat("x", 201) + `"}]}`,
			"name is longer than 200 bytes"},
		{"too many entries", `{"year":2026,"holidays":[` + strings.TrimSuffix(strings.Repeat(`{"date":"2026-03-06","name":"x"},`, 367), ",") + `]}`,
			"more than 366 holidays"},
		{"too large", `{"year":2026,"holidays":[` + strings.TrimSuffix(strings.Repeat(`{"date":"2026-03-06","name":"x"},`, 3000), ",") + `]}`,
			"larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var y Year
			err := json.Unmarshal([]byte(tc.in), &y)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if y.Year != 0 {
				t.Errorf("Year changed on error: %+v", y)
			}
		})
	}
}

func TestNewPanicsOnInvalidYear(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "date is not in 2026") {
			t.Errorf("panic %v", r)
		}
	}()
	New(Year{Year: 2026, Holidays: []Holiday{{Date{2027, time.January, 1}, "x"}}})
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]Date{
		"2026-02-17": {2026, time.February, 17},
		"2024-02-29": {2024, time.February, 29},
		"0001-01-01": {1, time.January, 1},
	} {
		got, err := ParseDate(in)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v", in, got, err)
		}
		if got.String() != in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	for _, in := range []string{"", "2026-2-17", "2026-02-7", "2025-02-29", "2026-13-01", "17/02/2026", "2026-02-17T00:00:00Z", " 2026-02-17"} {
		if d, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", in, d)
		}
	}
}

func TestDate(t *testing.T) {
	d := Date{2026, time.February, 17}
	if d.Weekday() != time.Tuesday {
		t.Errorf("%v is a %v", d, d.Weekday())
	}
	if got := d.AddDays(12); got != (Date{2026, time.March, 1}) {
		t.Errorf("AddDays(12) = %v", got)
	}
	if got := d.AddDays(-48); got != (Date{2025, time.December, 31}) {
		t.Errorf("AddDays(-48) = %v", got)
	}
	if d.Compare(d.AddDays(1)) != -1 || d.Compare(d) != 0 || d.AddDays(1).Compare(d) != 1 ||
		(Date{2025, time.December, 31}).Compare(Date{2026, time.January, 1}) != -1 {
		t.Error("Compare")
	}
	for _, bad := range []Date{{}, {2026, 2, 29}, {2026, 0, 1}, {2026, 13, 1}, {10000, 1, 1}, {2026, 4, 31}} {
		if bad.Valid() {
			t.Errorf("%v is valid", bad)
		}
	}
	if got := DateOf(time.Date(2026, 2, 16, 17, 0, 0, 0, time.UTC)); got != (Date{2026, time.February, 17}) {
		t.Errorf("DateOf(17:00 UTC) = %v, want the next day in Vietnam", got)
	}
	for j := d.jdn() - 1000; j < d.jdn()+1000; j += 7 {
		if dateOfJDN(j).jdn() != j {
			t.Fatalf("JDN %d", j)
		}
	}
	if got := (Date{2000, time.January, 1}).jdn(); got != 2451545 {
		t.Errorf("JDN of 2000-01-01 = %d, want 2451545", got)
	}
	at := d.At(Clock{17, 0})
	if at.Location() != vietnam || at.UTC() != time.Date(2026, 2, 17, 10, 0, 0, 0, time.UTC) {
		t.Errorf("At = %v", at)
	}
}

func TestParseClock(t *testing.T) {
	for in, want := range map[string]Clock{"17:00": {17, 0}, "16:30": {16, 30}, "00:00": {0, 0}, "23:59": {23, 59}} {
		got, err := ParseClock(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParseClock(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "24:00", "17:60", "17", "5pm", "17:00:00"} {
		if c, err := ParseClock(in); err == nil {
			t.Errorf("ParseClock(%q) = %v, want an error", in, c)
		}
	}
	var cfg struct {
		DayEnd Clock `json:"day_end"`
	}
	if err := json.Unmarshal([]byte(`{"day_end":"16:30"}`), &cfg); err != nil || cfg.DayEnd != (Clock{16, 30}) {
		t.Errorf("Clock from JSON: %v, %v", cfg.DayEnd, err)
	}
	if b, _ := json.Marshal(cfg); string(b) != `{"day_end":"16:30"}` {
		t.Errorf("Clock to JSON: %s", b)
	}
}
