package vdxp

import (
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
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
	Since time.Time    `json:"since"`
	Total int64        `json:"total"`
	Calls simkit.Calls `json:"calls"`
}

// Count is the number of calls to call answered with status.
func (st Stats) Count(call string, status int) int64 { return st.Calls.Count(call, status) }

// CallTotal is the number of calls to call, whatever the answer.
func (st Stats) CallTotal(call string) int64 { return st.Calls.Total(call) }
