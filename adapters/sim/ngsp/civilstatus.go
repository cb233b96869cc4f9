package ngsp

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
)

// Civil status beyond birth: marriages, a death and registration dossiers,
// generated after the rest of the dataset from their own generator.
const (
	civilSeed       = 0x484F5443 // "HOTC"
	divorcedCitizen = 2          // the one whose population record says "Ly hôn"
	deceasedCitizen = 6
	childCitizen    = 9
	demoDossier     = 1
)

var (
	marriageInForce  = cn(natdb.MarriageInForce, "Đang có hiệu lực")
	marriageDivorced = cn(natdb.MarriageEndedDivorce, "Đã chấm dứt do ly hôn")
	marriageWidowed  = cn(natdb.MarriageEndedDeath, "Đã chấm dứt do một bên chết")

	dossierKinds = []struct {
		kind natdb.CodeName
		days int // time limit to hand over the result
	}{
		{cn("KS", "Đăng ký khai sinh"), 1},
		{cn("KH", "Đăng ký kết hôn"), 5},
		{cn("KT", "Đăng ký khai tử"), 1},
		{cn("XNHN", "Cấp Giấy xác nhận tình trạng hôn nhân"), 3},
		{cn("TLHT", "Cấp bản sao trích lục hộ tịch"), 1},
	}
	dossierStates = []natdb.CodeName{
		cn(natdb.DossierReceived, "Đã tiếp nhận"),
		cn(natdb.DossierProcessing, "Đang giải quyết"),
		cn(natdb.DossierAwaiting, "Chờ bổ sung hồ sơ"),
		cn(natdb.DossierReady, "Đã có kết quả, chờ trả"),
		cn(natdb.DossierReturned, "Đã trả kết quả"),
		cn(natdb.DossierRefused, "Từ chối giải quyết"),
	}
	// Birth-registration codes spouses' identifiers open with.
	spouseBirthCodes = []string{"001", "079", "048", "031", "036", "040"}
)

// reDossier accepts the simulator's dossier numbers (HT-01-260629-123456)
// and the other shapes provincial systems use.
var reDossier = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.\-]{5,39}$`)

// addCivilStatus adds marriage records for every married or divorced
// citizen, a death record, and one registration dossier per citizen.
func (d *dataset) addCivilStatus() {
	q := &splitmix{s: civilSeed}
	for i, row := range d.citizenOrder {
		if row.rec.VoChong != nil || i == divorcedCitizen {
			row.marriage = genMarriage(q, row, i == divorcedCitizen)
		}
	}
	dead := d.citizenOrder[deceasedCitizen]
	dead.death = genDeath(q, dead)
	if m := dead.marriage; m != nil {
		m.TinhTrang = marriageWidowed
		m.GhiChu = fmt.Sprintf("Hôn nhân chấm dứt do %s chết ngày %s (đăng ký khai tử số %s, quyển số %s)",
			dead.rec.HoVaTen, dead.death.NgayMat, dead.death.SoDangKy, dead.death.QuyenSo)
	}
	d.dossiers = map[string]*natdb.RegistrationStatus{}
	for i, row := range d.citizenOrder {
		st := genDossier(q, i, row)
		if _, dup := d.dossiers[st.SoHoSo]; dup {
			panic("ngsp: duplicate generated dossier number")
		}
		d.dossiers[st.SoHoSo] = st
		d.dossierOrder = append(d.dossierOrder, st)
	}
}

func ward(a *natdb.Address) string { return a.PhuongXa + ", " + a.TinhThanhPho }

func genMarriage(q *splitmix, row *citizenRow, divorced bool) *natdb.MarriageRecord {
	c := &row.rec
	born, _ := parseBirthDate(c.NgaySinh)
	male := c.GioiTinh == genderMale
	var spouseName string
	spouseYear := born.Year() + q.intn(7) - 3
	if c.VoChong != nil {
		spouseName = c.VoChong.HoVaTen
		if y, err := strconv.Atoi(c.VoChong.NamSinh); err == nil {
			spouseYear = y
		}
	} else {
		_, spouseName = personName(q, !male)
	}
	year := min(max(born.Year(), spouseYear)+22+q.intn(5), asOfYear-1)
	home := c.NoiThuongTru
	self := natdb.Spouse{
		HoVaTen: c.HoVaTen, NgaySinh: c.NgaySinh, SoDinhDanh: c.SoDinhDanh,
		DanToc: c.DanToc, QuocTich: c.QuocTich, NoiCuTru: home.DiaChiDayDu,
	}
	other := natdb.Spouse{
		HoVaTen:    spouseName,
		NgaySinh:   randomDate(q, spouseYear),
		SoDinhDanh: cccd(q, pick(q, spouseBirthCodes), !male, spouseYear),
		DanToc:     ethnic("01"),
		QuocTich:   nationVN,
		NoiCuTru:   home.DiaChiDayDu,
	}
	m := &natdb.MarriageRecord{
		Chong: self, Vo: other,
		SoDangKy:   fmt.Sprint(1 + q.intn(200)),
		QuyenSo:    fmt.Sprintf("01/%d", year),
		NgayDangKy: randomDate(q, year),
		NoiDangKy:  "Ủy ban nhân dân " + ward(home),
		LoaiDangKy: "Đăng ký kết hôn",
		TinhTrang:  marriageInForce,
	}
	if !male {
		m.Chong, m.Vo = other, self
	}
	if divorced {
		m.TinhTrang = marriageDivorced
		m.GhiChu = fmt.Sprintf("Ly hôn theo Bản án số %d/%d/HNGĐ-ST ngày %s của Tòa án nhân dân %s",
			10+q.intn(300), year+6, randomDate(q, year+6), home.TinhThanhPho)
	}
	return m
}

func genDeath(q *splitmix, row *citizenRow) *natdb.DeathRecord {
	c := &row.rec
	home := c.NoiThuongTru
	died := time.Date(asOfYear, time.Month(1+q.intn(asOfMonth-1)), 1+q.intn(28), 0, 0, 0, 0, vnZone)
	place := "Bệnh viện Đa khoa " + home.TinhThanhPho
	dr := &natdb.DeathRecord{
		SoDinhDanh: c.SoDinhDanh, HoVaTen: c.HoVaTen, NgaySinh: c.NgaySinh,
		GioiTinh: c.GioiTinh, DanToc: c.DanToc, QuocTich: c.QuocTich,
		NoiCuTruCuoiCung: home.DiaChiDayDu,
		NgayMat:          died.Format(natdb.DateLayout),
		GioMat:           fmt.Sprintf("%02d:%02d", q.intn(24), q.intn(60)),
		NoiMat:           place + ", " + ward(home),
		NguyenNhan:       pick(q, []string{"Bệnh lý tim mạch", "Tai biến mạch máu não", "Suy đa tạng do bệnh nặng"}),
		SoDangKy:         fmt.Sprint(1 + q.intn(150)),
		QuyenSo:          fmt.Sprintf("01/%d", asOfYear),
		NgayDangKy:       died.AddDate(0, 0, 1+q.intn(14)).Format(natdb.DateLayout),
		NoiDangKy:        "Ủy ban nhân dân " + ward(home),
		LoaiDangKy:       "Đăng ký đúng hạn",
	}
	dr.GiayBaoTu = fmt.Sprintf("Giấy báo tử số %d/GBT do %s cấp ngày %s", 100+q.intn(900), place, dr.NgayMat)
	if m := row.marriage; m != nil {
		spouse, rel := m.Vo, "Vợ"
		if c.GioiTinh != genderMale {
			spouse, rel = m.Chong, "Chồng"
		}
		dr.NguoiDiKhai = natdb.Declarant{HoVaTen: spouse.HoVaTen, QuanHe: rel, SoDinhDanh: spouse.SoDinhDanh}
	} else {
		_, child := personName(q, true)
		dr.NguoiDiKhai = natdb.Declarant{HoVaTen: child, QuanHe: "Con"}
	}
	return dr
}

// genDossier files one registration dossier for citizen i, received a few
// days before dataAsOf; kinds and states take turns so that each shows up.
func genDossier(q *splitmix, i int, row *citizenRow) *natdb.RegistrationStatus {
	k := dossierKinds[i%len(dossierKinds)]
	state := dossierStates[i%len(dossierStates)]
	home := row.rec.NoiThuongTru
	received := asOfDate().AddDate(0, 0, -(1 + 3*i))
	due := received.AddDate(0, 0, k.days)
	st := &natdb.RegistrationStatus{
		SoHoSo:       fmt.Sprintf("HT-%s-%s-%06d", home.MaTinh, received.Format("060102"), q.intn(1_000_000)),
		LoaiHoSo:     k.kind,
		TrangThai:    state,
		NgayTiepNhan: received.Format(natdb.DateLayout),
		NgayHenTra:   due.Format(natdb.DateLayout),
		CoQuanXuLy:   "Ủy ban nhân dân " + ward(home),
	}
	switch state.Ma {
	case natdb.DossierReturned:
		st.NgayTraKetQua = st.NgayHenTra
	case natdb.DossierAwaiting:
		st.GhiChu = "Đề nghị bổ sung bản sao giấy tờ chứng minh nơi cư trú"
	case natdb.DossierRefused:
		st.GhiChu = "Không đủ điều kiện đăng ký theo quy định của Luật Hộ tịch"
	}
	return st
}

// serveCivil answers the civil-status record get finds for soDinhDanh,
// or 201 when there is none, and audits the lookup.
func serveCivil[T any](s *Simulator, w http.ResponseWriter, r *http.Request, who requester, get func(*citizenRow) *T) {
	id, ok := s.citizenID(w, r)
	if !ok {
		return
	}
	var rec *T
	if row := s.data.citizens[id]; row != nil {
		rec = get(row)
	}
	if rec == nil {
		s.audit(r, who, id, CodeRecordNotFound)
		s.fail(w, r, errNotFound)
		return
	}
	s.audit(r, who, id, CodeSuccess)
	s.ok(w, r, rec)
}

func (s *Simulator) handleBirth(w http.ResponseWriter, r *http.Request, who requester) {
	serveCivil(s, w, r, who, func(c *citizenRow) *natdb.BirthRecord { return c.birth })
}

func (s *Simulator) handleMarriage(w http.ResponseWriter, r *http.Request, who requester) {
	serveCivil(s, w, r, who, func(c *citizenRow) *natdb.MarriageRecord { return c.marriage })
}

func (s *Simulator) handleDeath(w http.ResponseWriter, r *http.Request, who requester) {
	serveCivil(s, w, r, who, func(c *citizenRow) *natdb.DeathRecord { return c.death })
}

// handleRegistrationStatus answers where a dossier stands. It carries no
// personal data beyond that, so only the requesting agency is asked for.
func (s *Simulator) handleRegistrationStatus(w http.ResponseWriter, r *http.Request) {
	no := strings.ToUpper(param(r, "soHoSo"))
	if !reDossier.MatchString(no) {
		s.fail(w, r, errInvalid("soHoSo must be 6 to 40 letters, digits, dots or hyphens, e.g. HT-01-260629-123456",
			"soHoSo phải gồm 6 đến 40 chữ cái, chữ số, dấu chấm hoặc gạch ngang, ví dụ HT-01-260629-123456"))
		return
	}
	st := s.data.dossiers[no]
	if st == nil {
		s.fail(w, r, errNotFound)
		return
	}
	s.ok(w, r, st)
}
