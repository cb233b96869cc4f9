package ngsp

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
)

func changesQuery(from, to string) url.Values { return url.Values{"tuNgay": {from}, "denNgay": {to}} }

func TestBusinessChangesFixedRange(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()

	e := wantCode(t, h.get(PathBusinessChanges, changesQuery(demo.ChangesFrom, demo.ChangesTo), tok, nil), http.StatusOK, CodeSuccess)
	var res natdb.EnterpriseChanges
	decodeData(t, e, &res)
	if res.TongSo == 0 || res.TongSo != len(res.DanhSach) || res.TuNgay != demo.ChangesFrom || res.DenNgay != demo.ChangesTo {
		t.Fatalf("demo range: %+v", res)
	}
	from, _ := parseDay(demo.ChangesFrom)
	to, _ := parseDay(demo.ChangesTo)
	var prev time.Time
	for _, c := range res.DanhSach {
		day, ok := parseDay(c.NgayThayDoiGanNhat)
		if !ok || day.Before(from) || day.After(to) || day.Before(prev) {
			t.Errorf("change %+v outside %s–%s or out of order", c, demo.ChangesFrom, demo.ChangesTo)
		}
		prev = day
		if c.LanThayDoi < 1 || c.NoiDungThayDoi.Ma == "" || c.TenDoanhNghiep == "" || c.MaTinh == "" {
			t.Errorf("change incomplete: %+v", c)
		}
		// The detail agrees with the list.
		d := h.get(PathBusinessDetail, url.Values{"msdn": {c.MaSoDoanhNghiep}}, tok, nil)
		var ent natdb.Enterprise
		decodeData(t, d.envelope(t), &ent)
		if ent.NgayThayDoiGanNhat != c.NgayThayDoiGanNhat || ent.LanThayDoi != c.LanThayDoi {
			t.Errorf("%s: detail says %s (%d), list says %s (%d)", c.MaSoDoanhNghiep,
				ent.NgayThayDoiGanNhat, ent.LanThayDoi, c.NgayThayDoiGanNhat, c.LanThayDoi)
		}
	}

	// Every 5-day range of the documented window holds a change.
	first, _ := parseDay("05/05/2026")
	for start := first; !start.After(to.AddDate(0, 0, -4)); start = start.AddDate(0, 0, 1) {
		q := changesQuery(start.Format(natdb.DateLayout), start.AddDate(0, 0, 4).Format(natdb.DateLayout))
		var r natdb.EnterpriseChanges
		decodeData(t, wantCode(t, h.get(PathBusinessChanges, q, tok, nil), http.StatusOK, CodeSuccess), &r)
		if r.TongSo == 0 {
			t.Errorf("no change in %s–%s", q.Get("tuNgay"), q.Get("denNgay"))
		}
	}

	// A range with nothing in it is a success with an empty list.
	e = wantCode(t, h.get(PathBusinessChanges, changesQuery("01/01/2020", "05/01/2020"), tok, nil), http.StatusOK, CodeSuccess)
	if string(e.Data) != `{"tuNgay":"01/01/2020","denNgay":"05/01/2020","tongSo":0,"danhSach":[]}` {
		t.Errorf("empty range: %s", e.Data)
	}
}

func TestBusinessChangesFollowTheClock(t *testing.T) {
	clock := newManualClock()
	clock.Advance(153 * 24 * time.Hour) // 30/11/2026
	h := newHarness(t, func(c *Config) { c.Clock = clock.Now })
	tok := h.token()

	lastFive := func() natdb.EnterpriseChanges {
		tok = h.token() // the clock moves past tokens' expiry
		today := h.sim.today()
		q := changesQuery(today.AddDate(0, 0, -4).Format(natdb.DateLayout), today.Format(natdb.DateLayout))
		var r natdb.EnterpriseChanges
		decodeData(t, wantCode(t, h.get(PathBusinessChanges, q, tok, nil), http.StatusOK, CodeSuccess), &r)
		return r
	}
	r := lastFive()
	if r.TuNgay != "26/11/2026" || r.DenNgay != "30/11/2026" || r.TongSo < 2 {
		t.Fatalf("last five days: %+v", r)
	}
	latest := r.DanhSach[len(r.DanhSach)-1]
	if latest.NgayThayDoiGanNhat != "30/11/2026" {
		t.Errorf("latest change on %s, want today", latest.NgayThayDoiGanNhat)
	}
	var ent natdb.Enterprise
	decodeData(t, h.get(PathBusinessDetail, url.Values{"msdn": {latest.MaSoDoanhNghiep}}, tok, nil).envelope(t), &ent)
	if ent.NgayThayDoiGanNhat != "30/11/2026" {
		t.Errorf("detail: %s", ent.NgayThayDoiGanNhat)
	}

	// A day later the same enterprises changed a day later: still some
	// in the last five days.
	clock.Advance(24 * time.Hour)
	if r := lastFive(); r.TongSo < 2 || r.DanhSach[len(r.DanhSach)-1].NgayThayDoiGanNhat != "01/12/2026" {
		t.Errorf("next day: %+v", r)
	}
	// Today is Vietnam's: 17:00 UTC on 1 December is already 2 December.
	clock.Advance(9 * time.Hour)
	if got := h.sim.today().Format(natdb.DateLayout); got != "02/12/2026" {
		t.Errorf("today = %s", got)
	}
}

func TestBusinessChangesValidation(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	for _, c := range []struct {
		name, from, to string
		ok             bool
	}{
		{"one day", "30/06/2026", "30/06/2026", true},
		{"five days", "26/06/2026", "30/06/2026", true},
		{"six days", "25/06/2026", "30/06/2026", false},
		{"a month", "01/06/2026", "30/06/2026", false},
		{"reversed", "30/06/2026", "29/06/2026", false},
		{"no tuNgay", "", "30/06/2026", false},
		{"no denNgay", "26/06/2026", "", false},
		{"ISO date", "2026-06-26", "30/06/2026", false},
		{"single digits", "1/6/2026", "3/6/2026", false},
		{"no such day", "31/02/2026", "02/03/2026", false},
		{"two-digit year", "26/06/26", "30/06/26", false},
		{"time of day", "26/06/2026 00:00", "30/06/2026", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := h.get(PathBusinessChanges, changesQuery(c.from, c.to), tok, nil)
			if c.ok {
				wantCode(t, res, http.StatusOK, CodeSuccess)
				return
			}
			e := wantCode(t, res, http.StatusBadRequest, CodeDataTypeInvalid)
			if e.ErrorMessage == e.ErrorMessageVi {
				t.Errorf("message not bilingual: %+v", e)
			}
		})
	}
	wantCode(t, h.get(PathBusinessChanges, changesQuery("26/06/2026", "30/06/2026"), "", nil), http.StatusUnauthorized, CodeAuthenError)
}
