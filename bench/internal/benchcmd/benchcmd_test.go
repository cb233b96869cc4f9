package benchcmd

import (
	"slices"
	"testing"
)

func TestCounts(t *testing.T) {
	got, err := Counts("16, 32,64")
	if err != nil || !slices.Equal(got, []int{16, 32, 64}) {
		t.Fatalf("Counts = %v, %v", got, err)
	}
	for _, bad := range []string{"", "8,", "0", "-4", "eight"} {
		if _, err := Counts(bad); err == nil {
			t.Errorf("Counts(%q) took it", bad)
		}
	}
	if _, err := Counts("8,x"); err == nil || err.Error() != `"x" is not a positive number` {
		t.Errorf("Counts(8,x): %v", err)
	}
}
