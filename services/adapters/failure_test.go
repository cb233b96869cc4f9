package adapters

import (
	"errors"
	"net/http"
	"testing"
	"time"

	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// wantUnavailable checks that err is the 503 a caller gets when NGSP is
// down, with a Retry-After.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Code != "national_unavailable" || httpStatus(err) != http.StatusServiceUnavailable || ae.RetryAfter() <= 0 {
		t.Fatalf("%s: %v, want national_unavailable 503 with Retry-After", what, err)
	}
}

// TestNGSPFailures: every fault of NGSP reaches the caller as the right
// answer, and the adapters recover when NGSP does.
func TestNGSPFailures(t *testing.T) {
	t.Run("5xx outage and recovery", func(t *testing.T) {
		e := newEnv(t, sqltest.Open(t, "sqlite"))
		e.faults(sim.Faults{FaultProfile: sim.FaultProfile{FailureRate: 1}})
		_, err := e.api.GetEnterprise(dept(), &pb.GetEnterpriseRequest{EnterpriseCode: e.demo.MSDN})
		wantUnavailable(t, "outage", err)
		// A person's lookup during the outage is refused and still logged.
		_, err = e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
		wantUnavailable(t, "citizen during the outage", err)
		e.faults(sim.Faults{})
		// The breaker may be open for BreakerOpen (1 s): NGSP is asked again
		// once it lets a probe through.
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, err = e.api.GetEnterprise(dept(), &pb.GetEnterpriseRequest{EnterpriseCode: e.demo.MSDN})
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("after recovery: %v", err)
		}
		rep := e.report(e.demo.SoDinhDanh)
		if len(rep) != 1 || rep[0].GetResult() != resultFailed {
			t.Fatalf("access log during the outage: %v", rep)
		}
	})

	t.Run("malformed JSON", func(t *testing.T) {
		e := newEnv(t, sqltest.Open(t, "sqlite"))
		e.faults(sim.Faults{FaultProfile: sim.FaultProfile{MalformedRate: 1}})
		_, err := e.api.GetInsuranceHistory(dept(), &pb.GetInsuranceHistoryRequest{InsuranceNumber: e.demo.MaSoBHXH, LegalBasis: basis, CaseRef: caseRef})
		wantUnavailable(t, "malformed", err)
	})

	t.Run("timeout", func(t *testing.T) {
		e := newEnv(t, sqltest.Open(t, "sqlite"), func(c *Config, _ *sim.Config) { c.Timeout = 200 * time.Millisecond; c.Retries = 0 })
		e.faults(sim.Faults{FaultProfile: sim.FaultProfile{TimeoutRate: 1, TimeoutMax: sim.Duration(10 * time.Second)}})
		_, err := e.api.GetCatalog(dept(), &pb.GetCatalogRequest{Code: "TINH"})
		wantUnavailable(t, "timeout", err)
	})

	t.Run("token expired in the middle", func(t *testing.T) {
		e := newEnv(t, sqltest.Open(t, "sqlite"))
		if _, err := e.api.GetEnterprise(dept(), &pb.GetEnterpriseRequest{EnterpriseCode: e.demo.BranchMSDN}); err != nil {
			t.Fatal(err)
		}
		// NGSP forgets the token before its expires_in: the next call is
		// refused with 900901, the adapters fetch a new token and retry.
		if n := e.sim.RevokeTokens(); n != 1 {
			t.Fatalf("%d tokens revoked, want the one the adapters hold", n)
		}
		if _, err := e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef}); err != nil {
			t.Fatalf("after the token was revoked: %v", err)
		}
		for i := range 5 {
			e.sim.RevokeTokens()
			if _, err := e.api.GetBirthRecord(dept(), &pb.GetBirthRecordRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef}); err != nil {
				t.Fatalf("call %d after the token was revoked: %v", i, err)
			}
		}
		if st, _ := e.api.GetStatus(admin(), &pb.GetStatusRequest{}); st.GetTokenRequests() != 7 {
			t.Fatalf("token requests %d, want 7: one at first and one per early refusal", st.GetTokenRequests())
		}
	})

	t.Run("national codes of the platform's own setup", func(t *testing.T) {
		for _, c := range []struct {
			name string
			opt  envOption
		}{
			{"100 wrong consumer secret", func(c *Config, _ *sim.Config) {}},
			{"101 address not allowed", func(_ *Config, s *sim.Config) { s.AllowedIPs = []string{"192.0.2.0/24"} }},
			{"106 agency not allowed", func(_ *Config, s *sim.Config) { s.AllowedAgencies = []string{"000.00.99.H99"} }},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, sqltest.Open(t, "sqlite"), c.opt)
				if c.name[:3] == "100" {
					if err := e.s.UseNGSP(e.url, "", e.cfg.ConsumerKey, "wrong-secret"); err != nil {
						t.Fatal(err)
					}
				}
				_, err := e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
				if errCode(err) != "national_misconfigured" || httpStatus(err) != http.StatusBadGateway {
					t.Fatalf("%v (HTTP %d), want national_misconfigured 502", err, httpStatus(err))
				}
				if rep := e.report(e.demo.SoDinhDanh); len(rep) != 1 || rep[0].GetResult() != resultMisconfig {
					t.Fatalf("access log: %v", rep)
				}
			})
		}
	})

	t.Run("no NGSP configured", func(t *testing.T) {
		db := sqltest.Open(t, "sqlite")
		cfg := DefaultConfig()
		cfg.AuditKey = testKey()
		s, err := New(t.Context(), cfg, db, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = (&grpcServer{s: s}).GetEnterprise(dept(), &pb.GetEnterpriseRequest{EnterpriseCode: "0109549006"})
		if errCode(err) != "national_misconfigured" || httpStatus(err) != http.StatusBadGateway {
			t.Fatalf("%v, want national_misconfigured 502", err)
		}
	})
}

// TestServedFromCacheWhileDown: catalogs (and enterprises) are answered
// from the cache after their TTL while NGSP is down, up to max_stale;
// personal data is not cached by default, so NGSP down means 503.
func TestServedFromCacheWhileDown(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"), func(c *Config, _ *sim.Config) {
		c.CacheCatalogs, c.CacheBusiness, c.MaxStale = time.Minute, time.Minute, time.Hour
	})
	clock := time.Now()
	e.s.now = func() time.Time { return clock }
	if err := e.s.warmCatalogs(t.Context()); err != nil {
		t.Fatal(err)
	}
	list, err := e.api.ListCatalogs(dept(), &pb.ListCatalogsRequest{})
	if err != nil || list.GetAnswer().GetSource() != pb.Source_SOURCE_CACHE {
		t.Fatalf("after the warm-up: %v %v", list.GetAnswer(), err)
	}
	code := list.GetCatalogs()[0].GetCode()
	if _, err := e.api.GetEnterprise(dept(), &pb.GetEnterpriseRequest{EnterpriseCode: e.demo.MSDN}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef}); err != nil {
		t.Fatal(err)
	}

	e.faults(sim.Faults{FaultProfile: sim.FaultProfile{FailureRate: 1}})
	clock = clock.Add(10 * time.Minute) // past the TTL, within max_stale
	cat, err := e.api.GetCatalog(dept(), &pb.GetCatalogRequest{Code: code})
	if err != nil || cat.GetAnswer().GetSource() != pb.Source_SOURCE_STALE_CACHE || len(cat.GetItems()) == 0 {
		t.Fatalf("catalog while NGSP is down: %v %v", cat.GetAnswer(), err)
	}
	ent, err := e.api.GetEnterprise(dept(), &pb.GetEnterpriseRequest{EnterpriseCode: e.demo.MSDN})
	if err != nil || ent.GetAnswer().GetSource() != pb.Source_SOURCE_STALE_CACHE {
		t.Fatalf("enterprise while NGSP is down: %v %v", ent.GetAnswer(), err)
	}
	_, err = e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
	wantUnavailable(t, "citizen (not cached) while NGSP is down", err)

	clock = clock.Add(2 * time.Hour) // past max_stale
	_, err = e.api.GetCatalog(dept(), &pb.GetCatalogRequest{Code: code})
	wantUnavailable(t, "catalog past max_stale", err)
}

// TestPersonalCacheOptIn: personal data is cached only when an operator
// sets its database's TTL; every lookup is still logged.
func TestPersonalCacheOptIn(t *testing.T) {
	for _, ttl := range []time.Duration{0, time.Minute} {
		e := newEnv(t, sqltest.Open(t, "sqlite"), func(c *Config, _ *sim.Config) { c.CachePopulation = ttl })
		var sources []pb.Source
		for range 2 {
			got, err := e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			if err != nil {
				t.Fatal(err)
			}
			sources = append(sources, got.GetAnswer().GetSource())
		}
		want := pb.Source_SOURCE_NATIONAL
		if ttl > 0 {
			want = pb.Source_SOURCE_CACHE
		}
		if sources[1] != want {
			t.Errorf("TTL %v: second lookup from %v, want %v", ttl, sources[1], want)
		}
		if n := len(e.report(e.demo.SoDinhDanh)); n != 2 {
			t.Errorf("TTL %v: %d access-log entries, want 2", ttl, n)
		}
	}
}
