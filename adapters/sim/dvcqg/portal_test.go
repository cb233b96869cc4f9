package dvcqg

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
)

func TestLoginChecksTheAccount(t *testing.T) {
	h := newHarness(t, nil)
	for _, bad := range []wire.LoginRequest{
		{Username: DevUsername, Password: "wrong"},
		{Username: "someone-else", Password: DevPassword},
		{},
	} {
		r := h.post(wire.CallLayPhien, bad)
		if c := r.code(t); c != wire.CodeBadCredentials {
			t.Fatalf("login %q: %s", bad.Username, r.body)
		}
		if strings.Contains(string(r.body), `"session"`) {
			t.Fatalf("a refused login got a session: %s", r.body)
		}
	}
	r := h.post(wire.CallLayPhien, wire.LoginRequest{Username: DevUsername, Password: DevPassword})
	var a wire.LoginAnswer
	r.json(t, &a)
	if a.ErrorCode != wire.CodeOK || len(a.Session) < 32 || a.ExpiresIn != int64((30*time.Minute).Seconds()) {
		t.Fatalf("login answer %s", r.body)
	}
	if st := h.sim.Stats(); st.Logins != 1 || st.Count(wire.CallLayPhien, http.StatusOK) != 4 {
		t.Fatalf("stats %+v", st)
	}
	// A body that is not the login request is invalid data, not a login.
	if c := h.post(wire.CallLayPhien, []byte(`{"user":"x"}`)).code(t); c != wire.CodeInvalidData {
		t.Fatalf("unknown field: %s", c)
	}
}

func TestSessionIsRequiredAndExpires(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.SessionTTL = time.Minute })
	d := hoso(maHoSo(testAgency, 1), 1, wire.StatusReceived)
	for _, s := range []string{"", "not-a-session"} {
		if code, _ := h.sync(s, d); code != wire.CodeSessionInvalid {
			t.Fatalf("session %q: %s", s, code)
		}
	}
	s := h.login()
	if code, res := h.sync(s, d); code != wire.CodeOK {
		t.Fatalf("sync: %s %+v", code, res)
	}
	h.clock.advance(time.Minute)
	if code, _ := h.sync(s, d); code != wire.CodeSessionInvalid {
		t.Fatalf("expired session: %s", code)
	}
	// A fresh session works; ExpireSessions ends it at once.
	s = h.login()
	if code, _ := h.progress(s, step(d.MaHoSo, 2, wire.StatusProcessing)); code != wire.CodeOK {
		t.Fatalf("progress: %s", code)
	}
	h.sim.ExpireSessions()
	r := h.post(wire.CallTraCuuHoSo, wire.LookupRequest{Session: s, AgencyCode: provinceCode, MaHoSo: d.MaHoSo})
	if c := r.code(t); c != wire.CodeSessionInvalid {
		t.Fatalf("after ExpireSessions: %s", r.body)
	}
	if st := h.sim.Stats(); st.SessionsRefused != 4 || st.Logins != 2 {
		t.Fatalf("stats: refused %d, logins %d", st.SessionsRefused, st.Logins)
	}
	// The madonvi is required once the session is good.
	s = h.login()
	r = h.post(wire.CallDongBoHoSoMC, wire.BatchRequest[wire.HoSo]{Session: s, Data: []wire.HoSo{d}})
	if c := r.code(t); c != wire.CodeInvalidData {
		t.Fatalf("no madonvi: %s", r.body)
	}
}

func TestSessionTTLKnobAndOneCallSessions(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.sim.SetFaults(Faults{SessionTTL: Duration(90 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	r := h.post(wire.CallLayPhien, wire.LoginRequest{Username: DevUsername, Password: DevPassword})
	var a wire.LoginAnswer
	r.json(t, &a)
	if a.ExpiresIn != 90 {
		t.Fatalf("expires_in %d, want the knob's 90", a.ExpiresIn)
	}
	h.clock.advance(90 * time.Second)
	if code, _ := h.sync(a.Session, hoso(maHoSo(testAgency, 1), 1, wire.StatusNew)); code != wire.CodeSessionInvalid {
		t.Fatalf("session past the knob's lifetime: %s", code)
	}

	if err := h.sim.SetFaults(Faults{ExpireSessions: true}); err != nil {
		t.Fatal(err)
	}
	s := h.login()
	if code, _ := h.sync(s, hoso(maHoSo(testAgency, 2), 1, wire.StatusNew)); code != wire.CodeOK {
		t.Fatalf("first call of a one-call session: %s", code)
	}
	if code, _ := h.sync(s, hoso(maHoSo(testAgency, 2), 2, wire.StatusReceived)); code != wire.CodeSessionInvalid {
		t.Fatalf("second call of a one-call session: %s", code)
	}
}

func TestItemsAreCheckedOneByOne(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	good := hoso(maHoSo(testAgency, 1), 1, wire.StatusReceived)
	noCode := hoso("", 1, wire.StatusReceived)
	badCode := hoso("H56-260302-0001", 1, wire.StatusReceived)
	badDay := hoso(testAgency+"-261302-0001", 1, wire.StatusReceived)
	shortSeq := hoso(testAgency+"-260302-01", 1, wire.StatusReceived)
	badStatus := hoso(maHoSo(testAgency, 2), 1, "11")
	badDate := hoso(maHoSo(testAgency, 3), 1, wire.StatusReceived)
	badDate.NgayHenTra = "2026-03-09 17:00:00"
	badSupplement := hoso(maHoSo(testAgency, 4), 1, wire.StatusSupplementRequested)
	badSupplement.DanhSachHoSoBoSung = []wire.HoSoBoSung{{HoSoBoSungID: "1", NgayBoSung: "20260230100000"}}
	noVersion := hoso(maHoSo(testAgency, 5), 0, wire.StatusReceived)

	code, res := h.sync(s, good, noCode, badCode, badDay, shortSeq, badStatus, badDate, badSupplement, noVersion)
	if code != wire.CodeOK {
		t.Fatalf("batch: %s", code)
	}
	wantCodes(t, res, "00", "03", "03", "03", "03", "03", "03", "03", "03")
	if res[5].MaHoSo != badStatus.MaHoSo || res[5].PhienBan != 1 || !strings.Contains(res[5].Message, "TrangThaiHoSo") {
		t.Fatalf("bad status answered %+v", res[5])
	}
	if !strings.Contains(res[6].Message, "NgayHenTra") || !strings.Contains(res[7].Message, "NgayBoSung") {
		t.Fatalf("bad dates answered %+v / %+v", res[6], res[7])
	}
	// Only the good one was recorded.
	if ds := h.sim.Dossiers(); len(ds) != 1 || ds[0].MaHoSo != good.MaHoSo {
		t.Fatalf("dossiers %+v", ds)
	}
	if st := h.sim.Stats(); st.Recorded != 1 || st.Invalid != 8 {
		t.Fatalf("recorded %d, invalid %d", st.Recorded, st.Invalid)
	}

	// Steps: bad status, bad time; and items that are not a step at all.
	badStep := step(maHoSo(testAgency, 1), 2, "0")
	badTime := step(maHoSo(testAgency, 1), 3, wire.StatusProcessing)
	badTime.ThoiDiemXuLy = "1710000000"
	code, res = h.progress(s, step(maHoSo(testAgency, 1), 2, wire.StatusProcessing), badStep, badTime)
	if code != wire.CodeOK {
		t.Fatal(code)
	}
	wantCodes(t, res, "00", "03", "03")
	raw := `{"session":"` + s + `","madonvi":"` + provinceCode + `","data":[` +
		`{"MaHoSo":"` + maHoSo(testAgency, 1) + `","PhienBan":3,"TrangThai":4},` + // a number, not a string
		`{"MaHoSo":"` + maHoSo(testAgency, 1) + `","PhienBan":3,"TrangThai":"4","Extra":1},` +
		`null, 7]}`
	r := h.post(wire.CallCapNhatTienDoHoSoMC, []byte(raw))
	var a wire.BatchAnswer
	r.json(t, &a)
	wantCodes(t, a.Results, "03", "03", "03", "03")
	if a.Results[0].MaHoSo != maHoSo(testAgency, 1) || a.Results[0].PhienBan != 3 {
		t.Fatalf("an unreadable item is answered with what could be read of it: %+v", a.Results[0])
	}
}

func TestWholeRequestsThatCannotBeRead(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	for name, body := range map[string]string{
		"not JSON":       `{"session":`,
		"unknown field":  `{"session":"` + s + `","madonvi":"x","data":[],"page":1}`,
		"trailing value": `{"session":"` + s + `","madonvi":"x","data":[]} {}`,
		"no data":        `{"session":"` + s + `","madonvi":"x"}`,
	} {
		if c := h.post(wire.CallDongBoHoSoMC, []byte(body)).code(t); c != wire.CodeInvalidData {
			t.Errorf("%s: %s", name, c)
		}
	}
	// An empty batch is a success with no results.
	r := h.post(wire.CallDongBoHoSoMC, wire.BatchRequest[wire.HoSo]{Session: s, AgencyCode: provinceCode, Data: []wire.HoSo{}})
	var a wire.BatchAnswer
	r.json(t, &a)
	if c := r.code(t); c != wire.CodeOK || a.Results == nil || len(a.Results) != 0 {
		t.Fatalf("empty batch: %s", r.body)
	}
	// Unknown call, wrong method.
	r = h.post("XoaHoSo", []byte(`{}`))
	if r.status != http.StatusNotFound {
		t.Fatalf("unknown call: %d", r.status)
	}
	req, _ := http.NewRequest(http.MethodGet, h.base+"/"+wire.CallTraCuuHoSo, nil)
	if r := h.do(req); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != http.MethodPost {
		t.Fatalf("GET: %d %v", r.status, r.header)
	}
	// Any base path works: the call is the last segment.
	r = h.post("api/v1/"+wire.CallLayPhien, wire.LoginRequest{Username: DevUsername, Password: DevPassword})
	if c := r.code(t); c != wire.CodeOK {
		t.Fatalf("under a base path: %s", r.body)
	}
}

func TestHistoryDuplicatesOrderAndGaps(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	m := maHoSo(testAgency, 7)
	// 1 (dossier), 2 (step): in order.
	if _, res := h.sync(s, hoso(m, 1, wire.StatusReceived)); !res[0].OK() {
		t.Fatal(res)
	}
	if _, res := h.progress(s, step(m, 2, wire.StatusProcessing)); !res[0].OK() {
		t.Fatal(res)
	}
	// 1 again, as a dossier or a step: a duplicate, answered 00, not recorded.
	_, res := h.sync(s, hoso(m, 1, wire.StatusNotAccepted))
	wantCodes(t, res, "00")
	if _, res := h.progress(s, step(m, 2, wire.StatusProcessing)); !res[0].OK() {
		t.Fatal(res)
	}
	// 4 skips 3: a gap; then 3 arrives late: out of order.
	_, res = h.sync(s, finished(m, 4, 8), hoso(m, 3, wire.StatusProcessing))
	wantCodes(t, res, "00", "00")

	hist := h.sim.History(m)
	if len(hist) != 4 {
		t.Fatalf("history %+v", hist)
	}
	for i, want := range []struct {
		kind    string
		version int64
		gap     bool
		late    bool
	}{
		{wire.CallDongBoHoSoMC, 1, false, false},
		{wire.CallCapNhatTienDoHoSoMC, 2, false, false},
		{wire.CallDongBoHoSoMC, 4, true, false},
		{wire.CallDongBoHoSoMC, 3, false, true},
	} {
		r := hist[i]
		if r.Kind != want.kind || r.PhienBan != want.version || r.Gap != want.gap || r.OutOfOrder != want.late || r.Received.IsZero() {
			t.Fatalf("record %d: %+v, want %+v", i, r, want)
		}
	}
	// The first record is the item as sent, status 2 not the duplicate's 3.
	if first, err := hist[0].HoSo(); err != nil || first.TrangThaiHoSo != wire.StatusReceived {
		t.Fatalf("first record %+v, %v", first, err)
	}
	// The latest state is version 4, although 3 arrived after it.
	d, ok := h.sim.Dossier(m)
	if !ok || d.Latest == nil || d.Latest.PhienBan != 4 || d.Latest.TrangThaiHoSo != wire.StatusFinished || d.Agency != testAgency {
		t.Fatalf("dossier %+v", d)
	}
	st := h.sim.Stats()
	if st.Recorded != 4 || st.Duplicates != 2 || st.Gaps != 1 || st.OutOfOrder != 1 {
		t.Fatalf("recorded %d duplicates %d gaps %d out of order %d", st.Recorded, st.Duplicates, st.Gaps, st.OutOfOrder)
	}
	if h.sim.History("000.00.14.H56-260302-9999") != nil {
		t.Fatal("history of an unknown dossier")
	}
}

func TestLookup(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	m := maHoSo(testAgency, 3)
	h.sync(s, hoso(m, 1, wire.StatusReceived))
	// Steps sent out of order come back in PhienBan order.
	h.progress(s, step(m, 3, wire.StatusFinished), step(m, 2, wire.StatusProcessing))
	r := h.post(wire.CallTraCuuHoSo, wire.LookupRequest{Session: s, AgencyCode: provinceCode, MaHoSo: m})
	if c := r.code(t); c != wire.CodeOK {
		t.Fatal(string(r.body))
	}
	var a wire.LookupAnswer
	r.json(t, &a)
	if a.Data == nil || a.Data.MaHoSo != m || a.Data.DanhSachLePhi[0].Gia != 75000 ||
		len(a.TienDo) != 2 || a.TienDo[0].PhienBan != 2 || a.TienDo[1].PhienBan != 3 {
		t.Fatalf("lookup %s", r.body)
	}
	for _, missing := range []string{maHoSo(testAgency, 4), "anything"} {
		r = h.post(wire.CallTraCuuHoSo, wire.LookupRequest{Session: s, AgencyCode: provinceCode, MaHoSo: missing})
		if c := r.code(t); c != wire.CodeNotFound {
			t.Fatalf("lookup %s: %s", missing, r.body)
		}
	}
	// A dossier with steps only has no state to show.
	only := maHoSo(testAgency, 5)
	h.progress(s, step(only, 1, wire.StatusProcessing))
	r = h.post(wire.CallTraCuuHoSo, wire.LookupRequest{Session: s, AgencyCode: provinceCode, MaHoSo: only})
	if c := r.code(t); c != wire.CodeNotFound {
		t.Fatalf("steps only: %s", r.body)
	}
	r = h.post(wire.CallTraCuuHoSo, wire.LookupRequest{Session: s, AgencyCode: provinceCode})
	if c := r.code(t); c != wire.CodeInvalidData {
		t.Fatalf("no MaHoSo: %s", r.body)
	}
}

func TestMaxDossiersForgetsTheFirstReceived(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxDossiers = 2 })
	s := h.login()
	for n := 1; n <= 3; n++ {
		h.sync(s, hoso(maHoSo(testAgency, n), 1, wire.StatusReceived))
	}
	ds := h.sim.Dossiers()
	if len(ds) != 2 || ds[0].MaHoSo != maHoSo(testAgency, 2) || ds[1].MaHoSo != maHoSo(testAgency, 3) {
		t.Fatalf("dossiers %+v", ds)
	}
	if _, ok := h.sim.Dossier(maHoSo(testAgency, 1)); ok {
		t.Fatal("the first dossier is still held")
	}
}

func TestRecordKeepsTheItemAsSent(t *testing.T) {
	h := newHarness(t, nil)
	s := h.login()
	item := `{"MaHoSo":"` + maHoSo(testAgency, 1) + `","MaTTHC":"1.1","TenTTHC":"T","MaLinhVuc":"L","TenLinhVuc":"L",` +
		`"SoBienNhan":"1","ChuHoSo":"Lê Văn C","LoaiDoiTuong":"2","TrichYeuHoSo":"x","NgayTiepNhan":"20260302090000",` +
		`"NgayHenTra":"20260309170000","TrangThaiHoSo":"2","HinhThuc":"0","PhienBan":1}`
	body := `{"session":"` + s + `","madonvi":"` + provinceCode + `","data":[` + item + `]}`
	r := h.post(wire.CallDongBoHoSoMC, []byte(body))
	var a wire.BatchAnswer
	r.json(t, &a)
	wantCodes(t, a.Results, "00")
	hist := h.sim.History(maHoSo(testAgency, 1))
	if len(hist) != 1 || string(hist[0].Item) != item {
		t.Fatalf("record %s, want the item as sent", hist[0].Item)
	}
	var back map[string]any
	if err := json.Unmarshal(hist[0].Item, &back); err != nil || back["ChuHoSo"] != "Lê Văn C" {
		t.Fatalf("item %v, %v", back, err)
	}
}
