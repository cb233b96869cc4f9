package dvcqg

import (
	"net/http"
	"strconv"
	"time"
)

// StatusClientGone is counted for a call whose client hung up during
// injected latency. Nothing is sent on the wire with it.
const StatusClientGone = 499

// Stats is what the portal received since Since.
type Stats struct {
	Since time.Time `json:"since"`
	// Calls counts portal calls per call name and HTTP status; paths that
	// name no call are counted under "other".
	Calls      map[string]map[string]int64 `json:"calls"`
	CallsTotal int64                       `json:"calls_total"`
	// Logins counts sessions issued; SessionsRefused the calls answered
	// "01".
	Logins          int64 `json:"logins"`
	SessionsRefused int64 `json:"sessions_refused"`
	// Items of DongBoHoSoMC and CapNhatTienDoHoSoMC: recorded, answered
	// "00" as already received (not recorded again), answered "03"; and,
	// among the recorded, those below the highest version of their dossier
	// (out of order) or beyond the next one (gaps). A platform that sends
	// each dossier's changes in order, once, leaves OutOfOrder and Gaps at
	// zero.
	Recorded   int64 `json:"recorded"`
	Duplicates int64 `json:"duplicates"`
	Invalid    int64 `json:"invalid"`
	OutOfOrder int64 `json:"out_of_order"`
	Gaps       int64 `json:"gaps"`
	// Agencies counts outcomes per receiving agency (the dossier code
	// before its first '-') from each dossier's latest state; Total sums
	// them. ByStatus counts latest states per TrangThaiHoSo.
	Agencies map[string]Outcome `json:"agencies"`
	Total    Outcome            `json:"total"`
	ByStatus map[string]int64   `json:"by_status"`
}

// Outcome counts dossiers as provinces report them: received; finished
// (status 9 or 10 with NgayKetThucXuLy set); of those, on time
// (NgayKetThucXuLy no later than NgayHenTra) or late.
type Outcome struct {
	Received int64 `json:"received"`
	Finished int64 `json:"finished"`
	OnTime   int64 `json:"on_time"`
	Late     int64 `json:"late"`
}

func (o *Outcome) add(x Outcome) {
	o.Received += x.Received
	o.Finished += x.Finished
	o.OnTime += x.OnTime
	o.Late += x.Late
}

// OnTimeRate is the share of finished dossiers finished on time, 0 when
// none is finished.
func (o Outcome) OnTimeRate() float64 {
	if o.Finished == 0 {
		return 0
	}
	return float64(o.OnTime) / float64(o.Finished)
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

// done counts a call that ended without an answer.
func (r *recorder) done(status int) { r.started(status) }

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
