package onestop

// The status machine of TrangThaiHoSo, as the national public-service
// portal defines the statuses:
//
//	1 newly registered (online, not yet received)  → 2, 3, 7
//	2 received                                      → 3, 4, 5, 7, 8
//	4 processing                                    → 5, 6, 7, 8, 9
//	5 supplement requested (deadline paused)        → 4, 7, 8
//	6 financial obligation requested (paused)       → 4, 7, 8, 9
//	9 processing finished                           → 10
//	3 not accepted, 7 withdrawn, 8 stopped and 10 result returned are final.
const (
	stNew        = 1
	stReceived   = 2
	stRefused    = 3
	stProcessing = 4
	stSupplement = 5
	stFinancial  = 6
	stWithdrawn  = 7
	stStopped    = 8
	stFinished   = 9
	stReturned   = 10
)

var transitions = map[int][]int{
	stNew:        {stReceived, stRefused, stWithdrawn},
	stReceived:   {stRefused, stProcessing, stSupplement, stWithdrawn, stStopped},
	stProcessing: {stSupplement, stFinancial, stWithdrawn, stStopped, stFinished},
	stSupplement: {stProcessing, stWithdrawn, stStopped},
	stFinancial:  {stProcessing, stWithdrawn, stStopped, stFinished},
	stFinished:   {stReturned},
}

// allowed lists the statuses a dossier in status from may move to.
func allowed(from int) []int { return transitions[from] }

// legal reports whether from → to is allowed.
func legal(from, to int) bool {
	for _, n := range transitions[from] {
		if n == to {
			return true
		}
	}
	return false
}

// pauses reports whether the deadline stands still in status s: the
// applicant's turn (supplement, financial obligation).
func pauses(s int) bool { return s == stSupplement || s == stFinancial }

// closedUnfinished reports the final statuses that are not a finish.
func closedUnfinished(s int) bool { return s == stRefused || s == stWithdrawn || s == stStopped }

// validStatus reports whether s is a TrangThaiHoSo.
func validStatus(s int) bool { return s >= stNew && s <= stReturned }
