package simkit

import (
	"net/http"
	"strconv"
)

// Recorder counts a call as its answer starts, before any byte reaches
// the client, so that whoever has read an answer finds it in the
// statistics. A call that got no answer (dropped, client gone) is counted
// by Done with the status that stands for it.
type Recorder struct {
	http.ResponseWriter
	// Count is called once, with the call's status.
	Count  func(status int)
	status int
}

// Status is the status counted, 0 while none was.
func (r *Recorder) Status() int { return r.status }

func (r *Recorder) started(code int) {
	if r.status == 0 {
		r.status = code
		r.Count(code)
	}
}

// WriteHeader counts the call and writes the status.
func (r *Recorder) WriteHeader(code int) {
	r.started(code)
	r.ResponseWriter.WriteHeader(code)
}

// Write counts the call (200 unless a status was written) and writes b.
func (r *Recorder) Write(b []byte) (int, error) {
	r.started(http.StatusOK)
	return r.ResponseWriter.Write(b)
}

// Done counts a call that ended with status and no answer written, unless
// it was counted already.
func (r *Recorder) Done(status int) { r.started(status) }

// Unwrap lets http.ResponseController reach the connection.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Calls are call counts per call name and HTTP status, as Counter's
// Snapshot gives them.
type Calls map[string]map[string]int64

// Count is the number of calls to call answered with status.
func (c Calls) Count(call string, status int) int64 { return c[call][strconv.Itoa(status)] }

// Total is the number of calls to call, whatever the answer.
func (c Calls) Total(call string) int64 {
	var n int64
	for _, v := range c[call] {
		n += v
	}
	return n
}
