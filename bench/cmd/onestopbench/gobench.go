package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// envPostgresDSN is the variable the Go benchmarks read for their
// PostgreSQL legs (platform/sqlstore/sqltest.EnvPostgresDSN).
const envPostgresDSN = "LGSP_TEST_POSTGRES_DSN"

// goBench is one result line of `go test -bench`.
type goBench struct {
	name    string // without the -GOMAXPROCS suffix
	n       int64
	nsPerOp float64
	metrics map[string]float64
}

// goBenchRun is one `go test -bench` invocation and what it printed.
type goBenchRun struct {
	command string
	elapsed time.Duration
	results []goBench
	// notes are the benchmarks' own log lines (b.Logf) and skips.
	notes []string
}

func (r goBenchRun) find(name string) (goBench, bool) {
	for _, b := range r.results {
		if b.name == name {
			return b, true
		}
	}
	return goBench{}, false
}

// runGoBench runs the benchmarks matching pattern in pkg, with the
// PostgreSQL legs on dsn (skipped when it is empty).
func runGoBench(ctx context.Context, goBin, pkg, pattern, benchtime, dsn string) (goBenchRun, error) {
	args := []string{"test", pkg, "-run", "^$", "-bench", pattern, "-benchtime", benchtime, "-count", "1", "-timeout", "60m", "-v"}
	run := goBenchRun{command: "go " + strings.Join(quoteArgs(args), " ")}
	cmd := exec.CommandContext(ctx, goBin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPostgresDSN+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if dsn != "" {
		cmd.Env = append(cmd.Env, envPostgresDSN+"="+dsn)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	err := cmd.Run()
	run.elapsed = time.Since(t0)
	run.results, run.notes = parseGoBench(out.String())
	if err != nil {
		tail := out.String()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return run, fmt.Errorf("%s: %w\n%s", run.command, err, tail)
	}
	return run, nil
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"^$*") {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return out
}

var (
	benchName   = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?(\s|$)`)
	benchResult = regexp.MustCompile(`(?:^|\s)(\d+)\s+([0-9.]+) ns/op((?:\s+[0-9.e+-]+ \S+)*)\s*$`)
	benchMetric = regexp.MustCompile(`([0-9.e+-]+) (\S+)`)
	benchNote   = regexp.MustCompile(`^\s+\S+_test\.go:\d+: (.*)$`)
)

// parseGoBench reads `go test -bench -v` output. A benchmark's name and
// its result may be split by the log lines it printed meanwhile: a
// result belongs to the last name seen.
func parseGoBench(out string) ([]goBench, []string) {
	var (
		results []goBench
		notes   []string
		current string
	)
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := benchName.FindStringSubmatch(line); m != nil {
			current = m[1]
		}
		if strings.HasPrefix(strings.TrimSpace(line), "--- SKIP: ") {
			current = ""
		}
		if m := benchNote.FindStringSubmatch(line); m != nil {
			notes = append(notes, strings.TrimSpace(m[1]))
			continue
		}
		m := benchResult.FindStringSubmatch(line)
		if m == nil || current == "" {
			continue
		}
		b := goBench{name: current, metrics: map[string]float64{}}
		b.n, _ = strconv.ParseInt(m[1], 10, 64)
		b.nsPerOp, _ = strconv.ParseFloat(m[2], 64)
		for _, mm := range benchMetric.FindAllStringSubmatch(m[3], -1) {
			v, err := strconv.ParseFloat(mm[1], 64)
			if err == nil {
				b.metrics[mm[2]] = v
			}
		}
		results = append(results, b)
		current = ""
	}
	return results, notes
}
