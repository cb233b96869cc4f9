package ngsp

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
)

const testAdminToken = "admin-token-for-tests"

// manualClock is a clock the test moves by hand, for token expiry.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 6, 30, 8, 0, 0, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

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

// rawEnvelope is Envelope with the data left undecoded.
type rawEnvelope struct {
	ErrorCode      string          `json:"errorCode"`
	ErrorName      string          `json:"errorName"`
	ErrorMessage   string          `json:"errorMessage"`
	ErrorMessageVi string          `json:"errorMessageVi"`
	RequestID      string          `json:"requestId"`
	Data           json.RawMessage `json:"data"`
}

func (r response) envelope(t *testing.T) rawEnvelope {
	t.Helper()
	var e rawEnvelope
	r.json(t, &e)
	return e
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

func (h *harness) request(method, path string, body io.Reader, headers map[string]string) *http.Request {
	h.t.Helper()
	req, err := http.NewRequest(method, h.base+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

// tokenForm posts a token request with the given form and optional basic
// credentials.
func (h *harness) tokenForm(form url.Values, key, secret string) response {
	h.t.Helper()
	req := h.request(http.MethodPost, PathToken, strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if key != "" || secret != "" {
		req.SetBasicAuth(key, secret)
	}
	return h.do(req)
}

func (h *harness) token() string {
	h.t.Helper()
	res := h.tokenForm(url.Values{"grant_type": {"client_credentials"}}, DemoConsumerKey, DemoConsumerSecret)
	if res.status != http.StatusOK {
		h.t.Fatalf("token: %d %s", res.status, res.body)
	}
	var tr tokenResponse
	res.json(h.t, &tr)
	return tr.AccessToken
}

// personalHeaders are the requester fields every personal-data lookup
// carries.
var personalHeaders = map[string]string{"maDonVi": demoAgency, "maCanBo": "CB-0042", "mucDich": "Giải quyết hồ sơ TTHC"}

// get calls a data API with a bearer token and extra headers.
func (h *harness) get(path string, query url.Values, token string, headers map[string]string) response {
	h.t.Helper()
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	req := h.request(http.MethodGet, path, nil, headers)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(req)
}

func (h *harness) admin(method, path string, body string) response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	return h.do(h.request(method, path, rd, map[string]string{"Authorization": "Bearer " + testAdminToken, "Content-Type": "application/json"}))
}

// wantCode checks the HTTP status and the national error code.
func wantCode(t *testing.T, res response, status int, code string) rawEnvelope {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d, want %d; body %s", res.status, status, res.body)
	}
	e := res.envelope(t)
	if e.ErrorCode != code {
		t.Fatalf("errorCode = %q, want %q; body %s", e.ErrorCode, code, res.body)
	}
	if e.ErrorName != codeTable[code].name || e.ErrorMessage == "" || e.ErrorMessageVi == "" || e.RequestID == "" {
		t.Fatalf("envelope incomplete: %s", res.body)
	}
	if code != CodeSuccess && code != CodeRecordUncomplete && string(e.Data) != "null" {
		t.Fatalf("error answer carries data: %s", res.body)
	}
	return e
}

// post sends a JSON body to a data API with a bearer token and extra
// headers.
func (h *harness) post(path, body, token string, headers map[string]string) response {
	h.t.Helper()
	req := h.request(http.MethodPost, path, strings.NewReader(body), headers)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(req)
}

// withHeaders returns personalHeaders without drop and with set.
func withHeaders(drop string, set map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range personalHeaders {
		if k != drop {
			m[k] = v
		}
	}
	for k, v := range set {
		m[k] = v
	}
	return m
}

// decodeData decodes the data of a successful envelope into v.
func decodeData(t *testing.T, e rawEnvelope, v any) {
	t.Helper()
	if err := json.Unmarshal(e.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", e.Data, err)
	}
}
