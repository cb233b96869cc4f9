package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lgsp-vn/lgsp/bench/internal/cpuuse"
	"github.com/lgsp-vn/lgsp/bench/internal/host"
)

// waitIdle waits until the process pid has used less than maxCores of CPU
// over a window of every, or until within has passed; it returns how long
// it waited and whether the process went idle.
func waitIdle(ctx context.Context, pid int, every time.Duration, maxCores float64, within time.Duration) (time.Duration, bool) {
	start := time.Now()
	prev := cpuuse.ProcessTime(pid)
	for time.Since(start) < within {
		select {
		case <-ctx.Done():
			return time.Since(start), false
		case <-time.After(every):
		}
		now := cpuuse.ProcessTime(pid)
		if float64(now-prev)/float64(every) < maxCores {
			return time.Since(start), true
		}
		prev = now
	}
	return time.Since(start), false
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
