package vdxp

import (
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/edxml"
)

// maxRecipients bounds the to header.
const maxRecipients = 500

// axisErr is a refusal of an axis call: the national code, the HTTP
// status that goes with it and the description in both languages.
type axisErr struct {
	status int
	code   string
	vi, en string
}

func (e *axisErr) Error() string { return e.code + ": " + e.en }

func refuse(status int, code, vi, en string) *axisErr {
	return &axisErr{status: status, code: code, vi: vi, en: en}
}

func (s *Simulator) refuse(w http.ResponseWriter, call string, e *axisErr) {
	s.fail(w, call, e.status, e.code, e.vi, e.en)
}

// incoming is a package on its way into the axis.
type incoming struct {
	origin      string
	sender      *system // nil when injected
	messageType string  // edoc, status, or "" to tell from the package
	fromHeader  string  // the from header, "" when absent
	to          []string
	data        []byte
}

// accepted is what the axis made of a package.
type accepted struct {
	docID     string
	duplicate bool
	delivered []RecipientInfo
}

func (s *Simulator) sendEdoc(w http.ResponseWriter, r *http.Request, c *caller) {
	limit := s.cfg.MaxPackageBytes
	// Two more bytes for the CRLF the national SDK appends.
	body, err := edxml.ReadAll(r.Body, limit+2, r.ContentLength)
	if err != nil {
		if errors.Is(err, edxml.ErrTooLarge) {
			s.refuse(w, wire.CallSendEdoc, refuse(http.StatusRequestEntityTooLarge, wire.CodeInvalidFile,
				fmt.Sprintf("gói tin lớn hơn %d byte", limit), fmt.Sprintf("the package is larger than %d bytes", limit)))
			return
		}
		s.refuse(w, wire.CallSendEdoc, refuse(http.StatusBadRequest, wire.CodeInvalidFile,
			"không đọc được nội dung gói tin", "the body could not be read"))
		return
	}
	data := body
	if hf := c.header(wire.HeaderHashFile); hf != "" {
		if data, err = edxml.CheckHashFile(body, hf); err != nil {
			var ee *edxml.Error
			errors.As(err, &ee)
			s.refuse(w, wire.CallSendEdoc, refuse(http.StatusBadRequest, wire.CodeInvalidFile, ee.MessageVI, ee.Message))
			return
		}
	}
	to, aerr := parseTo(c.header(wire.HeaderTo))
	if aerr != nil {
		s.refuse(w, wire.CallSendEdoc, aerr)
		return
	}
	res, aerr := s.accept(incoming{
		origin: OriginSent, sender: c.sys, messageType: c.header(wire.HeaderMessageType),
		fromHeader: c.header(wire.HeaderFrom), to: to, data: data,
	})
	if aerr != nil {
		s.log.Info("từ chối văn bản gửi lên (sendEdoc refused)", "systemid", c.sys.id, "code", aerr.code, "reason", aerr.en)
		s.refuse(w, wire.CallSendEdoc, aerr)
		return
	}
	writeJSON(w, http.StatusOK, wire.SendResult{Result: wire.OK(), DocID: res.docID})
}

// accept checks a package, routes it and stores it; see the package
// documentation for the routing.
func (s *Simulator) accept(in incoming) (accepted, *axisErr) {
	if len(in.data) == 0 {
		return accepted{}, refuse(http.StatusBadRequest, wire.CodeInvalidFile, "gói tin rỗng", "the package is empty")
	}
	if int64(len(in.data)) > s.cfg.MaxPackageBytes {
		return accepted{}, refuse(http.StatusRequestEntityTooLarge, wire.CodeInvalidFile,
			fmt.Sprintf("gói tin lớn hơn %d byte", s.cfg.MaxPackageBytes), fmt.Sprintf("the package is larger than %d bytes", s.cfg.MaxPackageBytes))
	}
	sum := sha256.Sum256(in.data)
	digest := hex.EncodeToString(sum[:])
	if in.sender != nil {
		// The axis de-duplicates a system's resends of the same bytes, so
		// that a client may retry a send whose answer it never got.
		if id, ok := s.store.duplicate(in.sender.id, digest); ok {
			return accepted{docID: id, duplicate: true}, nil
		}
	}
	mt := strings.ToLower(in.messageType)
	switch mt {
	case "", wire.MessageEdoc, wire.MessageStatus:
	default:
		return accepted{}, refuse(http.StatusBadRequest, wire.CodeInvalidFile,
			fmt.Sprintf("messagetype %q không hợp lệ (edoc hoặc status)", truncate(in.messageType, 40)),
			fmt.Sprintf("messagetype %q is not edoc or status", truncate(in.messageType, 40)))
	}
	p, aerr := s.parse(in.data, mt)
	if aerr != nil {
		return accepted{}, aerr
	}
	if in.fromHeader != "" && in.fromHeader != p.from {
		return accepted{}, refuse(http.StatusForbidden, wire.CodeUnknownSender,
			fmt.Sprintf("tiêu đề from (%s) khác mã đơn vị gửi trong gói tin (%s)", truncate(in.fromHeader, 64), p.from),
			fmt.Sprintf("the from header (%s) differs from the package's From (%s)", truncate(in.fromHeader, 64), p.from))
	}
	to := in.to
	if len(to) == 0 {
		to = p.to
	}
	if len(to) == 0 {
		return accepted{}, refuse(http.StatusBadRequest, wire.CodeUnknownReceiver,
			"gói tin không có đơn vị nhận", "the package names no recipient")
	}
	now := s.cfg.Clock()
	d := &document{
		id: newDocID(), origin: in.origin, from: p.from, to: to, messageType: p.messageType,
		data: in.data, sha256: digest, documentID: p.documentID, statusCode: p.statusCode,
		subject: p.subject, created: now,
	}
	var unknown, locked []string
	for _, code := range to {
		sys, agency := s.resolve(code)
		switch {
		case !validCode(code):
			unknown = append(unknown, truncate(code, 64))
			continue
		case in.sender == nil && agency:
			// An injected package is for the province: the directory's
			// agencies named in it are someone else's recipients.
			continue
		case in.sender != nil && sys == in.sender:
			unknown = append(unknown, code) // the axis does not route a system back to itself
			continue
		case in.sender != nil && s.faults.rejected(code):
			locked = append(locked, code)
			continue
		}
		r := &recipient{code: code, state: wire.TransportPending, updated: now}
		if agency {
			r.state = wire.TransportDone // the agency's own software takes it at once
		} else {
			r.system = sys.id
		}
		d.recipients = append(d.recipients, r)
	}
	switch {
	case len(unknown) > 0:
		return accepted{}, refuse(http.StatusBadRequest, wire.CodeUnknownReceiver,
			"đơn vị nhận không có trong danh bạ trục liên thông: "+strings.Join(unknown, ", "),
			"recipient not in the axis's directory: "+strings.Join(unknown, ", "))
	case len(locked) > 0:
		return accepted{}, refuse(http.StatusBadRequest, wire.CodeReceiverLocked,
			"đơn vị nhận đang tạm khoá nhận văn bản: "+strings.Join(locked, ", "),
			"recipient refuses documents for now: "+strings.Join(locked, ", "))
	case len(d.recipients) == 0:
		return accepted{}, refuse(http.StatusBadRequest, wire.CodeUnknownReceiver,
			"không đơn vị nhận nào thuộc một hệ thống kết nối trục (hãy chỉ định to)",
			"no recipient is hosted by a connected system (name them with to)")
	}
	if in.sender != nil {
		d.sender = in.sender.id
	}
	id, fresh := s.store.add(d)
	if !fresh {
		return accepted{docID: id, duplicate: true}, nil
	}
	s.log.Info("trục đã nhận gói tin (package accepted)", "doc_id", id, "origin", in.origin, "systemid", d.sender,
		"messagetype", d.messageType, "from", d.from, "to", strings.Join(to, ","), "size", len(d.data))
	if d.messageType == wire.MessageStatus {
		s.store.noteStatus(d.from, p.documentID, p.statusCode, now)
	} else if in.sender != nil {
		s.answers.schedule(d, p)
	}
	out := accepted{docID: id}
	for _, r := range d.recipients {
		out.delivered = append(out.delivered, RecipientInfo{Code: r.code, System: r.system, State: r.state, Updated: r.updated})
	}
	return out, nil
}

// parsed is what the axis reads from a package.
type parsed struct {
	messageType string
	from        string
	fromName    string
	to          []string
	documentID  string
	statusCode  string
	subject     string
	// For answers to a document.
	code             string
	promulgationDate string
	docType          edxml.BusinessDocType
}

// parse reads a package leniently, as a tolerant axis would: an attachment
// that is not base64 is accepted (the SDK's own sample has one).
func (s *Simulator) parse(data []byte, messageType string) (parsed, *axisErr) {
	opts := edxml.Options{LenientAttachments: true, MaxSize: s.cfg.MaxPackageBytes}
	invalid := func(err error) *axisErr {
		var ee *edxml.Error
		if errors.As(err, &ee) {
			return refuse(http.StatusBadRequest, wire.CodeInvalidEdXML,
				"gói tin edXML không hợp lệ: "+ee.MessageVI+fieldSuffix(ee), "invalid edXML: "+ee.Error())
		}
		return refuse(http.StatusBadRequest, wire.CodeInvalidEdXML, "gói tin edXML không hợp lệ", "invalid edXML: "+err.Error())
	}
	if messageType != wire.MessageStatus {
		pkg, err := opts.Parse(data)
		switch {
		case err == nil:
			code := pkg.Code()
			return parsed{
				messageType: wire.MessageEdoc, from: pkg.From().OrganID, fromName: pkg.From().OrganName,
				to: dedupe(pkg.ToIDs()), documentID: pkg.DocumentID(), subject: pkg.Subject(),
				code:             strings.Trim(code.CodeNumber+"/"+code.CodeNotation, "/"),
				promulgationDate: pkg.PromulgationInfo().PromulgationDate, docType: pkg.BusinessDocType(),
			}, nil
		case messageType == "" && errors.Is(err, edxml.ErrWrongKind):
		default:
			return parsed{}, invalid(err)
		}
	}
	st, err := opts.ParseStatus(data)
	if err != nil {
		return parsed{}, invalid(err)
	}
	var to []string
	if rf := st.ResponseFor().OrganID; rf != "" {
		to = []string{rf}
	}
	return parsed{
		messageType: wire.MessageStatus, from: st.From().OrganID, fromName: st.From().OrganName, to: to,
		documentID: st.ResponseFor().DocumentID, statusCode: string(st.StatusCode()),
	}, nil
}

func fieldSuffix(e *edxml.Error) string {
	if e.Field == "" {
		return ""
	}
	return " (" + e.Field + ")"
}

// resolve finds who hosts code: another system, the directory (agency),
// or else the province's system.
func (s *Simulator) resolve(code string) (sys *system, agency bool) {
	for _, o := range s.systems {
		if o.codes[code] {
			return o, false
		}
	}
	if s.dir.has(code) && !s.hostedByProvince(code) {
		return nil, true
	}
	return s.province, false
}

// parseTo reads the to header: a JSON array of agency codes written as a
// string, as the SDK sends it. A tolerant axis also takes a bare code or a
// comma-separated list. Duplicates are dropped; empty means "the package's
// own To list".
func parseTo(v string) ([]string, *axisErr) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	bad := func(vi, en string) *axisErr {
		return refuse(http.StatusBadRequest, wire.CodeInvalidFile, "tiêu đề to không hợp lệ: "+vi, "invalid to header: "+en)
	}
	var codes []string
	if v[0] == '[' {
		if err := json.Unmarshal([]byte(v), &codes); err != nil {
			return nil, bad("không phải mảng JSON các mã định danh", "not a JSON array of agency codes")
		}
	} else {
		codes = strings.Split(v, ",")
	}
	for i := range codes {
		codes[i] = strings.TrimSpace(codes[i])
	}
	codes = dedupe(slices.DeleteFunc(codes, func(c string) bool { return c == "" }))
	if len(codes) > maxRecipients {
		return nil, bad(fmt.Sprintf("quá %d đơn vị nhận", maxRecipients), fmt.Sprintf("more than %d recipients", maxRecipients))
	}
	for _, c := range codes {
		if !validCode(c) {
			return nil, refuse(http.StatusBadRequest, wire.CodeUnknownReceiver,
				fmt.Sprintf("%q không phải mã định danh đơn vị", truncate(c, 64)),
				fmt.Sprintf("%q is not an agency identifier code", truncate(c, 64)))
		}
	}
	return codes, nil
}

// dedupe drops repeated values, keeping the first.
func dedupe(l []string) []string {
	out := l[:0:0]
	for _, v := range l {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// newDocID returns a random UUID, as the axis's document ids are: ids
// stay unique across runs of the simulator, so that a bridge that keeps
// them in a database never mistakes a new document for an old one.
func newDocID() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// messageTypeOf reads the messagetype header of the list and count calls:
// empty means both kinds where a call allows it.
func messageTypeOf(c *caller) (string, *axisErr) {
	mt := strings.ToLower(c.header(wire.HeaderMessageType))
	switch mt {
	case "", wire.MessageEdoc, wire.MessageStatus:
		return mt, nil
	}
	return "", refuse(http.StatusBadRequest, wire.CodeInvalidFile,
		"messagetype không hợp lệ (edoc hoặc status)", "messagetype is not edoc or status")
}

func (s *Simulator) getReceivedEdocList(w http.ResponseWriter, _ *http.Request, c *caller) {
	mt, aerr := messageTypeOf(c)
	if aerr != nil {
		s.refuse(w, wire.CallGetReceivedEdocList, aerr)
		return
	}
	writeJSON(w, http.StatusOK, wire.ReceivedResult{Result: wire.OK(), Data: s.store.received(c.sys.id, mt, maxListed)})
}

func (s *Simulator) getEdoc(w http.ResponseWriter, _ *http.Request, c *caller) {
	id := c.header(wire.HeaderDocID)
	if id == "" {
		s.refuse(w, wire.CallGetEdoc, refuse(http.StatusBadRequest, wire.CodeFileProcessing, "thiếu docId", "docId is required"))
		return
	}
	data, ok := s.store.fetch(c.sys.id, id)
	if !ok {
		s.refuse(w, wire.CallGetEdoc, errNoDocument(id))
		return
	}
	writeJSON(w, http.StatusOK, wire.EdocResult{Result: wire.OK(), Data: base64.StdEncoding.EncodeToString(data)})
}

func errNoDocument(id string) *axisErr {
	return refuse(http.StatusNotFound, wire.CodeNotFound,
		fmt.Sprintf("không có văn bản %s gửi cho hoặc gửi từ hệ thống này", truncate(id, 64)),
		fmt.Sprintf("no document %s sent to or by this system", truncate(id, 64)))
}

func (s *Simulator) updateStatus(w http.ResponseWriter, _ *http.Request, c *caller) {
	id := c.header(wire.HeaderDocID)
	st := strings.ToLower(c.header(wire.HeaderStatus))
	switch {
	case id == "":
		s.refuse(w, wire.CallUpdateStatus, refuse(http.StatusBadRequest, wire.CodeFileProcessing, "thiếu docId", "docId is required"))
		return
	case st != wire.TransportDone && st != wire.TransportFail && st != wire.TransportProcessing:
		s.refuse(w, wire.CallUpdateStatus, refuse(http.StatusBadRequest, wire.CodeFileProcessing,
			"status phải là done, fail hoặc processing", "status must be done, fail or processing"))
		return
	}
	if !s.store.ack(c.sys.id, id, st, s.cfg.Clock()) {
		s.refuse(w, wire.CallUpdateStatus, errNoDocument(id))
		return
	}
	writeJSON(w, http.StatusOK, wire.OK())
}

func (s *Simulator) getSentEdocList(w http.ResponseWriter, _ *http.Request, c *caller) {
	mt, aerr := messageTypeOf(c)
	if aerr != nil {
		s.refuse(w, wire.CallGetSentEdocList, aerr)
		return
	}
	if mt == "" {
		mt = wire.MessageEdoc
	}
	writeJSON(w, http.StatusOK, wire.SentResult{Result: wire.OK(), Data: s.store.sent(c.sys.id, mt, maxSent)})
}

func (s *Simulator) countReceive(messageType string) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, _ *http.Request, c *caller) {
		writeJSON(w, http.StatusOK, wire.CountResult{Result: wire.OK(), Count: s.store.count(c.sys.id, messageType)})
	}
}

func (s *Simulator) getAgenciesList(w http.ResponseWriter, _ *http.Request, _ *caller) {
	writeJSON(w, http.StatusOK, wire.AgenciesResult{Result: wire.OK(), Data: s.dir.all()})
}

func (s *Simulator) directoryReadOnly(w http.ResponseWriter, r *http.Request, _ *caller) {
	call := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	s.refuse(w, call, refuse(http.StatusForbidden, wire.CodeForbidden,
		"trình mô phỏng không cho hệ thống sửa danh bạ trục", "the simulator does not let systems change the directory"))
}
