package dvcqg_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/dvcqg"
	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
)

const (
	agency       = "000.00.14.H56"
	provinceCode = "000.00.00.H56"
)

// clock is a settable clock shared by the simulator and the client, so
// that session lifetimes are tested without waiting.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 3, 2, 8, 0, 0, 0, dvcqg.Zone).UnixNano())
	return c
}

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// env is a simulator on a random port and a client of it.
type env struct {
	sim    *simdvcqg.Simulator
	url    string
	client *dvcqg.Client
	clock  *clock
}

func start(t *testing.T, mutate func(*simdvcqg.Config)) *env {
	t.Helper()
	clk := newClock()
	cfg := simdvcqg.DefaultConfig()
	cfg.Clock = clk.now
	if mutate != nil {
		mutate(&cfg)
	}
	sim := simdvcqg.New(cfg, nil)
	url := simtest.Start(t, sim)
	e := &env{sim: sim, url: url, clock: clk}
	e.client = e.newClient(t, func(c *dvcqg.Config) {})
	return e
}

// newClient returns a client of the simulator with its own connections.
func (e *env) newClient(t *testing.T, mutate func(*dvcqg.Config)) *dvcqg.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 128}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := dvcqg.Config{
		BaseURL: e.url, Username: simdvcqg.DevUsername, Password: simdvcqg.DevPassword, AgencyCode: provinceCode,
		Timeout: 10 * time.Second, HTTPClient: &http.Client{Transport: tr}, Clock: e.clock.now,
	}
	mutate(&cfg)
	c, err := dvcqg.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) setFaults(t *testing.T, f simdvcqg.Faults) {
	t.Helper()
	if err := e.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
}

func maHoSo(n int) string { return fmt.Sprintf("%s-260302-%04d", agency, n) }

func day(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, dvcqg.Zone) }

func dossier(n int, version int64, status string) dvcqg.HoSo {
	return dvcqg.HoSo{
		MaHoSo: maHoSo(n), MaTTHC: "1.011442.000.00.00.H56", TenTTHC: "Cấp giấy phép xây dựng",
		MaLinhVuc: "XD", TenLinhVuc: "Xây dựng", SoBienNhan: fmt.Sprintf("BN-%d", n), ChuHoSo: "Nguyễn Văn A",
		LoaiDoiTuong: dvcqg.ApplicantCitizen, MaDoiTuong: "001090000001", TrichYeuHoSo: "Đề nghị cấp giấy phép xây dựng",
		NgayTiepNhan: dvcqg.FormatTime(day(2, 9)), NgayHenTra: dvcqg.FormatTime(day(9, 17)),
		TrangThaiHoSo: status, HinhThuc: dvcqg.ChannelOnline,
		TaiLieuNop:    []dvcqg.TaiLieu{{TepDinhKemID: "f1", TenTepDinhKem: "don-de-nghi.pdf"}},
		DanhSachLePhi: []dvcqg.LePhi{{MaPhiLePhi: "LP1", TenPhiLePhi: "Lệ phí", Gia: 75000, HinhThucThu: "online"}},
		PhienBan:      version,
	}
}

func step(n int, version int64, status string) dvcqg.TienDo {
	return dvcqg.TienDo{
		MaHoSo: maHoSo(n), NguoiXuLy: "Trần Thị B", ChucDanh: "Chuyên viên", ThoiDiemXuLy: dvcqg.FormatTime(day(3, 14)),
		PhongBanXuLy: "Phòng Quản lý đô thị", NoiDungXuLy: "Thẩm định hồ sơ", TrangThai: status, PhienBan: version,
	}
}

// wantOK checks that every item succeeded.
func wantOK(t *testing.T, res []dvcqg.ItemResult, err error, n int) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != n {
		t.Fatalf("%d results, want %d", len(res), n)
	}
	for _, r := range res {
		if !r.OK() || r.Permanent() {
			t.Fatalf("item %+v", r)
		}
	}
}

func TestSyncProgressAndLookup(t *testing.T) {
	e := start(t, nil)
	ctx := t.Context()
	res, err := e.client.SyncDossiers(ctx, []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusReceived), dossier(2, 1, dvcqg.StatusReceived)})
	wantOK(t, res, err, 2)
	if res[1].MaHoSo != maHoSo(2) || res[1].PhienBan != 1 {
		t.Fatalf("result %+v", res[1])
	}
	res, err = e.client.UpdateProgress(ctx, []dvcqg.TienDo{step(1, 2, dvcqg.StatusProcessing), step(1, 3, dvcqg.StatusFinished)})
	wantOK(t, res, err, 2)
	done := dossier(1, 4, dvcqg.StatusReturned)
	done.NgayKetThucXuLy, done.NgayTra = dvcqg.FormatTime(day(6, 10)), dvcqg.FormatTime(day(6, 15))
	done.DanhSachGiayToKetQua = []dvcqg.GiayToKetQua{{GiayToID: "kq1", TenGiayTo: "Giấy phép xây dựng"}}
	res, err = e.client.SyncDossiers(ctx, []dvcqg.HoSo{done})
	wantOK(t, res, err, 1)

	got, steps, err := e.client.Lookup(ctx, maHoSo(1))
	if err != nil {
		t.Fatal(err)
	}
	if got.PhienBan != 4 || got.TrangThaiHoSo != dvcqg.StatusReturned || got.MaDoiTuong != "001090000001" ||
		len(got.DanhSachGiayToKetQua) != 1 || got.DanhSachLePhi[0].Gia != 75000 {
		t.Fatalf("looked up %+v", got)
	}
	if len(steps) != 2 || steps[0].PhienBan != 2 || steps[1].TrangThai != dvcqg.StatusFinished {
		t.Fatalf("steps %+v", steps)
	}
	// What the portal recorded is what was sent.
	hist := e.sim.History(maHoSo(1))
	if len(hist) != 4 {
		t.Fatalf("history %+v", hist)
	}
	if h, err := hist[3].HoSo(); err != nil || h.NgayKetThucXuLy != done.NgayKetThucXuLy || h.ChuHoSo != done.ChuHoSo {
		t.Fatalf("recorded %+v, %v", h, err)
	}
	st := e.sim.Stats()
	if st.Logins != 1 || st.OutOfOrder != 0 || st.Gaps != 0 || st.Total.OnTime != 1 {
		t.Fatalf("stats %+v", st)
	}
	// An empty batch makes no call.
	if res, err := e.client.SyncDossiers(ctx, nil); err != nil || len(res) != 0 {
		t.Fatalf("empty batch: %v %v", res, err)
	}
	if n := e.sim.Stats().CallsTotal; n != st.CallsTotal {
		t.Fatalf("an empty batch called the portal")
	}
}

func TestLookupNotFound(t *testing.T) {
	e := start(t, nil)
	_, _, err := e.client.Lookup(t.Context(), maHoSo(404))
	if !dvcqg.IsNotFound(err) || dvcqg.IsTemporary(err) {
		t.Fatalf("lookup of an unknown dossier: %v", err)
	}
	var de *dvcqg.Error
	if !errors.As(err, &de) || de.Call != dvcqg.CallTraCuuHoSo || de.Code != dvcqg.CodeNotFound || de.HTTPStatus != http.StatusOK {
		t.Fatalf("error %#v", err)
	}
}

// One login serves many concurrent callers: they wait for the same
// LayPhien.
func TestConcurrentCallersShareOneLogin(t *testing.T) {
	e := start(t, nil)
	// Latency makes the callers pile up behind the first login.
	e.setFaults(t, simdvcqg.Faults{Latency: simdvcqg.Duration(20 * time.Millisecond)})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Go(func() {
			res, err := e.client.SyncDossiers(t.Context(), []dvcqg.HoSo{dossier(i+1, 1, dvcqg.StatusNew)})
			if err == nil && (len(res) != 1 || !res[0].OK()) {
				err = fmt.Errorf("item %+v", res)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := e.sim.Stats()
	if st.Logins != 1 || st.CallTotal(dvcqg.CallLayPhien) != 1 || st.Recorded != 100 || len(e.sim.Dossiers()) != 100 {
		t.Fatalf("logins %d, LayPhien calls %d, recorded %d", st.Logins, st.CallTotal(dvcqg.CallLayPhien), st.Recorded)
	}
}

// A session that expires mid-run costs one re-login, shared by the
// callers it failed, and every call succeeds.
func TestExpiredSessionLogsInOnceAgain(t *testing.T) {
	e := start(t, nil)
	ctx := t.Context()
	res, err := e.client.SyncDossiers(ctx, []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)})
	wantOK(t, res, err, 1)
	e.sim.ExpireSessions()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 20 {
		wg.Go(func() {
			res, err := e.client.UpdateProgress(ctx, []dvcqg.TienDo{step(100+i, 1, dvcqg.StatusProcessing)})
			if err != nil || !res[0].OK() {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	st := e.sim.Stats()
	// Callers that started after the re-login were not refused; those
	// refused all waited for the same re-login.
	if failed.Load() != 0 || st.Logins != 2 || st.SessionsRefused < 1 || st.SessionsRefused > 20 || st.Recorded != 21 {
		t.Fatalf("failed %d, logins %d, refused %d, recorded %d", failed.Load(), st.Logins, st.SessionsRefused, st.Recorded)
	}
}

// The session is renewed shortly before the lifetime the portal announced,
// without a refused call.
func TestSessionRenewedBeforeItExpires(t *testing.T) {
	e := start(t, nil) // sessions last 30 minutes
	ctx := t.Context()
	for i, wait := range []time.Duration{0, 28 * time.Minute, 90 * time.Second} {
		e.clock.advance(wait)
		res, err := e.client.SyncDossiers(ctx, []dvcqg.HoSo{dossier(1, int64(i+1), dvcqg.StatusNew)})
		wantOK(t, res, err, 1)
	}
	// 28 minutes in, the session was kept; 29.5 minutes in, it was renewed.
	if st := e.sim.Stats(); st.Logins != 2 || st.SessionsRefused != 0 {
		t.Fatalf("logins %d, refused %d", st.Logins, st.SessionsRefused)
	}
}

// A portal that refuses every session: one re-login, one retry, then the
// error.
func TestSessionRetriedOnceOnly(t *testing.T) {
	// The simulator's clock moves an hour each time it is read, so every
	// session has expired by the time it is used.
	var jump atomic.Int64
	e := start(t, func(c *simdvcqg.Config) {
		c.Clock = func() time.Time { return day(2, 8).Add(time.Duration(jump.Add(1)) * time.Hour) }
	})
	_, err := e.client.SyncDossiers(t.Context(), []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)})
	var de *dvcqg.Error
	if !errors.As(err, &de) || de.Code != dvcqg.CodeSessionInvalid || de.Call != dvcqg.CallDongBoHoSoMC || !dvcqg.IsTemporary(err) {
		t.Fatalf("err %v", err)
	}
	st := e.sim.Stats()
	if calls := st.CallTotal(dvcqg.CallDongBoHoSoMC); calls != 2 || st.Logins != 2 || st.SessionsRefused != 2 {
		t.Fatalf("%d DongBoHoSoMC calls, %d logins: want the call and one retry after one re-login", calls, st.Logins)
	}
}

// With expire_sessions every session serves one call: the client logs in
// again each time and never fails.
func TestOneCallSessions(t *testing.T) {
	e := start(t, func(c *simdvcqg.Config) { c.Faults.ExpireSessions = true })
	for i := range 5 {
		res, err := e.client.SyncDossiers(t.Context(), []dvcqg.HoSo{dossier(1, int64(i+1), dvcqg.StatusNew)})
		wantOK(t, res, err, 1)
	}
	if st := e.sim.Stats(); st.Logins != 5 || st.SessionsRefused != 4 || st.Recorded != 5 {
		t.Fatalf("logins %d refused %d recorded %d", st.Logins, st.SessionsRefused, st.Recorded)
	}
}

func TestBadCredentials(t *testing.T) {
	e := start(t, nil)
	const secret = "mat-khau-sai-123"
	c := e.newClient(t, func(c *dvcqg.Config) { c.Password = secret })
	_, err := c.SyncDossiers(t.Context(), []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)})
	if !dvcqg.IsBadCredentials(err) || dvcqg.IsTemporary(err) {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("the password is in the error: %v", err)
	}
	var de *dvcqg.Error
	if !errors.As(err, &de) || de.Call != dvcqg.CallLayPhien {
		t.Fatalf("error %#v", err)
	}
	if st := e.sim.Stats(); st.CallTotal(dvcqg.CallDongBoHoSoMC) != 0 || st.Logins != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Temporary failures are reported once: the client does not loop.
func TestTemporaryFailuresAreNotRetried(t *testing.T) {
	e := start(t, nil)
	ctx := t.Context()
	res, err := e.client.SyncDossiers(ctx, []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)})
	wantOK(t, res, err, 1)
	// error_rate 1 answers HTTP 503 or "99"; a seed gives both within a
	// few calls.
	e.setFaults(t, simdvcqg.Faults{ErrorRate: 1, Seed: 11})
	seen := map[string]bool{}
	for i := 0; i < 20 && len(seen) < 2; i++ {
		before := e.sim.Stats().CallTotal(dvcqg.CallDongBoHoSoMC)
		_, err := e.client.SyncDossiers(ctx, []dvcqg.HoSo{dossier(1, 2, dvcqg.StatusReceived)})
		if !dvcqg.IsTemporary(err) {
			t.Fatalf("injected failure not temporary: %v", err)
		}
		var de *dvcqg.Error
		if !errors.As(err, &de) {
			t.Fatalf("error %#v", err)
		}
		switch {
		case de.HTTPStatus == http.StatusServiceUnavailable && de.Code == "":
			seen["503"] = true
		case de.HTTPStatus == http.StatusOK && de.Code == dvcqg.CodeSystemError:
			seen["99"] = true
		default:
			t.Fatalf("error %#v", de)
		}
		if n := e.sim.Stats().CallTotal(dvcqg.CallDongBoHoSoMC) - before; n != 1 {
			t.Fatalf("%d calls for one failed batch", n)
		}
	}
	if !seen["503"] || !seen["99"] {
		t.Fatalf("seen %v", seen)
	}
	if st := e.sim.Stats(); st.Recorded != 1 {
		t.Fatalf("recorded %d", st.Recorded)
	}
}

func TestOutageThenRecovery(t *testing.T) {
	e := start(t, func(c *simdvcqg.Config) { c.Faults.Outage = true })
	ctx := t.Context()
	batch := []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)}
	for range 3 {
		_, err := e.client.SyncDossiers(ctx, batch)
		var de *dvcqg.Error
		if !dvcqg.IsTemporary(err) || !errors.As(err, &de) || de.HTTPStatus != http.StatusServiceUnavailable || de.Call != dvcqg.CallLayPhien {
			t.Fatalf("during the outage: %v", err)
		}
	}
	e.setFaults(t, simdvcqg.Faults{})
	res, err := e.client.SyncDossiers(ctx, batch)
	wantOK(t, res, err, 1)
	if st := e.sim.Stats(); st.Logins != 1 || st.Recorded != 1 {
		t.Fatalf("after recovery: %+v", st)
	}
}

func TestTimeoutIsTemporary(t *testing.T) {
	e := start(t, nil)
	e.setFaults(t, simdvcqg.Faults{Latency: simdvcqg.Duration(time.Minute)})
	c := e.newClient(t, func(c *dvcqg.Config) { c.Timeout = 50 * time.Millisecond })
	_, err := c.SyncDossiers(t.Context(), []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)})
	if !dvcqg.IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	// A caller that cancels is not told to retry.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.SyncDossiers(ctx, []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)}); err == nil || dvcqg.IsTemporary(err) {
		t.Fatalf("cancelled: %v", err)
	}
}

// A truncated answer is temporary; the resend finds the portal already
// has the items, and nothing is recorded twice.
func TestMalformedAnswerThenResend(t *testing.T) {
	e := start(t, nil)
	ctx := t.Context()
	res, err := e.client.SyncDossiers(ctx, []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)})
	wantOK(t, res, err, 1)
	e.setFaults(t, simdvcqg.Faults{MalformedRate: 1})
	batch := []dvcqg.HoSo{dossier(1, 2, dvcqg.StatusReceived), dossier(2, 1, dvcqg.StatusNew)}
	_, err = e.client.SyncDossiers(ctx, batch)
	var de *dvcqg.Error
	if !dvcqg.IsTemporary(err) || !errors.As(err, &de) || de.Code != "" || de.HTTPStatus != http.StatusOK {
		t.Fatalf("malformed answer: %v", err)
	}
	e.setFaults(t, simdvcqg.Faults{})
	res, err = e.client.SyncDossiers(ctx, batch)
	wantOK(t, res, err, 2)
	st := e.sim.Stats()
	if st.Recorded != 3 || st.Duplicates != 2 || len(e.sim.History(maHoSo(1))) != 2 || st.OutOfOrder != 0 || st.Gaps != 0 {
		t.Fatalf("recorded %d duplicates %d out of order %d gaps %d", st.Recorded, st.Duplicates, st.OutOfOrder, st.Gaps)
	}
}

// A truncated login answer is temporary and its text never reaches the
// error: it may hold the session.
func TestMalformedLoginAnswer(t *testing.T) {
	e := start(t, func(c *simdvcqg.Config) { c.Faults.MalformedRate = 1 })
	_, err := e.client.SyncDossiers(t.Context(), []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)})
	var de *dvcqg.Error
	if !dvcqg.IsTemporary(err) || !errors.As(err, &de) || de.Call != dvcqg.CallLayPhien {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), "session") || strings.Contains(err.Error(), "{") {
		t.Fatalf("the login answer is quoted in the error: %v", err)
	}
}

func TestRejectedItemIsPermanent(t *testing.T) {
	e := start(t, func(c *simdvcqg.Config) { c.Faults.Reject = []string{maHoSo(2)} })
	res, err := e.client.SyncDossiers(t.Context(), []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew), dossier(2, 1, dvcqg.StatusNew), dossier(3, 1, "12")})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].OK() || res[1].OK() || !res[1].Permanent() || res[1].Code != dvcqg.CodeInvalidData ||
		!res[2].Permanent() || res[1].MaHoSo != maHoSo(2) || res[1].Message == "" {
		t.Fatalf("results %+v", res)
	}
	if e.sim.History(maHoSo(2)) != nil || e.sim.History(maHoSo(3)) != nil {
		t.Fatal("refused items were recorded")
	}
}

func TestDuplicatesAndOrderAsThePortalSeesThem(t *testing.T) {
	e := start(t, nil)
	ctx := t.Context()
	for range 3 { // the same batch three times: recorded once
		res, err := e.client.SyncDossiers(ctx, []dvcqg.HoSo{dossier(1, 1, dvcqg.StatusNew)})
		wantOK(t, res, err, 1)
	}
	if st := e.sim.Stats(); st.Recorded != 1 || st.Duplicates != 2 || len(e.sim.History(maHoSo(1))) != 1 {
		t.Fatalf("recorded %d duplicates %d", st.Recorded, st.Duplicates)
	}
	// Version 3 before 2: a gap, then an item out of order. Both are
	// accepted; the counters tell a test of the platform that its outbox
	// sent them out of order.
	res, err := e.client.UpdateProgress(ctx, []dvcqg.TienDo{step(1, 3, dvcqg.StatusProcessing)})
	wantOK(t, res, err, 1)
	res, err = e.client.SyncDossiers(ctx, []dvcqg.HoSo{dossier(1, 2, dvcqg.StatusReceived)})
	wantOK(t, res, err, 1)
	if st := e.sim.Stats(); st.Gaps != 1 || st.OutOfOrder != 1 {
		t.Fatalf("gaps %d out of order %d", st.Gaps, st.OutOfOrder)
	}
}

func TestNewRefusesAConfigurationThatCannotWork(t *testing.T) {
	good := dvcqg.Config{BaseURL: "http://127.0.0.1:8094", Username: "u", Password: "p", AgencyCode: provinceCode}
	if _, err := dvcqg.New(good); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*dvcqg.Config){
		"no URL":        func(c *dvcqg.Config) { c.BaseURL = "" },
		"not http":      func(c *dvcqg.Config) { c.BaseURL = "ftp://portal" },
		"no host":       func(c *dvcqg.Config) { c.BaseURL = "http:///x" },
		"no username":   func(c *dvcqg.Config) { c.Username = " " },
		"no password":   func(c *dvcqg.Config) { c.Password = "" },
		"no madonvi":    func(c *dvcqg.Config) { c.AgencyCode = "" },
		"negative wait": func(c *dvcqg.Config) { c.Timeout = -time.Second },
	} {
		c := good
		c.Password = "mat-khau-bi-mat"
		mutate(&c)
		_, err := dvcqg.New(c)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "mat-khau-bi-mat") {
			t.Errorf("%s: the password is in the error: %v", name, err)
		}
	}
	if _, _, err := func() (*dvcqg.HoSo, []dvcqg.TienDo, error) {
		c, _ := dvcqg.New(good)
		return c.Lookup(t.Context(), " ")
	}(); err == nil {
		t.Fatal("lookup without MaHoSo")
	}
}

// TestSendEncoded: items kept as JSON go out as they are, and their results
// are checked against the keys given with them.
func TestSendEncoded(t *testing.T) {
	e := start(t, nil)
	ctx := t.Context()
	enc := func(v any, phienBan int64) dvcqg.Encoded {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return dvcqg.Encoded{MaHoSo: maHoSo(1), PhienBan: phienBan, JSON: b}
	}
	res, err := e.client.SendEncoded(ctx, dvcqg.CallDongBoHoSoMC, []dvcqg.Encoded{enc(dossier(1, 1, dvcqg.StatusReceived), 1)})
	wantOK(t, res, err, 1)
	res, err = e.client.SendEncoded(ctx, dvcqg.CallCapNhatTienDoHoSoMC, []dvcqg.Encoded{enc(step(1, 2, dvcqg.StatusProcessing), 2)})
	wantOK(t, res, err, 1)
	if h := e.sim.History(maHoSo(1)); len(h) != 2 || h[1].Kind != dvcqg.CallCapNhatTienDoHoSoMC {
		t.Fatalf("history %+v", h)
	}
	// Keys that do not match what the portal answers make the answer
	// malformed, hence temporary.
	wrong := enc(dossier(1, 3, dvcqg.StatusProcessing), 4)
	if _, err := e.client.SendEncoded(ctx, dvcqg.CallDongBoHoSoMC, []dvcqg.Encoded{wrong}); err == nil || !dvcqg.IsTemporary(err) {
		t.Fatalf("mismatched keys: %v", err)
	}
	if _, err := e.client.SendEncoded(ctx, dvcqg.CallTraCuuHoSo, []dvcqg.Encoded{wrong}); err == nil {
		t.Fatal("TraCuuHoSo is not a batch call")
	}
}
