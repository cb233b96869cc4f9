package cpuuse

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of the CPU times in /proc/<pid>/stat:
// 100 on every Linux this runs on (reading it needs sysconf, so cgo).
const clockTick = 100

// ProcessTime is the user and system CPU time a process used so far; 0
// when it cannot be read.
func ProcessTime(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return parseProcessTime(string(data))
}

// parseProcessTime reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line. The command name, in parentheses, may hold
// spaces, so the fields are counted from the last ')'.
func parseProcessTime(stat string) time.Duration {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime is field 14.
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / clockTick
}

// MachineBusy is the CPU time every core of the machine spent on work so
// far (user, nice, system, irq, softirq, steal from the first line of
// /proc/stat): what the measured process and the benchmark did not use of
// it is other work that shared the machine.
func MachineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return parseMachineBusy(line)
}

func parseMachineBusy(line string) time.Duration {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	// user nice system idle iowait irq softirq steal
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTick
}

// Meter measures, over a period, the cores used by a process, by this
// benchmark and by everything else (PostgreSQL's server processes when it
// is the engine, and any other work that shared the machine).
type Meter struct {
	pid               int
	at                time.Time
	child, own, total time.Duration
}

// Start begins a period for the process pid.
func Start(pid int) Meter {
	return Meter{pid: pid, at: time.Now(), child: ProcessTime(pid), own: ProcessTime(os.Getpid()), total: MachineBusy()}
}

// Use is cores used on average over a period.
type Use struct {
	// Child is the measured process; Own this benchmark; Other every
	// other process of the machine.
	Child, Own, Other float64
}

// Stop ends the period and returns what was used since Start.
func (m Meter) Stop() Use {
	el := time.Since(m.at).Seconds()
	if el <= 0 {
		return Use{}
	}
	child, own, total := ProcessTime(m.pid)-m.child, ProcessTime(os.Getpid())-m.own, MachineBusy()-m.total
	return Use{Child: child.Seconds() / el, Own: own.Seconds() / el, Other: max(total-child-own, 0).Seconds() / el}
}

// String is "child / benchmark / other", in cores, as the reports print it.
func (u Use) String() string { return fmt.Sprintf("%.2f / %.2f / %.2f", u.Child, u.Own, u.Other) }
