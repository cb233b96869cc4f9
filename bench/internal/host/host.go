// Package host reads what the benchmarks report about the machine and the
// processes they measure, from /proc: memory fields, the CPU model, the
// load average, the kernel and the lgsp binary's version. The benchmarks
// use it, so their reports describe a machine the same way.
package host

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// StatusKB reads a field of /proc/<pid>/status in KiB (VmRSS, VmHWM); 0
// when it cannot.
func StatusKB(pid int, field string) int64 {
	return FieldKB(fmt.Sprintf("/proc/%d/status", pid), field)
}

// FieldKB reads "Field: <n> kB" from a /proc file; 0 when it cannot.
func FieldKB(path, field string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return parseField(string(data), field)
}

func parseField(text, field string) int64 {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// CPUModel is the first "model name" of /proc/cpuinfo, or "?".
func CPUModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			_, v, _ := strings.Cut(line, ":")
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// Memory is the machine's memory, e.g. "23.5 GiB", or "?".
func Memory() string {
	if kb := FieldKB("/proc/meminfo", "MemTotal"); kb > 0 {
		return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	return "?"
}

// LoadAvg is the 1, 5 and 15 minute load average, or "?".
func LoadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// Machine describes the host and the binary measured, for a report.
type Machine struct {
	CPUs                    int
	CPUModel, Memory        string
	Kernel, GoVersion, LGSP string
}

// Describe reads the machine, the Go version the benchmark was built with
// and what `<lgspBin> version` says; a field that cannot be read is "?".
func Describe(lgspBin string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), CPUModel: CPUModel(), Memory: Memory(), Kernel: "?", LGSP: "?"}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(data))
	}
	if out, err := exec.Command(lgspBin, "version").Output(); err == nil {
		m.LGSP = strings.TrimSpace(string(out))
	}
	return m
}
