package benchcmd

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// Log makes every line of the log start with the time and name.
func Log(name string) {
	log.SetFlags(log.Ltime)
	log.SetPrefix(name + ": ")
}

// Counts parses a comma-separated list of positive numbers, e.g. the
// numbers of concurrent clients to run with.
func Counts(list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// Run checks that the lgsp binary to measure is there, then runs measure
// until it returns or the benchmark is interrupted (SIGINT, SIGTERM cancel
// its context), and exits with its error.
func Run(lgspBin string, measure func(ctx context.Context) error) {
	if _, err := os.Stat(lgspBin); err != nil {
		log.Fatalf("%s: %v (make build builds it)", lgspBin, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := measure(ctx); err != nil {
		log.Fatal(err)
	}
}
