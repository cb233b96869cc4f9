package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lgsp-vn/lgsp/bench/internal/host"
)

// clockTick is USER_HZ, the unit of the CPU times in /proc/<pid>/stat:
// 100 on every Linux this runs on (reading it needs sysconf, so cgo).
const clockTick = 100

// cpuTime is the user and system CPU time a process used so far.
func cpuTime(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return parseCPUTime(string(data))
}

// parseCPUTime reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line. The command name, in parentheses, may hold spaces,
// so the fields are counted from the last ')'.
func parseCPUTime(stat string) time.Duration {
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

// machineBusy is the CPU time every core of the machine spent on work so
// far (user, nice, system, irq, softirq, steal from the first line of
// /proc/stat): what the platform and the load generator did not use of it
// is other work that shared the machine.
func machineBusy() time.Duration {
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

// resetPeakRSS makes VmHWM start again from the current RSS (Linux ≥ 4.0);
// it reports whether the kernel took it.
func resetPeakRSS(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

// rssSampler polls a process's VmRSS every 100 ms until stopped.
type rssSampler struct {
	stop chan struct{}
	done chan int64
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan int64, 1)}
	go func() {
		var peak int64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, host.StatusKB(pid, "VmRSS"))
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// peakKB stops the sampler and returns the largest RSS it saw, in KiB.
func (s *rssSampler) peakKB() int64 {
	close(s.stop)
	return <-s.done
}

// diskUsage is the space a directory's files take on disk, as du counts
// it, split into what lies under nats/ (the JetStream store) and the SQLite
// files (*.db, *.db-wal, *.db-shm).
type diskUsage struct {
	total, nats, sqlite int64
}

func measureDisk(dir string) (diskUsage, error) {
	var u diskUsage
	natsDir := filepath.Join(dir, "nats") + string(filepath.Separator)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed while walking
		}
		n := info.Size()
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			n = st.Blocks * 512
		}
		u.total += n
		switch {
		case strings.HasPrefix(path, natsDir):
			u.nats += n
		case strings.Contains(filepath.Base(path), ".db"):
			u.sqlite += n
		}
		return nil
	})
	return u, err
}

// machine describes the host for the report.
type machine struct {
	cpus                    int
	cpuModel, memory        string
	kernel, goVersion, lgsp string
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
