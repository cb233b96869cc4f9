package workday_test

import (
	"fmt"
	"time"

	"github.com/lgsp-vn/lgsp/platform/workday"
)

// A dossier with a processing time of 10 working days is paused while the
// applicant supplements it, and resumed with the working days it had left.
func Example_pauseAndResume() {
	cal := workday.New()
	dayEnd, _ := workday.ParseClock("17:00")
	vn, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	const layout = "Mon 2006-01-02 15:04"

	received := time.Date(2026, 4, 20, 9, 0, 0, 0, vn)
	due := cal.AddWorkingDays(received, 10, dayEnd)
	fmt.Println("received:", received.Format(layout))
	fmt.Println("due:     ", due.Format(layout))

	// Thursday: the office asks for a missing document. Giỗ Tổ Hùng Vương
	// (Sunday 26/4, made up on Monday 27/4), 30/4 and 1/5 still lie ahead.
	paused := time.Date(2026, 4, 23, 10, 0, 0, 0, vn)
	used := cal.WorkingDaysBetween(received, paused)
	left := cal.Remaining(paused, due)
	fmt.Println("paused:  ", paused.Format(layout), "used", used, "left", left)

	// The applicant brings it back; the clock restarts from that day.
	resumed := time.Date(2026, 5, 11, 8, 30, 0, 0, vn)
	due = cal.AddWorkingDays(resumed, left, dayEnd)
	fmt.Println("resumed: ", resumed.Format(layout))
	fmt.Println("due:     ", due.Format(layout))

	finished := time.Date(2026, 5, 20, 15, 0, 0, 0, vn)
	fmt.Println("finished:", finished.Format(layout), workday.Classify(finished, due))

	// Output:
	// received: Mon 2026-04-20 09:00
	// due:      Thu 2026-05-07 17:00
	// paused:   Thu 2026-04-23 10:00 used 3 left 7
	// resumed:  Mon 2026-05-11 08:30
	// due:      Wed 2026-05-20 17:00
	// finished: Wed 2026-05-20 15:00 on_time
}

// A year's announced calendar, loaded as JSON, replaces the built-in one.
// The calendar here is made up for the example.
func ExampleCalendar_With() {
	var y workday.Year
	err := y.UnmarshalJSON([]byte(`{"year":2027,
		"holidays":[{"date":"2027-01-01","name":"Tết Dương lịch"}],
		"workdays":[{"date":"2027-01-02","name":"Làm bù"},{"date":"2027-01-09","name":"Làm bù"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	cal := workday.New().With(y)
	fmt.Println(cal.IsWorkingDay(workday.Date{Year: 2027, Month: time.January, Day: 2}))

	err = y.UnmarshalJSON([]byte(`{"year":2027,"workdays":[{"date":"2027-01-04","name":"Làm bù"}]}`))
	fmt.Println(err)
	// Output:
	// true
	// workday: calendar 2027: workdays[0] 2027-01-04: a workday must be a Saturday or Sunday, this is a Monday
}
