package onestop

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/dvcqg"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

// TestPortalPayloadGolden pins the DongBoHoSoMC and CapNhatTienDoHoSoMC
// items the portal receives for a dossier with every list filled: field
// names, date format and zone, codes of status, applicant kind and
// channel.
func TestPortalPayloadGolden(t *testing.T) {
	at := func(d, h int) time.Time { return time.Date(2026, 2, d, h, 30, 0, 0, dvcqg.Zone) }
	d := &dossier{
		Code: "000.01.14.H56-260211-0007", Receiving: "000.01.14.H56", Handling: "000.00.14.H56", Level: "district",
		Procedure: "1.000894.000.00.00.H56", Status: stFinished,
		Received: at(11, 9), Due: time.Date(2026, 2, 26, 17, 0, 0, 0, dvcqg.Zone), Finished: at(26, 15), PausedDays: -1,
		SyncVersion: 7,
		Body: body{
			ProcedureName: "Đăng ký khai sinh", FieldCode: "HT", FieldName: "Hộ tịch",
			Applicant: applicant{Kind: 1, ID: "056090001234", Name: "Nguyễn Thị Lan", Phone: "0901234567", Email: "lan@example.vn"},
			Summary:   "Đăng ký khai sinh cho con", Channel: 2, ReceiptNumber: "BN-0007",
			Documents:   []document{{ID: "TK01", Name: "Tờ khai đăng ký khai sinh"}},
			Fees:        []fee{{Code: "LP01", Name: "Lệ phí đăng ký khai sinh", Amount: 8000, Method: "Tiền mặt"}},
			Results:     []resultPaper{{ID: "KQ01", Name: "Giấy khai sinh", URL: "https://example.vn/kq/KQ01"}},
			Supplements: []supplement{{ID: "000.01.14.H56-260211-0007-BS1", RequestedBy: "Cán bộ huyện", Content: "Bổ sung giấy chứng sinh", RequestedMS: at(12, 9).UnixMilli(), ReceivedMS: at(24, 9).UnixMilli(), DueBeforeMS: time.Date(2026, 2, 23, 17, 0, 0, 0, dvcqg.Zone).UnixMilli(), DueAfterMS: time.Date(2026, 2, 26, 17, 0, 0, 0, dvcqg.Zone).UnixMilli()}},
			Note:        "Đã ký giấy khai sinh",
		},
	}
	h := hoSo(d)
	h.PhienBan = d.SyncVersion + 1
	got, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "dongbohosomc.golden.json", append(got, '\n'))
	step := dvcqg.TienDo{MaHoSo: d.Code, NguoiXuLy: "Trần Văn B", ChucDanh: "Chuyên viên", ThoiDiemXuLy: dvcqg.FormatTime(at(12, 8)),
		PhongBanXuLy: "Tư pháp - Hộ tịch", NoiDungXuLy: "Chuyển liên thông từ 000.01.14.H56 đến 000.00.14.H56 (district)", TrangThai: "4", PhienBan: 4}
	got, _ = json.MarshalIndent(step, "", "  ")
	golden(t, "capnhattiendohosomc.golden.json", append(got, '\n'))
}

// FuzzParseCode: a code parses only in its documented form, and a code
// built by formatCode parses back to its parts.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"000.00.14.H56-200203-0118", "28.22.H17-260101-0001", "000.01.14.H56-261231-12345", "x-1-1", "", "000.00.14.H56-201340-0001", "-260101-0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		agency, day, seq, ok := parseCode(s)
		if !ok {
			return
		}
		if seq <= 0 || agency == "" || day.IsZero() {
			t.Fatalf("%q parsed to %q %v %d", s, agency, day, seq)
		}
		back := formatCode(agency, day, int64(seq))
		a2, d2, n2, ok2 := parseCode(back)
		if !ok2 || a2 != agency || !d2.Equal(day) || n2 != seq {
			t.Fatalf("%q → %q does not parse back", s, back)
		}
	})
}
