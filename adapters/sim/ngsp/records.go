package ngsp

// This file is the one place where the national field names live. Every
// record the simulator serves is one of these types; handlers never build
// JSON by hand. Dates are dd/MM/yyyy, months MM/yyyy, money whole đồng.

// Envelope wraps every data-API answer.
type Envelope struct {
	// ErrorCode is "0" on success, otherwise a national code such as "201".
	ErrorCode string `json:"errorCode"`
	// ErrorName is the symbolic name, e.g. "RECORD_NOT_FOUND".
	ErrorName      string `json:"errorName"`
	ErrorMessage   string `json:"errorMessage"`
	ErrorMessageVi string `json:"errorMessageVi"`
	RequestID      string `json:"requestId,omitempty"`
	// Data is the record, or null on error. With errorCode 200
	// (RECORD_UNCOMPLETE) it is the partial record.
	Data any `json:"data"`
}

// CodeName is a catalog reference: code and label.
type CodeName struct {
	Ma  string `json:"ma"`
	Ten string `json:"ten"`
}

// Address is a post-2025 two-level address: street, ward/commune, province.
type Address struct {
	SoNhaDuong   string `json:"soNhaDuong,omitempty"`
	PhuongXa     string `json:"phuongXa"`
	TinhThanhPho string `json:"tinhThanhPho"`
	MaTinh       string `json:"maTinh"`
	DiaChiDayDu  string `json:"diaChiDayDu"`
}

// Enterprise is a business-registration record (chiTietDoanhNghiep). A
// branch has a 10-3 code and names its parent in MaSoDoanhNghiepMe.
type Enterprise struct {
	MaSoDoanhNghiep      string           `json:"maSoDoanhNghiep"`
	MaSoDoanhNghiepMe    string           `json:"maSoDoanhNghiepMe,omitempty"`
	TenDoanhNghiep       string           `json:"tenDoanhNghiep"`
	TenTiengAnh          string           `json:"tenTiengAnh"`
	TenVietTat           string           `json:"tenVietTat"`
	LoaiHinhDoanhNghiep  CodeName         `json:"loaiHinhDoanhNghiep"`
	TinhTrangHoatDong    CodeName         `json:"tinhTrangHoatDong"`
	NgayThanhLap         string           `json:"ngayThanhLap"`
	NgayThayDoiGanNhat   string           `json:"ngayThayDoiGanNhat,omitempty"`
	LanThayDoi           int              `json:"lanThayDoi"`
	DiaChiTruSo          Address          `json:"diaChiTruSo"`
	DienThoai            string           `json:"dienThoai,omitempty"`
	Email                string           `json:"email,omitempty"`
	Website              string           `json:"website,omitempty"`
	VonDieuLe            int64            `json:"vonDieuLe"`
	NganhNgheChinh       CodeName         `json:"nganhNgheChinh"`
	NguoiDaiDienPhapLuat []Representative `json:"nguoiDaiDienPhapLuat"`
	CoQuanDangKy         string           `json:"coQuanDangKy"`
	ChiNhanh             []string         `json:"chiNhanh,omitempty"`
}

// Representative is a legal representative (or a branch head). The identity
// document number is masked, as the public registration data shows it.
type Representative struct {
	HoTen      string `json:"hoTen"`
	ChucDanh   string `json:"chucDanh"`
	GioiTinh   string `json:"gioiTinh"`
	NgaySinh   string `json:"ngaySinh"`
	LoaiGiayTo string `json:"loaiGiayTo"`
	SoGiayTo   string `json:"soGiayTo"`
}

// EnterpriseSummary is one hit of timKiemDoanhNghiep.
type EnterpriseSummary struct {
	MaSoDoanhNghiep   string   `json:"maSoDoanhNghiep"`
	TenDoanhNghiep    string   `json:"tenDoanhNghiep"`
	TenTiengAnh       string   `json:"tenTiengAnh"`
	DiaChiTruSo       string   `json:"diaChiTruSo"`
	MaTinh            string   `json:"maTinh"`
	TinhTrangHoatDong CodeName `json:"tinhTrangHoatDong"`
}

// EnterpriseSearch is the answer of timKiemDoanhNghiep.
type EnterpriseSearch struct {
	TongSo   int                 `json:"tongSo"`
	DanhSach []EnterpriseSummary `json:"danhSach"`
}

// CatalogInfo describes one shared catalog in AllCategory.
type CatalogInfo struct {
	Ma          string `json:"ma"`
	Ten         string `json:"ten"`
	PhienBan    string `json:"phienBan"`
	NgayHieuLuc string `json:"ngayHieuLuc"`
	SoPhanTu    int    `json:"soPhanTu"`
}

// CatalogItem is one entry of a catalog. SapNhapTu lists the former units a
// province was merged from in 2025, which is how callers map old codes.
type CatalogItem struct {
	Ma        string     `json:"ma"`
	Ten       string     `json:"ten"`
	Cap       string     `json:"cap,omitempty"`
	SapNhapTu []CodeName `json:"sapNhapTu,omitempty"`
}

// Catalog is the answer of Category?ma=….
type Catalog struct {
	CatalogInfo
	DanhSach []CatalogItem `json:"danhSach"`
}

// Relative is a parent or spouse as the population record names them.
type Relative struct {
	HoVaTen string `json:"hoVaTen"`
	NamSinh string `json:"namSinh,omitempty"`
}

// Citizen is a population record (congDan).
type Citizen struct {
	SoDinhDanh       string    `json:"soDinhDanh"`
	SoCMND           string    `json:"soCMND,omitempty"`
	HoVaTen          string    `json:"hoVaTen"`
	NgaySinh         string    `json:"ngaySinh"`
	GioiTinh         CodeName  `json:"gioiTinh"`
	DanToc           CodeName  `json:"danToc"`
	TonGiao          string    `json:"tonGiao"`
	QuocTich         CodeName  `json:"quocTich"`
	QueQuan          *Address  `json:"queQuan"`
	NoiThuongTru     *Address  `json:"noiThuongTru"`
	NoiOHienTai      *Address  `json:"noiOHienTai"`
	TinhTrangHonNhan string    `json:"tinhTrangHonNhan"`
	Cha              *Relative `json:"cha,omitempty"`
	Me               *Relative `json:"me,omitempty"`
	VoChong          *Relative `json:"voChong,omitempty"`
}

// BirthRecord is a birth registration (khaiSinh) from the civil-status DB.
type BirthRecord struct {
	SoDinhDanh   string    `json:"soDinhDanh"`
	HoVaTen      string    `json:"hoVaTen"`
	NgaySinh     string    `json:"ngaySinh"`
	GioiTinh     CodeName  `json:"gioiTinh"`
	DanToc       CodeName  `json:"danToc"`
	QuocTich     CodeName  `json:"quocTich"`
	NoiSinh      string    `json:"noiSinh"`
	QueQuan      string    `json:"queQuan"`
	Cha          *Relative `json:"cha,omitempty"`
	Me           *Relative `json:"me,omitempty"`
	SoDangKy     string    `json:"soDangKy"`
	QuyenSo      string    `json:"quyenSo"`
	NgayDangKy   string    `json:"ngayDangKy"`
	CoQuanDangKy string    `json:"coQuanDangKy"`
	LoaiDangKy   string    `json:"loaiDangKy"`
}

// Conviction is one entry of a judicial record.
type Conviction struct {
	BanAn    string `json:"banAn"`
	ToaAn    string `json:"toaAn"`
	ToiDanh  string `json:"toiDanh"`
	DieuLuat string `json:"dieuLuat"`
	HinhPhat string `json:"hinhPhat"`
}

// JudicialRecord is the judicial-record status (tinhTrangAnTich).
type JudicialRecord struct {
	SoDinhDanh      string       `json:"soDinhDanh"`
	HoVaTen         string       `json:"hoVaTen"`
	NgaySinh        string       `json:"ngaySinh"`
	TinhTrangAnTich string       `json:"tinhTrangAnTich"`
	DanhSachAnTich  []Conviction `json:"danhSachAnTich"`
	NgayCapNhat     string       `json:"ngayCapNhat"`
}

// InsurancePeriod is one period of social-insurance contributions. An
// empty DenThang means the period is still running.
type InsurancePeriod struct {
	TuThang     string `json:"tuThang"`
	DenThang    string `json:"denThang"`
	DonVi       string `json:"donVi"`
	MaDonVi     string `json:"maDonVi"`
	ChucVu      string `json:"chucVu"`
	MucLuong    int64  `json:"mucLuong"`
	LoaiBaoHiem string `json:"loaiBaoHiem"`
}

// InsuranceHistory is the answer of quaTrinhThamGia.
type InsuranceHistory struct {
	MaSoBHXH    string            `json:"maSoBHXH"`
	HoVaTen     string            `json:"hoVaTen"`
	NgaySinh    string            `json:"ngaySinh"`
	GioiTinh    CodeName          `json:"gioiTinh"`
	TongSoThang int               `json:"tongSoThang"`
	QuaTrinh    []InsurancePeriod `json:"quaTrinh"`
	NgayCapNhat string            `json:"ngayCapNhat"`
}
