package simkit

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRecorderCountsOnce: a call is counted once, with the status of its
// answer, whatever is written after; a call with no answer is counted by
// Done.
func TestRecorderCountsOnce(t *testing.T) {
	c := NewCounter()
	rec := &Recorder{ResponseWriter: httptest.NewRecorder(), Count: func(s int) { c.Add("call", s) }}
	rec.WriteHeader(http.StatusServiceUnavailable)
	_, _ = rec.Write([]byte("x"))
	rec.Done(http.StatusOK)
	gone := &Recorder{ResponseWriter: httptest.NewRecorder(), Count: func(s int) { c.Add("call", s) }}
	gone.Done(499)
	_, _, snap := c.Snapshot()
	calls := Calls(snap)
	if calls.Count("call", 503) != 1 || calls.Count("call", 499) != 1 || calls.Count("call", 200) != 0 || calls.Total("call") != 2 {
		t.Fatalf("counts %v", snap)
	}
	if rec.Status() != 503 || gone.Status() != 499 {
		t.Fatalf("statuses %d %d", rec.Status(), gone.Status())
	}
}
