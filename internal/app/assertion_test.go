package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/gatewayid"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// TestAdminListenerTakesGatewayAssertions: the admin listener accepts the
// gateway's identity assertion (keyed by the internal token) as a
// consumer, which the registry's and metering's faces then refuse (403 /
// PermissionDenied, not 401); an assertion under another key, or too old,
// authenticates nobody.
func TestAdminListenerTakesGatewayAssertions(t *testing.T) {
	const internal = "internal-token-of-the-assertion-test-0123456789"
	a, _ := startDev(t, t.TempDir(), "LGSP_INTERNAL_TOKEN="+internal)
	waitReady(t, a.Info.AdminURL)
	key, err := gatewayid.NewKey(internal)
	if err != nil {
		t.Fatal(err)
	}
	other, err := gatewayid.NewKey(strings.Repeat("x", 48))
	if err != nil {
		t.Fatal(err)
	}
	id := gatewayid.Identity{App: "app_demo", Agency: "000.00.00.H41", API: "api_demo", RequestID: "r-1"}
	good := key.Sign(id)
	forged := other.Sign(id)
	old := id
	old.Issued = time.Now().Add(-2 * gatewayid.MaxAge)
	expired := key.Sign(old)

	for _, path := range []string{"/admin/v1/apis", "/admin/v1/auth/whoami", "/admin/v1/metering/top-apis", "/admin/v1/metering/usage.csv", "/metrics"} {
		for _, c := range []struct {
			name, token string
			want        int
		}{
			{"assertion", good, http.StatusForbidden},
			{"forged assertion", forged, http.StatusUnauthorized},
			{"expired assertion", expired, http.StatusUnauthorized},
		} {
			if got := getWith(t, a.Info.AdminURL+path, c.token); got != c.want {
				t.Errorf("GET %s with a %s = %d, want %d", path, c.name, got, c.want)
			}
		}
	}

	conn, err := grpc.NewClient(strings.TrimPrefix(a.Info.AdminURL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rs := registryv1.NewRegistryServiceClient(conn)
	for token, want := range map[string]codes.Code{good: codes.PermissionDenied, forged: codes.Unauthenticated} {
		_, err := rs.WhoAmI(context.Background(), &registryv1.WhoAmIRequest{}, grpc.PerRPCCredentials(authn.PerRPCToken{Token: token, AllowInsecure: true}))
		if status.Code(err) != want {
			t.Errorf("gRPC WhoAmI: %v, want %v", err, want)
		}
	}
}
