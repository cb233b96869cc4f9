package metering

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/lgsp-vn/lgsp/platform/authn"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// TestConsumerIsRefusedEverywhere: an application whose identity the
// gateway asserted (authn.RoleConsumer, platform/gatewayid) reaches the
// admin listener, where metering is served too; it may call nothing of
// metering's, whatever its agency. Every RPC of the service is called, so a
// new one is covered without editing this test; the CSV export too.
func TestConsumerIsRefusedEverywhere(t *testing.T) {
	consumer := authn.WithPrincipal(context.Background(), authn.Principal{Subject: "app_1", Role: authn.RoleConsumer, Agency: "000.00.07.H30"})
	g := &grpcServer{s: &Service{}}
	desc := meteringv1.MeteringService_ServiceDesc
	if len(desc.Methods) == 0 || len(desc.Streams) != 0 {
		t.Fatalf("%d unary and %d streaming methods: this test calls unary methods only", len(desc.Methods), len(desc.Streams))
	}
	for _, m := range desc.Methods {
		_, err := m.Handler(g, consumer, func(any) error { return nil }, nil)
		if status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s as a gateway-asserted consumer: %v, want PermissionDenied", m.MethodName, err)
		}
	}
	rec := httptest.NewRecorder()
	(&Service{}).CSVHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/v1/metering/usage.csv", nil).WithContext(consumer))
	if rec.Code != http.StatusForbidden {
		t.Errorf("CSV export as a gateway-asserted consumer: %d %s, want 403", rec.Code, rec.Body)
	}
}
