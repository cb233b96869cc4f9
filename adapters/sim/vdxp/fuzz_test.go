package vdxp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// FuzzAxisHeaders drives the header path of the axis: the signed headers
// as received (any text), and, behind a valid signature, the to and
// messagetype headers of sendEdoc. Whatever comes in, the answer is the
// national envelope, never a 5xx, and nothing unsigned is accepted.
func FuzzAxisHeaders(f *testing.F) {
	now := time.Date(2026, 11, 22, 15, 42, 10, 0, signedheader.Zone)
	cfg := DefaultConfig()
	cfg.Clock = func() time.Time { return now }
	cfg.AnswerDelay = 0
	cfg.MaxDocuments = 50
	sim := New(cfg, nil)
	defer sim.Close()
	pkg := buildDoc(f, provinceCode, "000.00.00.G22")
	var tick atomic.Int64

	good := signedheader.Sign(DevSystemID, DevSecret, now, []signedheader.Header{{Name: "to", Value: `["000.00.00.G22"]`}})
	get := func(name string) string {
		for _, h := range good {
			if h.Name == name {
				return h.Value
			}
		}
		return ""
	}
	f.Add(get(signedheader.HeaderSign), get(signedheader.HeaderHash), DevSystemID, get("XroadVnpt-timestamp"), `["000.00.00.G22"]`, "edoc")
	f.Add(`{"XroadVnpt-systemid":1}`, "00", "x", "", "[", "status")
	f.Add(`{"":""}`, "zz", DevSystemID, "31022026T000000+0000", `["000.00.00.G22","000.00.00.G22"]`, "EDOC")
	f.Add("", "", "", "", `000.00.00.G22, 000.00.00.H41`, "")
	f.Add("{}", "", "", "", `[null,1,"a..b"]`, "fax")
	f.Add("{}", "", "", "", `["`+provinceCode+`"]`, "edoc")

	f.Fuzz(func(t *testing.T, sign, hash, systemID, ts, to, mt string) {
		// 1. The headers as received.
		req := httptest.NewRequest(http.MethodPost, "/"+wire.CallSendEdoc, bytes.NewReader(pkg))
		req.Header.Set(signedheader.HeaderSign, sign)
		req.Header.Set(signedheader.HeaderHash, hash)
		req.Header.Set("XroadVnpt-systemid", systemID)
		req.Header.Set("XroadVnpt-timestamp", ts)
		req.Header.Set("XroadVnpt-to", to)
		req.Header.Set("XroadVnpt-messagetype", mt)
		res := serve(t, sim, req)
		if !res.Failed() {
			// Only the seed's genuine signature may pass, with its own to.
			if sign != get(signedheader.HeaderSign) || hash != get(signedheader.HeaderHash) {
				t.Fatalf("accepted headers that were not signed: %q", sign)
			}
		}

		// 2. Signed, so that to and messagetype reach the call.
		at := now.Add(time.Duration(tick.Add(1)%250_000) * time.Millisecond) // inside the window
		req = httptest.NewRequest(http.MethodPost, "/"+wire.CallSendEdoc, bytes.NewReader(pkg))
		for _, h := range signedheader.Sign(DevSystemID, DevSecret, at, []signedheader.Header{
			{Name: "from", Value: provinceCode}, {Name: "to", Value: to}, {Name: "messagetype", Value: mt},
			{Name: "hash-file", Value: edxml.HashFile(pkg)},
		}) {
			req.Header[h.Name] = []string{h.Value}
		}
		res = serve(t, sim, req)
		codes, perr := parseTo(to)
		if perr == nil {
			for _, c := range codes {
				if !validCode(c) {
					t.Fatalf("parseTo(%q) let %q through", to, c)
				}
			}
		}
		if !res.Failed() && perr != nil {
			t.Fatalf("a send with a refused to header (%q) succeeded", to)
		}
	})
}

// serve runs one call in process and checks the envelope.
func serve(t *testing.T, sim *Simulator, req *http.Request) wire.Result {
	t.Helper()
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body.Bytes())
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("answer is not JSON: %q", rec.Body.Bytes())
	}
	for _, k := range []string{"status", "ErrorCode", "ErrorDesc", "DocId"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("answer lacks %s: %s", k, rec.Body.Bytes())
		}
	}
	var res wire.Result
	_ = json.Unmarshal(rec.Body.Bytes(), &res)
	if (rec.Code == http.StatusOK) == res.Failed() {
		t.Fatalf("HTTP %d with envelope %+v", rec.Code, res)
	}
	return res
}
