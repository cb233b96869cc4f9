package ngsp

import (
	"errors"
	"net/http"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
)

// StatusClientGone is counted when the client hung up before an answer,
// the usual reading of a simulated timeout. Nothing is sent on the wire.
const StatusClientGone = 499

// Stats counts calls per path and HTTP status since Since. Paths the
// simulator does not serve are counted under "other".
type Stats struct {
	Since time.Time                   `json:"since"`
	Total int64                       `json:"total"`
	Paths map[string]map[string]int64 `json:"paths"`
}

// recorder remembers the status a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// gone answers a call cut short by the client leaving or by the simulator
// stopping.
func (r *recorder) gone(err error) {
	if errors.Is(err, simkit.ErrStopped) {
		writeFault(r, http.StatusServiceUnavailable, 101503, "Runtime Error", "Simulator is shutting down")
		return
	}
	r.status = StatusClientGone
}
