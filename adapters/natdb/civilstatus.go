package natdb

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

// Spouse is one party of a marriage as the marriage register names them.
type Spouse struct {
	HoVaTen    string   `json:"hoVaTen"`
	NgaySinh   string   `json:"ngaySinh"`
	SoDinhDanh string   `json:"soDinhDanh"`
	DanToc     CodeName `json:"danToc"`
	QuocTich   CodeName `json:"quocTich"`
	NoiCuTru   string   `json:"noiCuTru"`
}

// Marriage states (MarriageRecord.TinhTrang.Ma).
const (
	MarriageInForce      = "1" // Đang có hiệu lực
	MarriageEndedDivorce = "2" // Đã chấm dứt do ly hôn
	MarriageEndedDeath   = "3" // Đã chấm dứt do một bên chết
)

// MarriageRecord is a marriage registration (ketHon) from the civil-status
// DB: both spouses, where and when it was registered, and whether it still
// stands. GhiChu carries the marginal note of a divorce or a death.
type MarriageRecord struct {
	Chong      Spouse   `json:"chong"`
	Vo         Spouse   `json:"vo"`
	SoDangKy   string   `json:"soDangKy"`
	QuyenSo    string   `json:"quyenSo"`
	NgayDangKy string   `json:"ngayDangKy"`
	NoiDangKy  string   `json:"noiDangKy"`
	LoaiDangKy string   `json:"loaiDangKy"`
	TinhTrang  CodeName `json:"tinhTrang"`
	GhiChu     string   `json:"ghiChu,omitempty"`
}

// Declarant is who declared a death, and how they are related.
type Declarant struct {
	HoVaTen    string `json:"hoVaTen"`
	QuanHe     string `json:"quanHe"`
	SoDinhDanh string `json:"soDinhDanh,omitempty"`
}

// DeathRecord is a death registration (khaiTu) from the civil-status DB.
// GioMat is HH:mm; GiayBaoTu names the death notice the registration rests
// on.
type DeathRecord struct {
	SoDinhDanh       string    `json:"soDinhDanh"`
	HoVaTen          string    `json:"hoVaTen"`
	NgaySinh         string    `json:"ngaySinh"`
	GioiTinh         CodeName  `json:"gioiTinh"`
	DanToc           CodeName  `json:"danToc"`
	QuocTich         CodeName  `json:"quocTich"`
	NoiCuTruCuoiCung string    `json:"noiCuTruCuoiCung"`
	NgayMat          string    `json:"ngayMat"`
	GioMat           string    `json:"gioMat"`
	NoiMat           string    `json:"noiMat"`
	NguyenNhan       string    `json:"nguyenNhan"`
	GiayBaoTu        string    `json:"giayBaoTu"`
	NguoiDiKhai      Declarant `json:"nguoiDiKhai"`
	SoDangKy         string    `json:"soDangKy"`
	QuyenSo          string    `json:"quyenSo"`
	NgayDangKy       string    `json:"ngayDangKy"`
	NoiDangKy        string    `json:"noiDangKy"`
	LoaiDangKy       string    `json:"loaiDangKy"`
}

// States of a civil-status registration dossier (RegistrationStatus.TrangThai.Ma).
const (
	DossierReceived   = "1" // Đã tiếp nhận
	DossierProcessing = "2" // Đang giải quyết
	DossierAwaiting   = "3" // Chờ bổ sung hồ sơ
	DossierReady      = "4" // Đã có kết quả, chờ trả
	DossierReturned   = "5" // Đã trả kết quả
	DossierRefused    = "6" // Từ chối giải quyết
)

// RegistrationStatus is where a civil-status registration dossier stands
// (trangThaiHoSo). It names no person: the status is all it tells.
// NgayTraKetQua is set once the result has been handed over.
type RegistrationStatus struct {
	SoHoSo        string   `json:"soHoSo"`
	LoaiHoSo      CodeName `json:"loaiHoSo"`
	TrangThai     CodeName `json:"trangThai"`
	NgayTiepNhan  string   `json:"ngayTiepNhan"`
	NgayHenTra    string   `json:"ngayHenTra"`
	NgayTraKetQua string   `json:"ngayTraKetQua,omitempty"`
	CoQuanXuLy    string   `json:"coQuanXuLy"`
	GhiChu        string   `json:"ghiChu,omitempty"`
}
