package host

import "testing"

func TestParseField(t *testing.T) {
	text := "Name:\tlgsp\nVmHWM:\t  524288 kB\nVmRSS:\t  262144 kB\n"
	if got := parseField(text, "VmRSS"); got != 262144 {
		t.Fatalf("VmRSS = %d", got)
	}
	if got := parseField(text, "VmHWM"); got != 524288 {
		t.Fatalf("VmHWM = %d", got)
	}
	if got := parseField(text, "VmSwap"); got != 0 {
		t.Fatalf("missing field = %d", got)
	}
	if got := parseField("VmRSS:\n", "VmRSS"); got != 0 {
		t.Fatalf("empty field = %d", got)
	}
}
