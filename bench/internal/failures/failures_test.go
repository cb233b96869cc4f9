package failures

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestTallyKeepsAFewKinds(t *testing.T) {
	var tally Tally
	if tally.Counts() != nil {
		t.Fatal("an empty tally has counts")
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { tally.Add(fmt.Errorf("kind %02d", i)) })
	}
	wg.Wait()
	for range 3 {
		tally.Add(errors.New("kind 00"))
	}
	tally.Add(errors.New(strings.Repeat("x", 300)))
	c := tally.Counts()
	if len(c) != kinds+1 {
		t.Fatalf("%d kinds kept, want %d and the rest together: %v", len(c), kinds+1, c)
	}
	var total int64
	for _, n := range c {
		total += n
	}
	if total != 24 {
		t.Fatalf("%d failures counted, want 24", total)
	}
}

func TestTallyCutsLongMessages(t *testing.T) {
	var tally Tally
	tally.Add(errors.New(strings.Repeat("x", 300)))
	for msg := range tally.Counts() {
		if msg != strings.Repeat("x", 200)+"…" {
			t.Fatalf("kept %d bytes", len(msg))
		}
	}
}

func TestSummary(t *testing.T) {
	got := Summary(map[string]int64{"b refused ": 2, "a refused": 2, "timeout": 5})
	if want := "timeout ×5; a refused ×2; b refused ×2"; got != want {
		t.Fatalf("Summary = %q, want %q", got, want)
	}
	if Summary(nil) != "" {
		t.Fatal("no failures, yet a summary")
	}
}
