package dvcqg

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTimeRoundTripInHoChiMinh(t *testing.T) {
	if Zone.String() != "Asia/Ho_Chi_Minh" {
		t.Fatalf("zone %s", Zone)
	}
	// 17:30 UTC on 31 December is already 00:30 on 1 January in Vietnam.
	utc := time.Date(2025, 12, 31, 17, 30, 45, 999_000_000, time.UTC)
	s := FormatTime(utc)
	if s != "20260101003045" {
		t.Fatalf("FormatTime(%v) = %s", utc, s)
	}
	back, err := ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(utc.Truncate(time.Second)) || back.Location() != Zone {
		t.Fatalf("ParseTime(%s) = %v", s, back)
	}
	if _, off := back.Zone(); off != 7*3600 {
		t.Fatalf("offset %d", off)
	}
	// The same instant from any zone writes the same text.
	ny, _ := time.LoadLocation("America/New_York")
	if FormatTime(utc.In(ny)) != s {
		t.Fatal("FormatTime depends on the time's own zone")
	}
	if FormatTime(time.Time{}) != "" {
		t.Fatal("the zero time is not empty")
	}
	for _, bad := range []string{"", "2026010100304", "202601010030451", "2026-01-01 00:30", "20261301003045", "20260230120000", "2026010124000x"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestCheckMaHoSo(t *testing.T) {
	for _, ok := range []string{"000.00.14.H56-200203-0118", "28.22.H17-260302-000001", "000.00.00.H30-240229-9999"} {
		if err := CheckMaHoSo(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"", "000.00.14.H56", "000.00.14.H56-200203", "H56-200203-0118", "000.00.14.H56-200230-0118",
		"000.00.14.H56-2002031-0118", "000.00.14.H56-200203-118", "000.00.14.H56-200203-01a8",
		"000..14.H56-200203-0118", "000.00.14.H56-200203-0118-1", "000.00.14 H56-200203-0118",
		"000.00.14.H56-250229-0001", strings.Repeat("1.", 40) + "H56-200203-0118",
	} {
		if err := CheckMaHoSo(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if AgencyOf("000.00.14.H56-200203-0118") != "000.00.14.H56" || AgencyOf("x") != "x" {
		t.Fatal("AgencyOf")
	}
}

func TestValidStatus(t *testing.T) {
	for i := 1; i <= 10; i++ {
		if !ValidStatus(strconv.Itoa(i)) {
			t.Errorf("status %d refused", i)
		}
	}
	for _, bad := range []string{"", "0", "11", "01", " 1", "a"} {
		if ValidStatus(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The JSON names are the portal's, exactly, and empty optional fields are
// left out.
func TestHoSoJSONNames(t *testing.T) {
	h := HoSo{
		MaHoSo: "000.00.14.H56-200203-0118", TrangThaiHoSo: StatusReceived, PhienBan: 3,
		TaiLieuNop:           []TaiLieu{{TepDinhKemID: "1", TenTepDinhKem: "a.pdf"}},
		DanhSachLePhi:        []LePhi{{MaPhiLePhi: "P", TenPhiLePhi: "Phí", Gia: 50000}},
		DanhSachHoSoBoSung:   []HoSoBoSung{{HoSoBoSungID: "b1", NgayBoSung: "20200205090000"}},
		DanhSachGiayToKetQua: []GiayToKetQua{{GiayToID: "g1", TenGiayTo: "Giấy phép"}},
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"MaHoSo":"000.00.14.H56-200203-0118"`, `"TrangThaiHoSo":"2"`, `"PhienBan":3`, `"MaTTHC":""`,
		`"TaiLieuNop":[{"TepDinhKemId":"1","TenTepDinhKem":"a.pdf"}]`, `"Gia":50000`,
		`"DanhSachHoSoBoSung":[{"HoSoBoSungId":"b1"`, `"DanhSachGiayToKetQua":[{"GiayToId":"g1"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %s", s, want)
		}
	}
	for _, absent := range []string{"Email", "NgayTra", "NgayKetThucXuLy", "GhiChu", "MaDoiTuong", "HinhThucThu", "NgayHenTraMoi"} {
		if strings.Contains(s, `"`+absent+`"`) {
			t.Errorf("%s: empty %s written", s, absent)
		}
	}
	dates := h.Dates()
	if len(dates) != 8 || dates[4] != [2]string{"NgayBoSung", "20200205090000"} {
		t.Fatalf("dates %v", dates)
	}
}

func TestItemResult(t *testing.T) {
	for _, c := range []struct {
		code          string
		ok, permanent bool
	}{
		{CodeOK, true, false},
		{CodeInvalidData, false, true},
		{CodeSystemError, false, false},
		{CodeSessionInvalid, false, false},
		{"42", false, true}, // unknown: a person looks at it
	} {
		r := ItemResult{Code: c.code}
		if r.OK() != c.ok || r.Permanent() != c.permanent {
			t.Errorf("%s: OK %v Permanent %v", c.code, r.OK(), r.Permanent())
		}
	}
}
