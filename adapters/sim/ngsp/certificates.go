package ngsp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
)

// Judicial-record certificate requests (yeuCauCapPhieu, trangThaiYeuCau).
// A request moves on with the simulator clock (Config.Clock), counted from
// when it was received: verification starts after CertificateVerifyAfter
// and the certificate is issued after CertificateIssueAfter, well before
// the statutory ten days (Luật Lý lịch tư pháp 2009, art. 48) that
// ngayHenTra announces.
const (
	CertificateVerifyAfter = 2 * time.Hour
	CertificateIssueAfter  = 72 * time.Hour
	certificateDueDays     = 10

	// Requests are held in memory; beyond this many the oldest are
	// forgotten (their receipt numbers then answer 201).
	maxCertificateRequests = 100_000
	maxCertificateBody     = 16 << 10
)

var (
	certReceived  = cn(natdb.CertificateReceived, "Đã tiếp nhận")
	certVerifying = cn(natdb.CertificateVerifying, "Đang xác minh")
	certIssued    = cn(natdb.CertificateIssued, "Đã cấp phiếu")

	reRequestKey = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,64}$`)
	reReceiptNo  = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.\-/]{3,39}$`)
	rePhone      = regexp.MustCompile(`^(0|\+84)[0-9]{9,10}$`)
)

// certRequest is one filed request. The receipt is the answer given when
// it was filed, and given again to the same request.
type certRequest struct {
	agency  string
	req     natdb.CertificateRequest
	receipt natdb.CertificateReceipt
	at      time.Time
	seq     int
}

// certStore holds the filed requests by idempotency key (scoped to the
// requesting agency) and by receipt number, oldest first for eviction.
type certStore struct {
	mu        sync.Mutex
	max       int
	seq       int
	byKey     map[string]*certRequest
	byReceipt map[string]*certRequest
	order     []*certRequest
}

func newCertStore(max int) *certStore {
	return &certStore{max: max, byKey: map[string]*certRequest{}, byReceipt: map[string]*certRequest{}}
}

func requestKey(agency, key string) string { return agency + "\x00" + key }

func (c *certStore) lookup(agency, key string) *certRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byKey[requestKey(agency, key)]
}

// file files req for agency at now, unless a request with the same key is
// already filed: then it returns that one and fresh is false.
func (c *certStore) file(agency string, req natdb.CertificateRequest, now time.Time) (cr *certRequest, fresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := requestKey(agency, req.MaYeuCau)
	if old := c.byKey[k]; old != nil {
		return old, false
	}
	for len(c.order) >= c.max {
		old := c.order[0]
		c.order[0] = nil
		c.order = c.order[1:]
		delete(c.byKey, requestKey(old.agency, old.req.MaYeuCau))
		delete(c.byReceipt, old.receipt.SoBienNhan)
	}
	c.seq++
	day := now.In(vnZone)
	cr = &certRequest{agency: agency, req: req, at: now, seq: c.seq}
	cr.receipt = natdb.CertificateReceipt{
		MaYeuCau:     req.MaYeuCau,
		SoBienNhan:   fmt.Sprintf("LLTP-%s-%06d", day.Format("20060102"), c.seq),
		TrangThai:    certReceived,
		NgayTiepNhan: day.Format(natdb.DateLayout),
		NgayHenTra:   day.AddDate(0, 0, certificateDueDays).Format(natdb.DateLayout),
	}
	c.byKey[k] = cr
	c.byReceipt[cr.receipt.SoBienNhan] = cr
	c.order = append(c.order, cr)
	return cr, true
}

func (c *certStore) get(receipt string) *certRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byReceipt[receipt]
}

// status is where cr stands at now.
func (cr *certRequest) status(now time.Time) natdb.CertificateStatus {
	day := func(d time.Duration) string { return cr.at.Add(d).In(vnZone).Format(natdb.DateLayout) }
	st := natdb.CertificateStatus{
		SoBienNhan: cr.receipt.SoBienNhan, MaYeuCau: cr.req.MaYeuCau, LoaiPhieu: cr.req.LoaiPhieu,
		TrangThai: certReceived, NgayTiepNhan: cr.receipt.NgayTiepNhan, NgayHenTra: cr.receipt.NgayHenTra,
		NgayCapNhat: cr.receipt.NgayTiepNhan,
	}
	switch elapsed := now.Sub(cr.at); {
	case elapsed >= CertificateIssueAfter:
		st.TrangThai, st.NgayCapNhat = certIssued, day(CertificateIssueAfter)
		st.SoPhieu = fmt.Sprintf("%d/%d/LLTP", cr.seq, cr.at.Add(CertificateIssueAfter).In(vnZone).Year())
		st.NgayCapPhieu = st.NgayCapNhat
	case elapsed >= CertificateVerifyAfter:
		st.TrangThai, st.NgayCapNhat = certVerifying, day(CertificateVerifyAfter)
	}
	return st
}

// readCertificateRequest decodes and checks the body of yeuCauCapPhieu.
func readCertificateRequest(w http.ResponseWriter, r *http.Request) (natdb.CertificateRequest, *natErr) {
	var req natdb.CertificateRequest
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return req, errInvalid("the request body must be JSON (Content-Type: application/json)",
				"nội dung yêu cầu phải là JSON (Content-Type: application/json)")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCertificateBody))
	err := dec.Decode(&req)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("data after the JSON object")
		}
	}
	if err != nil {
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			return req, errInvalid("the request body is larger than 16 KiB", "nội dung yêu cầu vượt quá 16 KiB")
		}
		return req, errInvalid("the request body must be one JSON object with the fields of the request, each of its type",
			"nội dung yêu cầu phải là một đối tượng JSON gồm các trường của yêu cầu, đúng kiểu dữ liệu")
	}
	for _, f := range []*string{&req.MaYeuCau, &req.SoDinhDanh, &req.HoVaTen, &req.NgaySinh, &req.MucDich, &req.SoDienThoai, &req.DiaChiNhan} {
		*f = strings.TrimSpace(*f)
	}
	switch {
	case !reRequestKey.MatchString(req.MaYeuCau):
		return req, errInvalid("maYeuCau (your key for this request) is required: 1 to 64 letters, digits, dots, colons, hyphens or underscores",
			"thiếu maYeuCau (mã yêu cầu do bên gửi đặt): 1 đến 64 chữ cái, chữ số, dấu chấm, hai chấm, gạch ngang hoặc gạch dưới")
	case !reCCCD.MatchString(req.SoDinhDanh):
		return req, errInvalid("soDinhDanh must be a 12-digit personal identification number",
			"soDinhDanh phải là số định danh cá nhân gồm 12 chữ số")
	case req.HoVaTen == "" || len(req.HoVaTen) > maxNameLen:
		return req, errInvalid("hoVaTen is required, at most 200 characters", "thiếu hoVaTen hoặc dài quá 200 ký tự")
	}
	if _, ok := parseDay(req.NgaySinh); !ok {
		return req, errInvalid("ngaySinh must be a date written dd/MM/yyyy", "ngaySinh phải là ngày dạng dd/MM/yyyy")
	}
	switch {
	case req.LoaiPhieu != natdb.CertificateKind1 && req.LoaiPhieu != natdb.CertificateKind2:
		return req, errInvalid("loaiPhieu must be 1 or 2 (judicial-record certificate no. 1 or no. 2)",
			"loaiPhieu phải là 1 hoặc 2 (Phiếu lý lịch tư pháp số 1 hoặc số 2)")
	case req.MucDich == "" || len(req.MucDich) > maxFieldLen:
		return req, errInvalid("mucDich (what the certificate is for) is required, at most 500 characters",
			"thiếu mucDich (mục đích sử dụng phiếu) hoặc dài quá 500 ký tự")
	case req.SoDienThoai != "" && !rePhone.MatchString(req.SoDienThoai):
		return req, errInvalid("soDienThoai must be a Vietnamese phone number: 0 or +84 then 9 or 10 digits",
			"soDienThoai phải là số điện thoại Việt Nam: 0 hoặc +84 và 9 hoặc 10 chữ số")
	case len(req.DiaChiNhan) > maxFieldLen:
		return req, errInvalid("diaChiNhan is longer than 500 characters", "diaChiNhan dài quá 500 ký tự")
	}
	return req, nil
}

var errRequestKeyReused = errIncorrect(
	"maYeuCau was already used for a different request; send the same request to get its receipt again, or a new maYeuCau for a new request",
	"maYeuCau đã được dùng cho một yêu cầu khác; gửi lại đúng yêu cầu cũ để nhận lại biên nhận, hoặc dùng maYeuCau mới cho yêu cầu mới")

// handleCertificateRequest files a certificate request, once per maYeuCau
// and agency: the same request again gets the first receipt, a different
// one with the same maYeuCau is refused.
func (s *Simulator) handleCertificateRequest(w http.ResponseWriter, r *http.Request, who requester) {
	req, e := readCertificateRequest(w, r)
	if e != nil {
		s.fail(w, r, e)
		return
	}
	code := CodeSuccess
	defer func() { s.audit(r, who, req.SoDinhDanh, code) }()
	answer := func(cr *certRequest) {
		if cr.req != req {
			code = CodeDataIncorrect
			s.fail(w, r, errRequestKeyReused)
			return
		}
		s.ok(w, r, cr.receipt)
	}
	if cr := s.certs.lookup(who.agency, req.MaYeuCau); cr != nil {
		answer(cr)
		return
	}
	row := s.data.citizens[req.SoDinhDanh]
	if row == nil {
		code = CodeRecordNotFound
		s.fail(w, r, errNotFound)
		return
	}
	born, _ := parseBirthDate(req.NgaySinh) // already checked to be dd/MM/yyyy
	recBorn, _ := parseBirthDate(row.rec.NgaySinh)
	switch {
	case fold(req.HoVaTen) != fold(row.rec.HoVaTen) || !born.Equal(recBorn):
		code = CodeDataIncorrect
		s.fail(w, r, errIncorrect("hoVaTen or ngaySinh does not match the population record",
			"hoVaTen hoặc ngaySinh không khớp với dữ liệu dân cư"))
		return
	case row.death != nil:
		code = CodeDataIncorrect
		s.fail(w, r, errIncorrect("the person is recorded as deceased; no certificate can be requested for them",
			"người này đã được đăng ký khai tử; không thể yêu cầu cấp phiếu lý lịch tư pháp"))
		return
	}
	cr, fresh := s.certs.file(who.agency, req, s.cfg.Clock())
	if fresh {
		s.ok(w, r, cr.receipt)
		return
	}
	answer(cr) // filed meanwhile by a concurrent call with the same key
}

// handleCertificateStatus answers where a request stands. Only the agency
// that filed it can see it; to others it does not exist.
func (s *Simulator) handleCertificateStatus(w http.ResponseWriter, r *http.Request, who requester) {
	no := strings.ToUpper(param(r, "soBienNhan"))
	if !reReceiptNo.MatchString(no) {
		s.fail(w, r, errInvalid("soBienNhan must be a receipt number of 4 to 40 letters, digits, dots, slashes or hyphens, e.g. LLTP-20260630-000001",
			"soBienNhan phải là số biên nhận gồm 4 đến 40 chữ cái, chữ số, dấu chấm, gạch chéo hoặc gạch ngang, ví dụ LLTP-20260630-000001"))
		return
	}
	cr := s.certs.get(no)
	if cr == nil || cr.agency != who.agency {
		s.audit(r, who, "", CodeRecordNotFound)
		s.fail(w, r, errNotFound)
		return
	}
	s.audit(r, who, cr.req.SoDinhDanh, CodeSuccess)
	s.ok(w, r, cr.status(s.cfg.Clock()))
}
