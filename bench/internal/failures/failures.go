package failures

import (
	"sort"
	"strconv"
	"strings"
	"sync"
)

// kinds bounds the distinct messages kept; the rest count together.
const kinds = 8

// Tally collects failure messages from concurrent callers. The zero value
// is ready to use.
type Tally struct {
	mu sync.Mutex
	m  map[string]int64
}

// Add counts err under its message, cut to 200 bytes.
func (t *Tally) Add(err error) {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]int64{}
	}
	if _, ok := t.m[msg]; ok || len(t.m) < kinds {
		t.m[msg]++
	} else {
		t.m["(other messages)"]++
	}
}

// Counts is the failures by message; nil when none was added. It is the
// tally's own map: read it once the callers are done.
func (t *Tally) Counts() map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m
}

// Summary lists the kinds of failure of counts, most frequent first:
// "message ×n; …".
func Summary(counts map[string]int64) string {
	type kind struct {
		msg string
		n   int64
	}
	var ks []kind
	for msg, n := range counts {
		ks = append(ks, kind{msg, n})
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].n > ks[j].n || ks[i].n == ks[j].n && ks[i].msg < ks[j].msg })
	var parts []string
	for _, k := range ks {
		parts = append(parts, strings.TrimSpace(k.msg)+" ×"+strconv.FormatInt(k.n, 10))
	}
	return strings.Join(parts, "; ")
}
