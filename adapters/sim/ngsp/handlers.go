package ngsp

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
)

var (
	reMSDN     = regexp.MustCompile(`^[0-9]{10}(-[0-9]{3})?$`)
	reCCCD     = regexp.MustCompile(`^[0-9]{12}$`)
	reBHXH     = regexp.MustCompile(`^[0-9]{10}$`)
	reProvince = regexp.MustCompile(`^[0-9]{2}$`)
	reCatalog  = regexp.MustCompile(`^[A-Z0-9_]{1,32}$`)
	reAgency   = regexp.MustCompile(`^([0-9A-Z]{2,3}\.){1,3}[A-Z][0-9]{2}$`)
)

const (
	maxNameLen  = 200
	maxSearch   = 100
	defSearch   = 20
	maxFieldLen = 500
)

// validAgencyCode accepts the four-group codes of QĐ 20/2020 and the
// shorter forms real systems send (e.g. 28.22.H17).
func validAgencyCode(s string) bool { return reAgency.MatchString(strings.ToUpper(s)) }

// param reads a query parameter, trimmed.
func param(r *http.Request, name string) string { return strings.TrimSpace(r.URL.Query().Get(name)) }

func (s *Simulator) handleBusinessDetail(w http.ResponseWriter, r *http.Request) {
	msdn := param(r, "msdn")
	if !reMSDN.MatchString(msdn) {
		s.fail(w, r, errInvalid("msdn must be 10 digits, or 10-3 digits for a branch",
			"msdn phải gồm 10 chữ số, hoặc dạng 10-3 chữ số đối với chi nhánh"))
		return
	}
	row := s.data.enterprises[msdn]
	switch {
	case row == nil:
		s.fail(w, r, errNotFound)
	case row.incomplete:
		s.incomplete(w, r, s.enterprise(row))
	default:
		s.ok(w, r, s.enterprise(row))
	}
}

// handleBusinessSearch finds enterprises whose Vietnamese, English or
// short name contains ten, ignoring case and diacritics. No hit is a
// success with an empty list.
func (s *Simulator) handleBusinessSearch(w http.ResponseWriter, r *http.Request) {
	ten := param(r, "ten")
	needle := fold(ten)
	if len(ten) > maxNameLen || len([]rune(needle)) < 2 {
		s.fail(w, r, errInvalid("ten must contain at least 2 letters and at most 200 characters",
			"ten phải có ít nhất 2 ký tự chữ và tối đa 200 ký tự"))
		return
	}
	province := param(r, "maTinh")
	if province != "" {
		if _, ok := provinceByCode(province); !ok || !reProvince.MatchString(province) {
			s.fail(w, r, errProvince("maTinh is not a province code in force (2 digits, 34 units since 2025)",
				"maTinh không phải mã tỉnh đang có hiệu lực (2 chữ số, 34 đơn vị từ năm 2025)"))
			return
		}
	}
	limit := defSearch
	if v := param(r, "soLuong"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSearch {
			s.fail(w, r, errInvalid("soLuong must be a number between 1 and 100", "soLuong phải là số từ 1 đến 100"))
			return
		}
		limit = n
	}
	res := natdb.EnterpriseSearch{DanhSach: []natdb.EnterpriseSummary{}}
	for _, row := range s.data.enterpriseOrder {
		e := &row.rec
		if !strings.Contains(row.search, needle) || (province != "" && e.DiaChiTruSo.MaTinh != province) {
			continue
		}
		res.TongSo++
		if len(res.DanhSach) < limit {
			res.DanhSach = append(res.DanhSach, natdb.EnterpriseSummary{
				MaSoDoanhNghiep:   e.MaSoDoanhNghiep,
				TenDoanhNghiep:    e.TenDoanhNghiep,
				TenTiengAnh:       e.TenTiengAnh,
				DiaChiTruSo:       e.DiaChiTruSo.DiaChiDayDu,
				MaTinh:            e.DiaChiTruSo.MaTinh,
				TinhTrangHoatDong: e.TinhTrangHoatDong,
			})
		}
	}
	s.ok(w, r, res)
}

func (s *Simulator) handleAllCategory(w http.ResponseWriter, r *http.Request) {
	out := make([]natdb.CatalogInfo, len(s.data.catalogs))
	for i, c := range s.data.catalogs {
		out[i] = c.CatalogInfo
	}
	s.ok(w, r, out)
}

func (s *Simulator) handleCategory(w http.ResponseWriter, r *http.Request) {
	ma := strings.ToUpper(param(r, "ma"))
	if !reCatalog.MatchString(ma) {
		s.fail(w, r, errInvalid("ma must be a catalog code of up to 32 letters, digits or underscores",
			"ma phải là mã danh mục gồm tối đa 32 chữ cái, chữ số hoặc dấu gạch dưới"))
		return
	}
	i := slices.IndexFunc(s.data.catalogs, func(c natdb.Catalog) bool { return c.Ma == ma })
	if i < 0 {
		s.fail(w, r, errNotFound)
		return
	}
	s.ok(w, r, s.data.catalogs[i])
}

// requester is who looks up personal data, for which agency, and why.
type requester struct {
	agency, officer, purpose string
}

// personal guards a personal-data API: the data-API checks, then the
// requester fields NĐ 13/2023 asks every lookup to carry. Each field is
// read from a header or, failing that, a query parameter of the same name.
func (s *Simulator) personal(h func(http.ResponseWriter, *http.Request, requester)) http.HandlerFunc {
	return s.guarded(func(w http.ResponseWriter, r *http.Request) {
		who, e := s.requester(r)
		if e != nil {
			s.fail(w, r, e)
			return
		}
		h(w, r, who)
	})
}

// agencyOnly guards a data API that carries no personal data but must
// still say which agency asks (maDonVi), checked as personal does.
func (s *Simulator) agencyOnly(h http.HandlerFunc) http.HandlerFunc {
	return s.guarded(func(w http.ResponseWriter, r *http.Request) {
		if e := s.checkAgency(strings.ToUpper(requesterField(r, "maDonVi"))); e != nil {
			s.fail(w, r, e)
			return
		}
		h(w, r)
	})
}

// requesterField reads a requester field from its header or, failing
// that, the query parameter of the same name.
func requesterField(r *http.Request, name string) string {
	if v := strings.TrimSpace(r.Header.Get(name)); v != "" {
		return v
	}
	return param(r, name)
}

func (s *Simulator) checkAgency(agency string) *natErr {
	switch {
	case agency == "":
		return errAgency("maDonVi (the requesting agency's identifier code) is required",
			"thiếu maDonVi (mã định danh của cơ quan yêu cầu)")
	case !validAgencyCode(agency):
		return errAgency("maDonVi is not a valid agency identifier code",
			"maDonVi không phải mã định danh cơ quan hợp lệ")
	case len(s.cfg.AllowedAgencies) > 0 && !slices.ContainsFunc(s.cfg.AllowedAgencies, func(a string) bool { return strings.EqualFold(a, agency) }):
		return errAgency("this agency is not authorised to read this data",
			"cơ quan này không được phép khai thác dữ liệu này")
	}
	return nil
}

func (s *Simulator) requester(r *http.Request) (requester, *natErr) {
	who := requester{
		agency:  strings.ToUpper(requesterField(r, "maDonVi")),
		officer: requesterField(r, "maCanBo"),
		purpose: requesterField(r, "mucDich"),
	}
	if e := s.checkAgency(who.agency); e != nil {
		return who, e
	}
	switch {
	case who.officer == "" || len(who.officer) > 64:
		return who, errInvalid("maCanBo (the requesting officer's id, at most 64 characters) is required",
			"thiếu maCanBo (mã cán bộ yêu cầu, tối đa 64 ký tự)")
	case who.purpose == "" || len(who.purpose) > maxFieldLen:
		return who, errInvalid("mucDich (the purpose of the lookup, at most 500 characters) is required by NĐ 13/2023/NĐ-CP",
			"thiếu mucDich (mục đích tra cứu, tối đa 500 ký tự) theo NĐ 13/2023/NĐ-CP")
	}
	return who, nil
}

// audit records a personal-data lookup with the subject masked.
func (s *Simulator) audit(r *http.Request, who requester, subject, code string) {
	s.log.Info("personal data lookup",
		"api", r.URL.Path, "ma_don_vi", who.agency, "ma_can_bo", who.officer, "muc_dich", who.purpose,
		"subject", maskID(subject), "error_code", code, "request_id", requestID(r))
}

func (s *Simulator) citizenID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := param(r, "soDinhDanh")
	if !reCCCD.MatchString(id) {
		s.fail(w, r, errInvalid("soDinhDanh must be a 12-digit personal identification number",
			"soDinhDanh phải là số định danh cá nhân gồm 12 chữ số"))
		return "", false
	}
	return id, true
}

// parseBirthDate accepts dd/MM/yyyy and yyyy-MM-dd.
func parseBirthDate(s string) (time.Time, bool) {
	for _, layout := range []string{"02/01/2006", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// handleCitizen answers a population record. hoVaTen and ngaySinh are
// optional; when given they must match the record (500 DATA_INCORRECT
// otherwise), which is how callers verify a person's declared identity.
func (s *Simulator) handleCitizen(w http.ResponseWriter, r *http.Request, who requester) {
	id, ok := s.citizenID(w, r)
	if !ok {
		return
	}
	name, dob := param(r, "hoVaTen"), param(r, "ngaySinh")
	var born time.Time
	if dob != "" {
		if born, ok = parseBirthDate(dob); !ok {
			s.fail(w, r, errInvalid("ngaySinh must be dd/MM/yyyy or yyyy-MM-dd", "ngaySinh phải có dạng dd/MM/yyyy hoặc yyyy-MM-dd"))
			return
		}
	}
	if len(name) > maxNameLen {
		s.fail(w, r, errInvalid("hoVaTen is longer than 200 characters", "hoVaTen dài quá 200 ký tự"))
		return
	}
	row := s.data.citizens[id]
	code := CodeSuccess
	defer func() { s.audit(r, who, id, code) }()
	if row == nil {
		code = CodeRecordNotFound
		s.fail(w, r, errNotFound)
		return
	}
	recBorn, _ := parseBirthDate(row.rec.NgaySinh)
	if (name != "" && fold(name) != fold(row.rec.HoVaTen)) || (dob != "" && !born.Equal(recBorn)) {
		code = CodeDataIncorrect
		s.fail(w, r, errIncorrect("hoVaTen or ngaySinh does not match the population record",
			"hoVaTen hoặc ngaySinh không khớp với dữ liệu dân cư"))
		return
	}
	if row.incomplete {
		code = CodeRecordUncomplete
		s.incomplete(w, r, row.rec)
		return
	}
	s.ok(w, r, row.rec)
}

func (s *Simulator) handleJudicial(w http.ResponseWriter, r *http.Request, who requester) {
	id, ok := s.citizenID(w, r)
	if !ok {
		return
	}
	row := s.data.citizens[id]
	if row == nil {
		s.audit(r, who, id, CodeRecordNotFound)
		s.fail(w, r, errNotFound)
		return
	}
	s.audit(r, who, id, CodeSuccess)
	s.ok(w, r, row.judicial)
}

func (s *Simulator) handleInsurance(w http.ResponseWriter, r *http.Request, who requester) {
	no := param(r, "maSoBHXH")
	if !reBHXH.MatchString(no) {
		s.fail(w, r, errInvalid("maSoBHXH must be a 10-digit social insurance number",
			"maSoBHXH phải là mã số bảo hiểm xã hội gồm 10 chữ số"))
		return
	}
	row := s.data.insured[no]
	if row == nil {
		s.audit(r, who, no, CodeRecordNotFound)
		s.fail(w, r, errNotFound)
		return
	}
	s.audit(r, who, no, CodeSuccess)
	s.ok(w, r, row.insurance)
}
