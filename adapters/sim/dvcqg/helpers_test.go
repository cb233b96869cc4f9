package dvcqg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
)

const (
	testAdminToken = "admin-token-for-tests"
	testAgency     = "000.00.14.H56"
	otherAgency    = "000.00.20.H56"
	provinceCode   = "000.00.00.H56" // madonvi
)

// clock is a settable clock for session expiry.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 3, 2, 8, 0, 0, 0, wire.Zone).UnixNano())
	return c
}

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// harness is a simulator behind a real HTTP server.
type harness struct {
	t     *testing.T
	sim   *Simulator
	base  string
	hc    *http.Client
	clock *clock
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	clk := newClock()
	cfg := DefaultConfig()
	cfg.AdminToken = testAdminToken
	cfg.Clock = clk.now
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	sim := New(cfg, nil)
	base, hc := simtest.Serve(t, sim)
	return &harness{t: t, sim: sim, base: base, hc: hc, clock: clk}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// code checks that the answer is the portal's envelope at HTTP 200 and
// returns its error_code.
func (r response) code(t *testing.T) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.status, r.body)
	}
	var a wire.Answer
	r.json(t, &a)
	if a.ErrorCode == "" || a.Message == "" {
		t.Fatalf("answer without error_code or message: %s", r.body)
	}
	return a.ErrorCode
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	res, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// post makes a portal call with a JSON body (raw bytes when body is
// []byte).
func (h *harness) post(call string, body any) response {
	h.t.Helper()
	b, ok := body.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(body); err != nil {
			h.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, h.base+"/"+call, bytes.NewReader(b))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return h.do(req)
}

// login logs in with the dev account and returns the session.
func (h *harness) login() string {
	h.t.Helper()
	r := h.post(wire.CallLayPhien, wire.LoginRequest{Username: DevUsername, Password: DevPassword})
	if c := r.code(h.t); c != wire.CodeOK {
		h.t.Fatalf("login: %s", r.body)
	}
	var a wire.LoginAnswer
	r.json(h.t, &a)
	if a.Session == "" || a.ExpiresIn <= 0 {
		h.t.Fatalf("login answer %s", r.body)
	}
	return a.Session
}

// sync sends dossiers with a session and returns the answer.
func (h *harness) sync(session string, items ...wire.HoSo) (string, []wire.ItemResult) {
	h.t.Helper()
	r := h.post(wire.CallDongBoHoSoMC, wire.BatchRequest[wire.HoSo]{Session: session, AgencyCode: provinceCode, Data: items})
	code := r.code(h.t)
	var a wire.BatchAnswer
	r.json(h.t, &a)
	return code, a.Results
}

// progress sends processing steps with a session and returns the answer.
func (h *harness) progress(session string, items ...wire.TienDo) (string, []wire.ItemResult) {
	h.t.Helper()
	r := h.post(wire.CallCapNhatTienDoHoSoMC, wire.BatchRequest[wire.TienDo]{Session: session, AgencyCode: provinceCode, Data: items})
	code := r.code(h.t)
	var a wire.BatchAnswer
	r.json(h.t, &a)
	return code, a.Results
}

// wantCodes checks the item results' codes, in order.
func wantCodes(t *testing.T, results []wire.ItemResult, codes ...string) {
	t.Helper()
	if len(results) != len(codes) {
		t.Fatalf("%d results, want %d: %+v", len(results), len(codes), results)
	}
	for i, c := range codes {
		if results[i].Code != c || results[i].Message == "" {
			t.Fatalf("result %d: %+v, want %s", i+1, results[i], c)
		}
	}
}

func (h *harness) admin(method, path string, body []byte) response {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	return h.do(req)
}

// at is a date on the wire.
func at(day, hour int) string {
	return wire.FormatTime(time.Date(2026, 3, day, hour, 0, 0, 0, wire.Zone))
}

// maHoSo is the n-th dossier of an agency on 2 March 2026.
func maHoSo(agency string, n int) string { return fmt.Sprintf("%s-260302-%04d", agency, n) }

// hoso is a dossier change: received on 2 March, due on the 9th.
func hoso(ma string, version int64, status string) wire.HoSo {
	return wire.HoSo{
		MaHoSo: ma, MaTTHC: "1.011442.000.00.00.H56", TenTTHC: "Cấp giấy phép xây dựng",
		MaLinhVuc: "XD", TenLinhVuc: "Xây dựng", SoBienNhan: "BN-" + ma, ChuHoSo: "Nguyễn Văn A",
		LoaiDoiTuong: wire.ApplicantCitizen, TrichYeuHoSo: "Đề nghị cấp giấy phép xây dựng nhà ở",
		NgayTiepNhan: at(2, 9), NgayHenTra: at(9, 17), TrangThaiHoSo: status, HinhThuc: wire.ChannelOnline,
		DanhSachLePhi: []wire.LePhi{{MaPhiLePhi: "LP1", TenPhiLePhi: "Lệ phí cấp phép", Gia: 75000}},
		PhienBan:      version,
	}
}

// finished is a dossier change finishing the dossier on the given day at
// 10:00.
func finished(ma string, version int64, day int) wire.HoSo {
	h := hoso(ma, version, wire.StatusFinished)
	h.NgayKetThucXuLy = at(day, 10)
	return h
}

func step(ma string, version int64, status string) wire.TienDo {
	return wire.TienDo{
		MaHoSo: ma, NguoiXuLy: "Trần Thị B", ChucDanh: "Chuyên viên", ThoiDiemXuLy: at(3, 14),
		PhongBanXuLy: "Phòng Quản lý đô thị", NoiDungXuLy: "Thẩm định hồ sơ", TrangThai: status, PhienBan: version,
	}
}
