package ngsp

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
)

// TestTimeoutIsUnavailable: the simulator answers later than the attempt
// timeout; every attempt is cut off and the error says when to retry.
func TestTimeoutIsUnavailable(t *testing.T) {
	f := newFixture(t, nil, func(c *Config) { c.Timeout = 100 * time.Millisecond; c.Retries = 1; c.BreakerFailures = 100 })
	if _, err := f.client.Get(bg(), sim.PathAllCategory, nil); err != nil { // token first
		t.Fatalf("Get: %v", err)
	}
	f.setFaults(sim.Faults{Paths: map[string]sim.FaultProfile{
		sim.PathBusinessDetail: {Latency: sim.Duration(5 * time.Second)},
	}})
	_, err := f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {f.demo.MSDN}})
	e := wantError(t, err, Unavailable, 0, APICodeUnavailable)
	if e.RetryAfter <= 0 || e.HTTPStatus != 0 || !contains(e.Message, "in time") {
		t.Fatalf("timeout error = %+v", e)
	}
	if contains(e.Error(), f.demo.MSDN) {
		t.Fatalf("error text carries the query: %s", e.Error())
	}
}

// TestHangAnsweredBy504: the simulator's hang knob ends with the gateway's
// 504 fault, which is Unavailable too.
func TestHangAnsweredBy504(t *testing.T) {
	f := newFixture(t, nil, func(c *Config) { c.Retries = -1 })
	f.setFaults(sim.Faults{Paths: map[string]sim.FaultProfile{
		sim.PathBusinessDetail: {TimeoutRate: 1, TimeoutMax: sim.Duration(time.Millisecond)},
	}})
	_, err := f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {f.demo.MSDN}})
	if e := wantError(t, err, Unavailable, 0, APICodeUnavailable); e.HTTPStatus != http.StatusGatewayTimeout {
		t.Fatalf("error = %+v", e)
	}
}

// countingTransport counts the requests that left the client.
type countingTransport struct {
	n atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestPostRetriedWhenNeverSent: the connection is refused, so the write
// surely never reached NGSP and Post may try again.
func TestPostRetriedWhenNeverSent(t *testing.T) {
	f := newFixture(t, nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	ct := &countingTransport{}
	c := f.newClient(func(c *Config) {
		c.BaseURL, c.TokenURL = dead, f.base+sim.PathToken
		c.Retries, c.BreakerFailures = 2, 100
		c.HTTPClient = &http.Client{Transport: ct}
	})
	_, err = c.Post(bg(), "/apiX/1.0/ghi", map[string]string{"a": "b"})
	if e := wantError(t, err, Unavailable, 0, APICodeUnavailable); !contains(e.Message, "could not be reached") {
		t.Fatalf("error = %+v", e)
	}
	// 1 token request + 3 attempts at the refusing address.
	if n := ct.n.Load(); n != 4 {
		t.Fatalf("requests = %d, want 4", n)
	}
}

// TestMalformedJSON: the simulator cuts its answer short (HTTP 200, JSON
// Content-Type, body not JSON). It is Unavailable, retried for Get, and
// counts towards the breaker.
func TestMalformedJSON(t *testing.T) {
	f := newFixture(t, nil, func(c *Config) { c.Retries = 1; c.BreakerFailures = 2 })
	f.setFaults(sim.Faults{Paths: map[string]sim.FaultProfile{
		sim.PathAllCategory: {MalformedRate: 1},
	}})
	_, err := f.client.Get(bg(), sim.PathAllCategory, nil)
	if e := wantError(t, err, Unavailable, 0, APICodeUnavailable); e.HTTPStatus != http.StatusOK {
		t.Fatalf("error = %+v", e)
	}
	if n := f.calls(sim.PathAllCategory); n != 2 {
		t.Fatalf("attempts = %d, want 2", n)
	}
	if s := f.client.BreakerState(); s != "open" {
		t.Fatalf("breaker = %s after 2 malformed answers, want open", s)
	}
}

// TestGatewayInvalidCredentialsFault: the WSO2 gateway's own 401 fault
// (900901), for a token NGSP has expired early, drops the token and
// retries once; a second refusal is Misconfigured code 100. The simulator
// serves no write API, so the call is a Get; its Retries do not apply to a
// refused token.
func TestGatewayInvalidCredentialsFault(t *testing.T) {
	f := newFixture(t, nil, nil)
	f.setFaults(sim.Faults{Paths: map[string]sim.FaultProfile{
		sim.PathAllCategory: {TokenRejectRate: 1},
	}})
	_, err := f.client.Get(bg(), sim.PathAllCategory, nil)
	if e := wantError(t, err, Misconfigured, CodeAuthenError, APICodeMisconfigured); e.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("error = %+v", e)
	}
	if n := f.count(sim.PathAllCategory, http.StatusUnauthorized); n != 2 {
		t.Fatalf("data attempts = %d, want 2 (one retry with a new token)", n)
	}
	if n := f.calls(sim.PathAllCategory); n != 2 {
		t.Fatalf("data attempts = %d, want 2", n)
	}
	if n := f.client.TokenRequests(); n != 2 {
		t.Fatalf("token requests = %d, want 2", n)
	}
}

// brokenNGSP serves answers the simulator does not produce. The simulator
// always writes errorCode as a string, as NGSP documents it; some national
// endpoints send a JSON number, which the test below needs.
func brokenNGSP(t *testing.T, data http.HandlerFunc) (base string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"t-1","token_type":"Bearer","expires_in":"3600"}`)
			return
		}
		data(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func brokenClient(t *testing.T, base string, mutate func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: base, ConsumerKey: "k", ConsumerSecret: "s", BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestNumericErrorCodeAndUnknownFault: errorCode as a JSON number, and a
// gateway 404 fault (no such API), which is the platform's setup.
func TestNumericErrorCodeAndUnknownFault(t *testing.T) {
	base := brokenNGSP(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/a/1.0/so" {
			fmt.Fprint(w, `{"errorCode":201,"errorName":"RECORD_NOT_FOUND","errorMessage":"not found","errorMessageVi":"không tìm thấy","requestId":"r-1","data":null}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"fault":{"code":404,"message":"Status report","description":"No matching resource found for given API Request"}}`)
	})
	c := brokenClient(t, base, nil)
	_, err := c.Get(bg(), "/a/1.0/so", nil)
	if e := wantError(t, err, NotFound, CodeRecordNotFound, APICodeNotFound); e.RequestID != "r-1" {
		t.Fatalf("error = %+v", e)
	}
	_, err = c.Get(bg(), "/a/1.0/khong", nil)
	wantError(t, err, Misconfigured, 0, APICodeMisconfigured)
}
