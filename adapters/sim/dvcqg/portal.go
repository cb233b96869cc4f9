package dvcqg

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
)

// The portal calls. Business answers are HTTP 200 with error_code.

func (s *Simulator) layPhien(rp *reply, body []byte) {
	var req wire.LoginRequest
	if err := decodeStrict(body, &req); err != nil {
		rp.fail(http.StatusOK, wire.CodeInvalidData, "yêu cầu không đọc được", "the request cannot be read: "+err.Error())
		return
	}
	// Both compared, so that timing does not tell which one was wrong.
	userOK := subtle.ConstantTimeCompare([]byte(req.Username), []byte(s.cfg.Username))
	passOK := subtle.ConstantTimeCompare([]byte(req.Password), []byte(s.cfg.Password))
	if userOK&passOK != 1 {
		s.log.Info("từ chối đăng nhập (login refused)", "username", truncate(req.Username, 64))
		d := wire.Describe(wire.CodeBadCredentials)
		rp.fail(http.StatusOK, wire.CodeBadCredentials, d.VI, d.EN)
		return
	}
	ttl, _ := s.faults.sessionPolicy()
	if ttl == 0 {
		ttl = s.cfg.SessionTTL
	}
	token := s.sessions.issue(s.cfg.Clock(), ttl)
	s.logins.Add(1)
	rp.send(http.StatusOK, wire.LoginAnswer{
		Answer:    wire.Answer{ErrorCode: wire.CodeOK, Message: wire.Description{VI: "đăng nhập thành công", EN: "logged in"}.String()},
		Session:   token,
		ExpiresIn: int64(math.Ceil(ttl.Seconds())),
	})
}

func (s *Simulator) dongBoHoSo(rp *reply, body []byte) {
	s.batch(rp, body, wire.CallDongBoHoSoMC, s.checkHoSo)
}

func (s *Simulator) capNhatTienDo(rp *reply, body []byte) {
	s.batch(rp, body, wire.CallCapNhatTienDoHoSoMC, s.checkTienDo)
}

// batch serves DongBoHoSoMC and CapNhatTienDoHoSoMC: every item is checked
// and recorded on its own, so the call succeeds while single items fail.
func (s *Simulator) batch(rp *reply, body []byte, kind string, check func(json.RawMessage) item) {
	var req wire.BatchRequest[json.RawMessage]
	if err := decodeStrict(body, &req); err != nil {
		rp.fail(http.StatusOK, wire.CodeInvalidData, "yêu cầu không đọc được", "the request cannot be read: "+err.Error())
		return
	}
	if !s.session(rp, req.Session, req.AgencyCode) {
		return
	}
	switch {
	case req.Data == nil:
		rp.fail(http.StatusOK, wire.CodeInvalidData, "thiếu danh sách data", "data is missing")
		return
	case len(req.Data) > maxBatch:
		rp.fail(http.StatusOK, wire.CodeInvalidData,
			fmt.Sprintf("mỗi lần gửi tối đa %d mục", maxBatch), fmt.Sprintf("at most %d items per call", maxBatch))
		return
	}
	items := make([]item, len(req.Data))
	for i, raw := range req.Data {
		items[i] = check(raw)
	}
	results := s.store.apply(kind, s.cfg.Clock(), items)
	rp.send(http.StatusOK, wire.BatchAnswer{
		Answer: wire.Answer{ErrorCode: wire.CodeOK, Message: wire.Description{
			VI: fmt.Sprintf("đã nhận %d mục", len(items)), EN: fmt.Sprintf("%d items received", len(items)),
		}.String()},
		Results: results,
	})
}

func (s *Simulator) traCuuHoSo(rp *reply, body []byte) {
	var req wire.LookupRequest
	if err := decodeStrict(body, &req); err != nil {
		rp.fail(http.StatusOK, wire.CodeInvalidData, "yêu cầu không đọc được", "the request cannot be read: "+err.Error())
		return
	}
	if !s.session(rp, req.Session, req.AgencyCode) {
		return
	}
	if req.MaHoSo == "" {
		rp.fail(http.StatusOK, wire.CodeInvalidData, "thiếu MaHoSo", "MaHoSo is missing")
		return
	}
	h, steps, ok := s.store.lookup(req.MaHoSo)
	if !ok {
		d := wire.Describe(wire.CodeNotFound)
		rp.fail(http.StatusOK, wire.CodeNotFound, d.VI, d.EN)
		return
	}
	rp.send(http.StatusOK, wire.LookupAnswer{
		Answer: wire.Answer{ErrorCode: wire.CodeOK, Message: wire.Describe(wire.CodeOK).String()},
		Data:   h, TienDo: steps,
	})
}

// session checks a call's session and agency code, answers "01" or "03"
// when they fail, and reports whether the call may go on.
func (s *Simulator) session(rp *reply, token, agency string) bool {
	_, oneCall := s.faults.sessionPolicy()
	if !s.sessions.use(token, s.cfg.Clock(), oneCall) {
		s.refused.Add(1)
		d := wire.Describe(wire.CodeSessionInvalid)
		rp.fail(http.StatusOK, wire.CodeSessionInvalid, d.VI, d.EN)
		return false
	}
	if strings.TrimSpace(agency) == "" {
		rp.fail(http.StatusOK, wire.CodeInvalidData, "thiếu mã đơn vị madonvi", "madonvi is missing")
		return false
	}
	return true
}

// checkHoSo decodes and checks one dossier change.
func (s *Simulator) checkHoSo(raw json.RawMessage) item {
	var h wire.HoSo
	if err := decodeStrict(raw, &h); err != nil {
		it := keyOf(raw)
		it.refused = refusal("hồ sơ không đọc được", "the dossier cannot be read: "+err.Error())
		return it
	}
	it := item{maHoSo: truncate(h.MaHoSo, 100), phienBan: h.PhienBan, raw: raw}
	if it.refused = s.checkKey(h.MaHoSo, h.PhienBan); it.refused != "" {
		return it
	}
	if !wire.ValidStatus(h.TrangThaiHoSo) {
		it.refused = refusal("TrangThaiHoSo phải từ 1 đến 10", fmt.Sprintf("TrangThaiHoSo %q is not 1 to 10", truncate(h.TrangThaiHoSo, 16)))
		return it
	}
	for _, d := range h.Dates() {
		if it.refused = checkDate(d[0], d[1]); it.refused != "" {
			return it
		}
	}
	it.hoso = &h
	return it
}

// checkTienDo decodes and checks one processing step.
func (s *Simulator) checkTienDo(raw json.RawMessage) item {
	var t wire.TienDo
	if err := decodeStrict(raw, &t); err != nil {
		it := keyOf(raw)
		it.refused = refusal("tiến độ không đọc được", "the processing step cannot be read: "+err.Error())
		return it
	}
	it := item{maHoSo: truncate(t.MaHoSo, 100), phienBan: t.PhienBan, raw: raw}
	if it.refused = s.checkKey(t.MaHoSo, t.PhienBan); it.refused != "" {
		return it
	}
	if !wire.ValidStatus(t.TrangThai) {
		it.refused = refusal("TrangThai phải từ 1 đến 10", fmt.Sprintf("TrangThai %q is not 1 to 10", truncate(t.TrangThai, 16)))
		return it
	}
	it.refused = checkDate("ThoiDiemXuLy", t.ThoiDiemXuLy)
	return it
}

// keyOf reads what it can of an unreadable item's MaHoSo and PhienBan, so
// that even an item refused as unreadable is answered with them.
func keyOf(raw json.RawMessage) item {
	var k struct {
		MaHoSo   string `json:"MaHoSo"`
		PhienBan int64  `json:"PhienBan"`
	}
	_ = json.Unmarshal(raw, &k)
	return item{maHoSo: truncate(k.MaHoSo, 100), phienBan: k.PhienBan, raw: raw}
}

// checkKey checks an item's dossier code and version, and the reject knob.
func (s *Simulator) checkKey(maHoSo string, phienBan int64) string {
	if maHoSo == "" {
		return refusal("thiếu MaHoSo", "MaHoSo is missing")
	}
	if err := wire.CheckMaHoSo(maHoSo); err != nil {
		return refusal("MaHoSo không đúng dạng <mã đơn vị>-<yyMMdd>-<NNNN>", "MaHoSo "+err.Error())
	}
	if phienBan < 1 {
		return refusal("PhienBan phải từ 1 trở lên", fmt.Sprintf("PhienBan %d is not 1 or more", phienBan))
	}
	if s.faults.rejected(maHoSo) {
		return refusal("hồ sơ bị từ chối", "the dossier is refused (reject fault knob)")
	}
	return ""
}

// checkDate refuses a date that is set and not yyyyMMddHHmmss.
func checkDate(field, v string) string {
	if v == "" {
		return ""
	}
	if _, err := wire.ParseTime(v); err != nil {
		return refusal(field+" không đúng định dạng yyyyMMddHHmmss", fmt.Sprintf("%s %q is not yyyyMMddHHmmss", field, truncate(v, 32)))
	}
	return ""
}

// refusal is the message of an item answered "03".
func refusal(vi, en string) string {
	d := wire.Describe(wire.CodeInvalidData)
	return wire.Description{VI: d.VI + ": " + vi, EN: d.EN + ": " + en}.String()
}

// decodeStrict decodes one JSON value, refusing unknown fields and
// anything after the value: the simulator is stricter than a portal may
// be, so that a mistake of ours shows here first.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
