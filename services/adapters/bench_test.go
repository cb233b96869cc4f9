package adapters

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// BenchmarkEnterpriseREST is the adapters' own share of a typed business
// lookup answered from the cache: the REST face in process, as the admin
// listener serves it to the gateway (no network, no gateway).
func BenchmarkEnterpriseREST(b *testing.B) {
	e := newEnv(b, sqltest.Open(b, "sqlite"))
	mux := runtime.NewServeMux()
	if err := e.s.RegisterREST(b.Context(), mux); err != nil {
		b.Fatal(err)
	}
	if _, err := e.api.GetEnterprise(dept(), &pb.GetEnterpriseRequest{EnterpriseCode: e.demo.MSDN}); err != nil {
		b.Fatal(err)
	}
	p := authn.Principal{Subject: "app", Role: authn.RoleConsumer, Agency: agency}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/admin/v1/adapters/business/enterprises/"+e.demo.MSDN, nil)
		req = req.WithContext(authn.WithPrincipal(req.Context(), p))
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
