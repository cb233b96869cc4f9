package vnid

import (
	"testing"
	"time"
)

func TestCitizen(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, hcm)
	for id, want := range map[string]bool{
		"001090012345":  true,  // Hà Nội, male, 20th century, 1990
		"079301012345":  true,  // Hồ Chí Minh City, female, 21st century, 2001
		"092226012345":  true,  // Cần Thơ, male, 21st century, 2026
		"092227012345":  false, // born in 2027: in the future
		"003090012345":  false, // 003 is no province code
		"00109001234":   false, // 11 digits
		"0010900123456": false,
		"00109001234a":  false,
		"":              false,
		"００１090012345":  false, // full-width digits
	} {
		if got := Citizen(id, now); got != want {
			t.Errorf("Citizen(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestEnterpriseAndInsurance(t *testing.T) {
	for code, want := range map[string]bool{
		"0101234567": true, "0101234567-001": true, "010123456": false, "0101234567-01": false,
		"0101234567001": false, "010123456x": false, " 0101234567": false,
	} {
		if got := Enterprise(code); got != want {
			t.Errorf("Enterprise(%q) = %v, want %v", code, got, want)
		}
	}
	for no, want := range map[string]bool{"0123456789": true, "012345678": false, "01234567890": false, "01234S6789": false} {
		if got := Insurance(no); got != want {
			t.Errorf("Insurance(%q) = %v, want %v", no, got, want)
		}
	}
}

func FuzzCitizen(f *testing.F) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, hcm)
	for _, s := range []string{"001090012345", "092227012345", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if Citizen(id, now) && (len(id) != 12 || !digits(id) || !citizenProvinces[id[:3]]) {
			t.Fatalf("accepted %q", id)
		}
	})
}

func TestProvince(t *testing.T) {
	if len(provinces) != 34 {
		t.Fatalf("%d provinces, want 34", len(provinces))
	}
	for code, want := range map[string]bool{"01": true, "79": true, "96": true, "95": false, "02": false, "1": false, "001": false, "": false} {
		if got := Province(code); got != want {
			t.Errorf("Province(%q) = %v, want %v", code, got, want)
		}
	}
}
