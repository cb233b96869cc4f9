package docexchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
)

// nationalCall makes a call of the national surface as agency, with the
// headers the SDK sends (prefixed), and decodes the answer.
func (e *env) nationalCall(agency, call string, body []byte, headers map[string]string) (int, map[string]any) {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, NationalPath+call, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set("XroadVnpt-"+k, v)
	}
	req = req.WithContext(as(agency))
	w := httptest.NewRecorder()
	e.s.serveNational(w, req)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("%s answered %q: %v", call, w.Body.String(), err)
	}
	for _, k := range []string{"status", "ErrorCode", "ErrorDesc"} {
		if _, ok := out[k]; !ok {
			e.t.Fatalf("%s answer lacks %s: %v", call, k, out)
		}
	}
	if call == vdxp.CallSendEdoc {
		if _, ok := out["DocId"]; !ok {
			e.t.Fatalf("sendEdoc answer lacks DocId: %v", out)
		}
	}
	return w.Code, out
}

// TestNationalSurface runs the SDK's calls: send (with the SDK's trailing
// CRLF and its leading-zero-dropping hash-file), list, count, fetch, ack,
// sent list and the agency directory.
func TestNationalSurface(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"))
	pkg, _ := newDoc(t, agencyA, agencyB)
	withCRLF := append(append([]byte{}, pkg...), '\r', '\n')
	hf := javaHex(pkg)
	code, out := e.nationalCall(agencyA, vdxp.CallSendEdoc, withCRLF, map[string]string{
		"from": agencyA, "to": `["` + agencyB + `"]`, "servicetype": "eDoc", "messagetype": "edoc", "hash-file": hf,
	})
	if code != 200 || out["status"] != "OK" || out["ErrorCode"] != "0" || out["DocId"] == "" {
		t.Fatalf("sendEdoc: %d %v", code, out)
	}
	docID := out["DocId"].(string)
	// The same again: OK with the original DocId.
	_, again := e.nationalCall(agencyA, vdxp.CallSendEdoc, withCRLF, map[string]string{"from": agencyA, "to": `["` + agencyB + `"]`, "messagetype": "edoc", "hash-file": hf})
	if again["DocId"] != docID || again["status"] != "OK" {
		t.Fatalf("re-send: %v", again)
	}

	_, count := e.nationalCall(agencyB, vdxp.CallCountReceiveEdoc, nil, nil)
	if count["count"] != float64(1) {
		t.Fatalf("count: %v", count)
	}
	_, list := e.nationalCall(agencyB, vdxp.CallGetReceivedEdocList, nil, map[string]string{"servicetype": "eDoc", "messagetype": "edoc"})
	data := list["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["id"] != docID || data[0].(map[string]any)["from"] != agencyA {
		t.Fatalf("getReceivedEdocList: %v", list)
	}
	_, got := e.nationalCall(agencyB, vdxp.CallGetEdoc, nil, map[string]string{"docId": docID})
	raw, err := base64.StdEncoding.DecodeString(got["data"].(string))
	if err != nil || !bytes.Equal(raw, pkg) {
		t.Fatalf("getEdoc: the bytes differ from the hashed package (err %v)", err)
	}
	// C may not read it.
	if code, out := e.nationalCall(agencyC, vdxp.CallGetEdoc, nil, map[string]string{"docId": docID}); code != 404 || out["ErrorCode"] != vdxp.CodeNotFound {
		t.Fatalf("getEdoc by a stranger: %d %v", code, out)
	}
	if code, out := e.nationalCall(agencyC, vdxp.CallUpdateStatus, nil, map[string]string{"docId": docID, "status": "done"}); code != 404 || out["status"] != "FAIL" {
		t.Fatalf("updateStatus by a stranger: %d %v", code, out)
	}
	if _, out := e.nationalCall(agencyB, vdxp.CallUpdateStatus, nil, map[string]string{"docId": docID, "status": "done"}); out["status"] != "OK" {
		t.Fatalf("updateStatus: %v", out)
	}
	if _, count := e.nationalCall(agencyB, vdxp.CallCountReceiveEdoc, nil, nil); count["count"] != float64(0) {
		t.Fatalf("count after ack: %v", count)
	}

	// B answers with a status package through sendEdoc.
	st, err := edxml.BuildStatus(edxml.Status{
		From:        edxml.Organization{OrganID: agencyB},
		ResponseFor: edxml.ResponseFor{OrganID: agencyA, DocumentID: mustDocumentID(t, e, docID)},
		StatusCode:  edxml.StatusAccepted, Timestamp: "2026/11/30 10:00:00",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, out := e.nationalCall(agencyB, vdxp.CallSendEdoc, st, map[string]string{"from": agencyB, "to": `["` + agencyA + `"]`, "messagetype": "status"}); out["status"] != "OK" {
		t.Fatalf("status send: %v", out)
	}
	_, sl := e.nationalCall(agencyA, vdxp.CallGetReceivedEdocList, nil, map[string]string{"messagetype": "status"})
	if n := len(sl["data"].([]any)); n != 1 {
		t.Fatalf("A's statuses: %v", sl)
	}
	_, sent := e.nationalCall(agencyA, vdxp.CallGetSentEdocList, nil, nil)
	entries := sent["data"].([]any)
	if len(entries) == 0 {
		t.Fatalf("getSentEdocList: %v", sent)
	}
	found := false
	for _, en := range entries {
		m := en.(map[string]any)
		if m["docId"] == docID && m["toCode"] == agencyB && m["statusCode"] == "03" && m["status"] == "acknowledged" {
			found = true
		}
	}
	if !found {
		t.Fatalf("getSentEdocList has no acknowledged 03 entry for B: %v", entries)
	}
	_, ag := e.nationalCall(agencyA, vdxp.CallGetAgenciesList, nil, nil)
	if len(ag["data"].([]any)) < 3 {
		t.Fatalf("getAgenciesList: %v", ag)
	}
}

func mustDocumentID(t *testing.T, e *env, docID string) string {
	t.Helper()
	r, err := e.api.GetDocument(as(agencyA), &pb.GetDocumentRequest{DocId: docID, MetadataOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetDocument().GetDocumentId()
}

// javaHex is hash-file as the national Java SDK writes it: each byte with
// Integer.toHexString, so a leading zero is dropped.
func javaHex(b []byte) string {
	sum := sha256Sum(b)
	var sb strings.Builder
	for _, c := range sum {
		sb.WriteString(strings.TrimPrefix(strings.ToLower(hex2(c)), "0"))
	}
	return sb.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// TestBadInput: every refusal is national-shaped on the national surface
// and a clear error on the API, and nothing is stored.
func TestBadInput(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"))
	good, _ := newDoc(t, agencyA, agencyB)
	xxe := []byte(`<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&x;</edXML>`)
	bomb := []byte(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><edXML>&lol2;</edXML>`)
	wrongNS := bytes.Replace(good, []byte(edxml.Namespace), []byte("http://example.com/other"), 1)
	badB64 := buildWithAttachment(t, agencyA, agencyB)
	spoofed, _ := newDoc(t, agencyC, agencyB)
	unknown, _ := newDoc(t, agencyA, "999.99.99.H99")
	cases := []struct {
		name     string
		caller   string
		body     []byte
		headers  map[string]string
		national string
		code     string
	}{
		{"not xml", agencyA, []byte("hello"), nil, vdxp.CodeInvalidEdXML, "edxml_bad_root"},
		{"broken xml", agencyA, []byte("<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"><a>"), nil, vdxp.CodeInvalidEdXML, "edxml_malformed_xml"},
		{"empty", agencyA, []byte("  "), nil, vdxp.CodeInvalidFile, "empty_package"},
		{"xxe", agencyA, xxe, nil, vdxp.CodeInvalidEdXML, "edxml_doctype_forbidden"},
		{"entity bomb", agencyA, bomb, nil, vdxp.CodeInvalidEdXML, "edxml_doctype_forbidden"},
		{"wrong namespace", agencyA, wrongNS, nil, vdxp.CodeInvalidEdXML, "edxml_bad_namespace"},
		{"hash mismatch", agencyA, good, map[string]string{"hash-file": strings.Repeat("ab", 32)}, vdxp.CodeInvalidFile, "hash_mismatch"},
		{"bad base64", agencyA, badB64, nil, vdxp.CodeInvalidEdXML, "edxml_bad_base64"},
		{"sender spoofing", agencyA, spoofed, nil, vdxp.CodeUnknownSender, "sender_mismatch"},
		{"from header spoofing", agencyA, good, map[string]string{"from": agencyC}, vdxp.CodeUnknownSender, "sender_mismatch"},
		{"unknown recipient", agencyA, unknown, nil, vdxp.CodeUnknownReceiver, "unknown_recipient"},
		{"bad to", agencyA, good, map[string]string{"to": `["x"`}, vdxp.CodeInvalidFile, "invalid_to"},
		{"bad messagetype", agencyA, good, map[string]string{"messagetype": "fax"}, vdxp.CodeInvalidFile, "invalid_message_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := e.nationalCall(c.caller, vdxp.CallSendEdoc, c.body, c.headers)
			if status < 400 || status >= 500 || out["status"] != "FAIL" || out["ErrorCode"] != c.national || out["DocId"] != "" {
				t.Fatalf("national: %d %v, want 4xx FAIL %s", status, out, c.national)
			}
			if !strings.Contains(out["ErrorDesc"].(string), " / ") {
				t.Fatalf("ErrorDesc is not bilingual: %q", out["ErrorDesc"])
			}
			if c.headers == nil {
				_, err := e.api.SendDocument(as(c.caller), &pb.SendDocumentRequest{Package: c.body})
				if code(err) != c.code {
					t.Fatalf("API: %v, want %s", err, c.code)
				}
			}
		})
	}
	// Too large.
	e.s.cfg.MaxPackageBytes = 2048
	big, _ := newDoc(t, agencyA, agencyB)
	big = bytes.Replace(big, []byte("Về việc"), bytes.Repeat([]byte("x"), 4096), 1)
	if code, out := e.nationalCall(agencyA, vdxp.CallSendEdoc, big, nil); code != 400 && code != 413 || out["ErrorCode"] != vdxp.CodeInvalidFile {
		t.Fatalf("oversize: %d %v", code, out)
	}
	e.s.cfg.MaxPackageBytes = DefaultConfig().MaxPackageBytes
	// An unknown docId, and a status for a document never received.
	if code, out := e.nationalCall(agencyB, vdxp.CallGetEdoc, nil, map[string]string{"docId": "nope"}); code != 404 || out["ErrorCode"] != vdxp.CodeNotFound {
		t.Fatalf("unknown docId: %d %v", code, out)
	}
	st, _ := edxml.BuildStatus(edxml.Status{From: edxml.Organization{OrganID: agencyB}, ResponseFor: edxml.ResponseFor{OrganID: agencyA, DocumentID: "never,2026/01/01,1/X"}, StatusCode: "03", Timestamp: "2026/11/30 10:00:00"})
	if _, out := e.nationalCall(agencyB, vdxp.CallSendEdoc, st, map[string]string{"messagetype": "status", "to": `["` + agencyA + `"]`}); out["ErrorCode"] != vdxp.CodeNotFound {
		t.Fatalf("status for a document never received: %v", out)
	}
	if code, out := e.nationalCall(agencyB, "deleteEverything", nil, nil); code != 404 || out["ErrorCode"] != vdxp.CodeMethodNotAllowed {
		t.Fatalf("unknown call: %d %v", code, out)
	}
	// Nothing of the refused packages was stored, and the service still
	// works.
	var n int64
	if err := e.db.QueryRow(`SELECT COUNT(*) FROM docexchange_documents`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d documents stored after refusals (err %v)", n, err)
	}
	e.send(agencyA, good)
}

// buildWithAttachment builds a document whose attachment is not base64.
func buildWithAttachment(t *testing.T, from, to string) []byte {
	t.Helper()
	b, err := edxml.BuildDocument(edxml.Document{
		From: edxml.Organization{OrganID: from}, To: []edxml.Organization{{OrganID: to}},
		DocumentID: from + ",2026/11/30,999/X", PromulgationInfo: edxml.PromulgationInfo{PromulgationDate: "2026/11/30"},
		Subject: "Đính kèm", Business: edxml.Business{BussinessDocType: edxml.DocNew},
	}, edxml.File{Name: "a.txt", ContentType: "text/plain", Content: strings.NewReader("xin chào")})
	if err != nil {
		t.Fatal(err)
	}
	// Corrupt the base64 content of the attachment.
	return bytes.Replace(b, []byte("eGluIGNow6Bv<"), []byte("!!not base64!!<"), 1)
}
