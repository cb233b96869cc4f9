package ngsp

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestDatasetIsDeterministic(t *testing.T) {
	a, b := newDataset(), newDataset()
	if a.demo != b.demo {
		t.Fatalf("demo differs between runs: %+v vs %+v", a.demo, b.demo)
	}
	if len(a.enterpriseOrder) != len(b.enterpriseOrder) || len(a.citizenOrder) != len(b.citizenOrder) {
		t.Fatal("sizes differ between runs")
	}
	for i := range a.enterpriseOrder {
		if !reflect.DeepEqual(a.enterpriseOrder[i].rec, b.enterpriseOrder[i].rec) {
			t.Fatalf("enterprise %d differs", i)
		}
	}
	for i := range a.citizenOrder {
		x, y := a.citizenOrder[i], b.citizenOrder[i]
		if !reflect.DeepEqual(x.rec, y.rec) || !reflect.DeepEqual(x.birth, y.birth) || !reflect.DeepEqual(x.insurance, y.insurance) {
			t.Fatalf("citizen %d differs", i)
		}
	}
}

func TestEnterpriseCodes(t *testing.T) {
	d := newDataset()
	parents := 0
	for _, row := range d.enterpriseOrder {
		e := row.rec
		if !reMSDN.MatchString(e.MaSoDoanhNghiep) {
			t.Errorf("malformed code %q", e.MaSoDoanhNghiep)
		}
		base, branch, isBranch := strings.Cut(e.MaSoDoanhNghiep, "-")
		if c, ok := msdnCheckDigit(base[:9]); !ok || c != base[9] {
			t.Errorf("%s: check digit wrong", e.MaSoDoanhNghiep)
		}
		if isBranch {
			if e.MaSoDoanhNghiepMe != base || d.enterprises[base] == nil || branch == "000" {
				t.Errorf("branch %s has parent %q", e.MaSoDoanhNghiep, e.MaSoDoanhNghiepMe)
			}
			continue
		}
		parents++
		if _, ok := provinceByCode(e.DiaChiTruSo.MaTinh); !ok {
			t.Errorf("%s: province %q not in force", e.MaSoDoanhNghiep, e.DiaChiTruSo.MaTinh)
		}
		if e.TenDoanhNghiep == "" || e.NgayThanhLap == "" || e.CoQuanDangKy == "" {
			t.Errorf("%s: missing fields %+v", e.MaSoDoanhNghiep, e)
		}
	}
	if parents != 20 {
		t.Errorf("%d enterprises, want 20", parents)
	}
	// The check digit the registry computes for a known valid code.
	if c, ok := msdnCheckDigit("010010910"); !ok || c != '6' {
		t.Errorf("check digit of 010010910 = %c, %v", c, ok)
	}
}

func TestCitizenIDsEncodeBirth(t *testing.T) {
	d := newDataset()
	insured := 0
	for i, row := range d.citizenOrder {
		c := row.rec
		if !reCCCD.MatchString(c.SoDinhDanh) {
			t.Fatalf("malformed CCCD %q", c.SoDinhDanh)
		}
		born, ok := parseBirthDate(c.NgaySinh)
		if !ok {
			t.Fatalf("birth date %q", c.NgaySinh)
		}
		// Digit 4 is gender and century, digits 5–6 the year of birth.
		g, _ := strconv.Atoi(c.SoDinhDanh[3:4])
		male := g%2 == 0
		century := 1900 + 100*(g/2)
		yy, _ := strconv.Atoi(c.SoDinhDanh[4:6])
		if male != (c.GioiTinh == genderMale) || century+yy != born.Year() {
			t.Errorf("citizen %d: %s does not encode %s %s", i, c.SoDinhDanh, c.GioiTinh.Ten, c.NgaySinh)
		}
		if _, ok := birthCodes[c.SoDinhDanh[:3]]; !ok {
			t.Errorf("citizen %d: unknown birth province %s", i, c.SoDinhDanh[:3])
		}
		if row.insurance != nil {
			insured++
			if d.insured[row.insurance.MaSoBHXH] != row || !reBHXH.MatchString(row.insurance.MaSoBHXH) {
				t.Errorf("citizen %d: insurance index", i)
			}
			months := 0
			for _, p := range row.insurance.QuaTrinh {
				from := monthIndex(t, p.TuThang)
				to := asOfYear*12 + asOfMonth - 1
				if p.DenThang != "" {
					to = monthIndex(t, p.DenThang)
				}
				if to < from {
					t.Errorf("citizen %d: period %s–%s runs backwards", i, p.TuThang, p.DenThang)
				}
				months += to - from + 1
			}
			if months != row.insurance.TongSoThang {
				t.Errorf("citizen %d: tongSoThang %d, periods sum to %d", i, row.insurance.TongSoThang, months)
			}
		}
	}
	if insured == 0 || insured == len(d.citizenOrder) {
		t.Errorf("%d of %d citizens insured; want some but not all", insured, len(d.citizenOrder))
	}
}

func monthIndex(t *testing.T, mmyyyy string) int {
	t.Helper()
	m, err1 := strconv.Atoi(mmyyyy[:2])
	y, err2 := strconv.Atoi(mmyyyy[3:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		t.Fatalf("month %q", mmyyyy)
	}
	return y*12 + m - 1
}

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Hồng Hà":                    "hong ha",
		"ĐẠI DƯƠNG":                  "dai duong",
		"Ho\u0302\u0300ng Ha\u0300":  "hong ha",
		"  Công ty   TNHH, Sao-Mai ": "cong ty tnhh sao mai",
		"Thủy sản Phương Đông":       "thuy san phuong dong",
		"":                           "",
	}
	for in, want := range cases {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := asciiUpper("Đức Thắng"); got != "DUC THANG" {
		t.Errorf("asciiUpper = %q", got)
	}
}

func TestMaskID(t *testing.T) {
	if got := maskID("001085736253"); got != "001******253" {
		t.Errorf("maskID = %q", got)
	}
	if got := maskID("12345"); got != "*****" {
		t.Errorf("maskID short = %q", got)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Hồng Hà", "ĐẠI DƯƠNG", "Ho\u0302\u0300ng", "\xff\xfe", "a  b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := fold(s)
		if fold(out) != out {
			t.Fatalf("fold is not idempotent on %q: %q", s, out)
		}
		if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
			t.Fatalf("fold left stray spaces: %q", out)
		}
	})
}
