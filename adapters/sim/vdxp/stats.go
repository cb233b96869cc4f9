package vdxp

import (
	"net/http"
	"strconv"
	"time"
)

// Statuses counted for calls that got no answer. Nothing is sent on the
// wire with them.
const (
	// StatusClientGone: the client hung up during injected latency.
	StatusClientGone = 499
	// StatusDropped: an outage dropped the connection without an answer.
	StatusDropped = 444
)

// Stats counts axis calls per call name and HTTP status since Since. Paths
// that name no call are counted under "other".
type Stats struct {
	Since time.Time                   `json:"since"`
	Total int64                       `json:"total"`
	Calls map[string]map[string]int64 `json:"calls"`
}

// Count is the number of calls to call answered with status.
func (st Stats) Count(call string, status int) int64 {
	return st.Calls[call][strconv.Itoa(status)]
}

// CallTotal is the number of calls to call, whatever the answer.
func (st Stats) CallTotal(call string) int64 {
	var n int64
	for _, c := range st.Calls[call] {
		n += c
	}
	return n
}

// recorder counts a call as its answer starts, before any byte reaches the
// client, so that whoever has read an answer finds it in the statistics.
// A call that got no answer is counted by done.
type recorder struct {
	http.ResponseWriter
	count  func(status int)
	status int
}

func (r *recorder) started(code int) {
	if r.status == 0 {
		r.status = code
		r.count(code)
	}
}

func (r *recorder) WriteHeader(code int) {
	r.started(code)
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.started(http.StatusOK)
	return r.ResponseWriter.Write(b)
}

// done counts a call that ended without an answer, with status (dropped
// or client gone).
func (r *recorder) done(status int) {
	r.started(status)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
