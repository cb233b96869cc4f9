package ngsp

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
)

// certificateBody is a valid request for citizen id under key.
func certificateBody(h *harness, id, key string, kind int) string {
	c := h.sim.data.citizens[id].rec
	b, err := json.Marshal(natdb.CertificateRequest{
		MaYeuCau: key, SoDinhDanh: id, HoVaTen: c.HoVaTen, NgaySinh: c.NgaySinh, LoaiPhieu: kind,
		MucDich: "Bổ sung hồ sơ xin việc", SoDienThoai: "0912345678", DiaChiNhan: "Bộ phận một cửa, Phường Ba Đình, Thành phố Hà Nội",
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

// edit decodes body into a map, applies f and encodes it again.
func edit(t *testing.T, body string, f func(map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func receipt(t *testing.T, res response) natdb.CertificateReceipt {
	t.Helper()
	var r natdb.CertificateReceipt
	decodeData(t, wantCode(t, res, http.StatusOK, CodeSuccess), &r)
	return r
}

func TestCertificateRequestIsIdempotent(t *testing.T) {
	clock := newManualClock()
	h := newHarness(t, func(c *Config) { c.Clock = clock.Now })
	tok := h.token()
	demo := h.sim.Demo()
	body := certificateBody(h, demo.SoDinhDanh, "hs-000.00.00.H30-0001", natdb.CertificateKind1)

	first := receipt(t, h.post(PathCertificateRequest, body, tok, personalHeaders))
	if first.MaYeuCau != "hs-000.00.00.H30-0001" || first.SoBienNhan != "LLTP-20260630-000001" ||
		first.TrangThai.Ma != natdb.CertificateReceived || first.NgayTiepNhan != "30/06/2026" || first.NgayHenTra != "10/07/2026" {
		t.Fatalf("receipt: %+v", first)
	}

	// The same request again, later, with other spacing: the same answer,
	// and no second request filed.
	clock.Advance(time.Minute)
	again := edit(t, body, func(m map[string]any) { m["hoVaTen"] = "  " + m["hoVaTen"].(string) + " " })
	if r := receipt(t, h.post(PathCertificateRequest, again+"\n", tok, personalHeaders)); r != first {
		t.Errorf("repeat answered %+v, want %+v", r, first)
	}
	if n := len(h.sim.certs.order); n != 1 {
		t.Errorf("%d requests filed, want 1", n)
	}

	// The same key for a different request is refused.
	for name, f := range map[string]func(map[string]any){
		"other kind":    func(m map[string]any) { m["loaiPhieu"] = 2 },
		"other purpose": func(m map[string]any) { m["mucDich"] = "Du học" },
		"no phone":      func(m map[string]any) { delete(m, "soDienThoai") },
		"other person": func(m map[string]any) {
			c := h.sim.data.citizenOrder[1].rec
			m["soDinhDanh"], m["hoVaTen"], m["ngaySinh"] = c.SoDinhDanh, c.HoVaTen, c.NgaySinh
		},
		"unknown person": func(m map[string]any) { m["soDinhDanh"] = "001099000000" },
	} {
		t.Run(name, func(t *testing.T) {
			e := wantCode(t, h.post(PathCertificateRequest, edit(t, body, f), tok, personalHeaders), http.StatusUnprocessableEntity, CodeDataIncorrect)
			if !strings.Contains(e.ErrorMessage, "maYeuCau was already used") || !strings.Contains(e.ErrorMessageVi, "maYeuCau đã được dùng") {
				t.Errorf("conflict message: %+v", e)
			}
		})
	}

	// Keys belong to the agency that chose them.
	other := withHeaders("", map[string]string{"maDonVi": "28.22.H17"})
	if r := receipt(t, h.post(PathCertificateRequest, body, tok, other)); r.SoBienNhan == first.SoBienNhan {
		t.Errorf("another agency's request shares a receipt: %+v", r)
	}
	// A new key is a new request.
	if r := receipt(t, h.post(PathCertificateRequest, edit(t, body, func(m map[string]any) { m["maYeuCau"] = "hs-2" }), tok, personalHeaders)); r.SoBienNhan != "LLTP-20260630-000003" {
		t.Errorf("new key: %+v", r)
	}
}

func TestCertificateRequestConcurrentRepeats(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	body := certificateBody(h, h.sim.Demo().SoDinhDanh, "same-key", natdb.CertificateKind2)
	const n = 8
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := h.hcPost(body, tok)
			got[i] = res
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] == "" || got[i] != got[0] {
			t.Fatalf("receipts differ: %q", got)
		}
	}
	if n := len(h.sim.certs.order); n != 1 {
		t.Errorf("%d requests filed, want 1", n)
	}
}

// hcPost posts a certificate request from any goroutine and returns its
// receipt number, or "" on any failure.
func (h *harness) hcPost(body, tok string) string {
	req, err := http.NewRequest(http.MethodPost, h.base+PathCertificateRequest, strings.NewReader(body))
	if err != nil {
		return ""
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range personalHeaders {
		req.Header.Set(k, v)
	}
	res, err := h.hc.Do(req)
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	var e struct {
		ErrorCode string                   `json:"errorCode"`
		Data      natdb.CertificateReceipt `json:"data"`
	}
	if json.NewDecoder(res.Body).Decode(&e) != nil || e.ErrorCode != CodeSuccess {
		return ""
	}
	return e.Data.SoBienNhan
}

func TestCertificateRequestValidation(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	demo := h.sim.Demo()
	body := certificateBody(h, demo.SoDinhDanh, "v-1", natdb.CertificateKind1)
	set := func(k string, v any) string { return edit(t, body, func(m map[string]any) { m[k] = v }) }
	drop := func(k string) string { return edit(t, body, func(m map[string]any) { delete(m, k) }) }
	dead := h.sim.data.citizens[demo.DeceasedSoDinhDanh].rec

	for _, c := range []struct {
		name, body, field string
		status            int
		code              string
	}{
		{"no maYeuCau", drop("maYeuCau"), "maYeuCau", http.StatusBadRequest, CodeDataTypeInvalid},
		{"maYeuCau too long", set("maYeuCau", strings.Repeat("k", 65)), "maYeuCau", http.StatusBadRequest, CodeDataTypeInvalid},
		{"maYeuCau with spaces", set("maYeuCau", "a b"), "maYeuCau", http.StatusBadRequest, CodeDataTypeInvalid},
		{"no soDinhDanh", drop("soDinhDanh"), "soDinhDanh", http.StatusBadRequest, CodeDataTypeInvalid},
		{"soDinhDanh 11 digits", set("soDinhDanh", "00108573625"), "soDinhDanh", http.StatusBadRequest, CodeDataTypeInvalid},
		{"no hoVaTen", drop("hoVaTen"), "hoVaTen", http.StatusBadRequest, CodeDataTypeInvalid},
		{"hoVaTen too long", set("hoVaTen", strings.Repeat("A", 201)), "hoVaTen", http.StatusBadRequest, CodeDataTypeInvalid},
		{"no ngaySinh", drop("ngaySinh"), "ngaySinh", http.StatusBadRequest, CodeDataTypeInvalid},
		{"ngaySinh ISO", set("ngaySinh", "1985-04-02"), "ngaySinh", http.StatusBadRequest, CodeDataTypeInvalid},
		{"no loaiPhieu", drop("loaiPhieu"), "loaiPhieu", http.StatusBadRequest, CodeDataTypeInvalid},
		{"loaiPhieu 3", set("loaiPhieu", 3), "loaiPhieu", http.StatusBadRequest, CodeDataTypeInvalid},
		{"loaiPhieu as text", set("loaiPhieu", "1"), "JSON", http.StatusBadRequest, CodeDataTypeInvalid},
		{"no mucDich", drop("mucDich"), "mucDich", http.StatusBadRequest, CodeDataTypeInvalid},
		{"mucDich too long", set("mucDich", strings.Repeat("x", 501)), "mucDich", http.StatusBadRequest, CodeDataTypeInvalid},
		{"bad phone", set("soDienThoai", "12345"), "soDienThoai", http.StatusBadRequest, CodeDataTypeInvalid},
		{"address too long", set("diaChiNhan", strings.Repeat("x", 501)), "diaChiNhan", http.StatusBadRequest, CodeDataTypeInvalid},
		{"not JSON", "maYeuCau=1", "JSON", http.StatusBadRequest, CodeDataTypeInvalid},
		{"an array", "[" + body + "]", "JSON", http.StatusBadRequest, CodeDataTypeInvalid},
		{"two objects", body + body, "JSON", http.StatusBadRequest, CodeDataTypeInvalid},
		{"too big", set("diaChiNhan", strings.Repeat("x", maxCertificateBody)), "16 KiB", http.StatusBadRequest, CodeDataTypeInvalid},
		{"unknown person", set("soDinhDanh", "001099000000"), "not found", http.StatusNotFound, CodeRecordNotFound},
		{"wrong name", set("hoVaTen", "Nguyễn Văn Khác"), "hoVaTen", http.StatusUnprocessableEntity, CodeDataIncorrect},
		{"wrong birth date", set("ngaySinh", "01/01/1985"), "ngaySinh", http.StatusUnprocessableEntity, CodeDataIncorrect},
		{"deceased", edit(t, body, func(m map[string]any) {
			m["soDinhDanh"], m["hoVaTen"], m["ngaySinh"] = dead.SoDinhDanh, dead.HoVaTen, dead.NgaySinh
		}), "deceased", http.StatusUnprocessableEntity, CodeDataIncorrect},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := wantCode(t, h.post(PathCertificateRequest, c.body, tok, personalHeaders), c.status, c.code)
			if !strings.Contains(e.ErrorMessage, c.field) || e.ErrorMessageVi == e.ErrorMessage {
				t.Errorf("message does not name %s in both languages: %+v", c.field, e)
			}
		})
	}
	// Nothing refused was filed: the keys stay free.
	if n := len(h.sim.certs.order); n != 0 {
		t.Errorf("%d refused requests filed", n)
	}
	// Name and birth date compare as the population record does: case and
	// diacritics aside.
	receipt(t, h.post(PathCertificateRequest, set("hoVaTen", strings.ToUpper(fold(h.sim.data.citizens[demo.SoDinhDanh].rec.HoVaTen))), tok, personalHeaders))

	// Only JSON, only POST.
	req := h.request(http.MethodPost, PathCertificateRequest, strings.NewReader(body), personalHeaders)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantCode(t, h.do(req), http.StatusBadRequest, CodeDataTypeInvalid)
	if res := h.get(PathCertificateRequest, nil, tok, personalHeaders); res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d %v", res.status, res.header)
	}
	if res := h.post(PathCertificateStatus, body, tok, personalHeaders); res.status != http.StatusMethodNotAllowed {
		t.Errorf("POST to the status: %d", res.status)
	}
	wantCode(t, h.post(PathCertificateRequest, body, "", personalHeaders), http.StatusUnauthorized, CodeAuthenError)
}

func TestCertificateStatusAdvancesWithTheClock(t *testing.T) {
	clock := newManualClock() // 30/06/2026 08:00 UTC, 15:00 in Vietnam
	h := newHarness(t, func(c *Config) { c.Clock = clock.Now; c.TokenTTL = 30 * 24 * time.Hour })
	tok := h.token()
	r := receipt(t, h.post(PathCertificateRequest, certificateBody(h, h.sim.Demo().SoDinhDanh, "progress", 1), tok, personalHeaders))
	status := func() natdb.CertificateStatus {
		t.Helper()
		var st natdb.CertificateStatus
		decodeData(t, wantCode(t, h.get(PathCertificateStatus, url.Values{"soBienNhan": {r.SoBienNhan}}, tok, personalHeaders), http.StatusOK, CodeSuccess), &st)
		return st
	}
	for _, step := range []struct {
		advance           time.Duration
		state, updated    string
		soPhieu, issuedOn string
	}{
		{0, natdb.CertificateReceived, "30/06/2026", "", ""},
		{CertificateVerifyAfter - time.Second, natdb.CertificateReceived, "30/06/2026", "", ""},
		{time.Second, natdb.CertificateVerifying, "30/06/2026", "", ""},
		{CertificateIssueAfter - CertificateVerifyAfter - time.Second, natdb.CertificateVerifying, "30/06/2026", "", ""},
		{time.Second, natdb.CertificateIssued, "03/07/2026", "1/2026/LLTP", "03/07/2026"},
		{7 * 24 * time.Hour, natdb.CertificateIssued, "03/07/2026", "1/2026/LLTP", "03/07/2026"},
	} {
		clock.Advance(step.advance)
		st := status()
		if st.TrangThai.Ma != step.state || st.NgayCapNhat != step.updated || st.SoPhieu != step.soPhieu || st.NgayCapPhieu != step.issuedOn ||
			st.SoBienNhan != r.SoBienNhan || st.MaYeuCau != "progress" || st.LoaiPhieu != 1 ||
			st.NgayTiepNhan != r.NgayTiepNhan || st.NgayHenTra != r.NgayHenTra || st.TrangThai.Ten == "" {
			t.Errorf("at %v: %+v", clock.Now().Sub(newManualClock().Now()), st)
		}
	}

	// Unknown, another agency's, malformed.
	wantCode(t, h.get(PathCertificateStatus, url.Values{"soBienNhan": {"LLTP-20260630-999999"}}, tok, personalHeaders), http.StatusNotFound, CodeRecordNotFound)
	wantCode(t, h.get(PathCertificateStatus, url.Values{"soBienNhan": {r.SoBienNhan}}, tok,
		withHeaders("", map[string]string{"maDonVi": "28.22.H17"})), http.StatusNotFound, CodeRecordNotFound)
	for _, bad := range []string{"", "LL", "LLTP 2026", strings.Repeat("9", 41)} {
		wantCode(t, h.get(PathCertificateStatus, url.Values{"soBienNhan": {bad}}, tok, personalHeaders), http.StatusBadRequest, CodeDataTypeInvalid)
	}
}

func TestCertificateStoreIsBounded(t *testing.T) {
	c := newCertStore(2)
	now := time.Date(2026, 6, 30, 1, 0, 0, 0, time.UTC)
	var receipts []string
	for i := range 3 {
		cr, fresh := c.file(demoAgency, natdb.CertificateRequest{MaYeuCau: fmt.Sprint("k", i)}, now)
		if !fresh {
			t.Fatalf("request %d not filed", i)
		}
		receipts = append(receipts, cr.receipt.SoBienNhan)
	}
	if len(c.order) != 2 || len(c.byKey) != 2 || len(c.byReceipt) != 2 {
		t.Fatalf("store holds %d/%d/%d", len(c.order), len(c.byKey), len(c.byReceipt))
	}
	// The oldest is forgotten, by receipt and by key.
	if c.get(receipts[0]) != nil || c.lookup(demoAgency, "k0") != nil || c.get(receipts[2]) == nil {
		t.Errorf("eviction kept the wrong request")
	}
	if cr, fresh := c.file(demoAgency, natdb.CertificateRequest{MaYeuCau: "k0"}, now); !fresh || cr.receipt.SoBienNhan == receipts[0] {
		t.Errorf("a forgotten key is filed anew with a new receipt: %v %+v", fresh, cr.receipt)
	}
}

// newAPICalls calls each API added with the civil-status, judicial-request
// and business-change endpoints once, validly.
func newAPICalls(h *harness, tok string) map[string]func() response {
	demo := h.sim.Demo()
	n := 0
	return map[string]func() response{
		PathBusinessChanges: func() response {
			return h.get(PathBusinessChanges, changesQuery(demo.ChangesFrom, demo.ChangesTo), tok, nil)
		},
		PathMarriage: func() response {
			return h.get(PathMarriage, url.Values{"soDinhDanh": {demo.SoDinhDanh}}, tok, personalHeaders)
		},
		PathDeath: func() response {
			return h.get(PathDeath, url.Values{"soDinhDanh": {demo.DeceasedSoDinhDanh}}, tok, personalHeaders)
		},
		PathRegistrationStatus: func() response {
			return h.get(PathRegistrationStatus, url.Values{"soHoSo": {demo.SoHoSo}}, tok, personalHeaders)
		},
		PathCertificateRequest: func() response {
			n++
			return h.post(PathCertificateRequest, certificateBody(h, demo.SoDinhDanh, fmt.Sprint("fault-", n), 1), tok, personalHeaders)
		},
		PathCertificateStatus: func() response {
			return h.get(PathCertificateStatus, url.Values{"soBienNhan": {"LLTP-20260630-999999"}}, tok, personalHeaders)
		},
	}
}

func TestFaultsApplyToNewAPIs(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	calls := newAPICalls(h, tok)

	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{FailureRate: 1, FailureStatus: http.StatusBadGateway}}); err != nil {
		t.Fatal(err)
	}
	for path, call := range calls {
		if res := call(); res.status != http.StatusBadGateway || !strings.Contains(string(res.body), `"fault"`) {
			t.Errorf("%s: failure not injected: %d %s", path, res.status, res.body)
		}
	}
	// A request that failed at the gateway was never filed.
	if n := len(h.sim.certs.order); n != 0 {
		t.Errorf("%d requests filed through a failing gateway", n)
	}

	// A cut answer was acted on: the request is filed, and sending it again
	// under its key gets the whole receipt.
	if err := h.sim.SetFaults(Faults{FaultProfile: FaultProfile{MalformedRate: 1}}); err != nil {
		t.Fatal(err)
	}
	for path, call := range calls {
		if res := call(); len(res.body) == 0 || json.Valid(res.body) {
			t.Errorf("%s: answer not cut: %s", path, res.body)
		}
	}
	if n := len(h.sim.certs.order); n != 1 {
		t.Fatalf("%d requests filed, want the one whose answer was cut", n)
	}
	if err := h.sim.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	filed := h.sim.certs.order[0]
	r := receipt(t, h.post(PathCertificateRequest, certificateBody(h, h.sim.Demo().SoDinhDanh, filed.req.MaYeuCau, 1), tok, personalHeaders))
	if r != filed.receipt {
		t.Errorf("retry got %+v, want %+v", r, filed.receipt)
	}
	// Each new path is counted under its own name, failures included.
	stats := h.sim.Stats().Paths
	for path := range calls {
		if stats[path]["502"] != 1 {
			t.Errorf("%s: statistics %v", path, stats[path])
		}
	}
}

func TestNewPersonalLookupsAreAudited(t *testing.T) {
	var buf safeBuffer
	sim := New(DefaultConfig(), slog.New(slog.NewJSONHandler(&buf, nil)))
	base := simtest.Start(t, sim)
	h := &harness{t: t, sim: sim, base: base, hc: &http.Client{Timeout: 10 * time.Second}}
	tok := h.token()
	demo := sim.Demo()
	r := receipt(t, h.post(PathCertificateRequest, certificateBody(h, demo.SoDinhDanh, "audit-1", 1), tok, personalHeaders))
	wantCode(t, h.get(PathMarriage, url.Values{"soDinhDanh": {demo.SoDinhDanh}}, tok, personalHeaders), http.StatusOK, CodeSuccess)
	wantCode(t, h.get(PathDeath, url.Values{"soDinhDanh": {demo.DeceasedSoDinhDanh}}, tok, personalHeaders), http.StatusOK, CodeSuccess)
	wantCode(t, h.get(PathCertificateStatus, url.Values{"soBienNhan": {r.SoBienNhan}}, tok, personalHeaders), http.StatusOK, CodeSuccess)

	logs := buf.String()
	for _, secret := range []string{demo.SoDinhDanh, demo.DeceasedSoDinhDanh, tok} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	want := map[string]string{
		PathCertificateRequest: maskID(demo.SoDinhDanh),
		PathMarriage:           maskID(demo.SoDinhDanh),
		PathDeath:              maskID(demo.DeceasedSoDinhDanh),
		PathCertificateStatus:  maskID(demo.SoDinhDanh),
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		api, _ := rec["api"].(string)
		if rec["msg"] != "personal data lookup" || want[api] == "" {
			continue
		}
		if rec["subject"] != want[api] || rec["ma_don_vi"] != demoAgency || rec["ma_can_bo"] != personalHeaders["maCanBo"] ||
			rec["muc_dich"] != personalHeaders["mucDich"] || rec["error_code"] != CodeSuccess {
			t.Errorf("audit record: %v", rec)
		}
		delete(want, api)
	}
	if len(want) > 0 {
		t.Errorf("no audit record for %v in:\n%s", want, logs)
	}
}
