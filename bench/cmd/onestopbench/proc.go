package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/bench/internal/host"
)

// clockTick is USER_HZ, the unit of the CPU times in /proc: 100 on every
// Linux this runs on.
const clockTick = 100

// cpuTime is the user and system CPU time a process used so far, from
// fields 14 and 15 of /proc/<pid>/stat (counted from the last ')', the
// command name may hold spaces).
func cpuTime(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	stat := string(data)
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / clockTick
}

// machineBusy is the CPU time all cores spent on work so far (user, nice,
// system, irq, softirq, steal of /proc/stat's first line).
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTick
}

// cpuMeter measures, over a period, the cores used by the child, by this
// benchmark and by everything else (PostgreSQL's server processes when it
// is the engine, and any other work that shared the machine).
type cpuMeter struct {
	pid               int
	at                time.Time
	child, own, total time.Duration
}

func startCPU(pid int) cpuMeter {
	return cpuMeter{pid: pid, at: time.Now(), child: cpuTime(pid), own: cpuTime(os.Getpid()), total: machineBusy()}
}

// cpuUse is cores used on average: child, benchmark, other.
type cpuUse struct{ child, own, other float64 }

func (m cpuMeter) stop() cpuUse {
	el := time.Since(m.at).Seconds()
	if el <= 0 {
		return cpuUse{}
	}
	child, own, total := cpuTime(m.pid)-m.child, cpuTime(os.Getpid())-m.own, machineBusy()-m.total
	return cpuUse{child: child.Seconds() / el, own: own.Seconds() / el, other: max(total-child-own, 0).Seconds() / el}
}

func (c cpuUse) String() string { return fmt.Sprintf("%.2f / %.2f / %.2f", c.child, c.own, c.other) }

// machine describes the host for the report.
type machine struct {
	cpus                    int
	cpuModel, memory        string
	kernel, goVersion, lgsp string
	postgres                string
}

func describeMachine(lgspBin string) machine {
	m := machine{cpus: runtime.NumCPU(), goVersion: runtime.Version(), cpuModel: host.CPUModel(), memory: host.Memory(), kernel: "?", lgsp: "?"}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(data))
	}
	if out, err := exec.Command(lgspBin, "version").Output(); err == nil {
		m.lgsp = strings.TrimSpace(string(out))
	}
	return m
}
