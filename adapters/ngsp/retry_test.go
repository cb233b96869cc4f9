package ngsp

import (
	"net/http"
	"net/url"
	"testing"

	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
)

func failAll(status int) sim.Faults {
	return sim.Faults{Paths: map[string]sim.FaultProfile{
		"/apiCSDLDKDN/*": {FailureRate: 1, FailureStatus: status},
	}}
}

func TestServerErrorRetriedForGetNotForPost(t *testing.T) {
	f := newFixture(t, nil, func(c *Config) { c.Retries = 2; c.BreakerFailures = 100 })
	f.setFaults(failAll(http.StatusServiceUnavailable))

	_, err := f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {f.demo.MSDN}})
	e := wantError(t, err, Unavailable, 0, APICodeUnavailable)
	if e.HTTPStatus != http.StatusServiceUnavailable || e.RetryAfter <= 0 || !IsTemporary(err) || e.RetryAfterSeconds() < 1 {
		t.Fatalf("error = %+v", e)
	}
	if n := f.count(sim.PathBusinessDetail, http.StatusServiceUnavailable); n != 3 {
		t.Fatalf("Get attempts = %d, want 3 (1 + 2 retries)", n)
	}

	_, err = f.client.Post(bg(), sim.PathBusinessSearch, map[string]string{"ten": "abc"})
	wantError(t, err, Unavailable, 0, APICodeUnavailable)
	if n := f.count(sim.PathBusinessSearch, http.StatusServiceUnavailable); n != 1 {
		t.Fatalf("Post attempts = %d, want 1: a write that may have reached NGSP is not repeated", n)
	}

	// Recovery: the next Get goes through.
	f.setFaults(sim.Faults{})
	if _, err := f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {f.demo.MSDN}}); err != nil {
		t.Fatalf("Get after recovery: %v", err)
	}
}
