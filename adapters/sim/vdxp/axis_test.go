package vdxp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

func TestSendReceiveGetAck(t *testing.T) {
	h := newHarness(t, nil)
	pkg := buildDoc(t, provinceCode, otherCode)
	docID := h.sent(pkg, provinceCode, otherCode)

	// The other system finds it in its inbox …
	inbox := h.received(otherSystem, otherSecret, wire.MessageEdoc)
	if len(inbox) != 1 {
		t.Fatalf("inbox: %+v", inbox)
	}
	k := inbox[0]
	if k.ID != docID || k.DocID != docID || k.From != provinceCode || k.To != otherCode ||
		k.MessageType != wire.MessageEdoc || k.ServiceType != wire.ServiceEDoc || k.Status != wire.TransportPending ||
		k.Created == "" || !strings.Contains(k.DocumentID, "UBND-VP") {
		t.Fatalf("entry %+v", k)
	}
	if _, err := time.Parse(wire.TimeLayout, k.Created); err != nil {
		t.Fatalf("createdTime %q: %v", k.Created, err)
	}
	if got := h.received(otherSystem, otherSecret, wire.MessageStatus); len(got) != 0 {
		t.Fatalf("status inbox: %+v", got)
	}
	if got := h.received(DevSystemID, DevSecret, wire.MessageEdoc); len(got) != 0 {
		t.Fatalf("the sender's own inbox: %+v", got)
	}
	wantCount(t, h, otherSystem, otherSecret, wire.CallCountReceiveEdoc, 1)
	wantCount(t, h, otherSystem, otherSecret, wire.CallCountReceiveStatus, 0)

	// … fetches it byte for byte, the SDK's CRLF left out …
	if got := h.getEdoc(otherSystem, otherSecret, docID); !bytes.Equal(got, pkg) {
		t.Fatalf("getEdoc returned %d bytes, want the %d sent", len(got), len(pkg))
	}
	// … and acknowledges it, which takes it off the list.
	r := h.call(otherSystem, otherSecret, http.MethodPost, wire.CallUpdateStatus,
		[]signedheader.Header{{Name: "status", Value: "done"}, {Name: "docId", Value: docID}}, nil)
	r.wantOK(t)
	if got := h.received(otherSystem, otherSecret, wire.MessageEdoc); len(got) != 0 {
		t.Fatalf("acknowledged entry still listed: %+v", got)
	}
	wantCount(t, h, otherSystem, otherSecret, wire.CallCountReceiveEdoc, 0)
	// It can still be fetched after the acknowledgement.
	if got := h.getEdoc(otherSystem, otherSecret, docID); !bytes.Equal(got, pkg) {
		t.Fatal("fetch after ack")
	}

	// The sender sees the delivery's state.
	sent := h.sentList(DevSystemID, DevSecret)
	if len(sent) != 1 || sent[0].DocID != docID || sent[0].FromCode != provinceCode || sent[0].ToCode != otherCode || sent[0].Status != wire.TransportDone {
		t.Fatalf("sent list %+v", sent)
	}
	if got := h.sentList(otherSystem, otherSecret); len(got) != 0 {
		t.Fatalf("the recipient's sent list: %+v", got)
	}
}

func TestAnotherProvinceSendsToTheProvince(t *testing.T) {
	h := newHarness(t, nil)
	pkg := buildDoc(t, otherCode, provinceCode, "000.00.02.H30")
	docID := h.sentAs(otherSystem, otherSecret, pkg, otherCode, provinceCode, "000.00.02.H30")
	inbox := h.received(DevSystemID, DevSecret, wire.MessageEdoc)
	if len(inbox) != 1 || inbox[0].DocID != docID || inbox[0].To != provinceCode+",000.00.02.H30" {
		t.Fatalf("province inbox: %+v", inbox)
	}
	// Processing is an acknowledgement too: the entry leaves the list.
	h.call(DevSystemID, DevSecret, http.MethodPost, wire.CallUpdateStatus,
		[]signedheader.Header{{Name: "status", Value: "processing"}, {Name: "docId", Value: docID}}, nil).wantOK(t)
	if got := h.received(DevSystemID, DevSecret, wire.MessageEdoc); len(got) != 0 {
		t.Fatalf("listed after processing: %+v", got)
	}
	sent := h.sentList(otherSystem, otherSecret)
	if len(sent) != 2 || sent[0].Status != wire.TransportProcessing || sent[1].Status != wire.TransportProcessing {
		t.Fatalf("sent list %+v", sent)
	}
}

func TestAutoAnswerStatuses(t *testing.T) {
	h := newHarness(t, nil)
	pkg := buildDoc(t, provinceCode, "000.00.00.G22", "000.00.00.H41")
	doc, _ := edxml.Parse(pkg)
	docID := h.sent(pkg, provinceCode, "000.00.00.G22", "000.00.00.H41")

	statuses := h.received(DevSystemID, DevSecret, wire.MessageStatus)
	if len(statuses) != 4 {
		t.Fatalf("want 01 and 03 from each of two agencies, got %+v", statuses)
	}
	wantCount(t, h, DevSystemID, DevSecret, wire.CallCountReceiveStatus, 4)
	var codes []string
	for _, k := range statuses {
		if k.MessageType != wire.MessageStatus || k.To != provinceCode || k.DocumentID != doc.DocumentID() {
			t.Fatalf("status entry %+v", k)
		}
		st, err := edxml.ParseStatus(h.getEdoc(DevSystemID, DevSecret, k.DocID))
		if err != nil {
			t.Fatal(err)
		}
		if st.From().OrganID != k.From || st.From().OrganName == "" {
			t.Fatalf("status From %+v, entry from %s", st.From(), k.From)
		}
		rf := st.ResponseFor()
		if rf.DocumentID != doc.DocumentID() || rf.OrganID != provinceCode || rf.Code != "1/UBND-VP" && !strings.HasSuffix(rf.Code, "/UBND-VP") {
			t.Fatalf("ResponseFor %+v", rf)
		}
		codes = append(codes, k.From+":"+string(st.StatusCode()))
	}
	want := "000.00.00.G22:01 000.00.00.H41:01 000.00.00.G22:03 000.00.00.H41:03"
	if got := strings.Join(codes, " "); got != want {
		t.Fatalf("statuses in order %s, want %s", got, want)
	}
	for _, e := range h.sentList(DevSystemID, DevSecret) {
		if e.DocID != docID || e.Status != wire.TransportDone || e.BusinessStatus != "03" {
			t.Fatalf("sent entry %+v", e)
		}
	}
	// The answers are documents of the axis too, for the control surface.
	answers := 0
	for _, d := range h.sim.Documents() {
		if d.Origin == OriginAnswer {
			answers++
		}
	}
	if answers != 4 {
		t.Fatalf("%d answers held", answers)
	}
}

func TestAutoAnswerDelayedAndOff(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AnswerDelay = 30 * time.Millisecond })
	h.sent(buildDoc(t, provinceCode, "000.00.00.G22"), provinceCode, "000.00.00.G22")
	if got := h.received(DevSystemID, DevSecret, wire.MessageStatus); len(got) != 0 {
		t.Fatalf("answered before the delay: %+v", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(h.received(DevSystemID, DevSecret, wire.MessageStatus)) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the two answers did not arrive")
		}
		time.Sleep(10 * time.Millisecond)
	}

	off := newHarness(t, func(c *Config) { c.AutoAnswer = false })
	off.sent(buildDoc(t, provinceCode, "000.00.00.G22"), provinceCode, "000.00.00.G22")
	if got := off.received(DevSystemID, DevSecret, wire.MessageStatus); len(got) != 0 {
		t.Fatalf("answered with auto_answer off: %+v", got)
	}
}

// The SDK's sample packages go through as they are, quirks included, and
// are stored byte for byte; an update is answered with 15.
func TestFixturesAcceptedByteForByte(t *testing.T) {
	h := newHarness(t, nil)
	cases := []struct {
		file, mt, from string
		to             []string
	}{
		{"edoc_new.edxml", "edoc", "002.00.20.H13", []string{"28.22.H17"}},
		{"edoc_small.edxml", "edoc", "002.00.20.H13", []string{"000.00.15.H51"}}, // attachment not base64: lenient
		{"edoc_update.edxml", "edoc", "000.00.00.G22", []string{"000.00.00.H41", "000.00.00.H14", "000.00.00.G17"}},
		{"edoc_revocation.edxml", "edoc", "000.00.00.G22", []string{"000.00.00.H41"}},
		{"status_acceptance_03.edxml", "status", "000.00.00.H41", []string{"000.00.00.G22"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			pkg := fixture(t, c.file)
			r := h.sendAs(DevSystemID, DevSecret, pkg, c.from, c.to, c.mt)
			r.wantOK(t)
			var res wire.SendResult
			r.json(t, &res)
			info, data, ok := h.sim.Document(res.DocID)
			if !ok || !bytes.Equal(data, pkg) || info.MessageType != c.mt || info.From != c.from {
				t.Fatalf("stored %+v (%d bytes, want %d)", info, len(data), len(pkg))
			}
			got := h.admin(http.MethodGet, "/_sim/documents/"+res.DocID+"/package", nil)
			if got.status != http.StatusOK || !bytes.Equal(got.body, pkg) {
				t.Fatalf("package endpoint: HTTP %d, %d bytes", got.status, len(got.body))
			}
		})
	}
	var fifteen int
	for _, k := range h.received(DevSystemID, DevSecret, wire.MessageStatus) {
		st, err := edxml.ParseStatus(h.getEdoc(DevSystemID, DevSecret, k.DocID))
		if err != nil {
			t.Fatal(err)
		}
		if st.StatusCode() == edxml.StatusChangeAccepted {
			fifteen++
		}
	}
	if fifteen != 4 { // three recipients of the update, one of the revocation
		t.Fatalf("%d answers 15, want 4", fifteen)
	}
}

func TestHashFileForms(t *testing.T) {
	h := newHarness(t, nil)
	send := func(body []byte, hashFile string) response {
		hs := []signedheader.Header{
			{Name: "from", Value: provinceCode},
			{Name: "to", Value: `["` + otherCode + `"]`},
			{Name: "servicetype", Value: "eDoc"},
			{Name: "messagetype", Value: "edoc"},
		}
		if hashFile != "" {
			hs = append(hs, signedheader.Header{Name: "hash-file", Value: hashFile})
		}
		return h.call(DevSystemID, DevSecret, http.MethodPost, wire.CallSendEdoc, hs, body)
	}
	crlf := func(b []byte) []byte { return append(append([]byte{}, b...), '\r', '\n') }
	for name, c := range map[string]struct {
		body []byte
		form func(sum []byte) string
	}{
		"full hex, exact body":   {nil, hex.EncodeToString},
		"full hex, SDK CRLF":     {[]byte("crlf"), hex.EncodeToString},
		"Java hex, exact body":   {nil, signedheader.JavaHex},
		"Java hex, SDK CRLF":     {[]byte("crlf"), signedheader.JavaHex},
		"upper-case, SDK CRLF":   {[]byte("crlf"), func(s []byte) string { return strings.ToUpper(hex.EncodeToString(s)) }},
		"no hash-file, as sent ": {[]byte("none"), nil},
	} {
		t.Run(name, func(t *testing.T) {
			pkg := buildDoc(t, provinceCode, otherCode)
			sum := sha256.Sum256(pkg)
			body, hf := pkg, ""
			if string(c.body) == "crlf" {
				body = crlf(pkg)
			}
			if c.form != nil {
				hf = c.form(sum[:])
			}
			r := send(body, hf)
			r.wantOK(t)
			var res wire.SendResult
			r.json(t, &res)
			if _, data, _ := h.sim.Document(res.DocID); !bytes.Equal(data, pkg) {
				t.Fatalf("stored %q… , want the package without the CRLF", data[max(0, len(data)-10):])
			}
		})
	}
	pkg := buildDoc(t, provinceCode, otherCode)
	other := sha256.Sum256([]byte("another file"))
	send(pkg, hex.EncodeToString(other[:])).wantFail(t, http.StatusBadRequest, wire.CodeInvalidFile)
	send(pkg, "not-hex").wantFail(t, http.StatusBadRequest, wire.CodeInvalidFile)
	sum := sha256.Sum256(pkg)
	// Only one trailing CRLF is forgiven.
	send(crlf(crlf(pkg)), hex.EncodeToString(sum[:])).wantFail(t, http.StatusBadRequest, wire.CodeInvalidFile)
}

func TestResendGetsTheOriginalDocID(t *testing.T) {
	h := newHarness(t, nil)
	pkg := buildDoc(t, provinceCode, otherCode)
	first := h.sent(pkg, provinceCode, otherCode)
	if again := h.sent(pkg, provinceCode, otherCode); again != first {
		t.Fatalf("resend got %s, want %s", again, first)
	}
	if n := len(h.sim.Documents()); n != 1 {
		t.Fatalf("%d documents after a resend", n)
	}
	if got := h.received(otherSystem, otherSecret, wire.MessageEdoc); len(got) != 1 {
		t.Fatalf("a resend was delivered twice: %+v", got)
	}
	// Another system sending the same bytes is another document.
	if id := h.sentAs(otherSystem, otherSecret, pkg, provinceCode, provinceCode); id == first {
		t.Fatal("another system's send was taken for a resend")
	}
}

func TestSendRefusals(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Faults.RejectRecipients = []string{"000.00.00.H14"} })
	doc := buildDoc(t, provinceCode, "000.00.00.G22")
	statusPkg, err := edxml.BuildStatus(edxml.Status{
		From:        edxml.Organization{OrganID: provinceCode},
		ResponseFor: edxml.ResponseFor{OrganID: "000.00.00.G22", DocumentID: "000.00.00.G22,2026/11/01,1/VPCP"},
		StatusCode:  edxml.StatusAccepted, Timestamp: "2026/11/22 10:00:00",
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		r      response
		status int
		code   string
	}{
		{"recipient of the province itself", h.send(doc, provinceCode, "000.00.05.H30"), 400, wire.CodeUnknownReceiver},
		{"recipient not a code", h.send(doc, provinceCode, "G22"), 400, wire.CodeUnknownReceiver},
		{"locked recipient", h.send(buildDoc(t, provinceCode, "000.00.00.H14"), provinceCode, "000.00.00.H14"), 400, wire.CodeReceiverLocked},
		{"not edXML", h.send([]byte("<html>hello</html>"), provinceCode, "000.00.00.G22"), 400, wire.CodeInvalidEdXML},
		{"DTD", h.send([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><edXML/>`), provinceCode, "000.00.00.G22"), 400, wire.CodeInvalidEdXML},
		{"status sent as edoc", h.send(statusPkg, provinceCode, "000.00.00.G22"), 400, wire.CodeInvalidEdXML},
		{"document sent as status", h.sendAs(DevSystemID, DevSecret, doc, provinceCode, []string{"000.00.00.G22"}, "status"), 400, wire.CodeInvalidEdXML},
		{"from differs from the package", h.send(doc, "000.00.09.H30", "000.00.00.G22"), 403, wire.CodeUnknownSender},
		{"bad messagetype", h.sendAs(DevSystemID, DevSecret, doc, provinceCode, []string{"000.00.00.G22"}, "fax"), 400, wire.CodeInvalidFile},
		{"empty body", h.call(DevSystemID, DevSecret, http.MethodPost, wire.CallSendEdoc, nil, nil), 400, wire.CodeInvalidFile},
		{"to not JSON", h.call(DevSystemID, DevSecret, http.MethodPost, wire.CallSendEdoc,
			[]signedheader.Header{{Name: "to", Value: `["000.00.00.G22"`}}, doc), 400, wire.CodeInvalidFile},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := c.r.wantFail(t, c.status, c.code)
			var sr map[string]any
			c.r.json(t, &sr)
			if id, ok := sr["DocId"]; !ok || id != "" {
				t.Fatalf("a sendEdoc failure carries DocId \"\": %s", c.r.body)
			}
			if !strings.Contains(res.ErrorDesc, "(") {
				t.Fatalf("description is not Vietnamese with English alongside: %q", res.ErrorDesc)
			}
		})
	}
	if n := len(h.sim.Documents()); n != 0 {
		t.Fatalf("refused sends were stored: %d", n)
	}
	// A status to the directory is accepted, and a status with no to
	// header goes to its ResponseFor agency.
	h.sendAs(DevSystemID, DevSecret, statusPkg, provinceCode, nil, "status").wantOK(t)
}

func TestTooLarge(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxPackageBytes = 2048 })
	pkg := buildDoc(t, provinceCode, otherCode)
	pkg = append(pkg, bytes.Repeat([]byte(" "), 3000)...)
	h.send(pkg, provinceCode, otherCode).wantFail(t, http.StatusRequestEntityTooLarge, wire.CodeInvalidFile)
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t, nil)
	list := []signedheader.Header{{Name: "servicetype", Value: "eDoc"}, {Name: "messagetype", Value: "edoc"}}
	h.call(DevSystemID, "wrong secret", http.MethodPost, wire.CallGetReceivedEdocList, list, nil).
		wantFail(t, http.StatusUnauthorized, wire.CodeBadCredentials)
	h.call("nobody", DevSecret, http.MethodPost, wire.CallGetReceivedEdocList, list, nil).
		wantFail(t, http.StatusUnauthorized, wire.CodeBadCredentials)

	// Unsigned, stale, replayed.
	req, _ := http.NewRequest(http.MethodPost, h.base+"/"+wire.CallGetAgenciesList, nil)
	h.do(req).wantFail(t, http.StatusUnauthorized, wire.CodeBadCredentials)
	stale := signedheader.Sign(DevSystemID, DevSecret, time.Now().Add(-10*time.Minute), list)
	req, _ = http.NewRequest(http.MethodPost, h.base+"/"+wire.CallGetAgenciesList, nil)
	for _, x := range stale {
		req.Header.Set(x.Name, x.Value)
	}
	r := h.do(req)
	r.wantFail(t, http.StatusUnauthorized, wire.CodeBadCredentials)
	if !strings.Contains(r.envelope(t).ErrorDesc, "timestamp") {
		t.Fatalf("a stale timestamp should be named: %s", r.body)
	}
	fresh := signedheader.Sign(DevSystemID, DevSecret, time.Now(), list)
	for i := range 2 {
		req, _ = http.NewRequest(http.MethodPost, h.base+"/"+wire.CallGetReceivedEdocList, nil)
		for _, x := range fresh {
			req.Header.Set(x.Name, x.Value)
		}
		r := h.do(req)
		if i == 0 {
			r.wantOK(t)
		} else {
			r.wantFail(t, http.StatusUnauthorized, wire.CodeBadCredentials)
		}
	}

	// Logical headers sent plain (no prefix) are accepted too.
	ts := signedheader.FormatTimestamp(time.Now())
	text := signedheader.SignHeaderText([]signedheader.Header{
		{Name: "systemid", Value: DevSystemID}, {Name: "timestamp", Value: ts}, {Name: "messagetype", Value: "status"},
	})
	req, _ = http.NewRequest(http.MethodPost, h.base+"/"+wire.CallGetReceivedEdocList, nil)
	req.Header.Set("systemid", DevSystemID)
	req.Header.Set("timestamp", ts)
	req.Header.Set("messagetype", "status")
	req.Header.Set(signedheader.HeaderSign, text)
	req.Header.Set(signedheader.HeaderHash, mac(DevSecret, text))
	h.do(req).wantOK(t)
}

func TestCallsAndMethods(t *testing.T) {
	h := newHarness(t, nil)
	h.province("noSuchCall").wantFail(t, http.StatusNotFound, wire.CodeMethodNotAllowed)
	r := h.call(DevSystemID, DevSecret, http.MethodGet, wire.CallSendEdoc, nil, nil)
	r.wantFail(t, http.StatusMethodNotAllowed, wire.CodeMethodNotAllowed)
	if r.header.Get("Allow") != http.MethodPost {
		t.Fatalf("Allow %q", r.header.Get("Allow"))
	}
	h.call(DevSystemID, DevSecret, http.MethodGet, wire.CallCountReceiveEdoc, nil, nil).wantOK(t)
	h.province(wire.CallRegisterAgency).wantFail(t, http.StatusForbidden, wire.CodeForbidden)

	// Any base path: the call is the last segment.
	req, _ := http.NewRequest(http.MethodPost, h.base+"/vxp/api/v1/"+wire.CallGetAgenciesList, nil)
	for _, x := range signedheader.Sign(DevSystemID, DevSecret, stamp(), nil) {
		req.Header.Set(x.Name, x.Value)
	}
	r = h.do(req)
	r.wantOK(t)
	var ag wire.AgenciesResult
	r.json(t, &ag)
	if len(ag.Data) != len(Directory()) {
		t.Fatalf("%d agencies", len(ag.Data))
	}
}

func TestGetAndAckAreTheCallersOnly(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Systems = append(c.Systems, "third:s3:") })
	docID := h.sent(buildDoc(t, provinceCode, otherCode), provinceCode, otherCode)
	r := h.call("third", "s3", http.MethodPost, wire.CallGetEdoc, []signedheader.Header{{Name: "docId", Value: docID}}, nil)
	r.wantFail(t, http.StatusNotFound, wire.CodeNotFound)
	var er wire.EdocResult
	r.json(t, &er)
	if er.Data != "" {
		t.Fatal("a refusal carries the package")
	}
	h.call("third", "s3", http.MethodPost, wire.CallUpdateStatus,
		[]signedheader.Header{{Name: "status", Value: "done"}, {Name: "docId", Value: docID}}, nil).
		wantFail(t, http.StatusNotFound, wire.CodeNotFound)
	// The sender may read what it sent, but it is not in its inbox.
	if got := h.getEdoc(DevSystemID, DevSecret, docID); len(got) == 0 {
		t.Fatal("the sender cannot read its own document")
	}
	h.province(wire.CallUpdateStatus, signedheader.Header{Name: "status", Value: "done"}, signedheader.Header{Name: "docId", Value: docID}).
		wantFail(t, http.StatusNotFound, wire.CodeNotFound)
	h.call(otherSystem, otherSecret, http.MethodPost, wire.CallUpdateStatus,
		[]signedheader.Header{{Name: "status", Value: "read"}, {Name: "docId", Value: docID}}, nil).
		wantFail(t, http.StatusBadRequest, wire.CodeFileProcessing)
	h.province(wire.CallGetEdoc).wantFail(t, http.StatusBadRequest, wire.CodeFileProcessing)
	h.province(wire.CallGetReceivedEdocList, signedheader.Header{Name: "messagetype", Value: "fax"}).
		wantFail(t, http.StatusBadRequest, wire.CodeInvalidFile)
}

func (h *harness) getEdoc(systemID, secret, docID string) []byte {
	h.t.Helper()
	r := h.call(systemID, secret, http.MethodPost, wire.CallGetEdoc, []signedheader.Header{{Name: "docId", Value: docID}}, nil)
	r.wantOK(h.t)
	var res wire.EdocResult
	r.json(h.t, &res)
	b, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

func (h *harness) sentList(systemID, secret string) []wire.SentEntry {
	h.t.Helper()
	r := h.call(systemID, secret, http.MethodPost, wire.CallGetSentEdocList,
		[]signedheader.Header{{Name: "servicetype", Value: "eDoc"}, {Name: "messagetype", Value: "edoc"}}, nil)
	r.wantOK(h.t)
	var res wire.SentResult
	r.json(h.t, &res)
	return res.Data
}

func (h *harness) sentAs(systemID, secret string, pkg []byte, from string, to ...string) string {
	h.t.Helper()
	r := h.sendAs(systemID, secret, pkg, from, to, wire.MessageEdoc)
	r.wantOK(h.t)
	var res wire.SendResult
	r.json(h.t, &res)
	return res.DocID
}

func wantCount(t *testing.T, h *harness, systemID, secret, call string, want int64) {
	t.Helper()
	r := h.call(systemID, secret, http.MethodPost, call, nil, nil)
	r.wantOK(t)
	var res wire.CountResult
	r.json(t, &res)
	if res.Count != want {
		t.Fatalf("%s = %d, want %d", call, res.Count, want)
	}
}
