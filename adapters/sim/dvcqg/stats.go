package dvcqg

import (
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
)

// StatusClientGone is counted for a call whose client hung up during
// injected latency. Nothing is sent on the wire with it.
const StatusClientGone = 499

// Stats is what the portal received since Since.
type Stats struct {
	Since time.Time `json:"since"`
	// Calls counts portal calls per call name and HTTP status; paths that
	// name no call are counted under "other".
	Calls      simkit.Calls `json:"calls"`
	CallsTotal int64        `json:"calls_total"`
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
func (st Stats) Count(call string, status int) int64 { return st.Calls.Count(call, status) }

// CallTotal is the number of calls to call, whatever the answer.
func (st Stats) CallTotal(call string) int64 { return st.Calls.Total(call) }
