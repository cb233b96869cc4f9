package dvcqg

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
)

// FuzzPortalRequests drives the request decoding of the portal: any body
// to any call, then any data array behind a valid session. Whatever comes
// in, the answer is the portal's JSON envelope at HTTP 200, a batch gets
// one result per item, and only items that pass every check are recorded.
func FuzzPortalRequests(f *testing.F) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, wire.Zone)
	cfg := DefaultConfig()
	cfg.Clock = func() time.Time { return now }
	sim := New(cfg, nil)
	defer sim.Close()
	login := serveFuzz(f, sim, wire.CallLayPhien, []byte(`{"username":"`+DevUsername+`","password":"`+DevPassword+`"}`))
	var la wire.LoginAnswer
	if err := json.Unmarshal(login, &la); err != nil || la.Session == "" {
		f.Fatalf("login: %s", login)
	}

	good, _ := json.Marshal([]wire.HoSo{hoso(maHoSo(testAgency, 1), 1, wire.StatusReceived), finished(maHoSo(testAgency, 1), 2, 8)})
	steps, _ := json.Marshal([]wire.TienDo{step(maHoSo(testAgency, 1), 3, wire.StatusProcessing)})
	f.Add(uint8(1), string(good))
	f.Add(uint8(2), string(steps))
	f.Add(uint8(1), `[{"MaHoSo":"000.00.14.H56-260302-0001","PhienBan":1,"TrangThaiHoSo":"11"}]`)
	f.Add(uint8(1), `[{"MaHoSo":"000.00.14.H56-260302-0001","PhienBan":-1,"NgayHenTra":"2026"},null,{},[],"x",1e400]`)
	f.Add(uint8(2), `[{"MaHoSo":"a-b-c","TrangThai":"4","ThoiDiemXuLy":"20261332250000","PhienBan":9223372036854775807}]`)
	f.Add(uint8(3), `{"MaHoSo":"000.00.14.H56-260302-0001"}`)
	f.Add(uint8(0), `{"username":1}`)
	f.Add(uint8(1), `[`)
	f.Add(uint8(2), `[{"MaHoSo":"000.00.14.H56-260302-0001","PhienBan":1,"TrangThai":"4","MaHoSo":"x"}]`)

	calls := []string{wire.CallLayPhien, wire.CallDongBoHoSoMC, wire.CallCapNhatTienDoHoSoMC, wire.CallTraCuuHoSo}
	f.Fuzz(func(t *testing.T, which uint8, data string) {
		call := calls[int(which)%len(calls)]
		sim.store.reset() // each input on its own, so that a failure reproduces

		// 1. The text as the whole body.
		serveFuzz(t, sim, call, []byte(data))

		// 2. As the data array of a batch, behind a valid session.
		if call != wire.CallDongBoHoSoMC && call != wire.CallCapNhatTienDoHoSoMC {
			return
		}
		body := []byte(`{"session":"` + la.Session + `","madonvi":"` + provinceCode + `","data":` + data + `}`)
		raw := serveFuzz(t, sim, call, body)
		var a wire.BatchAnswer
		_ = json.Unmarshal(raw, &a)
		if a.ErrorCode != wire.CodeOK {
			return
		}
		var items []json.RawMessage
		if err := json.Unmarshal([]byte(data), &items); err != nil {
			t.Fatalf("a data that is not an array was accepted: %q", data)
		}
		if len(a.Results) != len(items) {
			t.Fatalf("%d results for %d items", len(a.Results), len(items))
		}
		for _, r := range a.Results {
			if !r.OK() {
				continue
			}
			if err := wire.CheckMaHoSo(r.MaHoSo); err != nil || r.PhienBan < 1 {
				t.Fatalf("accepted %+v: %v", r, err)
			}
			hist := sim.History(r.MaHoSo)
			found := false
			for _, rec := range hist {
				found = found || rec.PhienBan == r.PhienBan
			}
			if !found {
				t.Fatalf("answered 00 without recording %s version %d", r.MaHoSo, r.PhienBan)
			}
		}
	})
}

// serveFuzz runs one call in process and checks the envelope.
func serveFuzz(t testing.TB, sim *Simulator, call string, body []byte) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/"+call, bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body.Bytes())
	}
	var a wire.Answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.ErrorCode == "" || a.Message == "" {
		t.Fatalf("answer is not the envelope: %q", rec.Body.Bytes())
	}
	return rec.Body.Bytes()
}
