package cpuuse

import (
	"os"
	"testing"
	"time"
)

func TestParseProcessTime(t *testing.T) {
	// utime 250 and stime 50 ticks: 3 s. The name holds a space and a ')'.
	stat := "1234 (lgsp dev) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 1000 200 18446744073709551615"
	if got := parseProcessTime(stat); got != 3*time.Second {
		t.Fatalf("parseProcessTime = %v, want 3s", got)
	}
	if got := parseProcessTime("garbage"); got != 0 {
		t.Fatalf("garbage: %v", got)
	}
}

func TestParseMachineBusy(t *testing.T) {
	// user 100, nice 10, system 50, idle 9000, iowait 300, irq 5, softirq 15, steal 20: 200 ticks busy.
	if got := parseMachineBusy("cpu  100 10 50 9000 300 5 15 20 0 0"); got != 2*time.Second {
		t.Fatalf("parseMachineBusy = %v, want 2s", got)
	}
	if got := parseMachineBusy("cpu0 1 2 3"); got != 0 {
		t.Fatalf("short line: %v", got)
	}
}

func TestMeterCountsOwnWork(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	m := Start(os.Getpid())
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); {
	}
	u := m.Stop()
	// The measured process is this one: its cores count as both.
	if u.Child <= 0 || u.Own <= 0 || u.Other < 0 {
		t.Fatalf("busy loop measured as %+v", u)
	}
}

func TestUseString(t *testing.T) {
	if got := (Use{Child: 1.5, Own: 0.4, Other: 0.05}).String(); got != "1.50 / 0.40 / 0.05" {
		t.Fatalf("String = %q", got)
	}
}
