package assertion

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/gatewayid"
)

const token = "0123456789abcdef0123456789abcdef0123456789abcdef"

func TestBearerVerifiesWithTheGatewaysKey(t *testing.T) {
	id := gatewayid.Identity{App: "app-1", Agency: "000.00.00.H41", API: "api-1"}
	s, err := NewSigner(token, id)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Bearer()
	if s.Bearer() != b {
		t.Fatal("a fresh assertion was signed within the refresh period")
	}
	key, err := gatewayid.NewKey(token)
	if err != nil {
		t.Fatal(err)
	}
	got, err := key.Verify(strings.TrimPrefix(b, "Bearer "), time.Now())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.App != id.App || got.Agency != id.Agency || got.API != id.API {
		t.Fatalf("verified %+v, want %+v", got, id)
	}
}

func TestTransportSetsTheAssertion(t *testing.T) {
	s, err := NewSigner(token, gatewayid.Identity{App: "app-1", Agency: "000.00.00.H41", API: "api-1"})
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen <- r.Header.Get("Authorization") }))
	defer srv.Close()
	hc := &http.Client{Transport: s.Transport(http.DefaultTransport)}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-seen; got != s.Bearer() {
		t.Fatalf("Authorization %q, want the signer's", got)
	}
	if req.Header.Get("Authorization") != "" {
		t.Fatal("the caller's request was changed")
	}
}
