package ngsp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
)

// The seeded data is a snapshot "as of" this date: running periods of
// social insurance are counted up to it, so answers never depend on the
// wall clock.
const (
	dataAsOf      = "30/06/2026"
	asOfYear      = 2026
	asOfMonth     = 6
	datasetSeed   = 0x4C475350 // "LGSP"
	demoAgency    = "000.00.00.H30"
	insuranceKind = "BHXH bắt buộc; BHTN; BHTNLĐ-BNN"
)

// Demo names records of the seeded data that documentation, the dev mode
// and tests can rely on. The values are stable across runs and builds.
type Demo struct {
	// MSDN is an active joint-stock company with two branches.
	MSDN string
	// BranchMSDN is its first branch (10-3 form).
	BranchMSDN string
	// SearchName finds MSDN through timKiemDoanhNghiep, written without
	// diacritics on purpose.
	SearchName string
	// IncompleteMSDN answers errorCode 200 RECORD_UNCOMPLETE.
	IncompleteMSDN string
	// ChangesFrom and ChangesTo are a fixed 5-day range of
	// doanhNghiepThayDoi with changes in it (the last five days up to the
	// simulator clock's today always have some too).
	ChangesFrom string
	ChangesTo   string
	// SoDinhDanh is an adult, married citizen with a birth record, a
	// marriage record, a clean judicial record and a social-insurance
	// history under MaSoBHXH.
	SoDinhDanh string
	MaSoBHXH   string
	// IncompleteSoDinhDanh answers errorCode 200 RECORD_UNCOMPLETE.
	IncompleteSoDinhDanh string
	// UnmarriedSoDinhDanh is a child: a birth record, no marriage record.
	UnmarriedSoDinhDanh string
	// DeceasedSoDinhDanh has a death record (khaiTu) and a marriage ended
	// by that death.
	DeceasedSoDinhDanh string
	// SoHoSo is a civil-status registration dossier being processed.
	SoHoSo string
	// MaDonVi is an agency identifier code to send with personal-data
	// lookups.
	MaDonVi string
}

// splitmix is a tiny deterministic generator (SplitMix64). The dataset uses
// its own instead of math/rand so that the records never change with a Go
// release.
type splitmix struct{ s uint64 }

func (q *splitmix) next() uint64 {
	q.s += 0x9e3779b97f4a7c15
	z := q.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (q *splitmix) intn(n int) int { return int(q.next() % uint64(n)) }

func (q *splitmix) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + q.intn(10))
	}
	return string(b)
}

func pick[T any](q *splitmix, xs []T) T { return xs[q.intn(len(xs))] }

// locality holds what addresses and codes need about a province.
type locality struct {
	taxPrefix string // first four digits of enterprise codes registered there
	phone     string // telephone area code
	wards     []string
	streets   []string
}

var localities = map[string]locality{
	"01": {"0109", "024", []string{"Phường Hoàn Kiếm", "Phường Cửa Nam", "Phường Ba Đình", "Phường Cầu Giấy", "Phường Đống Đa"}, []string{"phố Tràng Tiền", "phố Lý Thường Kiệt", "phố Kim Mã", "đường Cầu Giấy", "phố Tây Sơn", "đường Trần Duy Hưng"}},
	"79": {"0316", "028", []string{"Phường Sài Gòn", "Phường Bến Thành", "Phường Tân Định", "Phường Xuân Hòa"}, []string{"đường Nguyễn Huệ", "đường Lê Lợi", "đường Hai Bà Trưng", "đường Điện Biên Phủ", "đường Nam Kỳ Khởi Nghĩa"}},
	"48": {"0402", "0236", []string{"Phường Hải Châu", "Phường Hòa Cường", "Phường Thanh Khê"}, []string{"đường Bạch Đằng", "đường Nguyễn Văn Linh", "đường 2 Tháng 9"}},
	"31": {"0202", "0225", []string{"Phường Hồng Bàng", "Phường Lê Chân", "Phường Ngô Quyền"}, []string{"đường Lạch Tray", "phố Điện Biên Phủ", "đường Trần Phú"}},
	"92": {"1801", "0292", []string{"Phường Ninh Kiều", "Phường Cái Khế", "Phường Tân An"}, []string{"đường Hòa Bình", "đường 30 Tháng 4", "đường Trần Hưng Đạo"}},
	"46": {"3301", "0234", []string{"Phường Thuận Hóa", "Phường Phú Xuân"}, []string{"đường Lê Lợi", "đường Hùng Vương"}},
	"22": {"5701", "0203", []string{"Phường Hạ Long", "Phường Bãi Cháy"}, []string{"đường Hạ Long", "đường Trần Hưng Đạo"}},
	"40": {"2901", "0238", []string{"Phường Thành Vinh", "Phường Trường Vinh"}, []string{"đường Quang Trung", "đại lộ Lê Nin"}},
	"56": {"4201", "0258", []string{"Phường Nha Trang", "Phường Bắc Nha Trang"}, []string{"đường Trần Phú", "đường Thái Nguyên"}},
	"68": {"5801", "0263", []string{"Phường Xuân Hương - Đà Lạt", "Phường Lâm Viên - Đà Lạt"}, []string{"đường Trần Phú", "đường Phan Đình Phùng"}},
	"24": {"2400", "0204", []string{"Phường Bắc Giang", "Phường Kinh Bắc"}, []string{"đường Ngô Gia Tự", "đường Lý Thái Tổ"}},
	"75": {"3603", "0251", []string{"Phường Trấn Biên", "Phường Biên Hòa"}, []string{"đường Phạm Văn Thuận", "đường Võ Thị Sáu"}},
	"38": {"2802", "0237", []string{"Phường Hạc Thành", "Xã Thọ Xuân"}, []string{"đại lộ Lê Lợi", "đường Hàm Nghi"}},
	"91": {"1602", "0297", []string{"Phường Rạch Giá", "Phường Long Xuyên"}, []string{"đường Nguyễn Trung Trực", "đường Trần Hưng Đạo"}},
	"52": {"4101", "0256", []string{"Phường Quy Nhơn", "Phường Pleiku"}, []string{"đường Xuân Diệu", "đường Lê Duẩn"}},
	"37": {"2700", "0229", []string{"Phường Hoa Lư", "Phường Nam Định", "Xã Hải Hậu"}, []string{"đường Trần Hưng Đạo", "đường Lê Hồng Phong"}},
	"33": {"0900", "0221", []string{"Phường Phố Hiến", "Phường Thái Bình", "Xã Vũ Thư"}, []string{"đường Nguyễn Văn Linh", "đường Lý Bôn"}},
}

type sector struct {
	vi, en   string
	industry natdb.CodeName // VSIC 2018 main line
}

var sectors = []sector{
	{"Công nghệ thông tin", "Information Technology", cn("6201", "Lập trình máy vi tính")},
	{"Xây dựng", "Construction", cn("4102", "Xây dựng nhà không để ở")},
	{"Thương mại và Dịch vụ", "Trading and Services", cn("4690", "Bán buôn tổng hợp")},
	{"Vận tải", "Transport", cn("4933", "Vận tải hàng hóa bằng đường bộ")},
	{"Thực phẩm", "Food", cn("1079", "Sản xuất thực phẩm khác chưa được phân vào đâu")},
	{"Nông sản", "Agricultural Products", cn("4620", "Bán buôn nông, lâm sản nguyên liệu (trừ gỗ, tre, nứa) và động vật sống")},
	{"Dược phẩm", "Pharmaceutical", cn("2100", "Sản xuất thuốc, hoá dược và dược liệu")},
	{"Du lịch", "Tourism", cn("7912", "Điều hành tua du lịch")},
	{"Thủy sản", "Seafood", cn("1020", "Chế biến, bảo quản thuỷ sản và các sản phẩm từ thuỷ sản")},
	{"Cơ khí", "Mechanical Engineering", cn("2592", "Gia công cơ khí; xử lý và tráng phủ kim loại")},
}

var tradeNames = []string{
	"Sao Mai", "Hồng Hà", "Phú Thành", "Minh Long", "Trường Sơn", "An Phát", "Hoàng Gia",
	"Việt Tiến", "Đại Dương", "Bình Minh", "Thiên Ân", "Phương Đông", "Ánh Dương", "Hưng Thịnh",
	"Tân Phú", "Kim Ngân", "Hải Âu", "Đức Thắng", "Lạc Hồng", "Nam Việt",
}

// Where each enterprise has its head office, by index.
var enterpriseProvinces = []string{"01", "79", "48", "31", "92", "46", "22", "40", "56", "68", "24", "75", "38", "91", "52", "01", "79", "01", "79", "48"}

// Enterprise types by index modulo 7; index 9 is the one partnership.
var enterpriseTypes = []natdb.CodeName{typeJSC, typeLLC1, typeLLC2, typeJSC, typePrivate, typeLLC1, typeJSC}

const incompleteEnterprise = 17

var (
	familyNames  = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	maleMiddle   = []string{"Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Công"}
	femaleMiddle = []string{"Thị", "Thu", "Ngọc", "Thanh", "Mai", "Kim"}
	maleGiven    = []string{"An", "Bình", "Cường", "Dũng", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tuấn", "Hiếu", "Trung"}
	femaleGiven  = []string{"Anh", "Hà", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngân", "Phương", "Trang", "Yến", "Thảo"}
	// Three-digit birth-registration province codes that open a CCCD, and
	// the post-2025 province each now belongs to.
	birthCodes = map[string]string{"001": "01", "036": "37", "040": "40", "079": "79", "031": "31", "048": "48", "038": "38", "094": "92", "027": "24", "046": "46", "034": "33", "056": "56"}
)

type enterpriseRow struct {
	rec        natdb.Enterprise
	incomplete bool
	search     string // folded names
	change     change // latest registration change; see changes.go
}

type citizenRow struct {
	rec        natdb.Citizen
	incomplete bool
	birth      *natdb.BirthRecord
	judicial   natdb.JudicialRecord
	insurance  *natdb.InsuranceHistory
	marriage   *natdb.MarriageRecord // nil if never married
	death      *natdb.DeathRecord    // nil if alive
}

type dataset struct {
	enterprises     map[string]*enterpriseRow
	enterpriseOrder []*enterpriseRow
	citizens        map[string]*citizenRow
	citizenOrder    []*citizenRow
	insured         map[string]*citizenRow // by maSoBHXH
	dossiers        map[string]*natdb.RegistrationStatus
	dossierOrder    []*natdb.RegistrationStatus
	catalogs        []natdb.Catalog
	demo            Demo
}

// newDataset generates the seeded records. It is deterministic: the same
// build always yields the same data.
func newDataset() *dataset {
	q := &splitmix{s: datasetSeed}
	d := &dataset{
		enterprises: map[string]*enterpriseRow{},
		citizens:    map[string]*citizenRow{},
		insured:     map[string]*citizenRow{},
		catalogs:    buildCatalogs(),
	}
	var parents []*enterpriseRow
	for i := range tradeNames {
		row := genEnterprise(q, i, d.enterprises)
		d.add(row)
		parents = append(parents, row)
	}
	// The first three enterprises have branches in other provinces.
	for i, n := range []int{2, 1, 1} {
		for b := 1; b <= n; b++ {
			d.add(genBranch(q, parents[i], b, enterpriseProvinces[(i+b*5)%len(enterpriseProvinces)]))
		}
	}
	for i, spec := range citizenSpecs {
		row := genCitizen(q, i, spec, parents)
		if _, dup := d.citizens[row.rec.SoDinhDanh]; dup {
			panic("ngsp: duplicate generated citizen id")
		}
		d.citizens[row.rec.SoDinhDanh] = row
		d.citizenOrder = append(d.citizenOrder, row)
		if row.insurance != nil {
			d.insured[row.insurance.MaSoBHXH] = row
		}
	}
	// Generated after the rest, from their own generators, so that adding
	// them did not move the records above.
	d.spreadChanges()
	d.addCivilStatus()
	c0 := d.citizenOrder[0]
	d.demo = Demo{
		MSDN:                 parents[0].rec.MaSoDoanhNghiep,
		BranchMSDN:           parents[0].rec.ChiNhanh[0],
		SearchName:           fold(tradeNames[0]),
		IncompleteMSDN:       parents[incompleteEnterprise].rec.MaSoDoanhNghiep,
		SoDinhDanh:           c0.rec.SoDinhDanh,
		MaSoBHXH:             c0.insurance.MaSoBHXH,
		IncompleteSoDinhDanh: d.citizenOrder[incompleteCitizen].rec.SoDinhDanh,
		UnmarriedSoDinhDanh:  d.citizenOrder[childCitizen].rec.SoDinhDanh,
		DeceasedSoDinhDanh:   d.citizenOrder[deceasedCitizen].rec.SoDinhDanh,
		SoHoSo:               d.dossierOrder[demoDossier].SoHoSo,
		ChangesFrom:          asOfDate().AddDate(0, 0, 1-natdb.MaxChangeRangeDays).Format(natdb.DateLayout),
		ChangesTo:            dataAsOf,
		MaDonVi:              demoAgency,
	}
	return d
}

func (d *dataset) add(row *enterpriseRow) {
	if _, dup := d.enterprises[row.rec.MaSoDoanhNghiep]; dup {
		panic("ngsp: duplicate generated enterprise code")
	}
	d.enterprises[row.rec.MaSoDoanhNghiep] = row
	d.enterpriseOrder = append(d.enterpriseOrder, row)
}

// msdnCheckDigit is the tenth digit of an enterprise (tax) code computed
// from the first nine; ok is false when no digit fits.
func msdnCheckDigit(nine string) (byte, bool) {
	weights := [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}
	sum := 0
	for i, w := range weights {
		sum += int(nine[i]-'0') * w
	}
	c := 10 - sum%11
	if c == 10 || c == 11 {
		return 0, false
	}
	return byte('0' + c), true
}

func genMSDN(q *splitmix, prefix string, taken map[string]*enterpriseRow) string {
	for {
		nine := prefix + q.digits(9-len(prefix))
		c, ok := msdnCheckDigit(nine)
		code := nine + string(c)
		if _, dup := taken[code]; ok && !dup {
			return code
		}
	}
}

func date(day, month, year int) string { return fmt.Sprintf("%02d/%02d/%04d", day, month, year) }

func randomDate(q *splitmix, year int) string { return date(1+q.intn(28), 1+q.intn(12), year) }

func addressIn(q *splitmix, code string, withStreet bool) *natdb.Address {
	p, _ := provinceByCode(code)
	loc := localities[code]
	a := &natdb.Address{PhuongXa: pick(q, loc.wards), TinhThanhPho: p.name, MaTinh: code}
	if withStreet {
		a.SoNhaDuong = fmt.Sprintf("Số %d %s", 1+q.intn(250), pick(q, loc.streets))
		a.DiaChiDayDu = a.SoNhaDuong + ", " + a.PhuongXa + ", " + a.TinhThanhPho
	} else {
		a.DiaChiDayDu = a.PhuongXa + ", " + a.TinhThanhPho
	}
	return a
}

func phoneIn(q *splitmix, code string) string {
	area := localities[code].phone
	if len(area) == 3 { // the two big cities have eight-digit numbers
		return area + " 3" + q.digits(3) + " " + q.digits(4)
	}
	return area + " 3" + q.digits(2) + " " + q.digits(4)
}

// personName returns family name and full name.
func personName(q *splitmix, male bool) (string, string) {
	family := pick(q, familyNames)
	if male {
		return family, family + " " + pick(q, maleMiddle) + " " + pick(q, maleGiven)
	}
	return family, family + " " + pick(q, femaleMiddle) + " " + pick(q, femaleGiven)
}

// cccd builds a 12-digit citizen id: birth-province code, a digit for
// gender and century, the last two digits of the birth year, six digits.
func cccd(q *splitmix, birthCode string, male bool, year int) string {
	g := 0
	if year >= 2000 {
		g = 2
	}
	if !male {
		g++
	}
	return fmt.Sprintf("%s%d%02d%s", birthCode, g, year%100, q.digits(6))
}

// maskID keeps the first and last three characters of an identifier.
func maskID(s string) string {
	if len(s) <= 6 {
		return strings.Repeat("*", len(s))
	}
	return s[:3] + strings.Repeat("*", len(s)-6) + s[len(s)-3:]
}

func genderOf(male bool) natdb.CodeName {
	if male {
		return genderMale
	}
	return genderFemale
}

func genRepresentative(q *splitmix, title string) natdb.Representative {
	male := q.intn(3) > 0
	_, name := personName(q, male)
	year := 1960 + q.intn(33)
	codes := []string{"001", "079", "048", "031", "036", "040"}
	return natdb.Representative{
		HoTen:      strings.ToUpper(name),
		ChucDanh:   title,
		GioiTinh:   genderOf(male).Ten,
		NgaySinh:   randomDate(q, year),
		LoaiGiayTo: "Thẻ căn cước công dân",
		SoGiayTo:   maskID(cccd(q, pick(q, codes), male, year)),
	}
}

func genEnterprise(q *splitmix, i int, taken map[string]*enterpriseRow) *enterpriseRow {
	code := enterpriseProvinces[i]
	loc := localities[code]
	prov, _ := provinceByCode(code)
	sec := pick(q, sectors)
	typ := enterpriseTypes[i%len(enterpriseTypes)]
	if i == 9 {
		typ = typePartner
	}
	trade := tradeNames[i]
	body := strings.ToUpper(sec.vi + " " + trade)
	tradeEN := asciiUpper(trade)
	slug := strings.ReplaceAll(strings.ToLower(tradeEN), " ", "")

	e := natdb.Enterprise{MaSoDoanhNghiep: genMSDN(q, loc.taxPrefix, taken), LoaiHinhDoanhNghiep: typ, NganhNgheChinh: sec.industry}
	title := "Giám đốc"
	switch typ {
	case typeJSC:
		e.TenDoanhNghiep = "CÔNG TY CỔ PHẦN " + body
		e.TenTiengAnh = tradeEN + " " + strings.ToUpper(sec.en) + " JOINT STOCK COMPANY"
		e.TenVietTat = tradeEN + " JSC"
		title = "Tổng giám đốc"
	case typeLLC1, typeLLC2:
		e.TenDoanhNghiep = "CÔNG TY TNHH " + body
		e.TenTiengAnh = tradeEN + " " + strings.ToUpper(sec.en) + " COMPANY LIMITED"
		e.TenVietTat = tradeEN + " CO., LTD"
	case typePartner:
		e.TenDoanhNghiep = "CÔNG TY HỢP DANH " + body
		e.TenTiengAnh = tradeEN + " " + strings.ToUpper(sec.en) + " PARTNERSHIP"
		title = "Thành viên hợp danh"
	case typePrivate:
		e.TenDoanhNghiep = "DOANH NGHIỆP TƯ NHÂN " + body
		title = "Chủ doanh nghiệp"
	}
	founded := 2005 + q.intn(19)
	e.NgayThanhLap = randomDate(q, founded)
	// spreadChanges sets the date of the latest change later; it is still
	// drawn here so that the draws after it stay where they were.
	if e.LanThayDoi = q.intn(7); e.LanThayDoi > 0 {
		e.NgayThayDoiGanNhat = randomDate(q, founded+1+q.intn(asOfYear-founded))
	}
	e.DiaChiTruSo = *addressIn(q, code, true)
	e.DienThoai = phoneIn(q, code)
	e.Email = "lienhe@" + slug + ".example"
	if typ != typePrivate {
		e.Website = "https://" + slug + ".example"
	}
	e.VonDieuLe = int64(pick(q, []int{1, 2, 5, 10, 15, 20, 50, 100})) * 1_000_000_000
	e.NguoiDaiDienPhapLuat = []natdb.Representative{genRepresentative(q, title)}
	if typ == typeJSC && i%2 == 0 {
		e.NguoiDaiDienPhapLuat = append([]natdb.Representative{genRepresentative(q, "Chủ tịch Hội đồng quản trị")}, e.NguoiDaiDienPhapLuat...)
	}
	e.CoQuanDangKy = "Phòng Đăng ký kinh doanh - Sở Tài chính " + prov.name
	e.TinhTrangHoatDong = stateActive
	switch i {
	case 6:
		e.TinhTrangHoatDong = statePaused
	case 12:
		e.TinhTrangHoatDong = stateClosed
	case 15:
		e.TinhTrangHoatDong = stateMissing
	}
	row := &enterpriseRow{rec: e}
	if i == incompleteEnterprise {
		// A record migrated from the old registry: no ward, no
		// representative on file.
		row.incomplete = true
		row.rec.DiaChiTruSo.PhuongXa = ""
		row.rec.DiaChiTruSo.DiaChiDayDu = row.rec.DiaChiTruSo.SoNhaDuong + ", " + row.rec.DiaChiTruSo.TinhThanhPho
		row.rec.NguoiDaiDienPhapLuat = []natdb.Representative{}
	}
	row.search = fold(e.TenDoanhNghiep + " | " + e.TenTiengAnh + " | " + e.TenVietTat)
	return row
}

func genBranch(q *splitmix, parent *enterpriseRow, n int, code string) *enterpriseRow {
	prov, _ := provinceByCode(code)
	p := &parent.rec
	b := natdb.Enterprise{
		MaSoDoanhNghiep:     fmt.Sprintf("%s-%03d", p.MaSoDoanhNghiep, n),
		MaSoDoanhNghiepMe:   p.MaSoDoanhNghiep,
		TenDoanhNghiep:      "CHI NHÁNH " + p.TenDoanhNghiep + " TẠI " + strings.ToUpper(prov.name),
		LoaiHinhDoanhNghiep: typeBranch,
		TinhTrangHoatDong:   stateActive,
		NganhNgheChinh:      p.NganhNgheChinh,
		CoQuanDangKy:        "Phòng Đăng ký kinh doanh - Sở Tài chính " + prov.name,
	}
	if p.TenTiengAnh != "" {
		b.TenTiengAnh = p.TenTiengAnh + " - " + asciiUpper(strings.TrimPrefix(strings.TrimPrefix(prov.name, "Thành phố "), "Tỉnh ")) + " BRANCH"
	}
	b.NgayThanhLap = randomDate(q, 2018+q.intn(7))
	b.DiaChiTruSo = *addressIn(q, code, true)
	b.DienThoai = phoneIn(q, code)
	b.NguoiDaiDienPhapLuat = []natdb.Representative{genRepresentative(q, "Giám đốc chi nhánh")}
	parent.rec.ChiNhanh = append(parent.rec.ChiNhanh, b.MaSoDoanhNghiep)
	return &enterpriseRow{rec: b, search: fold(b.TenDoanhNghiep + " | " + b.TenTiengAnh)}
}

type citizenSpec struct {
	male      bool
	born      int
	birthCode string // opens the CCCD; see birthCodes
	ethnic    string
	religion  string
	home      string // province of residence
}

// The citizens, chosen so that every answer shape has an example: minors
// without insurance, people born before civil-status records were
// digitised, a judicial record, an incomplete record.
var citizenSpecs = []citizenSpec{
	{true, 1985, "001", "01", "Không", "01"},
	{false, 1990, "036", "01", "Công giáo", "01"},
	{true, 1972, "040", "01", "Không", "40"},
	{false, 1996, "079", "01", "Phật giáo", "79"},
	{true, 1993, "031", "01", "Không", "31"},
	{false, 1999, "048", "01", "Không", "48"},
	{true, 1958, "038", "06", "Không", "38"},
	{false, 2001, "094", "05", "Phật giáo", "92"},
	{true, 2004, "027", "01", "Không", "24"},
	{false, 2012, "046", "01", "Không", "46"},
	{true, 1980, "034", "02", "Không", "22"},
	{false, 1968, "056", "01", "Không", "56"},
}

const (
	convictedCitizen  = 4
	incompleteCitizen = 10
	// Civil-status books before this year are not digitised.
	firstDigitisedBirthYear = 1975
)

func genCitizen(q *splitmix, i int, spec citizenSpec, employers []*enterpriseRow) *citizenRow {
	family, name := personName(q, spec.male)
	month, day := 1+q.intn(12), 1+q.intn(28)
	c := natdb.Citizen{
		SoDinhDanh: cccd(q, spec.birthCode, spec.male, spec.born),
		HoVaTen:    name,
		NgaySinh:   date(day, month, spec.born),
		GioiTinh:   genderOf(spec.male),
		DanToc:     ethnic(spec.ethnic),
		TonGiao:    spec.religion,
		QuocTich:   nationVN,
	}
	if spec.born < 1995 {
		c.SoCMND = "0" + q.digits(8)
	}
	origin := birthCodes[spec.birthCode]
	c.QueQuan = addressIn(q, origin, false)
	c.NoiThuongTru = addressIn(q, spec.home, true)
	c.NoiOHienTai = c.NoiThuongTru
	if i%3 == 1 {
		c.NoiOHienTai = addressIn(q, spec.home, true)
	}
	fatherYear := spec.born - 24 - q.intn(8)
	_, fatherRest := personName(q, true)
	c.Cha = &natdb.Relative{HoVaTen: family + fatherRest[strings.Index(fatherRest, " "):], NamSinh: fmt.Sprint(fatherYear)}
	_, mother := personName(q, false)
	c.Me = &natdb.Relative{HoVaTen: mother, NamSinh: fmt.Sprint(fatherYear + q.intn(5))}
	age := asOfYear - spec.born
	switch {
	case age < 18:
		c.TinhTrangHonNhan = "Chưa kết hôn"
	case i == 2:
		c.TinhTrangHonNhan = "Ly hôn"
	case age >= 27:
		c.TinhTrangHonNhan = "Đã kết hôn"
		_, spouse := personName(q, !spec.male)
		c.VoChong = &natdb.Relative{HoVaTen: spouse, NamSinh: fmt.Sprint(spec.born + q.intn(7) - 3)}
	default:
		c.TinhTrangHonNhan = "Chưa kết hôn"
	}
	row := &citizenRow{rec: c}

	if spec.born >= firstDigitisedBirthYear {
		regDay := day + 10 + q.intn(20)
		regMonth, regYear := month, spec.born
		if regDay > 28 {
			regDay -= 28
			regMonth++
			if regMonth > 12 {
				regMonth, regYear = 1, regYear+1
			}
		}
		kind := "Đăng ký đúng hạn"
		if spec.born < 2000 {
			kind = "Đăng ký lại"
			regYear = 2000 + q.intn(10)
		}
		row.birth = &natdb.BirthRecord{
			SoDinhDanh: c.SoDinhDanh, HoVaTen: c.HoVaTen, NgaySinh: c.NgaySinh, GioiTinh: c.GioiTinh,
			DanToc: c.DanToc, QuocTich: c.QuocTich,
			NoiSinh:      "Trạm y tế " + c.QueQuan.DiaChiDayDu,
			QueQuan:      c.QueQuan.DiaChiDayDu,
			Cha:          c.Cha,
			Me:           c.Me,
			SoDangKy:     fmt.Sprint(1 + q.intn(400)),
			QuyenSo:      fmt.Sprintf("01/%d", regYear),
			NgayDangKy:   date(regDay, regMonth, regYear),
			CoQuanDangKy: "Ủy ban nhân dân " + c.QueQuan.DiaChiDayDu,
			LoaiDangKy:   kind,
		}
	}

	row.judicial = natdb.JudicialRecord{
		SoDinhDanh: c.SoDinhDanh, HoVaTen: c.HoVaTen, NgaySinh: c.NgaySinh,
		TinhTrangAnTich: "Không có án tích", DanhSachAnTich: []natdb.Conviction{}, NgayCapNhat: dataAsOf,
	}
	if i == convictedCitizen {
		row.judicial.TinhTrangAnTich = "Có án tích"
		row.judicial.DanhSachAnTich = []natdb.Conviction{{
			BanAn:    "Bản án số 45/2024/HS-ST ngày 12/06/2024",
			ToaAn:    "Tòa án nhân dân quận Lê Chân, thành phố Hải Phòng",
			ToiDanh:  "Vi phạm quy định về tham gia giao thông đường bộ",
			DieuLuat: "Khoản 1 Điều 260 Bộ luật Hình sự năm 2015",
			HinhPhat: "12 tháng tù cho hưởng án treo, thời gian thử thách 24 tháng",
		}}
	}

	if age >= 18 {
		row.insurance = genInsurance(q, c, spec, employers)
	}

	if i == incompleteCitizen {
		row.incomplete = true
		row.rec.QueQuan = nil
		row.rec.NoiOHienTai = nil
	}
	return row
}

func genInsurance(q *splitmix, c natdb.Citizen, spec citizenSpec, employers []*enterpriseRow) *natdb.InsuranceHistory {
	h := &natdb.InsuranceHistory{
		MaSoBHXH: c.SoDinhDanh[2:], HoVaTen: c.HoVaTen, NgaySinh: c.NgaySinh, GioiTinh: c.GioiTinh,
		NgayCapNhat: dataAsOf, QuaTrinh: []natdb.InsurancePeriod{},
	}
	// Months are counted as year*12+month-1.
	start := max(spec.born+21, 2005)*12 + q.intn(12)
	end := asOfYear*12 + asOfMonth - 1
	running := true
	if retire := (spec.born + 60) * 12; retire < end {
		end, running = retire, false
	}
	if start > end {
		start = end - 11
	}
	periods := 1 + q.intn(3)
	span := (end - start + 1) / periods
	if span < 12 {
		periods, span = 1, end-start+1
	}
	salary := int64(5_000_000 + q.intn(40)*100_000)
	titles := []string{"Nhân viên", "Kỹ sư", "Kế toán viên", "Chuyên viên", "Trưởng phòng"}
	for p := 0; p < periods; p++ {
		from := start + p*span
		to := from + span - 1
		if p == periods-1 {
			to = end
		}
		emp := employerAt(q, employers, from/12)
		per := natdb.InsurancePeriod{
			TuThang:     fmt.Sprintf("%02d/%d", from%12+1, from/12),
			DonVi:       emp.TenDoanhNghiep,
			MaDonVi:     emp.MaSoDoanhNghiep,
			ChucVu:      titles[min(p+q.intn(2), len(titles)-1)],
			MucLuong:    salary,
			LoaiBaoHiem: insuranceKind,
		}
		if p < periods-1 || !running {
			per.DenThang = fmt.Sprintf("%02d/%d", to%12+1, to/12)
		}
		h.QuaTrinh = append(h.QuaTrinh, per)
		h.TongSoThang += to - from + 1
		salary += int64(1+q.intn(6)) * 1_000_000
	}
	return h
}

// employerAt picks an enterprise that already existed in year, or the
// oldest one when none did.
func employerAt(q *splitmix, employers []*enterpriseRow, year int) natdb.Enterprise {
	founded := func(e *natdb.Enterprise) int {
		y, _ := strconv.Atoi(e.NgayThanhLap[len(e.NgayThanhLap)-4:])
		return y
	}
	var fit []*enterpriseRow
	oldest := employers[0]
	for _, e := range employers {
		if founded(&e.rec) <= year {
			fit = append(fit, e)
		}
		if founded(&e.rec) < founded(&oldest.rec) {
			oldest = e
		}
	}
	if len(fit) == 0 {
		return oldest.rec
	}
	return fit[q.intn(len(fit))].rec
}
