package ngsp

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
)

func TestGetDecodesRecord(t *testing.T) {
	f := newFixture(t, nil, nil)
	res, err := f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {f.demo.MSDN}})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if res.Code != CodeSuccess || res.Name != "SUCCESS" || res.Incomplete || res.RequestID == "" || res.HTTPStatus != http.StatusOK {
		t.Fatalf("response = %+v", res)
	}
	var e natdb.Enterprise
	if err := res.Decode(&e); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if e.MaSoDoanhNghiep != f.demo.MSDN || e.TenDoanhNghiep == "" {
		t.Fatalf("record = %+v", e)
	}
	if err := res.RequireComplete(); err != nil {
		t.Fatalf("RequireComplete on a full record: %v", err)
	}
	if n := f.count(sim.PathToken, http.StatusOK); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
}

func TestConcurrentColdCallsShareOneToken(t *testing.T) {
	f := newFixture(t, nil, nil)
	const callers = 200
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			if _, err := f.client.Get(bg(), sim.PathAllCategory, nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Get: %v", err)
	}
	if n := f.calls(sim.PathToken); n != 1 {
		t.Fatalf("token requests at the simulator = %d, want 1", n)
	}
	if n := f.count(sim.PathAllCategory, http.StatusOK); n != callers {
		t.Fatalf("data calls = %d, want %d", n, callers)
	}
	if n := f.client.TokenRequests(); n != 1 {
		t.Fatalf("client token requests = %d, want 1", n)
	}
}
