package natdb

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
