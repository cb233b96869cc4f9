package ngsp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
)

func TestBusinessDetail(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()

	res := h.get(PathBusinessDetail, url.Values{"msdn": {demo.MSDN}}, tok, nil)
	e := wantCode(t, res, http.StatusOK, CodeSuccess)
	// The national field names are what connectors parse: check them on
	// the wire, not through our own struct.
	var raw map[string]any
	if err := json.Unmarshal(e.Data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"maSoDoanhNghiep", "tenDoanhNghiep", "tenTiengAnh", "diaChiTruSo", "ngayThanhLap",
		"loaiHinhDoanhNghiep", "tinhTrangHoatDong", "nguoiDaiDienPhapLuat", "vonDieuLe", "chiNhanh"} {
		if _, ok := raw[f]; !ok {
			t.Errorf("field %s missing from %s", f, e.Data)
		}
	}
	var ent natdb.Enterprise
	if err := json.Unmarshal(e.Data, &ent); err != nil {
		t.Fatal(err)
	}
	if ent.MaSoDoanhNghiep != demo.MSDN || !strings.HasPrefix(ent.TenDoanhNghiep, "CÔNG TY CỔ PHẦN") ||
		!strings.Contains(fold(ent.TenDoanhNghiep), demo.SearchName) || ent.TinhTrangHoatDong != stateActive ||
		ent.VonDieuLe <= 0 || len(ent.NguoiDaiDienPhapLuat) == 0 || ent.DiaChiTruSo.MaTinh == "" {
		t.Errorf("demo enterprise looks wrong: %+v", ent)
	}
	if !slices.Contains(ent.ChiNhanh, demo.BranchMSDN) {
		t.Errorf("branches %v do not include %s", ent.ChiNhanh, demo.BranchMSDN)
	}
	for _, r := range ent.NguoiDaiDienPhapLuat {
		if !strings.Contains(r.SoGiayTo, "******") {
			t.Errorf("representative id not masked: %q", r.SoGiayTo)
		}
	}

	// A branch, in 10-3 form.
	e = wantCode(t, h.get(PathBusinessDetail, url.Values{"msdn": {demo.BranchMSDN}}, tok, nil), http.StatusOK, CodeSuccess)
	var br natdb.Enterprise
	if err := json.Unmarshal(e.Data, &br); err != nil {
		t.Fatal(err)
	}
	if br.MaSoDoanhNghiepMe != demo.MSDN || br.LoaiHinhDoanhNghiep != typeBranch || !strings.HasPrefix(br.TenDoanhNghiep, "CHI NHÁNH ") {
		t.Errorf("branch looks wrong: %+v", br)
	}

	// The incomplete record: errorCode 200 with partial data.
	e = wantCode(t, h.get(PathBusinessDetail, url.Values{"msdn": {demo.IncompleteMSDN}}, tok, nil), http.StatusOK, CodeRecordUncomplete)
	var inc natdb.Enterprise
	if err := json.Unmarshal(e.Data, &inc); err != nil {
		t.Fatal(err)
	}
	if inc.MaSoDoanhNghiep != demo.IncompleteMSDN || len(inc.NguoiDaiDienPhapLuat) != 0 || inc.DiaChiTruSo.PhuongXa != "" {
		t.Errorf("incomplete record: %+v", inc)
	}

	// Unknown but well-formed: 201, HTTP 404.
	wantCode(t, h.get(PathBusinessDetail, url.Values{"msdn": {"0000000000"}}, tok, nil), http.StatusNotFound, CodeRecordNotFound)
	wantCode(t, h.get(PathBusinessDetail, url.Values{"msdn": {demo.MSDN + "-999"}}, tok, nil), http.StatusNotFound, CodeRecordNotFound)

	// Malformed: 302, HTTP 400.
	for _, bad := range []string{"", "123", "01095490061", "010954900", "0109549006-01", "0109549006-0011", "01O9549006", "0109549006 001", "-0109549006"} {
		res := h.get(PathBusinessDetail, url.Values{"msdn": {bad}}, tok, nil)
		wantCode(t, res, http.StatusBadRequest, CodeDataTypeInvalid)
	}
}

func TestBusinessSearchIgnoresDiacritics(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	search := func(q url.Values) (natdb.EnterpriseSearch, rawEnvelope) {
		t.Helper()
		e := wantCode(t, h.get(PathBusinessSearch, q, tok, nil), http.StatusOK, CodeSuccess)
		var s natdb.EnterpriseSearch
		if err := json.Unmarshal(e.Data, &s); err != nil {
			t.Fatal(err)
		}
		return s, e
	}
	// "Hồng Hà" written every way people type it, including decomposed
	// Unicode (base letters followed by combining marks).
	decomposed := "Ho\u0302\u0300ng Ha\u0300"
	for _, q := range []string{"Hồng Hà", "hong ha", "HONG HA", "HỒNG HÀ", decomposed, "  hồng   hà ", "hong-ha"} {
		s, _ := search(url.Values{"ten": {q}})
		if s.TongSo == 0 || !slices.ContainsFunc(s.DanhSach, func(e natdb.EnterpriseSummary) bool { return strings.Contains(e.TenDoanhNghiep, "HỒNG HÀ") }) {
			t.Errorf("search %q found %+v", q, s)
		}
		for _, e := range s.DanhSach {
			if !strings.Contains(fold(e.TenDoanhNghiep+" "+e.TenTiengAnh), "hong ha") {
				t.Errorf("search %q returned unrelated %q", q, e.TenDoanhNghiep)
			}
		}
	}
	// Đ is its own letter: "dai duong" and "đại dương" find the same.
	a, _ := search(url.Values{"ten": {"dai duong"}})
	b, _ := search(url.Values{"ten": {"ĐẠI DƯƠNG"}})
	if a.TongSo != 1 || b.TongSo != 1 || a.DanhSach[0].MaSoDoanhNghiep != b.DanhSach[0].MaSoDoanhNghiep {
		t.Errorf("đ folding: %+v vs %+v", a, b)
	}
	// The demo name finds the demo enterprise and its branches.
	demo := h.sim.Demo()
	s, _ := search(url.Values{"ten": {demo.SearchName}})
	var codes []string
	for _, e := range s.DanhSach {
		codes = append(codes, e.MaSoDoanhNghiep)
	}
	if !slices.Contains(codes, demo.MSDN) || !slices.Contains(codes, demo.BranchMSDN) {
		t.Errorf("search %q: %v", demo.SearchName, codes)
	}
	// Province filter and limit.
	s, _ = search(url.Values{"ten": {"cong ty"}, "maTinh": {"01"}})
	if s.TongSo == 0 {
		t.Fatal("no enterprise in Hà Nội")
	}
	for _, e := range s.DanhSach {
		if e.MaTinh != "01" {
			t.Errorf("maTinh filter let %s (%s) through", e.MaSoDoanhNghiep, e.MaTinh)
		}
	}
	s, _ = search(url.Values{"ten": {"cong ty"}, "soLuong": {"2"}})
	if len(s.DanhSach) != 2 || s.TongSo <= 2 {
		t.Errorf("limit: %d listed of %d", len(s.DanhSach), s.TongSo)
	}
	// No hit is a success with an empty list.
	s, e := search(url.Values{"ten": {"không tồn tại xyz"}})
	if s.TongSo != 0 || string(e.Data) == "null" || s.DanhSach == nil {
		t.Errorf("no hit: %s", e.Data)
	}

	for _, bad := range []url.Values{{}, {"ten": {"a"}}, {"ten": {" - "}}, {"ten": {strings.Repeat("x", 201)}}, {"ten": {"sao"}, "soLuong": {"0"}}, {"ten": {"sao"}, "soLuong": {"abc"}}, {"ten": {"sao"}, "soLuong": {"101"}}} {
		wantCode(t, h.get(PathBusinessSearch, bad, tok, nil), http.StatusBadRequest, CodeDataTypeInvalid)
	}
	for _, bad := range []string{"99", "02", "1", "abc", "010"} { // 02 (Hà Giang) no longer exists
		wantCode(t, h.get(PathBusinessSearch, url.Values{"ten": {"sao"}, "maTinh": {bad}}, tok, nil), http.StatusBadRequest, CodeProvinceIDIncorrect)
	}
}

func TestCatalogs(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	e := wantCode(t, h.get(PathAllCategory, nil, tok, nil), http.StatusOK, CodeSuccess)
	var all []natdb.CatalogInfo
	if err := json.Unmarshal(e.Data, &all); err != nil {
		t.Fatal(err)
	}
	byCode := map[string]natdb.CatalogInfo{}
	for _, c := range all {
		byCode[c.Ma] = c
	}
	if byCode["TINH"].SoPhanTu != 34 || byCode["DANTOC"].SoPhanTu == 0 || byCode["GIOITINH"].SoPhanTu != 2 {
		t.Fatalf("AllCategory: %+v", all)
	}

	e = wantCode(t, h.get(PathCategory, url.Values{"ma": {"TINH"}}, tok, nil), http.StatusOK, CodeSuccess)
	var prov natdb.Catalog
	if err := json.Unmarshal(e.Data, &prov); err != nil {
		t.Fatal(err)
	}
	if len(prov.DanhSach) != 34 {
		t.Fatalf("%d provinces, want 34", len(prov.DanhSach))
	}
	seen := map[string]bool{}
	oldCodes := map[string]bool{}
	cities := 0
	for _, p := range prov.DanhSach {
		if seen[p.Ma] || !reProvince.MatchString(p.Ma) || p.Ten == "" {
			t.Errorf("bad or duplicate province %+v", p)
		}
		seen[p.Ma] = true
		if p.Cap == "Thành phố trực thuộc trung ương" {
			cities++
		}
		if len(p.SapNhapTu) == 1 {
			t.Errorf("%s merged from a single unit", p.Ten)
		}
		for _, o := range p.SapNhapTu {
			if oldCodes[o.Ma] {
				t.Errorf("former unit %s listed twice", o.Ma)
			}
			oldCodes[o.Ma] = true
		}
	}
	// 6 centrally-run cities; 23 merged units absorbed 52 former ones, 11
	// stayed as they were: 52 + 11 = 63 provinces before 2025.
	if cities != 6 || len(oldCodes)+(34-23) != 63 {
		t.Errorf("cities=%d, former units=%d", cities, len(oldCodes))
	}
	// ma is case-insensitive.
	wantCode(t, h.get(PathCategory, url.Values{"ma": {"dantoc"}}, tok, nil), http.StatusOK, CodeSuccess)
	wantCode(t, h.get(PathCategory, url.Values{"ma": {"HUYEN"}}, tok, nil), http.StatusNotFound, CodeRecordNotFound)
	for _, bad := range []string{"", "TỈNH", "A B", strings.Repeat("A", 33)} {
		wantCode(t, h.get(PathCategory, url.Values{"ma": {bad}}, tok, nil), http.StatusBadRequest, CodeDataTypeInvalid)
	}
}

func TestPopulation(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()
	q := url.Values{"soDinhDanh": {demo.SoDinhDanh}}

	e := wantCode(t, h.get(PathCitizen, q, tok, personalHeaders), http.StatusOK, CodeSuccess)
	var c natdb.Citizen
	if err := json.Unmarshal(e.Data, &c); err != nil {
		t.Fatal(err)
	}
	if c.SoDinhDanh != demo.SoDinhDanh || c.HoVaTen == "" || c.NoiThuongTru == nil || c.QueQuan == nil || c.QuocTich != nationVN {
		t.Fatalf("citizen: %+v", c)
	}

	// The requester fields may also come as query parameters.
	qp := url.Values{"soDinhDanh": {demo.SoDinhDanh}}
	for k, v := range personalHeaders {
		qp.Set(k, v)
	}
	wantCode(t, h.get(PathCitizen, qp, tok, nil), http.StatusOK, CodeSuccess)

	// Identity verification: matching name (any case, no diacritics) and
	// birth date in either format pass; a mismatch is 500 DATA_INCORRECT.
	born, _ := parseBirthDate(c.NgaySinh)
	match := url.Values{"soDinhDanh": {demo.SoDinhDanh}, "hoVaTen": {strings.ToUpper(fold(c.HoVaTen))}, "ngaySinh": {born.Format("2006-01-02")}}
	wantCode(t, h.get(PathCitizen, match, tok, personalHeaders), http.StatusOK, CodeSuccess)
	wrongName := url.Values{"soDinhDanh": {demo.SoDinhDanh}, "hoVaTen": {"Nguyễn Văn Khác"}}
	wantCode(t, h.get(PathCitizen, wrongName, tok, personalHeaders), http.StatusUnprocessableEntity, CodeDataIncorrect)
	wrongDOB := url.Values{"soDinhDanh": {demo.SoDinhDanh}, "ngaySinh": {"01/01/1900"}}
	wantCode(t, h.get(PathCitizen, wrongDOB, tok, personalHeaders), http.StatusUnprocessableEntity, CodeDataIncorrect)
	badDOB := url.Values{"soDinhDanh": {demo.SoDinhDanh}, "ngaySinh": {"1985/04/02"}}
	wantCode(t, h.get(PathCitizen, badDOB, tok, personalHeaders), http.StatusBadRequest, CodeDataTypeInvalid)

	// The incomplete record.
	e = wantCode(t, h.get(PathCitizen, url.Values{"soDinhDanh": {demo.IncompleteSoDinhDanh}}, tok, personalHeaders), http.StatusOK, CodeRecordUncomplete)
	var inc natdb.Citizen
	if err := json.Unmarshal(e.Data, &inc); err != nil {
		t.Fatal(err)
	}
	if inc.SoDinhDanh != demo.IncompleteSoDinhDanh || inc.QueQuan != nil || inc.NoiOHienTai != nil {
		t.Errorf("incomplete citizen: %s", e.Data)
	}

	wantCode(t, h.get(PathCitizen, url.Values{"soDinhDanh": {"001099000000"}}, tok, personalHeaders), http.StatusNotFound, CodeRecordNotFound)
	for _, bad := range []string{"", "00108573625", "0010857362533", "00108573625a", "001 08573625"} {
		wantCode(t, h.get(PathCitizen, url.Values{"soDinhDanh": {bad}}, tok, personalHeaders), http.StatusBadRequest, CodeDataTypeInvalid)
	}
}

func TestPersonalDataRequiresRequester(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AllowedAgencies = []string{demoAgency, "28.22.H17"} })
	tok := h.token()
	demo := h.sim.Demo()
	without := func(drop string, set map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range personalHeaders {
			if k != drop {
				m[k] = v
			}
		}
		for k, v := range set {
			m[k] = v
		}
		return m
	}
	paths := map[string]url.Values{
		PathCitizen:   {"soDinhDanh": {demo.SoDinhDanh}},
		PathBirth:     {"soDinhDanh": {demo.SoDinhDanh}},
		PathJudicial:  {"soDinhDanh": {demo.SoDinhDanh}},
		PathInsurance: {"maSoBHXH": {demo.MaSoBHXH}},
	}
	for path, q := range paths {
		t.Run(path, func(t *testing.T) {
			wantCode(t, h.get(path, q, tok, personalHeaders), http.StatusOK, CodeSuccess)
			// The short agency-code form real systems send is accepted.
			wantCode(t, h.get(path, q, tok, without("", map[string]string{"maDonVi": "28.22.h17"})), http.StatusOK, CodeSuccess)
			wantCode(t, h.get(path, q, tok, without("maDonVi", nil)), http.StatusForbidden, CodeAgencyIDIncorrect)
			wantCode(t, h.get(path, q, tok, without("", map[string]string{"maDonVi": "H30"})), http.StatusForbidden, CodeAgencyIDIncorrect)
			wantCode(t, h.get(path, q, tok, without("", map[string]string{"maDonVi": "000.00.00.H99"})), http.StatusForbidden, CodeAgencyIDIncorrect)
			wantCode(t, h.get(path, q, tok, without("maCanBo", nil)), http.StatusBadRequest, CodeDataTypeInvalid)
			e := wantCode(t, h.get(path, q, tok, without("mucDich", nil)), http.StatusBadRequest, CodeDataTypeInvalid)
			if !strings.Contains(e.ErrorMessage, "mucDich") || !strings.Contains(e.ErrorMessageVi, "NĐ 13/2023") {
				t.Errorf("purpose message: %+v", e)
			}
			// No token beats everything else.
			wantCode(t, h.get(path, q, "", nil), http.StatusUnauthorized, CodeAuthenError)
		})
	}
}

func TestCivilJudicialInsurance(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()
	data := h.sim.data

	e := wantCode(t, h.get(PathBirth, url.Values{"soDinhDanh": {demo.SoDinhDanh}}, tok, personalHeaders), http.StatusOK, CodeSuccess)
	var b natdb.BirthRecord
	if err := json.Unmarshal(e.Data, &b); err != nil {
		t.Fatal(err)
	}
	if b.SoDinhDanh != demo.SoDinhDanh || b.SoDangKy == "" || b.CoQuanDangKy == "" || b.Cha == nil || b.Me == nil {
		t.Errorf("birth record: %+v", b)
	}
	// People born before the books were digitised have no birth record.
	for _, row := range data.citizenOrder {
		y, _ := parseBirthDate(row.rec.NgaySinh)
		q := url.Values{"soDinhDanh": {row.rec.SoDinhDanh}}
		if y.Year() < firstDigitisedBirthYear {
			wantCode(t, h.get(PathBirth, q, tok, personalHeaders), http.StatusNotFound, CodeRecordNotFound)
		} else {
			wantCode(t, h.get(PathBirth, q, tok, personalHeaders), http.StatusOK, CodeSuccess)
		}
	}
	wantCode(t, h.get(PathBirth, url.Values{"soDinhDanh": {"001099000000"}}, tok, personalHeaders), http.StatusNotFound, CodeRecordNotFound)
	wantCode(t, h.get(PathBirth, url.Values{"soDinhDanh": {"12345"}}, tok, personalHeaders), http.StatusBadRequest, CodeDataTypeInvalid)

	// Judicial record: one citizen has a conviction, the demo one does not.
	e = wantCode(t, h.get(PathJudicial, url.Values{"soDinhDanh": {demo.SoDinhDanh}}, tok, personalHeaders), http.StatusOK, CodeSuccess)
	var j natdb.JudicialRecord
	if err := json.Unmarshal(e.Data, &j); err != nil {
		t.Fatal(err)
	}
	if j.TinhTrangAnTich != "Không có án tích" || len(j.DanhSachAnTich) != 0 || !strings.Contains(string(e.Data), `"danhSachAnTich":[]`) {
		t.Errorf("clean record: %s", e.Data)
	}
	convicted := data.citizenOrder[convictedCitizen].rec.SoDinhDanh
	e = wantCode(t, h.get(PathJudicial, url.Values{"soDinhDanh": {convicted}}, tok, personalHeaders), http.StatusOK, CodeSuccess)
	if err := json.Unmarshal(e.Data, &j); err != nil {
		t.Fatal(err)
	}
	if j.TinhTrangAnTich != "Có án tích" || len(j.DanhSachAnTich) != 1 || j.DanhSachAnTich[0].DieuLuat == "" {
		t.Errorf("conviction: %s", e.Data)
	}
	wantCode(t, h.get(PathJudicial, url.Values{"soDinhDanh": {"001099000000"}}, tok, personalHeaders), http.StatusNotFound, CodeRecordNotFound)
	wantCode(t, h.get(PathJudicial, url.Values{"soDinhDanh": {"abc"}}, tok, personalHeaders), http.StatusBadRequest, CodeDataTypeInvalid)

	// Social insurance.
	e = wantCode(t, h.get(PathInsurance, url.Values{"maSoBHXH": {demo.MaSoBHXH}}, tok, personalHeaders), http.StatusOK, CodeSuccess)
	var ins natdb.InsuranceHistory
	if err := json.Unmarshal(e.Data, &ins); err != nil {
		t.Fatal(err)
	}
	if ins.MaSoBHXH != demo.MaSoBHXH || len(ins.QuaTrinh) == 0 || ins.TongSoThang <= 0 {
		t.Fatalf("insurance: %s", e.Data)
	}
	if last := ins.QuaTrinh[len(ins.QuaTrinh)-1]; last.DenThang != "" {
		t.Errorf("the demo citizen of working age should still be contributing: %+v", last)
	}
	for _, p := range ins.QuaTrinh {
		if data.enterprises[p.MaDonVi] == nil || data.enterprises[p.MaDonVi].rec.TenDoanhNghiep != p.DonVi {
			t.Errorf("employer %s %q is not a seeded enterprise", p.MaDonVi, p.DonVi)
		}
	}
	// A minor has no insurance history.
	minor := data.citizenOrder[9].rec.SoDinhDanh[2:]
	wantCode(t, h.get(PathInsurance, url.Values{"maSoBHXH": {minor}}, tok, personalHeaders), http.StatusNotFound, CodeRecordNotFound)
	for _, bad := range []string{"", "123456789", "12345678901", "12345abcde"} {
		wantCode(t, h.get(PathInsurance, url.Values{"maSoBHXH": {bad}}, tok, personalHeaders), http.StatusBadRequest, CodeDataTypeInvalid)
	}
}

func TestIPAllowList(t *testing.T) {
	blocked := newHarness(t, func(c *Config) { c.AllowedIPs = []string{"10.0.0.0/8", "192.0.2.7"} })
	tok := blocked.token() // the token endpoint is not IP-restricted
	wantCode(t, blocked.get(PathAllCategory, nil, tok, nil), http.StatusForbidden, CodeIPDisallowed)
	// A bad token is reported before the IP check.
	wantCode(t, blocked.get(PathAllCategory, nil, "nope", nil), http.StatusUnauthorized, CodeAuthenError)

	allowed := newHarness(t, func(c *Config) { c.AllowedIPs = []string{"127.0.0.1", "::1"} })
	wantCode(t, allowed.get(PathAllCategory, nil, allowed.token(), nil), http.StatusOK, CodeSuccess)
}

func TestBusinessErrorsAsHTTP200(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.BusinessErrorsAsHTTP200 = true })
	tok := h.token()
	wantCode(t, h.get(PathBusinessDetail, url.Values{"msdn": {"0000000000"}}, tok, nil), http.StatusOK, CodeRecordNotFound)
	wantCode(t, h.get(PathBusinessDetail, url.Values{"msdn": {"1"}}, tok, nil), http.StatusOK, CodeDataTypeInvalid)
	// Authentication errors keep their status.
	wantCode(t, h.get(PathBusinessDetail, url.Values{"msdn": {"0000000000"}}, "", nil), http.StatusUnauthorized, CodeAuthenError)
}

func TestUnknownPathAndMethod(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	res := h.get("/apiCSDLDKDN/1.0/khongCo", nil, tok, nil)
	var f gatewayFault
	res.json(t, &f)
	if res.status != http.StatusNotFound || f.Fault.Code != 404 {
		t.Fatalf("unknown path: %d %s", res.status, res.body)
	}
	req := h.request(http.MethodPost, PathBusinessDetail, nil, map[string]string{"Authorization": "Bearer " + tok})
	res = h.do(req)
	if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != http.MethodGet {
		t.Fatalf("POST on a GET resource: %d %s", res.status, res.body)
	}
}

func TestRequestIDEcho(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	res := h.get(PathAllCategory, nil, tok, map[string]string{"X-Request-Id": "abc-123"})
	if e := res.envelope(t); e.RequestID != "abc-123" || res.header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("request id not echoed: %q / %q", e.RequestID, res.header.Get("X-Request-Id"))
	}
	// An unsafe id is replaced, not echoed.
	res = h.get(PathAllCategory, nil, tok, map[string]string{"X-Request-Id": "<script>"})
	if e := res.envelope(t); e.RequestID == "" || strings.Contains(e.RequestID, "<") {
		t.Fatalf("unsafe request id echoed: %q", e.RequestID)
	}
}

// FuzzDataAPIs throws arbitrary parameter values at every data API: the
// answer is always a well-formed envelope with a 2xx or 4xx status.
func FuzzDataAPIs(f *testing.F) {
	sim := New(DefaultConfig(), nil)
	tok, _ := sim.tokens.issue(time.Hour, false)
	paths := []struct{ path, param string }{
		{PathBusinessDetail, "msdn"}, {PathBusinessSearch, "ten"}, {PathBusinessSearch, "maTinh"},
		{PathCategory, "ma"}, {PathCitizen, "soDinhDanh"}, {PathCitizen, "hoVaTen"}, {PathCitizen, "ngaySinh"},
		{PathBirth, "soDinhDanh"}, {PathJudicial, "soDinhDanh"}, {PathInsurance, "maSoBHXH"},
	}
	for i, s := range []string{"0109549006", "Hồng Hà", "01", "TINH", "001085736253", "02/04/1985", "\xff", ""} {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		p := paths[int(which)%len(paths)]
		q := url.Values{p.param: {value}}
		if p.param == "hoVaTen" || p.param == "ngaySinh" {
			q.Set("soDinhDanh", sim.Demo().SoDinhDanh)
		}
		req := httptest.NewRequest(http.MethodGet, p.path+"?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		for k, v := range personalHeaders {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("%s %s=%q: status %d", p.path, p.param, value, rec.Code)
		}
		var e rawEnvelope
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.ErrorCode == "" || codeTable[e.ErrorCode].name != e.ErrorName {
			t.Fatalf("%s %s=%q: body %s", p.path, p.param, value, rec.Body.Bytes())
		}
	})
}
