package natdb

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

// MaxChangeRangeDays is the longest range doanhNghiepThayDoi answers, both
// ends counted: 01/06/2026–05/06/2026 is five days.
const MaxChangeRangeDays = 5

// EnterpriseChange is one hit of doanhNghiepThayDoi: an enterprise whose
// latest registration change (NgayThayDoiGanNhat) falls in the range asked.
// NoiDungThayDoi says what that change was.
type EnterpriseChange struct {
	MaSoDoanhNghiep    string   `json:"maSoDoanhNghiep"`
	MaSoDoanhNghiepMe  string   `json:"maSoDoanhNghiepMe,omitempty"`
	TenDoanhNghiep     string   `json:"tenDoanhNghiep"`
	MaTinh             string   `json:"maTinh"`
	TinhTrangHoatDong  CodeName `json:"tinhTrangHoatDong"`
	NgayThayDoiGanNhat string   `json:"ngayThayDoiGanNhat"`
	LanThayDoi         int      `json:"lanThayDoi"`
	NoiDungThayDoi     CodeName `json:"noiDungThayDoi"`
}

// EnterpriseChanges is the answer of doanhNghiepThayDoi, oldest change
// first. An empty range is a success with an empty list.
type EnterpriseChanges struct {
	TuNgay   string             `json:"tuNgay"`
	DenNgay  string             `json:"denNgay"`
	TongSo   int                `json:"tongSo"`
	DanhSach []EnterpriseChange `json:"danhSach"`
}
