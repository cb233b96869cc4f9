package ngsp

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
)

// TestNationalCodes drives the simulator into every national code it can
// answer and checks the kind, the national code and the platform code.
func TestNationalCodes(t *testing.T) {
	f := newFixture(t, func(c *sim.Config) { c.AllowedAgencies = []string{"000.00.00.H01"} }, nil)
	who := func(agency string) url.Values {
		return url.Values{"maDonVi": {agency}, "maCanBo": {"CB-1"}, "mucDich": {"Giải quyết hồ sơ"}}
	}
	with := func(v url.Values, k, val string) url.Values { v.Set(k, val); return v }
	cases := []struct {
		name    string
		path    string
		query   url.Values
		kind    Kind
		code    int
		status  int
		apiCode string
		caller  int
	}{
		{"201 not found", sim.PathBusinessDetail, url.Values{"msdn": {"0000000000"}}, NotFound, CodeRecordNotFound, http.StatusNotFound, APICodeNotFound, http.StatusNotFound},
		{"302 invalid", sim.PathBusinessDetail, url.Values{"msdn": {"12ab"}}, Invalid, CodeDataTypeInvalid, http.StatusBadRequest, APICodeInvalid, http.StatusBadRequest},
		{"500 data incorrect", sim.PathCitizen, with(with(who("000.00.00.H01"), "soDinhDanh", f.demo.SoDinhDanh), "hoVaTen", "Không Phải Tên Này"), Invalid, CodeDataIncorrect, http.StatusUnprocessableEntity, APICodeInvalid, http.StatusBadRequest},
		{"106 agency", sim.PathCitizen, with(who("000.00.00.H02"), "soDinhDanh", f.demo.SoDinhDanh), Misconfigured, CodeAgencyIDIncorrect, http.StatusForbidden, APICodeMisconfigured, http.StatusBadGateway},
		{"108 province", sim.PathBusinessSearch, url.Values{"ten": {f.demo.SearchName}, "maTinh": {"99"}}, Misconfigured, CodeProvinceIDIncorrect, http.StatusBadRequest, APICodeMisconfigured, http.StatusBadGateway},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.calls(tc.path)
			_, err := f.client.Get(bg(), tc.path, tc.query)
			e := wantError(t, err, tc.kind, tc.code, tc.apiCode)
			if e.HTTPStatus != tc.status || e.RequestID == "" || e.RetryAfter != 0 || IsTemporary(err) {
				t.Fatalf("error = %+v", e)
			}
			if got := e.CallerStatus(); got != tc.caller {
				t.Fatalf("CallerStatus = %d, want %d", got, tc.caller)
			}
			if n := f.calls(tc.path) - before; n != 1 {
				t.Fatalf("a business error was retried: %d calls", n)
			}
		})
	}
	if s := f.client.BreakerState(); s != "closed" {
		t.Fatalf("business errors moved the breaker: %s", s)
	}
}

func TestIncompleteRecordIsAPartialSuccess(t *testing.T) {
	f := newFixture(t, nil, nil)
	res, err := f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {f.demo.IncompleteMSDN}})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !res.Incomplete || res.Code != CodeRecordUncomplete {
		t.Fatalf("response = %+v", res)
	}
	var e natdb.Enterprise
	if err := res.Decode(&e); err != nil || e.MaSoDoanhNghiep != f.demo.IncompleteMSDN {
		t.Fatalf("Decode = %v, %+v", err, e)
	}
	wantError(t, res.RequireComplete(), Invalid, CodeRecordUncomplete, APICodeRecordIncomplete)
}

func TestBusinessErrorsAsHTTP200(t *testing.T) {
	f := newFixture(t, func(c *sim.Config) { c.BusinessErrorsAsHTTP200 = true }, nil)
	_, err := f.client.Get(bg(), sim.PathBusinessDetail, url.Values{"msdn": {"0000000000"}})
	if e := wantError(t, err, NotFound, CodeRecordNotFound, APICodeNotFound); e.HTTPStatus != http.StatusOK {
		t.Fatalf("HTTP status = %d", e.HTTPStatus)
	}
}

func TestIPDisallowed(t *testing.T) {
	f := newFixture(t, func(c *sim.Config) { c.AllowedIPs = []string{"192.0.2.1"} }, nil)
	_, err := f.client.Get(bg(), sim.PathAllCategory, nil)
	wantError(t, err, Misconfigured, CodeIPDisallowed, APICodeMisconfigured)
}

func TestWrongSecretIsMisconfigured(t *testing.T) {
	f := newFixture(t, nil, func(c *Config) { c.ConsumerSecret = "not-the-secret-xyz" })
	_, err := f.client.Get(bg(), sim.PathAllCategory, nil)
	e := wantError(t, err, Misconfigured, CodeAuthenError, APICodeMisconfigured)
	if e.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("HTTP status = %d", e.HTTPStatus)
	}
	for _, s := range []string{e.Error(), e.API().Error(), e.MessageVI} {
		if contains(s, "not-the-secret-xyz") || contains(s, sim.DemoConsumerKey) {
			t.Fatalf("error text carries a credential: %s", s)
		}
	}
	if n := f.calls(sim.PathAllCategory); n != 0 {
		t.Fatalf("data API called without a token: %d", n)
	}
	if s := f.client.BreakerState(); s != "closed" {
		t.Fatalf("refused credentials moved the breaker: %s", s)
	}
}
