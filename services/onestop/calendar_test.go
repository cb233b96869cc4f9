package onestop

import (
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/dvcqg"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
)

// TestDeadlines: due times in working days across a weekend, a public
// holiday and the Lunar New Year, and a year's calendar loaded by an admin
// moving the deadlines computed after it.
func TestDeadlines(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"))
	cases := []struct {
		name     string
		received time.Time
		due      time.Time
	}{
		// Friday → Monday, Tuesday, Wednesday.
		{"weekend", hcmTime(2026, 3, 6, 14, 0), hcmTime(2026, 3, 11, 17, 0)},
		// Wednesday 29 April: 30/4 and 1/5 are off, then the weekend.
		{"30/4 and 1/5", hcmTime(2026, 4, 29, 8, 30), hcmTime(2026, 5, 6, 17, 0)},
		// Friday 13 February 2026, the last working day before Tết.
		{"Lunar New Year", hcmTime(2026, 2, 13, 10, 0), hcmTime(2026, 2, 25, 17, 0)},
	}
	for _, c := range cases {
		d := e.create(commune1, c.received)
		if got := d.GetDueAt().AsTime(); !got.Equal(c.due) {
			t.Errorf("%s: due %v, want %v", c.name, got.In(dvcqg.Zone), c.due)
		}
	}

	// The province learns that 2026's National Day break is 1–2 September
	// and that Monday 7 September is off too (invented for the test).
	y, err := e.api.GetCalendar(as(commune1), &pb.GetCalendarRequest{Year: 2026})
	if err != nil || y.GetCalendar().GetLoaded() || len(y.GetCalendar().GetHolidays()) == 0 {
		t.Fatalf("default 2026: %v %v", y, err)
	}
	hol := append(y.GetCalendar().GetHolidays(), &pb.Holiday{Date: "2026-09-07", Name: "Nghỉ thử nghiệm"})
	if _, err := e.api.PutCalendar(as(commune1), &pb.PutCalendarRequest{Year: 2026, Holidays: hol}); errCode(err) != "forbidden" {
		t.Errorf("an agency loads a calendar: %v", err)
	}
	if _, err := e.api.PutCalendar(admin(), &pb.PutCalendarRequest{Year: 2026, Holidays: []*pb.Holiday{{Date: "2027-01-01", Name: "x"}}}); errCode(err) != "invalid_calendar" {
		t.Errorf("a holiday outside the year: %v", err)
	}
	if _, err := e.api.PutCalendar(admin(), &pb.PutCalendarRequest{Year: 2026, Holidays: []*pb.Holiday{{Date: "7/9/2026", Name: "x"}}}); errCode(err) != "invalid_calendar" {
		t.Errorf("a malformed date: %v", err)
	}
	loaded, err := e.api.PutCalendar(admin(), &pb.PutCalendarRequest{Year: 2026, Holidays: hol})
	if err != nil || !loaded.GetCalendar().GetLoaded() {
		t.Fatalf("load: %v %v", loaded, err)
	}
	// Friday 4 September: Monday 7 is now off → 8, 9, 10.
	d := e.create(commune1, hcmTime(2026, 9, 4, 9, 0))
	if want := hcmTime(2026, 9, 10, 17, 0); !d.GetDueAt().AsTime().Equal(want) {
		t.Errorf("after loading 2026: due %v, want %v", d.GetDueAt().AsTime().In(dvcqg.Zone), want)
	}
	// The calendar outlives a restart.
	e.stop()
	e.start()
	y, err = e.api.GetCalendar(auditor(), &pb.GetCalendarRequest{Year: 2026})
	if err != nil || !y.GetCalendar().GetLoaded() || len(y.GetCalendar().GetHolidays()) != len(hol) {
		t.Errorf("after a restart: %v %v", y, err)
	}
}

// TestOverdue: a dossier past its due time is listed as overdue, counted
// in the statistics and announced once on NATS; a finished late one is
// late.
func TestOverdue(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"), func(c *Config) { c.OverdueEvery = time.Second })
	old := e.create(commune1, time.Now().AddDate(0, 0, -30))
	fresh := e.create(commune1, time.Time{})
	late := e.create(commune1, time.Now().AddDate(0, 0, -30))
	e.status(commune1, late.GetCode(), stProcessing, time.Time{}, "")
	e.status(commune1, late.GetCode(), stFinished, time.Time{}, "")

	list, err := e.api.ListDossiers(as(commune1), &pb.ListDossiersRequest{Overdue: true})
	if err != nil || len(list.GetDossiers()) != 1 || list.GetDossiers()[0].GetCode() != old.GetCode() {
		t.Fatalf("overdue now: %v %v", list.GetDossiers(), err)
	}
	if list.GetDossiers()[0].GetTimeliness() != pb.Timeliness_TIMELINESS_OVERDUE {
		t.Errorf("timeliness %v", list.GetDossiers()[0].GetTimeliness())
	}
	st, err := e.api.GetStatistics(as(commune1), &pb.GetStatisticsRequest{From: tsOf(time.Now().AddDate(0, -2, 0))})
	if err != nil {
		t.Fatal(err)
	}
	tot := st.GetTotal()
	if tot.GetReceived() != 3 || tot.GetOverdueNow() != 1 || tot.GetLate() != 1 || tot.GetFinished() != 1 || tot.GetInProgress() != 1 || tot.GetOnTimeRate() != 0 {
		t.Errorf("statistics: %+v", tot)
	}
	// One overdue event for the old dossier, none for the fresh one (the
	// late one may have been seen overdue before it finished).
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := e.db.QueryRow(e.db.Rebind(`SELECT COUNT(*) FROM onestop_trail WHERE kind = 'overdue' AND published AND code = ?`), old.GetCode()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d overdue events published, want 1", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n int
	if err := e.db.QueryRow(e.db.Rebind(`SELECT COUNT(*) FROM onestop_trail WHERE kind = 'overdue' AND code = ?`), fresh.GetCode()).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d overdue events for a fresh dossier (%v)", n, err)
	}
}
