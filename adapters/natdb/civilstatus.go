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
