package vdxp_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
	simvdxp "github.com/lgsp-vn/lgsp/adapters/sim/vdxp"
	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

const (
	provinceCode = "000.00.01.H30" // outside the simulator's directory: the province's
	otherSystem  = "tinh-ben-canh"
	otherSecret  = "bi-mat-tinh-ben-canh"
	otherCode    = "000.00.00.H99"
	vpcp         = "000.00.00.G22" // played by the simulator, answers automatically
)

// startSim runs the simulator on a random port until the test ends.
func startSim(t *testing.T, mutate func(*simvdxp.Config)) (*simvdxp.Simulator, string) {
	t.Helper()
	cfg := simvdxp.DefaultConfig()
	cfg.AnswerDelay = 0
	cfg.Systems = []string{otherSystem + ":" + otherSecret + ":" + otherCode}
	if mutate != nil {
		mutate(&cfg)
	}
	sim := simvdxp.New(cfg, nil)
	return sim, simtest.Start(t, sim)
}

// client returns a connector with its own connections and short waits.
func client(t *testing.T, url, systemID, secret string) *vdxp.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := vdxp.New(url, systemID, secret)
	c.HTTP = &http.Client{Transport: tr}
	c.Timeout = 5 * time.Second
	c.Backoff = vdxp.Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	return c
}

func province(t *testing.T, url string) *vdxp.Client {
	return client(t, url, simvdxp.DevSystemID, simvdxp.DevSecret)
}

var seq atomic.Int64

// document builds a new document package.
func document(t testing.TB, from string, to ...string) []byte {
	t.Helper()
	n := strconv.FormatInt(seq.Add(1), 10)
	d := edxml.Document{
		From:             edxml.Organization{OrganID: from, OrganName: "UBND tỉnh (thử nghiệm)"},
		DocumentID:       from + ",2026/11/22," + n + "/UBND-VP",
		Code:             edxml.Code{CodeNumber: n, CodeNotation: "UBND-VP"},
		PromulgationInfo: edxml.PromulgationInfo{Place: "Hải Dương", PromulgationDate: "2026/11/22"},
		DocumentType:     edxml.DocumentType{Type: "1", TypeName: "Công văn"},
		Subject:          "V/v thử nghiệm kết nối trục liên thông số " + n,
		SignerInfo:       edxml.SignerInfo{Position: "Chủ tịch", FullName: "Trần Thị B"},
	}
	for _, c := range to {
		d.To = append(d.To, edxml.Organization{OrganID: c})
	}
	b, err := edxml.BuildDocument(d, edxml.File{Name: "vanban.pdf", ContentType: "application/pdf", Content: strings.NewReader("%PDF-1.7 văn bản")})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	sim, url := startSim(t, nil)
	ctx := t.Context()
	p, other := province(t, url), client(t, url, otherSystem, otherSecret)

	pkg := document(t, provinceCode, otherCode, vpcp)
	docID, err := p.Send(ctx, pkg, provinceCode, []string{otherCode, vpcp}, vdxp.MessageEdoc)
	if err != nil {
		t.Fatal(err)
	}
	// The axis stored the package byte for byte: the SDK's CRLF is not part of it.
	if _, stored, ok := sim.Document(docID); !ok || !bytes.Equal(stored, pkg) {
		t.Fatal("the simulator did not store the package as sent")
	}

	// The other province receives, fetches and acknowledges it.
	if n, err := other.Count(ctx, vdxp.MessageEdoc); err != nil || n != 1 {
		t.Fatalf("count %d, %v", n, err)
	}
	inbox, err := other.Received(ctx, vdxp.MessageEdoc)
	if err != nil || len(inbox) != 1 || inbox[0].DocID != docID || inbox[0].From != provinceCode {
		t.Fatalf("inbox %+v, %v", inbox, err)
	}
	got, err := other.Get(ctx, docID)
	if err != nil || !bytes.Equal(got, pkg) {
		t.Fatalf("get: %d bytes, %v", len(got), err)
	}
	if err := other.UpdateStatus(ctx, docID, vdxp.TransportDone); err != nil {
		t.Fatal(err)
	}
	if inbox, err := other.Received(ctx, vdxp.MessageEdoc); err != nil || len(inbox) != 0 {
		t.Fatalf("inbox after ack %+v, %v", inbox, err)
	}

	// The Government Office answered 01 then 03 into the province's inbox.
	if n, err := p.Count(ctx, vdxp.MessageStatus); err != nil || n != 2 {
		t.Fatalf("status count %d, %v", n, err)
	}
	statuses, err := p.Received(ctx, vdxp.MessageStatus)
	if err != nil || len(statuses) != 2 {
		t.Fatalf("statuses %+v, %v", statuses, err)
	}
	doc, _ := edxml.Parse(pkg)
	var codes []string
	for _, k := range statuses {
		b, err := p.Get(ctx, k.DocID)
		if err != nil {
			t.Fatal(err)
		}
		st, err := edxml.ParseStatus(b)
		if err != nil {
			t.Fatal(err)
		}
		if st.From().OrganID != vpcp || st.ResponseFor().DocumentID != doc.DocumentID() {
			t.Fatalf("status %+v", st.Status())
		}
		codes = append(codes, string(st.StatusCode()))
		if err := p.UpdateStatus(ctx, k.DocID, vdxp.TransportDone); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(codes, []string{"01", "03"}) {
		t.Fatalf("status codes %v", codes)
	}
	if n, err := p.Count(ctx, vdxp.MessageStatus); err != nil || n != 0 {
		t.Fatalf("status count after ack %d, %v", n, err)
	}

	sent, err := p.Sent(ctx)
	if err != nil || len(sent) != 2 {
		t.Fatalf("sent %+v, %v", sent, err)
	}
	for _, e := range sent {
		if e.DocID != docID || e.Status != vdxp.TransportDone {
			t.Fatalf("sent entry %+v", e)
		}
		if e.ToCode == vpcp && e.BusinessStatus != "03" {
			t.Fatalf("the answer is not on the delivery: %+v", e)
		}
	}

	agencies, err := p.Agencies(ctx)
	if err != nil || len(agencies) != len(simvdxp.Directory()) {
		t.Fatalf("agencies %d, %v", len(agencies), err)
	}
	if !slices.ContainsFunc(agencies, func(a vdxp.Agency) bool { return a.Code == vpcp && a.Name == "Văn phòng Chính phủ" }) {
		t.Fatal("the Government Office is not in the directory")
	}

	// A status the province sends goes through too.
	st, _ := edxml.BuildStatus(edxml.Status{
		From: edxml.Organization{OrganID: provinceCode}, ResponseFor: edxml.ResponseFor{OrganID: vpcp, DocumentID: "000.00.00.G22,2026/11/01,9/VPCP"},
		StatusCode: edxml.StatusAccepted, Timestamp: "2026/11/22 09:00:00",
	})
	if _, err := p.Send(ctx, st, provinceCode, []string{vpcp}, vdxp.MessageStatus); err != nil {
		t.Fatal(err)
	}
}

func TestResendGetsTheSameDocID(t *testing.T) {
	sim, url := startSim(t, nil)
	p := province(t, url)
	pkg := document(t, provinceCode, otherCode)
	a, err := p.Send(t.Context(), pkg, provinceCode, []string{otherCode}, vdxp.MessageEdoc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Send(t.Context(), pkg, provinceCode, []string{otherCode}, vdxp.MessageEdoc)
	if err != nil || a != b {
		t.Fatalf("resend: %s, %v; want %s", b, err, a)
	}
	if n := len(sim.Documents()); n != 1 {
		t.Fatalf("%d documents", n)
	}
}

func TestRefusalsAreTyped(t *testing.T) {
	_, url := startSim(t, func(c *simvdxp.Config) { c.Faults.RejectRecipients = []string{"000.00.00.H14"} })
	ctx := t.Context()
	p := province(t, url)

	_, err := p.Send(ctx, document(t, provinceCode, "000.00.05.H30"), provinceCode, []string{"000.00.05.H30"}, vdxp.MessageEdoc)
	var e *vdxp.Error
	if !vdxp.IsUnknownReceiver(err) || vdxp.IsTemporary(err) || !errors.As(err, &e) ||
		e.Code != vdxp.CodeUnknownReceiver || e.HTTPStatus != http.StatusBadRequest || e.Desc == "" || e.Call != vdxp.CallSendEdoc {
		t.Fatalf("unknown receiver: %#v", err)
	}
	if !strings.Contains(err.Error(), "18") {
		t.Fatalf("error text %q", err)
	}

	_, err = p.Send(ctx, document(t, provinceCode, "000.00.00.H14"), provinceCode, []string{"000.00.00.H14"}, vdxp.MessageEdoc)
	if !vdxp.IsRejected(err) || vdxp.IsTemporary(err) || vdxp.IsUnknownReceiver(err) {
		t.Fatalf("rejected: %v", err)
	}

	_, err = p.Send(ctx, []byte("<not-edxml/>"), provinceCode, []string{vpcp}, vdxp.MessageEdoc)
	if !vdxp.IsInvalidPackage(err) || vdxp.IsTemporary(err) {
		t.Fatalf("invalid package: %v", err)
	}

	if _, err := p.Get(ctx, "no-such-document"); !vdxp.IsNotFound(err) {
		t.Fatalf("get unknown: %v", err)
	}

	bad := client(t, url, simvdxp.DevSystemID, "not the secret")
	if _, err := bad.Received(ctx, vdxp.MessageEdoc); !vdxp.IsBadCredentials(err) || vdxp.IsTemporary(err) ||
		!errors.As(err, &e) || e.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("bad secret: %v", err)
	}

	// Arguments are checked before anything is sent.
	for _, err := range []error{
		func() error { _, err := p.Send(ctx, nil, provinceCode, []string{vpcp}, vdxp.MessageEdoc); return err }(),
		func() error { _, err := p.Send(ctx, []byte("x"), "", []string{vpcp}, vdxp.MessageEdoc); return err }(),
		func() error { _, err := p.Send(ctx, []byte("x"), provinceCode, nil, vdxp.MessageEdoc); return err }(),
		func() error { _, err := p.Send(ctx, []byte("x"), provinceCode, []string{vpcp}, "fax"); return err }(),
		func() error { _, err := p.Received(ctx, ""); return err }(),
		func() error { _, err := p.Count(ctx, "fax"); return err }(),
		p.UpdateStatus(ctx, "id", "read"),
		p.UpdateStatus(ctx, "", vdxp.TransportDone),
		func() error { _, err := p.Get(ctx, " "); return err }(),
	} {
		if err == nil || vdxp.IsTemporary(err) {
			t.Errorf("argument check: %v", err)
		}
	}
}

// Injected errors (ErrorCode 20 with HTTP 500 or 503) are retried, the
// send included; the axis keeps one document.
func TestRetriesThroughInjectedErrors(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			sim, url := startSim(t, func(c *simvdxp.Config) {
				c.Faults = simvdxp.Faults{ErrorRate: 0.4, ErrorStatus: status, Seed: 11}
			})
			p := province(t, url)
			p.Retries = 10
			ctx := t.Context()
			for range 10 {
				if _, err := p.Agencies(ctx); err != nil {
					t.Fatal(err)
				}
			}
			var ids []string
			for range 5 {
				id, err := p.Send(ctx, document(t, provinceCode, otherCode), provinceCode, []string{otherCode}, vdxp.MessageEdoc)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			st := sim.Stats()
			if st.Count(vdxp.CallGetAgenciesList, status) == 0 || st.Count(vdxp.CallSendEdoc, status) == 0 {
				t.Fatalf("no injected error was met on both calls: %+v", st)
			}
			var held []string
			for _, d := range sim.Documents() {
				held = append(held, d.DocID)
			}
			if !slices.Equal(held, ids) {
				t.Fatalf("documents held %v, sent %v", held, ids)
			}
		})
	}
}

func TestNoRetryWithoutRetries(t *testing.T) {
	sim, url := startSim(t, func(c *simvdxp.Config) { c.Faults = simvdxp.Faults{ErrorRate: 1} })
	p := province(t, url)
	p.Retries = 0
	_, err := p.Send(t.Context(), document(t, provinceCode, otherCode), provinceCode, []string{otherCode}, vdxp.MessageEdoc)
	var e *vdxp.Error
	if !vdxp.IsTemporary(err) || !errors.As(err, &e) || e.Code != vdxp.CodePlatformError || e.HTTPStatus != http.StatusInternalServerError {
		t.Fatalf("err %v", err)
	}
	if n := sim.Stats().CallTotal(vdxp.CallSendEdoc); n != 1 {
		t.Fatalf("%d attempts", n)
	}
}

// During an outage connections are refused: the request surely did not
// reach the axis, so even Send is retried, and succeeds once the axis is
// back.
func TestOutageThenRecovery(t *testing.T) {
	sim, url := startSim(t, nil)
	p := province(t, url)
	ctx := t.Context()
	if _, err := p.Agencies(ctx); err != nil { // a kept-alive connection exists now
		t.Fatal(err)
	}
	if err := sim.SetFaults(simvdxp.Faults{Outage: simvdxp.OutageRefuse, OutageFor: simvdxp.Duration(400 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	// The axis dropped the kept-alive connection; give the client the
	// moment it takes to notice, as it would have in real life.
	time.Sleep(50 * time.Millisecond)

	p.Retries = 0
	_, err := p.Agencies(ctx)
	var e *vdxp.Error
	if err == nil || !vdxp.IsTemporary(err) || errors.As(err, &e) {
		t.Fatalf("during the outage: %v (want a temporary transport error)", err)
	}

	p.Retries = 50
	p.Backoff = vdxp.Backoff{Initial: 20 * time.Millisecond, Max: 40 * time.Millisecond}
	start := time.Now()
	pkg := document(t, provinceCode, otherCode)
	id, err := p.Send(ctx, pkg, provinceCode, []string{otherCode}, vdxp.MessageEdoc)
	if err != nil {
		t.Fatalf("send across the outage: %v", err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Fatal("the send succeeded during the outage")
	}
	if _, stored, ok := sim.Document(id); !ok || !bytes.Equal(stored, pkg) {
		t.Fatal("not stored")
	}
	if n := sim.Stats().CallTotal(vdxp.CallSendEdoc); n != 1 {
		t.Fatalf("the axis saw %d sends; refused connections never reach it", n)
	}
}

// The unavailable outage answers 503 and ErrorCode 20: reading calls and
// sends alike are retried until it ends.
func TestUnavailableThenRecovery(t *testing.T) {
	sim, url := startSim(t, func(c *simvdxp.Config) {
		c.Faults = simvdxp.Faults{Outage: simvdxp.OutageUnavailable, OutageFor: simvdxp.Duration(200 * time.Millisecond)}
	})
	p := province(t, url)
	p.Retries = 50
	p.Backoff = vdxp.Backoff{Initial: 20 * time.Millisecond, Max: 40 * time.Millisecond}
	if _, err := p.Received(t.Context(), vdxp.MessageEdoc); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(t.Context(), document(t, provinceCode, otherCode), provinceCode, []string{otherCode}, vdxp.MessageEdoc); err != nil {
		t.Fatal(err)
	}
	if n := sim.Stats().Count(vdxp.CallGetReceivedEdocList, http.StatusServiceUnavailable); n == 0 {
		t.Fatal("the outage was not met")
	}
}

// When the axis may have acted on a send (the request was written, then
// the connection dropped without an answer) Send does not retry; reading
// calls do.
func TestSendNotRetriedWhenItMayHaveArrived(t *testing.T) {
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n, _ := hits.LoadOrStore(r.URL.Path, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	c := client(t, srv.URL, "sys", "secret")
	c.Retries = 3
	_, err := c.Send(t.Context(), []byte("<edXML/>"), provinceCode, []string{vpcp}, vdxp.MessageEdoc)
	if err == nil || !vdxp.IsTemporary(err) {
		t.Fatalf("send: %v", err)
	}
	if _, err := c.Agencies(t.Context()); err == nil {
		t.Fatal("agencies succeeded")
	}
	count := func(path string) int64 {
		n, ok := hits.Load(path)
		if !ok {
			return 0
		}
		return n.(*atomic.Int64).Load()
	}
	if got := count("/" + vdxp.CallSendEdoc); got != 1 {
		t.Fatalf("send attempted %d times; it may have arrived, so once", got)
	}
	if got := count("/" + vdxp.CallGetAgenciesList); got != 4 {
		t.Fatalf("agencies attempted %d times, want 1 + 3 retries", got)
	}
}

// The per-call timeout bounds each attempt; a timed-out send may have
// arrived and is not retried.
func TestPerCallTimeout(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	c := client(t, srv.URL, "sys", "secret")
	c.Timeout = 50 * time.Millisecond
	c.Retries = 2
	start := time.Now()
	_, err := c.Received(t.Context(), vdxp.MessageEdoc)
	if !vdxp.IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("received: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("took %v", took)
	}
	if n := calls.Swap(0); n != 3 {
		t.Fatalf("received attempted %d times, want 3", n)
	}
	_, err = c.Send(t.Context(), []byte("<edXML/>"), provinceCode, []string{vpcp}, vdxp.MessageEdoc)
	if err == nil {
		t.Fatal("send succeeded")
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("send attempted %d times, want 1", n)
	}

	// The caller's own cancellation is final.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Agencies(ctx); !errors.Is(err, context.Canceled) || vdxp.IsTemporary(err) {
		t.Fatalf("cancelled: %v", err)
	}
}

// Answers that are not the axis's envelope (a proxy's error page, a
// success without status) are errors that say what came back.
func TestAnswersThatAreNotTheEnvelope(t *testing.T) {
	answer := func(status int, body string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}))
	}
	for _, c := range []struct {
		status    int
		body      string
		temporary bool
	}{
		{http.StatusBadGateway, "<html>502 Bad Gateway</html>", true},
		{http.StatusOK, "<html>portal login</html>", false},
		{http.StatusOK, `{"data":[]}`, false},
		{http.StatusInternalServerError, `{"status":"OK","ErrorCode":"0"}`, true},
	} {
		srv := answer(c.status, c.body)
		cl := client(t, srv.URL, "sys", "secret")
		_, err := cl.Agencies(t.Context())
		var e *vdxp.Error
		if !errors.As(err, &e) || e.HTTPStatus != c.status || e.Code != "" || vdxp.IsTemporary(err) != c.temporary {
			t.Errorf("HTTP %d %s: %v", c.status, c.body, err)
		}
		srv.Close()
	}
}

// The connector signs as the national SDK does, byte for byte on the wire:
// prefixed header names as the SDK spells them, Content-Type also plain,
// the SDK's version and User-Agent, and for sendEdoc the file then CRLF
// with hash-file over the file alone in the SDK's hex.
func TestWireFormIsTheSDKs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type captured struct {
		head string
		body []byte
	}
	got := make(chan captured, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(req.Body)
		var head bytes.Buffer
		_ = req.Header.Write(&head)
		got <- captured{head: head.String(), body: body}
		_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"+`{"status":"OK","ErrorCode":"0","ErrorDesc":"","DocId":"abc"}`)
	}()
	// http.ReadRequest canonicalises the names; their case on the wire is
	// checked by TestHeaderNamesKeepTheirCase.
	pkg := []byte("<?xml version=\"1.0\"?><edXML>\n</edXML>")
	c := client(t, "http://"+ln.Addr().String(), "sys-01", "s3cret")
	id, err := c.Send(t.Context(), pkg, "000.00.00.H30", []string{"000.00.00.G22", "000.00.01.H31"}, vdxp.MessageEdoc)
	if err != nil || id != "abc" {
		t.Fatalf("send: %s %v", id, err)
	}
	seen := <-got
	h := http.Header{}
	for _, line := range strings.Split(strings.TrimSpace(seen.head), "\r\n") {
		k, v, _ := strings.Cut(line, ": ")
		h.Add(k, v)
	}
	v := &signedheader.Verifier{Secret: func(id string) (string, bool) { return "s3cret", id == "sys-01" }}
	res, err := v.Verify(h.Get)
	if err != nil {
		t.Fatalf("the simulator's verifier refuses the connector's headers: %v", err)
	}
	sum := sha256.Sum256(pkg)
	for name, want := range map[string]string{
		"from": "000.00.00.H30", "to": `["000.00.00.G22","000.00.01.H31"]`, "servicetype": "eDoc", "messagetype": "edoc",
		"hash-file": signedheader.JavaHex(sum[:]), "Content-Type": "application/octet-stream",
	} {
		if v, ok := res.Get(name); !ok || v != want {
			t.Errorf("signed %s = %q, want %q", name, v, want)
		}
	}
	for name, want := range map[string]string{
		"Content-Type": "application/octet-stream", "XroadVnpt-version": "3.0.201608", "User-Agent": "JAVASDKAgent/1.0.0 XRoad/VPCP",
		"XroadVnpt-sign-header-key": "systemid;timestamp;Content-Type;from;to;servicetype;messagetype;hash-file",
	} {
		if h.Get(name) != want {
			t.Errorf("%s = %q, want %q", name, h.Get(name), want)
		}
	}
	if !strings.Contains(h.Get(signedheader.HeaderSign), `"XroadVnpt-to":"[\"000.00.00.G22\",\"000.00.01.H31\"]"`) {
		t.Errorf("sign-header %s", h.Get(signedheader.HeaderSign))
	}
	if h.Get("systemid") != "" {
		t.Error("logical headers go only prefixed")
	}
	if want := append(append([]byte{}, pkg...), '\r', '\n'); !bytes.Equal(seen.body, want) {
		t.Errorf("body %q, want the file then CRLF", seen.body)
	}
}

// The header names reach the wire in the SDK's spelling.
func TestHeaderNamesKeepTheirCase(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	raw := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		var head strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
		}
		raw <- head.String()
		_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"+`{"status":"OK","ErrorCode":"0","ErrorDesc":"","data":[]}`)
	}()
	c := client(t, "http://"+ln.Addr().String(), "sys-01", "s3cret")
	if _, err := c.Agencies(t.Context()); err != nil {
		t.Fatal(err)
	}
	head := <-raw
	for _, name := range []string{"XroadVnpt-systemid: ", "XroadVnpt-timestamp: ", "XroadVnpt-Content-Type: ", "XroadVnpt-sign-header: ", "XroadVnpt-hash-header: "} {
		if !strings.Contains(head, "\r\n"+name) {
			t.Errorf("%q not on the wire:\n%s", name, head)
		}
	}
}

// Calls signed in the same millisecond still carry distinct signatures,
// so the axis's replay check does not refuse concurrent calls.
func TestConcurrentCallsAreNotReplays(t *testing.T) {
	_, url := startSim(t, nil)
	p := province(t, url)
	fixed := time.Now()
	p.Now = func() time.Time { return fixed }
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 40 {
		wg.Go(func() {
			if _, err := p.Count(t.Context(), vdxp.MessageEdoc); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
