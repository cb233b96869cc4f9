package metering

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/service"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

// gatewayCalls passes calls through to a real registry client and counts
// the snapshot reads, which carry decrypted upstream secrets.
type gatewayCalls struct {
	registryv1.GatewayServiceClient
	snapshots, limits atomic.Int64
}

func (g *gatewayCalls) GetSnapshot(ctx context.Context, in *registryv1.GetSnapshotRequest, opts ...grpc.CallOption) (*registryv1.GetSnapshotResponse, error) {
	g.snapshots.Add(1)
	return g.GatewayServiceClient.GetSnapshot(ctx, in, opts...)
}

func (g *gatewayCalls) GetQuotaLimits(ctx context.Context, in *registryv1.GetQuotaLimitsRequest, opts ...grpc.CallOption) (*registryv1.GetQuotaLimitsResponse, error) {
	g.limits.Add(1)
	return g.GatewayServiceClient.GetQuotaLimits(ctx, in, opts...)
}

// TestLimitsWithoutSnapshot builds metering from its Definition, as the
// composition root does, with the registry in process and across the
// network: the quota limits and agencies arrive, and the gateway snapshot,
// with its upstream secrets, is never read.
func TestLimitsWithoutSnapshot(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		_, bus := natstest.Start(t)
		w := newQuotaWorld(t, bus)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		w.reg.ServeGRPC(ln)
		remote, conn, err := registrytest.DialGateway(ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })

		for _, c := range []struct {
			name   string
			client registryv1.GatewayServiceClient
			db     *sqlstore.DB
		}{
			{"in_process", w.reg.GatewayClient(), db},
			{"remote", remote, sqltest.Open(t, engineOf(db))},
		} {
			t.Run(c.name, func(t *testing.T) {
				calls := &gatewayCalls{GatewayServiceClient: c.client}
				cfg := testConfig()
				inst, err := Definition.New(context.Background(), service.Deps{
					Log: testLogger(), Bus: bus, DB: c.db, Replicas: 1,
					Registry: service.Registry{Gateway: calls, Authenticator: w.reg.Service.Authenticator()},
				}, &cfg)
				if err != nil {
					t.Fatal(err)
				}
				s := inst.(*Service)
				start(t, s)
				eventually(t, "limits loaded", func() bool { return s.snap.Load() != nil })
				g := &grpcServer{s: s}
				// The consumer's agency and the API owner's both see the
				// subscription, with the bronze tier's limit.
				for _, agency := range []string{agencyA, agencyB} {
					st, err := g.GetQuotaState(asPrincipal(authn.RoleAgencyDeveloper, agency), &meteringv1.GetQuotaStateRequest{SubscriptionId: w.bronze})
					if err != nil || st.GetState().GetLimit() != 5 {
						t.Fatalf("quota state as agency %s: %v, %v", agency, st, err)
					}
				}
				if _, err := g.GetQuotaState(asPrincipal(authn.RoleAgencyDeveloper, agencyC), &meteringv1.GetQuotaStateRequest{SubscriptionId: w.bronze}); err == nil {
					t.Fatal("a third agency read the subscription's quota state")
				}
				if st, err := g.GetQuotaState(asPrincipal(authn.RoleService, ""), &meteringv1.GetQuotaStateRequest{SubscriptionId: w.unlimited}); err != nil || st.GetState().GetLimit() != 0 {
					t.Fatalf("unlimited subscription: %v, %v", st, err)
				}
				if calls.limits.Load() == 0 || calls.snapshots.Load() != 0 {
					t.Fatalf("metering read the quota limits %d times and the gateway snapshot %d times, want the limits only",
						calls.limits.Load(), calls.snapshots.Load())
				}
			})
		}
	})
}

func engineOf(db *sqlstore.DB) string {
	if db.Dialect == sqlstore.Postgres {
		return sqltest.Postgres
	}
	return sqltest.SQLite
}
