package vdxp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

const (
	testAdminToken = "admin-token-for-tests"
	// provinceCode is an agency of the province: outside the directory.
	provinceCode = "000.00.01.H30"
	// otherSystem stands for another province's software, hosting
	// otherCode.
	otherSystem = "tinh-ben-canh"
	otherSecret = "bi-mat:co:hai-cham"
	otherCode   = "000.00.00.H99"
)

// harness is a simulator behind a real HTTP server.
type harness struct {
	t    *testing.T
	sim  *Simulator
	base string
	hc   *http.Client
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	cfg := DefaultConfig()
	cfg.AdminToken = testAdminToken
	cfg.AnswerDelay = 0
	cfg.Systems = []string{otherSystem + ":" + otherSecret + ":" + otherCode}
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	sim := New(cfg, nil)
	base, hc := simtest.Serve(t, sim)
	return &harness{t: t, sim: sim, base: base, hc: hc}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// envelope checks that the answer is the national envelope and returns
// it: status, ErrorCode and ErrorDesc always present.
func (r response) envelope(t *testing.T) wire.Result {
	t.Helper()
	var raw map[string]json.RawMessage
	r.json(t, &raw)
	for _, k := range []string{"status", "ErrorCode", "ErrorDesc"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("answer lacks %s: %s", k, r.body)
		}
	}
	var res wire.Result
	r.json(t, &res)
	return res
}

// wantFail checks a failure's HTTP status and national code.
func (r response) wantFail(t *testing.T, status int, code string) wire.Result {
	t.Helper()
	res := r.envelope(t)
	if r.status != status || res.Status != wire.StatusFail || res.ErrorCode != code || res.ErrorDesc == "" {
		t.Fatalf("got HTTP %d %s, want HTTP %d ErrorCode %s", r.status, r.body, status, code)
	}
	return res
}

func (r response) wantOK(t *testing.T) {
	t.Helper()
	res := r.envelope(t)
	if r.status != http.StatusOK || res.Failed() {
		t.Fatalf("got HTTP %d %s, want success", r.status, r.body)
	}
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	res, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// stamps keeps signed timestamps distinct, as the connector does.
var (
	stampMu sync.Mutex
	stampAt time.Time
)

func stamp() time.Time {
	stampMu.Lock()
	defer stampMu.Unlock()
	t := time.Now().Truncate(time.Millisecond) // the timestamp's resolution
	if !t.After(stampAt) {
		t = stampAt.Add(time.Millisecond)
	}
	stampAt = t
	return t
}

// call makes a signed axis call as the SDK does.
func (h *harness) call(systemID, secret, method, name string, hs []signedheader.Header, body []byte) response {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.base+"/"+name, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	ct := "application/json"
	if name == wire.CallSendEdoc {
		ct = "application/octet-stream"
	}
	logical := append([]signedheader.Header{{Name: "Content-Type", Value: ct}}, hs...)
	for _, x := range signedheader.Sign(systemID, secret, stamp(), logical) {
		req.Header[x.Name] = []string{x.Value}
	}
	return h.do(req)
}

// province makes a call as the province's system.
func (h *harness) province(name string, hs ...signedheader.Header) response {
	h.t.Helper()
	return h.call(DevSystemID, DevSecret, http.MethodPost, name, hs, nil)
}

// sendAs sends pkg the SDK's way: the file then CRLF, hash-file over the
// file in the SDK's hex form.
func (h *harness) sendAs(systemID, secret string, pkg []byte, from string, to []string, mt string) response {
	h.t.Helper()
	sum := sha256.Sum256(pkg)
	body := append(append([]byte{}, pkg...), '\r', '\n')
	hs := []signedheader.Header{{Name: "from", Value: from}}
	if to != nil {
		toJSON, _ := json.Marshal(to)
		hs = append(hs, signedheader.Header{Name: "to", Value: string(toJSON)})
	}
	hs = append(hs,
		signedheader.Header{Name: "servicetype", Value: "eDoc"},
		signedheader.Header{Name: "messagetype", Value: mt},
		signedheader.Header{Name: "hash-file", Value: signedheader.JavaHex(sum[:])},
	)
	return h.call(systemID, secret, http.MethodPost, wire.CallSendEdoc, hs, body)
}

func (h *harness) send(pkg []byte, from string, to ...string) response {
	h.t.Helper()
	return h.sendAs(DevSystemID, DevSecret, pkg, from, to, wire.MessageEdoc)
}

// sent sends and returns the DocId of a success.
func (h *harness) sent(pkg []byte, from string, to ...string) string {
	h.t.Helper()
	r := h.send(pkg, from, to...)
	r.wantOK(h.t)
	var res wire.SendResult
	r.json(h.t, &res)
	if res.DocID == "" {
		h.t.Fatalf("no DocId: %s", r.body)
	}
	return res.DocID
}

func (h *harness) admin(method, path string, body []byte) response {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	return h.do(req)
}

// received lists an inbox.
func (h *harness) received(systemID, secret, mt string) []wire.Knobstick {
	h.t.Helper()
	r := h.call(systemID, secret, http.MethodPost, wire.CallGetReceivedEdocList, []signedheader.Header{
		{Name: "servicetype", Value: "eDoc"}, {Name: "messagetype", Value: mt},
	}, nil)
	r.wantOK(h.t)
	var res wire.ReceivedResult
	r.json(h.t, &res)
	return res.Data
}

var seq int

// buildDoc builds a new document package from one agency to others.
func buildDoc(t testing.TB, from string, to ...string) []byte {
	t.Helper()
	seq++
	d := edxml.Document{
		From:             edxml.Organization{OrganID: from, OrganName: "UBND tỉnh (thử nghiệm)"},
		DocumentID:       from + ",2026/11/22," + itoa(seq) + "/UBND-VP",
		Code:             edxml.Code{CodeNumber: itoa(seq), CodeNotation: "UBND-VP"},
		PromulgationInfo: edxml.PromulgationInfo{Place: "Hà Nội", PromulgationDate: "2026/11/22"},
		DocumentType:     edxml.DocumentType{Type: "1", TypeDetail: "2", TypeName: "Công văn"},
		Subject:          "V/v thử nghiệm liên thông văn bản số " + itoa(seq),
		SignerInfo:       edxml.SignerInfo{Competence: "TM. UBND", Position: "Chủ tịch", FullName: "Nguyễn Văn A"},
	}
	for _, c := range to {
		d.To = append(d.To, edxml.Organization{OrganID: c, OrganName: "Cơ quan nhận " + c})
	}
	b, err := edxml.BuildDocument(d, edxml.File{Name: "congvan.pdf", ContentType: "application/pdf", Content: strings.NewReader("%PDF-1.4 nội dung")})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoa(n int) string { return strconv.Itoa(n) }

// fixture reads a sample package of the national SDK, or skips when the
// shared fixtures are absent (CI sets CI and must have them).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var fixturePath = filepath.Join("..", "..", "..", "..", "shared", "fixtures", "edxml")

func fixtureDir(t testing.TB) string {
	t.Helper()
	if st, err := os.Stat(fixturePath); err != nil || !st.IsDir() {
		if os.Getenv("CI") != "" {
			t.Fatalf("edXML fixtures missing at %s (CI is set): %v", fixturePath, err)
		}
		t.Skipf("edXML fixtures not found at %s", fixturePath)
	}
	return fixturePath
}

// mac is the hash-header of a sign-header text.
func mac(secret, text string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(text))
	return hex.EncodeToString(m.Sum(nil))
}
