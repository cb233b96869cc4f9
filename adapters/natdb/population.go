package natdb

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
