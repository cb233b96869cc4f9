package ngsp

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
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

type counter struct {
	mu    sync.Mutex
	since time.Time
	total int64
	paths map[string]map[int]int64
}

func newCounter() *counter {
	return &counter{since: time.Now().UTC(), paths: map[string]map[int]int64{}}
}

func (c *counter) add(path string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.paths[path]
	if m == nil {
		m = map[int]int64{}
		c.paths[path] = m
	}
	m[status]++
	c.total++
}

func (c *counter) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := Stats{Since: c.since, Total: c.total, Paths: make(map[string]map[string]int64, len(c.paths))}
	for p, m := range c.paths {
		out := make(map[string]int64, len(m))
		for code, n := range m {
			out[strconv.Itoa(code)] = n
		}
		st.Paths[p] = out
	}
	return st
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since, c.total, c.paths = time.Now().UTC(), 0, map[string]map[int]int64{}
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
