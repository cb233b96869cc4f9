package simkit

import "testing"

func TestCounterCountsPerKeyAndStatus(t *testing.T) {
	c := NewCounter()
	c.Add("/a", 200)
	c.Add("/a", 200)
	c.Add("/a", 503)
	c.Add("other", 404)
	since, total, counts := c.Snapshot()
	if total != 4 || since.IsZero() || counts["/a"]["200"] != 2 || counts["/a"]["503"] != 1 || counts["other"]["404"] != 1 {
		t.Fatalf("got since %v, total %d, counts %v", since, total, counts)
	}
	counts["/a"]["200"] = 99 // a copy: the counter is not changed
	if _, _, again := c.Snapshot(); again["/a"]["200"] != 2 {
		t.Fatalf("snapshot shares the counter's maps: %v", again)
	}
	c.Reset()
	after, total, counts := c.Snapshot()
	if total != 0 || counts == nil || len(counts) != 0 || after.Before(since) {
		t.Fatalf("after reset: since %v, total %d, counts %v", after, total, counts)
	}
}
