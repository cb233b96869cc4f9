package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
)

func TestMedianIndexOfRounds(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want int
	}{{nil, -1}, {[]float64{7}, 0}, {[]float64{0.9, 0.5, 0.7}, 2}, {[]float64{3, 1, 4, 2}, 3}, {[]float64{2, 2, 2}, 1}} {
		if got := medianIndex(c.in); got != c.want {
			t.Errorf("medianIndex(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

// measured is a load result of n answers over one second.
func measured(n int64, p50 time.Duration) loadResult {
	return loadResult{ok: n, total: n, elapsed: time.Second, p50: p50, p99: 2 * p50}
}

func TestChosenTakesBothSidesOfTheMedianRatioRound(t *testing.T) {
	r := report{settings: settings{clients: []int{32}}, runs: map[runKey][]loadResult{
		{keyCitizen, 32}:      {measured(100, 4*time.Millisecond), measured(300, 3*time.Millisecond), measured(200, 5*time.Millisecond)},
		{keyCitizenProxy, 32}: {measured(400, time.Millisecond), measured(400, time.Millisecond), measured(250, 2*time.Millisecond)},
		{keyDirect, 32}:       {measured(900, 0), measured(1000, 0), measured(800, 0)},
	}}
	// Ratios per round: 0.25, 0.75, 0.8; the median is round 2.
	ch := r.chosen(32)
	if ch[keyCitizen].ok != 300 || ch[keyCitizenProxy].ok != 400 {
		t.Errorf("pair: %+v / %+v", ch[keyCitizen], ch[keyCitizenProxy])
	}
	if ch[keyDirect].ok != 900 {
		t.Errorf("direct: %+v", ch[keyDirect])
	}
	if _, ok := ch[keyTypedCached]; ok {
		t.Error("a scenario without runs was chosen")
	}
	out := r.render()
	for _, want := range []string{
		"| citizen with a purpose (not cached, access log written) (d vs e) | 32 | 300 | 3.00 ms / 6.00 ms | 400 | 1.00 ms / 2.00 ms | **0.75×** | 0.25 0.75 0.80 | +2.00 ms | +4.00 ms |",
		"| 32 | 900 | 0.00 ms / 0.00 ms | – |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestSimulatorCounts(t *testing.T) {
	st := ngsp.Stats{Paths: map[string]map[string]int64{
		ngsp.PathToken:       {"200": 2, "401": 1},
		ngsp.PathOAuth2Token: {"200": 1},
		ngsp.PathCitizen:     {"200": 200, "401": 19},
	}}
	if got := tokenRequests(st); got != 4 {
		t.Errorf("tokenRequests = %d, want 4", got)
	}
	if got := calls(st, ngsp.PathCitizen); got != 219 {
		t.Errorf("calls = %d, want 219", got)
	}
	if got := calls(st, ngsp.PathBusinessDetail); got != 0 {
		t.Errorf("calls of an uncalled path = %d", got)
	}
}

func TestRenderBursts(t *testing.T) {
	r := report{tokensAtStart: 1, bursts: []burstResult{{name: "after revocation", callers: 200, revoked: 1, ok: 200, tokens: 1, reached: 219, rejected: 19,
		wall: 140 * time.Millisecond, p50: 130 * time.Millisecond, max: 139 * time.Millisecond}}}
	var b strings.Builder
	r.renderBursts(func(f string, a ...any) { b.WriteString(fmtS(f, a...)) })
	want := "| after revocation, 1 token(s) revoked | 200 | 200 | **1** | 219 | 19 | 140.00 ms | 130.00 ms / 139.00 ms |"
	if !strings.Contains(b.String(), want) {
		t.Errorf("bursts lack %q:\n%s", want, b.String())
	}
}

func fmtS(f string, a ...any) string { return fmt.Sprintf(f, a...) }
