package dvcqg

import (
	"cmp"
	"encoding/json"
	"slices"
	"sync"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
)

// Record is one item the portal recorded for a dossier: a dossier change
// (Kind DongBoHoSoMC) or a processing step (Kind CapNhatTienDoHoSoMC).
type Record struct {
	Kind     string    `json:"kind"`
	PhienBan int64     `json:"PhienBan"`
	Received time.Time `json:"received"`
	// Item is the item's JSON exactly as it was received.
	Item json.RawMessage `json:"item"`
	// OutOfOrder: a higher PhienBan of the dossier had been recorded
	// before. Gap: versions between the highest recorded and this one are
	// missing.
	OutOfOrder bool `json:"out_of_order,omitempty"`
	Gap        bool `json:"gap,omitempty"`
}

// HoSo decodes a dossier record's item.
func (r Record) HoSo() (wire.HoSo, error) {
	var h wire.HoSo
	err := json.Unmarshal(r.Item, &h)
	return h, err
}

// TienDo decodes a processing-step record's item.
func (r Record) TienDo() (wire.TienDo, error) {
	var t wire.TienDo
	err := json.Unmarshal(r.Item, &t)
	return t, err
}

// Dossier is what the portal holds for one dossier code: its history in
// the order received, and its latest state, the dossier change with the
// highest PhienBan (nil when only processing steps were received).
type Dossier struct {
	MaHoSo  string     `json:"MaHoSo"`
	Agency  string     `json:"agency"`
	History []Record   `json:"history"`
	Latest  *wire.HoSo `json:"latest"`
}

// DossierInfo sums up a dossier for the list of the control surface.
type DossierInfo struct {
	MaHoSo string `json:"MaHoSo"`
	Agency string `json:"agency"`
	// Records counts the items recorded, Changes the dossier changes and
	// Steps the processing steps among them.
	Records int `json:"records"`
	Changes int `json:"changes"`
	Steps   int `json:"steps"`
	// PhienBan is the highest version recorded.
	PhienBan      int64  `json:"PhienBan"`
	TrangThaiHoSo string `json:"TrangThaiHoSo,omitempty"`
}

type dossier struct {
	maHoSo   string
	agency   string
	history  []Record
	seen     map[int64]bool
	highest  int64
	latest   *wire.HoSo
	latestPB int64
}

// store holds every dossier, behind one lock: this is a simulator.
type store struct {
	mu       sync.Mutex
	max      int
	dossiers map[string]*dossier
	order    []string // dossier codes, first received first
	counts   itemCounts
}

// itemCounts counts what became of the items received.
type itemCounts struct {
	recorded, duplicates, outOfOrder, gaps, invalid int64
}

func newStore(maxDossiers int) *store {
	return &store{max: maxDossiers, dossiers: map[string]*dossier{}}
}

func (st *store) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.dossiers, st.order, st.counts = map[string]*dossier{}, nil, itemCounts{}
}

// item is one item of a batch, decoded and checked.
type item struct {
	maHoSo   string
	phienBan int64
	raw      json.RawMessage
	hoso     *wire.HoSo // for a dossier change
	// refused is why the item is answered "03", empty when it is valid.
	refused string
}

// Answer messages of single items.
var (
	msgRecorded  = wire.Description{VI: "đã ghi nhận", EN: "recorded"}.String()
	msgDuplicate = wire.Description{VI: "phiên bản này đã được ghi nhận trước đó", EN: "this version was already received"}.String()
)

// apply records a batch's items in order and returns their results.
func (st *store) apply(kind string, now time.Time, items []item) []wire.ItemResult {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]wire.ItemResult, len(items))
	for i, it := range items {
		res := wire.ItemResult{MaHoSo: it.maHoSo, PhienBan: it.phienBan, Code: wire.CodeOK, Message: msgRecorded}
		if it.refused != "" {
			res.Code, res.Message = wire.CodeInvalidData, it.refused
			st.counts.invalid++
			out[i] = res
			continue
		}
		d := st.dossier(it.maHoSo)
		if d.seen[it.phienBan] {
			res.Message = msgDuplicate
			st.counts.duplicates++
			out[i] = res
			continue
		}
		rec := Record{Kind: kind, PhienBan: it.phienBan, Received: now, Item: slices.Clone(it.raw)}
		switch {
		case it.phienBan < d.highest:
			rec.OutOfOrder = true
			st.counts.outOfOrder++
		case it.phienBan > d.highest+1:
			rec.Gap = true
			st.counts.gaps++
		}
		d.history = append(d.history, rec)
		d.seen[it.phienBan] = true
		d.highest = max(d.highest, it.phienBan)
		if it.hoso != nil && it.phienBan > d.latestPB {
			d.latest, d.latestPB = it.hoso, it.phienBan
		}
		st.counts.recorded++
		out[i] = res
	}
	return out
}

// dossier returns the dossier of a code, created when new; beyond the
// limit the first received is forgotten.
func (st *store) dossier(maHoSo string) *dossier {
	if d, ok := st.dossiers[maHoSo]; ok {
		return d
	}
	for len(st.dossiers) >= st.max && len(st.order) > 0 {
		delete(st.dossiers, st.order[0])
		st.order = st.order[1:]
	}
	d := &dossier{maHoSo: maHoSo, agency: wire.AgencyOf(maHoSo), seen: map[int64]bool{}}
	st.dossiers[maHoSo] = d
	st.order = append(st.order, maHoSo)
	return d
}

// one returns a copy of a dossier.
func (st *store) one(maHoSo string) (Dossier, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	d, ok := st.dossiers[maHoSo]
	if !ok {
		return Dossier{}, false
	}
	out := Dossier{MaHoSo: d.maHoSo, Agency: d.agency, History: cloneRecords(d.history)}
	if d.latest != nil {
		h := cloneHoSo(*d.latest)
		out.Latest = &h
	}
	return out, true
}

// lookup returns what TraCuuHoSo answers: the latest dossier state and the
// processing steps in PhienBan order. ok is false when the portal has no
// dossier change for the code.
func (st *store) lookup(maHoSo string) (*wire.HoSo, []wire.TienDo, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	d, ok := st.dossiers[maHoSo]
	if !ok || d.latest == nil {
		return nil, nil, false
	}
	h := cloneHoSo(*d.latest)
	type step struct {
		pb int64
		t  wire.TienDo
	}
	var steps []step
	for _, r := range d.history {
		if r.Kind != wire.CallCapNhatTienDoHoSoMC {
			continue
		}
		// Recorded items were decoded once already.
		if t, err := r.TienDo(); err == nil {
			steps = append(steps, step{r.PhienBan, t})
		}
	}
	slices.SortStableFunc(steps, func(a, b step) int { return cmp.Compare(a.pb, b.pb) })
	out := make([]wire.TienDo, len(steps))
	for i, s := range steps {
		out[i] = s.t
	}
	return &h, out, true
}

// list sums up every dossier, first received first.
func (st *store) list() []DossierInfo {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]DossierInfo, 0, len(st.order))
	for _, m := range st.order {
		d := st.dossiers[m]
		in := DossierInfo{MaHoSo: d.maHoSo, Agency: d.agency, Records: len(d.history), PhienBan: d.highest}
		for _, r := range d.history {
			if r.Kind == wire.CallDongBoHoSoMC {
				in.Changes++
			} else {
				in.Steps++
			}
		}
		if d.latest != nil {
			in.TrangThaiHoSo = d.latest.TrangThaiHoSo
		}
		out = append(out, in)
	}
	return out
}

// outcomes computes the per-agency outcome counts and the counts per
// status from each dossier's latest state.
func (st *store) outcomes() (agencies map[string]Outcome, total Outcome, byStatus map[string]int64, counts itemCounts) {
	st.mu.Lock()
	defer st.mu.Unlock()
	agencies, byStatus = map[string]Outcome{}, map[string]int64{}
	for _, d := range st.dossiers {
		if d.latest == nil {
			continue
		}
		o := outcomeOf(d.latest)
		a := agencies[d.agency]
		a.add(o)
		agencies[d.agency] = a
		total.add(o)
		byStatus[d.latest.TrangThaiHoSo]++
	}
	return agencies, total, byStatus, st.counts
}

// outcomeOf counts one dossier: received; finished when its status is 9
// or 10 with an end of processing; on time when that end is no later than
// the appointment (a dossier with no appointment cannot be late).
func outcomeOf(h *wire.HoSo) Outcome {
	o := Outcome{Received: 1}
	if (h.TrangThaiHoSo != wire.StatusFinished && h.TrangThaiHoSo != wire.StatusReturned) || h.NgayKetThucXuLy == "" {
		return o
	}
	o.Finished = 1
	end, err := wire.ParseTime(h.NgayKetThucXuLy)
	due, derr := wire.ParseTime(h.NgayHenTra)
	if err == nil && derr == nil && end.After(due) {
		o.Late = 1
	} else {
		o.OnTime = 1
	}
	return o
}

func cloneRecords(rs []Record) []Record {
	out := make([]Record, len(rs))
	for i, r := range rs {
		r.Item = slices.Clone(r.Item)
		out[i] = r
	}
	return out
}

func cloneHoSo(h wire.HoSo) wire.HoSo {
	h.TaiLieuNop = slices.Clone(h.TaiLieuNop)
	h.DanhSachLePhi = slices.Clone(h.DanhSachLePhi)
	h.DanhSachHoSoBoSung = slices.Clone(h.DanhSachHoSoBoSung)
	h.DanhSachGiayToKetQua = slices.Clone(h.DanhSachGiayToKetQua)
	return h
}
