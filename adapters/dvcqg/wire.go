package dvcqg

import (
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh must resolve on hosts without a zone database.
)

// The portal's wire shapes, shared by the connector and the simulator
// (adapters/sim/dvcqg), so that both speak exactly one dialect. Field names
// are the portal's, Vietnamese, as they go on the wire.

// Call names: the last path segment of each call.
const (
	CallLayPhien            = "LayPhien"            // log in, get a session
	CallDongBoHoSoMC        = "DongBoHoSoMC"        // sync a batch of dossiers
	CallCapNhatTienDoHoSoMC = "CapNhatTienDoHoSoMC" // a batch of processing steps
	CallTraCuuHoSo          = "TraCuuHoSo"          // look a dossier up
)

// Error codes (error_code). "00" is success.
const (
	CodeOK             = "00"
	CodeSessionInvalid = "01" // the session is missing, unknown or expired: log in again
	CodeBadCredentials = "02" // LayPhien refused the username or password
	CodeInvalidData    = "03" // the item (or the request) is not acceptable; resending will not help
	CodeNotFound       = "04" // TraCuuHoSo: no such dossier
	CodeSystemError    = "99" // the portal failed; try again later
)

// Dossier statuses (TrangThaiHoSo; TrangThai of a processing step).
const (
	StatusNew                 = "1"  // mới đăng ký
	StatusReceived            = "2"  // đã tiếp nhận
	StatusNotAccepted         = "3"  // không được tiếp nhận
	StatusProcessing          = "4"  // đang xử lý
	StatusSupplementRequested = "5"  // yêu cầu bổ sung
	StatusFinancialObligation = "6"  // yêu cầu thực hiện nghĩa vụ tài chính
	StatusWithdrawn           = "7"  // công dân yêu cầu rút hồ sơ
	StatusStopped             = "8"  // dừng xử lý
	StatusFinished            = "9"  // đã xử lý xong
	StatusReturned            = "10" // đã trả kết quả
)

// ValidStatus reports whether s is a status code, "1" to "10".
func ValidStatus(s string) bool {
	switch s {
	case StatusNew, StatusReceived, StatusNotAccepted, StatusProcessing, StatusSupplementRequested,
		StatusFinancialObligation, StatusWithdrawn, StatusStopped, StatusFinished, StatusReturned:
		return true
	}
	return false
}

// Applicant kinds (LoaiDoiTuong).
const (
	ApplicantCitizen  = "1"
	ApplicantBusiness = "2"
)

// Submission channels (HinhThuc).
const (
	ChannelCounter = "0" // at the one-stop counter
	ChannelOnline  = "1"
	ChannelPost    = "2"
)

// HoSo is one dossier, as DongBoHoSoMC takes it and TraCuuHoSo gives it.
// Dates are strings in TimeLayout (FormatTime); statuses are strings.
type HoSo struct {
	MaHoSo          string `json:"MaHoSo"` // <receiving agency code>-<yyMMdd>-<NNNN>
	MaTTHC          string `json:"MaTTHC"` // procedure code, e.g. 1.011442.000.00.00.H38
	TenTTHC         string `json:"TenTTHC"`
	MaLinhVuc       string `json:"MaLinhVuc"`
	TenLinhVuc      string `json:"TenLinhVuc"`
	SoBienNhan      string `json:"SoBienNhan"`
	ChuHoSo         string `json:"ChuHoSo"`
	LoaiDoiTuong    string `json:"LoaiDoiTuong"` // ApplicantCitizen or ApplicantBusiness
	MaDoiTuong      string `json:"MaDoiTuong,omitempty"`
	Email           string `json:"Email,omitempty"`
	SoDienThoai     string `json:"SoDienThoai,omitempty"`
	TrichYeuHoSo    string `json:"TrichYeuHoSo"`
	NgayTiepNhan    string `json:"NgayTiepNhan"`
	NgayHenTra      string `json:"NgayHenTra"`
	TrangThaiHoSo   string `json:"TrangThaiHoSo"` // "1" to "10"
	NgayTra         string `json:"NgayTra,omitempty"`
	HinhThuc        string `json:"HinhThuc"` // ChannelCounter, ChannelOnline or ChannelPost
	NgayKetThucXuLy string `json:"NgayKetThucXuLy,omitempty"`
	DonViXuLy       string `json:"DonViXuLy,omitempty"`
	GhiChu          string `json:"GhiChu,omitempty"`

	TaiLieuNop           []TaiLieu      `json:"TaiLieuNop,omitempty"`
	DanhSachLePhi        []LePhi        `json:"DanhSachLePhi,omitempty"`
	DanhSachHoSoBoSung   []HoSoBoSung   `json:"DanhSachHoSoBoSung,omitempty"`
	DanhSachGiayToKetQua []GiayToKetQua `json:"DanhSachGiayToKetQua,omitempty"`

	// PhienBan is ours: the sequence number of this change of the dossier,
	// shared with its processing steps (see the package documentation).
	PhienBan int64 `json:"PhienBan"`
}

// TaiLieu is a document the applicant submitted.
type TaiLieu struct {
	TepDinhKemID  string `json:"TepDinhKemId"`
	TenTepDinhKem string `json:"TenTepDinhKem"`
}

// LePhi is a fee or charge of the dossier.
type LePhi struct {
	MaPhiLePhi  string `json:"MaPhiLePhi"`
	TenPhiLePhi string `json:"TenPhiLePhi"`
	Gia         int64  `json:"Gia"` // in VND
	HinhThucThu string `json:"HinhThucThu,omitempty"`
}

// HoSoBoSung is a request to supplement the dossier.
type HoSoBoSung struct {
	HoSoBoSungID       string `json:"HoSoBoSungId"`
	NguoiYeuCauBoSung  string `json:"NguoiYeuCauBoSung"`
	NoiDungBoSung      string `json:"NoiDungBoSung"`
	NgayBoSung         string `json:"NgayBoSung"`
	NgayTiepNhanBoSung string `json:"NgayTiepNhanBoSung,omitempty"`
	TrangThaiBoSung    string `json:"TrangThaiBoSung,omitempty"`
	NgayHenTraTruoc    string `json:"NgayHenTraTruoc,omitempty"`
	NgayHenTraMoi      string `json:"NgayHenTraMoi,omitempty"`
}

// GiayToKetQua is a result paper issued for the dossier.
type GiayToKetQua struct {
	GiayToID             string `json:"GiayToId"`
	TenGiayTo            string `json:"TenGiayTo"`
	DuongDanTepTinKetQua string `json:"DuongDanTepTinKetQua,omitempty"`
}

// Dates lists the dossier's dates with their field names, those of its
// supplement requests included, for a receiver to check.
func (h *HoSo) Dates() [][2]string {
	out := [][2]string{
		{"NgayTiepNhan", h.NgayTiepNhan}, {"NgayHenTra", h.NgayHenTra},
		{"NgayTra", h.NgayTra}, {"NgayKetThucXuLy", h.NgayKetThucXuLy},
	}
	for _, b := range h.DanhSachHoSoBoSung {
		out = append(out,
			[2]string{"NgayBoSung", b.NgayBoSung}, [2]string{"NgayTiepNhanBoSung", b.NgayTiepNhanBoSung},
			[2]string{"NgayHenTraTruoc", b.NgayHenTraTruoc}, [2]string{"NgayHenTraMoi", b.NgayHenTraMoi})
	}
	return out
}

// TienDo is one processing step of a dossier, as CapNhatTienDoHoSoMC
// takes it.
type TienDo struct {
	MaHoSo       string `json:"MaHoSo"`
	NguoiXuLy    string `json:"NguoiXuLy"`
	ChucDanh     string `json:"ChucDanh,omitempty"`
	ThoiDiemXuLy string `json:"ThoiDiemXuLy"`
	PhongBanXuLy string `json:"PhongBanXuLy,omitempty"`
	NoiDungXuLy  string `json:"NoiDungXuLy"`
	TrangThai    string `json:"TrangThai"` // "1" to "10"
	PhienBan     int64  `json:"PhienBan"`
}

// Answer is the envelope of every answer.
type Answer struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// LoginRequest is the body of LayPhien.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// LoginAnswer answers LayPhien: the session and its lifetime in seconds.
type LoginAnswer struct {
	Answer
	Session   string `json:"session,omitempty"`
	ExpiresIn int64  `json:"expires_in,omitempty"`
}

// BatchRequest is the body of DongBoHoSoMC (T is HoSo) and
// CapNhatTienDoHoSoMC (T is TienDo). AgencyCode is the province's code at
// the portal (madonvi).
type BatchRequest[T any] struct {
	Session    string `json:"session"`
	AgencyCode string `json:"madonvi"`
	Data       []T    `json:"data"`
}

// ItemResult is the portal's answer for one item of a batch.
type ItemResult struct {
	MaHoSo   string `json:"MaHoSo"`
	PhienBan int64  `json:"PhienBan"`
	Code     string `json:"error_code"`
	Message  string `json:"message"`
}

// OK reports whether the portal has the item (recorded now or before).
func (r ItemResult) OK() bool { return r.Code == CodeOK }

// Permanent reports whether the portal refused the item for good ("03",
// or a code this package does not know): the item goes to a dead letter
// for a person to look at. "99" and "01" are not permanent.
func (r ItemResult) Permanent() bool {
	switch r.Code {
	case CodeOK, CodeSystemError, CodeSessionInvalid:
		return false
	}
	return true
}

// BatchAnswer answers DongBoHoSoMC and CapNhatTienDoHoSoMC: one result
// per item, in the order sent.
type BatchAnswer struct {
	Answer
	Results []ItemResult `json:"results"`
}

// LookupRequest is the body of TraCuuHoSo.
type LookupRequest struct {
	Session    string `json:"session"`
	AgencyCode string `json:"madonvi"`
	MaHoSo     string `json:"MaHoSo"`
}

// LookupAnswer answers TraCuuHoSo: the dossier and its processing steps.
type LookupAnswer struct {
	Answer
	Data   *HoSo    `json:"data,omitempty"`
	TienDo []TienDo `json:"tien_do,omitempty"`
}

// TimeLayout is how dates are written, in Asia/Ho_Chi_Minh.
const TimeLayout = "20060102150405"

// Zone is Asia/Ho_Chi_Minh, the zone of every date on the wire.
var Zone = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("dvcqg: " + err.Error()) // cannot happen: time/tzdata is embedded
	}
	return loc
}

// FormatTime writes t as the portal does: yyyyMMddHHmmss in
// Asia/Ho_Chi_Minh. The zero time is "", for optional dates.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Zone).Format(TimeLayout)
}

// ParseTime reads a date written by FormatTime.
func ParseTime(s string) (time.Time, error) {
	if len(s) != len(TimeLayout) {
		return time.Time{}, fmt.Errorf("date %q: want yyyyMMddHHmmss", s)
	}
	t, err := time.ParseInLocation(TimeLayout, s, Zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: want yyyyMMddHHmmss", s)
	}
	return t, nil
}

// AgencyOf returns the receiving agency's code of a dossier code: the part
// before its first '-'.
func AgencyOf(maHoSo string) string {
	agency, _, _ := strings.Cut(maHoSo, "-")
	return agency
}

// CheckMaHoSo reports why a dossier code is not
// <receiving agency code>-<yyMMdd>-<NNNN>, e.g. 000.00.14.H56-200203-0118
// (the sequence has at least four digits), or nil. The agency code is read
// leniently: two to six dot-separated groups of letters and digits, as
// real codes, short ones included, are written.
func CheckMaHoSo(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if len(s) > 100 {
		return errors.New("longer than 100 characters")
	}
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return errors.New("want <agency code>-<yyMMdd>-<NNNN>")
	}
	if !validAgencyCode(parts[0]) {
		return fmt.Errorf("%q is not an agency code", parts[0])
	}
	if len(parts[1]) != 6 || !digits(parts[1]) {
		return fmt.Errorf("%q is not a date yyMMdd", parts[1])
	}
	if _, err := time.Parse("060102", parts[1]); err != nil {
		return fmt.Errorf("%q is not a date yyMMdd", parts[1])
	}
	if len(parts[2]) < 4 || !digits(parts[2]) {
		return fmt.Errorf("%q is not a sequence of at least four digits", parts[2])
	}
	return nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func validAgencyCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	groups := strings.Split(s, ".")
	if len(groups) < 2 || len(groups) > 6 {
		return false
	}
	for _, g := range groups {
		if g == "" {
			return false
		}
		for i := 0; i < len(g); i++ {
			c := g[i]
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return false
			}
		}
	}
	return true
}
