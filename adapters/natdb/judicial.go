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

// Kinds of judicial-record certificate (CertificateRequest.LoaiPhieu):
// Phiếu số 1 lists convictions not yet expunged; Phiếu số 2 lists every
// conviction and is issued only to the person concerned.
const (
	CertificateKind1 = 1
	CertificateKind2 = 2
)

// CertificateRequest is the body of yeuCauCapPhieu, a request for a
// judicial-record certificate. MaYeuCau is the caller's idempotency key (at
// most 64 characters): sending the same request again with it returns the
// first answer instead of filing a second request. SoDienThoai and
// DiaChiNhan (where to deliver the certificate) are optional.
type CertificateRequest struct {
	MaYeuCau    string `json:"maYeuCau"`
	SoDinhDanh  string `json:"soDinhDanh"`
	HoVaTen     string `json:"hoVaTen"`
	NgaySinh    string `json:"ngaySinh"`
	LoaiPhieu   int    `json:"loaiPhieu"`
	MucDich     string `json:"mucDich"`
	SoDienThoai string `json:"soDienThoai,omitempty"`
	DiaChiNhan  string `json:"diaChiNhan,omitempty"`
}

// States of a certificate request (TrangThai.Ma of CertificateReceipt and
// CertificateStatus).
const (
	CertificateReceived  = "1" // Đã tiếp nhận
	CertificateVerifying = "2" // Đang xác minh
	CertificateIssued    = "3" // Đã cấp phiếu
)

// CertificateReceipt is the answer of yeuCauCapPhieu: the receipt number
// to follow the request with (SoBienNhan), and when the certificate is due.
type CertificateReceipt struct {
	MaYeuCau     string   `json:"maYeuCau"`
	SoBienNhan   string   `json:"soBienNhan"`
	TrangThai    CodeName `json:"trangThai"`
	NgayTiepNhan string   `json:"ngayTiepNhan"`
	NgayHenTra   string   `json:"ngayHenTra"`
}

// CertificateStatus is the answer of trangThaiYeuCau. SoPhieu and
// NgayCapPhieu are set once the certificate has been issued.
type CertificateStatus struct {
	SoBienNhan   string   `json:"soBienNhan"`
	MaYeuCau     string   `json:"maYeuCau"`
	LoaiPhieu    int      `json:"loaiPhieu"`
	TrangThai    CodeName `json:"trangThai"`
	NgayTiepNhan string   `json:"ngayTiepNhan"`
	NgayHenTra   string   `json:"ngayHenTra"`
	NgayCapNhat  string   `json:"ngayCapNhat"`
	SoPhieu      string   `json:"soPhieu,omitempty"`
	NgayCapPhieu string   `json:"ngayCapPhieu,omitempty"`
}
