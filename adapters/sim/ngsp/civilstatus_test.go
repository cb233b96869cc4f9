package ngsp

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
)

func TestMarriage(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()
	marriage := func(id string) natdb.MarriageRecord {
		t.Helper()
		var m natdb.MarriageRecord
		decodeData(t, wantCode(t, h.get(PathMarriage, url.Values{"soDinhDanh": {id}}, tok, personalHeaders), http.StatusOK, CodeSuccess), &m)
		return m
	}

	m := marriage(demo.SoDinhDanh)
	c := h.sim.data.citizens[demo.SoDinhDanh].rec
	// The demo citizen is a man: he is the husband, his wife the one his
	// population record names.
	if m.Chong.SoDinhDanh != demo.SoDinhDanh || m.Chong.HoVaTen != c.HoVaTen || m.Chong.NgaySinh != c.NgaySinh ||
		m.Vo.HoVaTen != c.VoChong.HoVaTen || !strings.HasSuffix(m.Vo.NgaySinh, c.VoChong.NamSinh) ||
		!reCCCD.MatchString(m.Vo.SoDinhDanh) || m.Vo.SoDinhDanh[3] != '1' {
		t.Errorf("spouses: %+v", m)
	}
	if m.TinhTrang.Ma != natdb.MarriageInForce || m.SoDangKy == "" || !strings.HasPrefix(m.NoiDangKy, "Ủy ban nhân dân ") ||
		m.GhiChu != "" || !strings.HasSuffix(m.QuyenSo, m.NgayDangKy[6:]) {
		t.Errorf("registration: %+v", m)
	}
	if _, ok := parseDay(m.NgayDangKy); !ok {
		t.Errorf("ngayDangKy %q", m.NgayDangKy)
	}

	// A woman is the wife.
	wife := h.sim.data.citizenOrder[1].rec
	if m := marriage(wife.SoDinhDanh); m.Vo.SoDinhDanh != wife.SoDinhDanh || m.Chong.HoVaTen != wife.VoChong.HoVaTen {
		t.Errorf("wife's record: %+v", m)
	}
	// Divorced, and ended by a death.
	if m := marriage(h.sim.data.citizenOrder[divorcedCitizen].rec.SoDinhDanh); m.TinhTrang.Ma != natdb.MarriageEndedDivorce ||
		!strings.HasPrefix(m.GhiChu, "Ly hôn theo Bản án") {
		t.Errorf("divorced: %+v", m)
	}
	if m := marriage(demo.DeceasedSoDinhDanh); m.TinhTrang.Ma != natdb.MarriageEndedDeath || !strings.Contains(m.GhiChu, "chết ngày") {
		t.Errorf("widowed: %+v", m)
	}

	// Only some citizens were ever married.
	married := 0
	for _, row := range h.sim.data.citizenOrder {
		if row.marriage != nil {
			married++
		}
	}
	if married == 0 || married == len(h.sim.data.citizenOrder) {
		t.Errorf("%d of %d citizens married", married, len(h.sim.data.citizenOrder))
	}
}

func TestDeath(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()
	e := wantCode(t, h.get(PathDeath, url.Values{"soDinhDanh": {demo.DeceasedSoDinhDanh}}, tok, personalHeaders), http.StatusOK, CodeSuccess)
	var d natdb.DeathRecord
	decodeData(t, e, &d)
	c := h.sim.data.citizens[demo.DeceasedSoDinhDanh].rec
	died, ok1 := parseDay(d.NgayMat)
	registered, ok2 := parseDay(d.NgayDangKy)
	if !ok1 || !ok2 || registered.Before(died) || registered.After(died.AddDate(0, 0, 15)) {
		t.Errorf("dates: died %s, registered %s", d.NgayMat, d.NgayDangKy)
	}
	if d.SoDinhDanh != c.SoDinhDanh || d.HoVaTen != c.HoVaTen || d.NgaySinh != c.NgaySinh || d.GioiTinh != c.GioiTinh ||
		d.NoiMat == "" || d.NguyenNhan == "" || d.GiayBaoTu == "" || len(d.GioMat) != 5 || d.SoDangKy == "" ||
		d.NguoiDiKhai.QuanHe != "Vợ" || d.NguoiDiKhai.HoVaTen != c.VoChong.HoVaTen {
		t.Errorf("death record: %+v", d)
	}
}

func TestCivilStatusNotFoundAndInvalid(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()
	for _, c := range []struct {
		name, path, id string
		status         int
		code           string
	}{
		{"marriage of a child", PathMarriage, demo.UnmarriedSoDinhDanh, http.StatusNotFound, CodeRecordNotFound},
		{"marriage of nobody", PathMarriage, "001099000000", http.StatusNotFound, CodeRecordNotFound},
		{"marriage, 11 digits", PathMarriage, "00109900000", http.StatusBadRequest, CodeDataTypeInvalid},
		{"marriage, letters", PathMarriage, "00109900000A", http.StatusBadRequest, CodeDataTypeInvalid},
		{"marriage, empty", PathMarriage, "", http.StatusBadRequest, CodeDataTypeInvalid},
		{"death of the living", PathDeath, demo.SoDinhDanh, http.StatusNotFound, CodeRecordNotFound},
		{"death of nobody", PathDeath, "001099000000", http.StatusNotFound, CodeRecordNotFound},
		{"death, 13 digits", PathDeath, "0010990000001", http.StatusBadRequest, CodeDataTypeInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, h.get(c.path, url.Values{"soDinhDanh": {c.id}}, tok, personalHeaders), c.status, c.code)
		})
	}
}

// TestNewPersonalDataRequiresRequester checks the NĐ 13/2023 requester
// fields on the new personal-data APIs, as TestPersonalDataRequiresRequester
// does on the others.
func TestNewPersonalDataRequiresRequester(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AllowedAgencies = []string{demoAgency, "28.22.H17"} })
	tok := h.token()
	demo := h.sim.Demo()
	body := certificateBody(h, demo.SoDinhDanh, "req-requester", 1)
	calls := map[string]func(map[string]string) response{
		PathMarriage: func(hd map[string]string) response {
			return h.get(PathMarriage, url.Values{"soDinhDanh": {demo.SoDinhDanh}}, tok, hd)
		},
		PathDeath: func(hd map[string]string) response {
			return h.get(PathDeath, url.Values{"soDinhDanh": {demo.DeceasedSoDinhDanh}}, tok, hd)
		},
		PathCertificateRequest: func(hd map[string]string) response { return h.post(PathCertificateRequest, body, tok, hd) },
		PathCertificateStatus: func(hd map[string]string) response {
			return h.get(PathCertificateStatus, url.Values{"soBienNhan": {"LLTP-20260630-999999"}}, tok, hd)
		},
	}
	for path, call := range calls {
		t.Run(path, func(t *testing.T) {
			wantCode(t, call(withHeaders("maDonVi", nil)), http.StatusForbidden, CodeAgencyIDIncorrect)
			wantCode(t, call(withHeaders("", map[string]string{"maDonVi": "H30"})), http.StatusForbidden, CodeAgencyIDIncorrect)
			wantCode(t, call(withHeaders("", map[string]string{"maDonVi": "000.00.00.H99"})), http.StatusForbidden, CodeAgencyIDIncorrect)
			wantCode(t, call(withHeaders("maCanBo", nil)), http.StatusBadRequest, CodeDataTypeInvalid)
			e := wantCode(t, call(withHeaders("mucDich", nil)), http.StatusBadRequest, CodeDataTypeInvalid)
			if !strings.Contains(e.ErrorMessageVi, "NĐ 13/2023") {
				t.Errorf("purpose message: %+v", e)
			}
			if res := call(personalHeaders); res.status == http.StatusForbidden || res.status == http.StatusBadRequest {
				t.Errorf("with every field: %d %s", res.status, res.body)
			}
		})
	}
}

func TestRegistrationStatus(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AllowedAgencies = []string{demoAgency} })
	tok := h.token()
	demo := h.sim.Demo()
	agency := map[string]string{"maDonVi": demoAgency}

	// Only the agency is asked for: no officer, no purpose.
	e := wantCode(t, h.get(PathRegistrationStatus, url.Values{"soHoSo": {demo.SoHoSo}}, tok, agency), http.StatusOK, CodeSuccess)
	var st natdb.RegistrationStatus
	decodeData(t, e, &st)
	if st.SoHoSo != demo.SoHoSo || st.TrangThai.Ma != natdb.DossierProcessing || st.LoaiHoSo.Ma != "KH" ||
		st.NgayTiepNhan == "" || st.NgayHenTra == "" || st.NgayTraKetQua != "" || !strings.HasPrefix(st.CoQuanXuLy, "Ủy ban nhân dân ") {
		t.Errorf("demo dossier: %+v", st)
	}
	if strings.Contains(string(e.Data), "soDinhDanh") || strings.Contains(string(e.Data), "hoVaTen") {
		t.Errorf("dossier status names a person: %s", e.Data)
	}
	// Lower case is the same number; every state has an example.
	wantCode(t, h.get(PathRegistrationStatus, url.Values{"soHoSo": {strings.ToLower(demo.SoHoSo)}}, tok, agency), http.StatusOK, CodeSuccess)
	states := map[string]bool{}
	for _, d := range h.sim.data.dossierOrder {
		states[d.TrangThai.Ma] = true
		if d.TrangThai.Ma == natdb.DossierReturned && d.NgayTraKetQua == "" {
			t.Errorf("returned without a date: %+v", d)
		}
		if !strings.HasPrefix(d.SoHoSo, "HT-") || !reDossier.MatchString(d.SoHoSo) {
			t.Errorf("dossier number %q", d.SoHoSo)
		}
	}
	if len(states) != len(dossierStates) {
		t.Errorf("states shown: %v", states)
	}

	for _, c := range []struct {
		name, no string
		headers  map[string]string
		status   int
		code     string
	}{
		{"unknown", "HT-01-260101-000000", agency, http.StatusNotFound, CodeRecordNotFound},
		{"too short", "HT-1", agency, http.StatusBadRequest, CodeDataTypeInvalid},
		{"spaces", "HT 01 260101", agency, http.StatusBadRequest, CodeDataTypeInvalid},
		{"empty", "", agency, http.StatusBadRequest, CodeDataTypeInvalid},
		{"too long", strings.Repeat("A", 41), agency, http.StatusBadRequest, CodeDataTypeInvalid},
		{"no agency", demo.SoHoSo, nil, http.StatusForbidden, CodeAgencyIDIncorrect},
		{"malformed agency", demo.SoHoSo, map[string]string{"maDonVi": "H30"}, http.StatusForbidden, CodeAgencyIDIncorrect},
		{"agency not allowed", demo.SoHoSo, map[string]string{"maDonVi": "000.00.00.H99"}, http.StatusForbidden, CodeAgencyIDIncorrect},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, h.get(PathRegistrationStatus, url.Values{"soHoSo": {c.no}}, tok, c.headers), c.status, c.code)
		})
	}
	// The agency may come as a query parameter too.
	wantCode(t, h.get(PathRegistrationStatus, url.Values{"soHoSo": {demo.SoHoSo}, "maDonVi": {demoAgency}}, tok, nil), http.StatusOK, CodeSuccess)
}

// TestREADMENamesTheDemoRecords keeps the README's demo identifiers in step
// with the seeded data.
func TestREADMENamesTheDemoRecords(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	d := newDataset()
	want := []string{
		d.demo.MSDN, d.demo.BranchMSDN, d.demo.IncompleteMSDN, d.demo.ChangesFrom, d.demo.ChangesTo,
		d.demo.SoDinhDanh, d.demo.MaSoBHXH, d.demo.UnmarriedSoDinhDanh, d.demo.DeceasedSoDinhDanh,
		d.demo.IncompleteSoDinhDanh, d.demo.SoHoSo, d.demo.MaDonVi,
		d.citizenOrder[divorcedCitizen].rec.SoDinhDanh, d.citizenOrder[convictedCitizen].rec.SoDinhDanh,
		d.citizens[d.demo.SoDinhDanh].rec.HoVaTen,
	}
	for _, st := range d.dossierOrder[:len(dossierStates)] {
		want = append(want, "`"+st.SoHoSo+"` | "+st.LoaiHoSo.Ma+" ")
	}
	for _, s := range want {
		if !strings.Contains(readme, s) {
			t.Errorf("README does not mention %q", s)
		}
	}
}
