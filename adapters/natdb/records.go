package natdb

// This package is the one place where the national field names live. Every
// record NGSP serves is one of its types; nobody builds the JSON by hand.
// This file holds what the databases share.

// Layouts of the national date formats, for time.Parse and Format.
const (
	DateLayout  = "02/01/2006"
	MonthLayout = "01/2006"
)

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
