package vdxp

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

func TestControlSurfaceNeedsToken(t *testing.T) {
	h := newHarness(t, nil)
	for _, path := range []string{"/_sim/health", "/_sim/directory"} {
		req, _ := http.NewRequest(http.MethodGet, h.base+path, nil)
		if r := h.do(req); r.status != http.StatusOK {
			t.Errorf("%s without token: %d", path, r.status)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, h.base+"/_sim/documents", nil)
	if r := h.do(req); r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d", r.status)
	}
	req, _ = http.NewRequest(http.MethodGet, h.base+"/_sim/documents", nil)
	req.Header.Set("X-Sim-Admin-Token", testAdminToken)
	if r := h.do(req); r.status != http.StatusOK {
		t.Fatalf("X-Sim-Admin-Token: %d", r.status)
	}
	if r := h.admin(http.MethodDelete, "/_sim/documents", nil); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE documents: %d", r.status)
	}
	if r := h.admin(http.MethodGet, "/_sim/nothing", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown endpoint: %d", r.status)
	}

	off := newHarness(t, func(c *Config) { c.AdminToken = "" })
	if r := off.admin(http.MethodGet, "/_sim/documents", nil); r.status != http.StatusNotFound {
		t.Fatalf("disabled control surface: %d", r.status)
	}
}

func TestDocumentsListedAndFetchedByteForByte(t *testing.T) {
	h := newHarness(t, nil)
	pkg := buildDoc(t, provinceCode, otherCode, "000.00.00.G22")
	docID := h.sent(pkg, provinceCode, otherCode, "000.00.00.G22")

	var all []DocumentInfo
	h.admin(http.MethodGet, "/_sim/documents", nil).json(t, &all)
	if len(all) != 3 { // the document and two answers from G22
		t.Fatalf("documents %+v", all)
	}
	var sent []DocumentInfo
	h.admin(http.MethodGet, "/_sim/documents?origin=sent", nil).json(t, &sent)
	if len(sent) != 1 {
		t.Fatalf("sent %+v", sent)
	}
	d := sent[0]
	if d.DocID != docID || d.SenderSystem != DevSystemID || d.From != provinceCode || d.Size != len(pkg) ||
		d.MessageType != wire.MessageEdoc || d.Subject == "" || len(d.Recipients) != 2 {
		t.Fatalf("document %+v", d)
	}
	if r := d.Recipients[0]; r.Code != otherCode || r.System != otherSystem || r.State != wire.TransportPending {
		t.Fatalf("recipient %+v", r)
	}
	if r := d.Recipients[1]; r.Code != "000.00.00.G22" || r.System != "" || r.State != wire.TransportDone || r.StatusCode != "03" {
		t.Fatalf("recipient %+v", r)
	}
	var forOther []DocumentInfo
	h.admin(http.MethodGet, "/_sim/documents?system="+otherSystem, nil).json(t, &forOther)
	if len(forOther) != 1 {
		t.Fatalf("documents of %s: %+v", otherSystem, forOther)
	}
	var statuses []DocumentInfo
	h.admin(http.MethodGet, "/_sim/documents?messagetype=status", nil).json(t, &statuses)
	if len(statuses) != 2 || statuses[0].Origin != OriginAnswer || statuses[0].StatusCode != "01" {
		t.Fatalf("statuses %+v", statuses)
	}

	r := h.admin(http.MethodGet, "/_sim/documents/"+docID+"/package", nil)
	if r.status != http.StatusOK || !bytes.Equal(r.body, pkg) || r.header.Get("X-Sim-Sha256") != d.SHA256 {
		t.Fatalf("package: %d, %d bytes", r.status, len(r.body))
	}
	var one DocumentInfo
	h.admin(http.MethodGet, "/_sim/documents/"+docID, nil).json(t, &one)
	if one.DocID != docID {
		t.Fatalf("one %+v", one)
	}
	if r := h.admin(http.MethodGet, "/_sim/documents/nope/package", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown document: %d", r.status)
	}
}

// An injected document lands in the province's inbox as if another
// province had sent it; the province can fetch it and answer it.
func TestInjectIntoTheProvince(t *testing.T) {
	h := newHarness(t, nil)
	pkg := buildDoc(t, "000.00.00.G22", provinceCode, "000.00.00.H41")
	r := h.admin(http.MethodPost, "/_sim/inject", pkg)
	if r.status != http.StatusOK {
		t.Fatalf("inject: %d %s", r.status, r.body)
	}
	var res InjectResult
	r.json(t, &res)
	// H41 is an agency of the directory: someone else's recipient.
	if len(res.Recipients) != 1 || res.Recipients[0].Code != provinceCode || res.Recipients[0].System != DevSystemID {
		t.Fatalf("recipients %+v", res.Recipients)
	}
	inbox := h.received(DevSystemID, DevSecret, wire.MessageEdoc)
	if len(inbox) != 1 || inbox[0].DocID != res.DocID || inbox[0].From != "000.00.00.G22" {
		t.Fatalf("province inbox %+v", inbox)
	}
	if got := h.getEdoc(DevSystemID, DevSecret, res.DocID); !bytes.Equal(got, pkg) {
		t.Fatal("the injected package changed on the way")
	}

	// The province answers 03 to G22: the axis records it on the delivery.
	doc, _ := edxml.Parse(pkg)
	st, err := edxml.BuildStatus(edxml.Status{
		From:        edxml.Organization{OrganID: provinceCode},
		ResponseFor: edxml.ResponseFor{OrganID: "000.00.00.G22", DocumentID: doc.DocumentID()},
		StatusCode:  edxml.StatusAccepted, Timestamp: "2026/11/22 10:00:00",
	})
	if err != nil {
		t.Fatal(err)
	}
	h.sendAs(DevSystemID, DevSecret, st, provinceCode, []string{"000.00.00.G22"}, wire.MessageStatus).wantOK(t)
	info, _, _ := h.sim.Document(res.DocID)
	if info.Origin != OriginInjected || info.Recipients[0].StatusCode != "03" {
		t.Fatalf("injected document %+v", info)
	}

	// to overrides the package's list.
	r = h.admin(http.MethodPost, "/_sim/inject?to=000.00.07.H30,"+otherCode, buildDoc(t, "000.00.00.G22", "000.00.00.H41"))
	r.json(t, &res)
	if r.status != http.StatusOK || len(res.Recipients) != 2 || res.Recipients[1].System != otherSystem {
		t.Fatalf("inject with to: %d %s", r.status, r.body)
	}
	// Nothing for a connected system: refused with the code sendEdoc gives.
	r = h.admin(http.MethodPost, "/_sim/inject", buildDoc(t, "000.00.00.G22", "000.00.00.H41"))
	if r.status != http.StatusBadRequest || !bytes.Contains(r.body, []byte("refused_18")) {
		t.Fatalf("inject for the directory only: %d %s", r.status, r.body)
	}
	if r := h.admin(http.MethodPost, "/_sim/inject", []byte("not edXML")); r.status != http.StatusBadRequest || !bytes.Contains(r.body, []byte("refused_22")) {
		t.Fatalf("inject invalid: %d %s", r.status, r.body)
	}
	if r := h.admin(http.MethodPost, "/_sim/inject?to=bad%20code", pkg); r.status != http.StatusBadRequest {
		t.Fatalf("inject bad to: %d %s", r.status, r.body)
	}
}

func TestResetForgetsAndRestoresKnobs(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Faults.RejectRecipients = []string{"000.00.00.H14"} })
	h.sent(buildDoc(t, provinceCode, otherCode), provinceCode, otherCode)
	if err := h.sim.SetFaults(Faults{ErrorRate: 1, Calls: []string{wire.CallGetEdoc}}); err != nil {
		t.Fatal(err)
	}
	if r := h.admin(http.MethodPost, "/_sim/reset", nil); r.status != http.StatusNoContent {
		t.Fatalf("reset: %d", r.status)
	}
	if n := len(h.sim.Documents()); n != 0 {
		t.Fatalf("%d documents after reset", n)
	}
	if got := h.received(otherSystem, otherSecret, wire.MessageEdoc); len(got) != 0 {
		t.Fatalf("inbox after reset: %+v", got)
	}
	if f := h.sim.Faults(); f.ErrorRate != 0 || len(f.RejectRecipients) != 1 {
		t.Fatalf("knobs after reset %+v", f)
	}
	var st Stats
	h.admin(http.MethodGet, "/_sim/stats", nil).json(t, &st)
	if st.Total != 1 { // the list call above
		t.Fatalf("stats after reset %+v", st)
	}
	var systems []SystemInfo
	h.admin(http.MethodGet, "/_sim/systems", nil).json(t, &systems)
	if len(systems) != 2 || !systems[0].Province || systems[0].SystemID != DevSystemID || systems[1].Codes[0] != otherCode {
		t.Fatalf("systems %+v", systems)
	}
}

// Pending answers are dropped by a reset, not delivered into the new state.
func TestResetDropsPendingAnswers(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AnswerDelay = 50 * time.Millisecond })
	h.sent(buildDoc(t, provinceCode, "000.00.00.G22"), provinceCode, "000.00.00.G22")
	h.sim.Reset()
	r := h.call(DevSystemID, DevSecret, http.MethodPost, wire.CallCountReceiveStatus, []signedheader.Header{}, nil)
	r.wantOK(t)
	h.sim.answers.mu.Lock()
	pending := len(h.sim.answers.timers)
	h.sim.answers.mu.Unlock()
	if pending != 0 {
		t.Fatalf("%d answers still scheduled", pending)
	}
}

// TestHostInProvince: a directory code the province hosts is routed to the
// province's system, not answered by the simulator.
func TestHostInProvince(t *testing.T) {
	h := newHarness(t, nil)
	h.sim.HostInProvince("000.00.00.H41")
	pkg := buildDoc(t, "000.00.00.G22", "000.00.00.H41")
	res, err := h.sim.Inject(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Recipients) != 1 || res.Recipients[0].System != DevSystemID {
		t.Fatalf("recipients %+v", res.Recipients)
	}
	if got := h.received(DevSystemID, DevSecret, wire.MessageEdoc); len(got) != 1 {
		t.Fatalf("the province's inbox has %d documents", len(got))
	}
}
