package ngsp

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
)

// Registration changes (doanhNghiepThayDoi). So that any demo finds
// changes, the enterprises are split in two groups:
//
//   - two in three have their latest change on a fixed date, spread evenly
//     over the changeWindowDays days that end on dataAsOf (at most four days
//     apart, so every 5-day range from 05/05/2026 to 30/06/2026 holds one);
//   - one in three (every third, starting with the second) changed a fixed
//     number of days before the simulator clock's today, every other day
//     back to 14 days ago, so "the last five days" always holds two or three.
//
// Which enterprise gets which date is drawn from its own generator, so the
// rest of the dataset does not move when this changes.
const (
	changeWindowDays = 60
	changeSeed       = 0x43484E47 // "CHNG"
	recentEvery      = 3
	recentStepDays   = 2
)

// vnZone is Vietnam's time (UTC+7, no daylight saving): national dates are
// calendar days there.
var vnZone = time.FixedZone("ICT", 7*60*60)

// What a registration change was about. The codes are the simulator's own.
var (
	changeAddress   = cn("01", "Thay đổi địa chỉ trụ sở chính")
	changeRep       = cn("02", "Thay đổi người đại diện theo pháp luật")
	changeCapital   = cn("03", "Thay đổi vốn điều lệ")
	changeIndustry  = cn("04", "Thay đổi ngành, nghề kinh doanh")
	changeContact   = cn("05", "Thay đổi thông tin liên lạc")
	changeTax       = cn("06", "Thay đổi thông tin đăng ký thuế")
	changeDissolved = cn("07", "Giải thể doanh nghiệp")
	changePaused    = cn("08", "Tạm ngừng kinh doanh")
	changeKinds     = []natdb.CodeName{changeAddress, changeRep, changeCapital, changeIndustry, changeContact, changeTax}
)

// change is an enterprise's latest registration change: on a fixed day,
// or recentDays before the clock's today when recentDays >= 0.
type change struct {
	fixed      time.Time
	recentDays int
	what       natdb.CodeName
}

// asOfDate is dataAsOf as a day in Vietnam.
func asOfDate() time.Time {
	t, err := time.ParseInLocation(natdb.DateLayout, dataAsOf, vnZone)
	if err != nil {
		panic("ngsp: dataAsOf is not a date")
	}
	return t
}

// spreadChanges gives every enterprise its latest change, as described
// above, and sets NgayThayDoiGanNhat of the fixed ones.
func (d *dataset) spreadChanges() {
	q := &splitmix{s: changeSeed}
	var fixed []*enterpriseRow
	recent := 0
	for i, row := range d.enterpriseOrder {
		e := &row.rec
		row.change.what = pick(q, changeKinds)
		switch e.TinhTrangHoatDong {
		case stateClosed:
			row.change.what = changeDissolved
		case statePaused:
			row.change.what = changePaused
		}
		e.LanThayDoi = max(e.LanThayDoi, 1)
		if i%recentEvery == 1 {
			row.change.recentDays = recent * recentStepDays
			e.NgayThayDoiGanNhat = "" // set per call from the clock
			recent++
			continue
		}
		row.change.recentDays = -1
		fixed = append(fixed, row)
	}
	// Evenly spaced days, dealt out in a drawn order.
	end := asOfDate()
	order := make([]int, len(fixed))
	for i := range order {
		order[i] = i
	}
	for i := len(order) - 1; i > 0; i-- {
		j := q.intn(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	for k, idx := range order {
		row := fixed[idx]
		row.change.fixed = end.AddDate(0, 0, -k*changeWindowDays/len(fixed))
		row.rec.NgayThayDoiGanNhat = row.change.fixed.Format(natdb.DateLayout)
	}
}

// today is the simulator clock's calendar day in Vietnam.
func (s *Simulator) today() time.Time {
	y, m, dd := s.cfg.Clock().In(vnZone).Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, vnZone)
}

// changedOn is the day of row's latest change.
func (s *Simulator) changedOn(row *enterpriseRow) time.Time {
	if row.change.recentDays >= 0 {
		return s.today().AddDate(0, 0, -row.change.recentDays)
	}
	return row.change.fixed
}

// enterprise is row's record as of the simulator clock.
func (s *Simulator) enterprise(row *enterpriseRow) natdb.Enterprise {
	e := row.rec
	if row.change.recentDays >= 0 {
		e.NgayThayDoiGanNhat = s.changedOn(row).Format(natdb.DateLayout)
	}
	return e
}

// parseDay reads a national date, dd/MM/yyyy and nothing else.
func parseDay(v string) (time.Time, bool) {
	t, err := time.ParseInLocation(natdb.DateLayout, v, vnZone)
	return t, err == nil
}

// handleBusinessChanges lists the enterprises whose latest change lies
// between tuNgay and denNgay, both included, at most five days apart.
func (s *Simulator) handleBusinessChanges(w http.ResponseWriter, r *http.Request) {
	fromS, toS := param(r, "tuNgay"), param(r, "denNgay")
	from, ok := parseDay(fromS)
	if !ok {
		s.fail(w, r, errInvalid("tuNgay must be a date written dd/MM/yyyy", "tuNgay phải là ngày dạng dd/MM/yyyy"))
		return
	}
	to, ok := parseDay(toS)
	if !ok {
		s.fail(w, r, errInvalid("denNgay must be a date written dd/MM/yyyy", "denNgay phải là ngày dạng dd/MM/yyyy"))
		return
	}
	if to.Before(from) {
		s.fail(w, r, errInvalid("tuNgay must not be after denNgay", "tuNgay không được sau denNgay"))
		return
	}
	if to.After(from.AddDate(0, 0, natdb.MaxChangeRangeDays-1)) {
		s.fail(w, r, errInvalid("the range from tuNgay to denNgay must not exceed 5 days, both ends included",
			"khoảng thời gian từ tuNgay đến denNgay không được vượt quá 5 ngày, tính cả hai đầu"))
		return
	}
	type hit struct {
		day time.Time
		c   natdb.EnterpriseChange
	}
	var hits []hit
	for _, row := range s.data.enterpriseOrder {
		day := s.changedOn(row)
		if day.Before(from) || day.After(to) {
			continue
		}
		e := &row.rec
		hits = append(hits, hit{day, natdb.EnterpriseChange{
			MaSoDoanhNghiep:    e.MaSoDoanhNghiep,
			MaSoDoanhNghiepMe:  e.MaSoDoanhNghiepMe,
			TenDoanhNghiep:     e.TenDoanhNghiep,
			MaTinh:             e.DiaChiTruSo.MaTinh,
			TinhTrangHoatDong:  e.TinhTrangHoatDong,
			NgayThayDoiGanNhat: day.Format(natdb.DateLayout),
			LanThayDoi:         e.LanThayDoi,
			NoiDungThayDoi:     row.change.what,
		}})
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		return cmp.Or(a.day.Compare(b.day), cmp.Compare(a.c.MaSoDoanhNghiep, b.c.MaSoDoanhNghiep))
	})
	res := natdb.EnterpriseChanges{
		TuNgay: from.Format(natdb.DateLayout), DenNgay: to.Format(natdb.DateLayout),
		TongSo: len(hits), DanhSach: make([]natdb.EnterpriseChange, len(hits)),
	}
	for i, h := range hits {
		res.DanhSach[i] = h.c
	}
	s.ok(w, r, res)
}
