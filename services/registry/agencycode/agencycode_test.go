package agencycode

import "testing"

func TestValid(t *testing.T) {
	for _, c := range []string{"000.00.00.H30", "000.00.00.G22", "001.02.14.H56", "000.00.00.A01"} {
		if !Valid(c) {
			t.Errorf("Valid(%q) = false", c)
		}
	}
	for _, c := range []string{"", "28.22.H17", "000.00.00.h30", "000.00.00.H3", "000.00.00.30H",
		"0000.00.00.H30", "000.00.00.H30 ", "000-00-00-H30", "000.00.0A.H30", "000.00.00.H300"} {
		if Valid(c) {
			t.Errorf("Valid(%q) = true", c)
		}
	}
	if Level("000.00.00.H30") != 'H' || Level("000.00.00.G22") != 'G' || Level("bad") != 0 {
		t.Error("Level")
	}
}

func TestLenient(t *testing.T) {
	cases := []struct {
		in, out      string
		ok, isStrict bool
	}{
		{"000.00.00.H30", "000.00.00.H30", true, true},
		{" 000.00.00.h30 ", "000.00.00.H30", true, true},
		{"28.22.H17", "28.22.H17", true, false},
		{"H17", "H17", true, false},
		{"<script>", "", false, false},
		{"", "", false, false},
	}
	for _, c := range cases {
		out, ok, s := Lenient(c.in)
		if out != c.out || ok != c.ok || s != c.isStrict {
			t.Errorf("Lenient(%q) = %q %v %v, want %q %v %v", c.in, out, ok, s, c.out, c.ok, c.isStrict)
		}
	}
}
