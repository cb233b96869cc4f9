package natdb

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
