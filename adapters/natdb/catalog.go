package natdb

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
