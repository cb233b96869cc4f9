package metering

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

const (
	agencyA = "000.00.01.H30"
	agencyB = "000.00.02.H30"
	agencyC = "000.00.03.H30"
)

// quotaWorld is what the quota tests need in a real registry: agencies A
// (consumer) and B (API owner), tiers bronze (5 requests a month) and
// unlimited, API dkdn of agency B, and approved subscriptions of app-a
// (agency A) on bronze and of app-b (agency B) on unlimited.
type quotaWorld struct {
	reg        *registrytest.Registry
	api        *registryv1.Api
	appA, appB *registryv1.Application
	// bronze and unlimited are the subscriptions' ids.
	bronze, unlimited string
}

// newQuotaWorld starts a registry that announces its changes on bus, the
// NATS metering watches.
func newQuotaWorld(t *testing.T, bus *natsx.Bus) *quotaWorld {
	t.Helper()
	reg := registrytest.Start(t, registrytest.WithBus(bus))
	w := &quotaWorld{reg: reg}
	reg.Agency(agencyA)
	reg.Agency(agencyB)
	reg.Tier("bronze", 1000, 1000, 5)
	reg.Tier("unlimited", 1000, 1000, 0)
	w.api = reg.PublishedAPI(&registryv1.Api{Context: "dkdn", OwnerAgency: agencyB,
		Endpoints: []*registryv1.UpstreamEndpoint{{Url: "http://127.0.0.1:9/dkdn"}}})
	w.appA = reg.Application(agencyA)
	w.appB = reg.Application(agencyB)
	w.bronze = reg.Subscribe(w.appA.GetId(), w.api.GetId(), "bronze").GetId()
	w.unlimited = reg.Subscribe(w.appB.GetId(), w.api.GetId(), "unlimited").GetId()
	return w
}

// limitsOverGRPC serves the registry on loopback and returns metering's
// view of it in split mode: a gRPC client sending the internal token.
func (w *quotaWorld) limitsOverGRPC(t *testing.T) Limits {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.reg.ServeGRPC(ln)
	client, conn, err := registrytest.DialGateway(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return LimitsFromClient(client)
}

func quotaEvents(prefix string, n int, sub string, at time.Time, errorCode string) []*meteringv1.Event {
	return gen(prefix, n, at, func(i int, ev *meteringv1.Event) {
		ev.SubscriptionId = sub
		ev.ApiId = "dkdn"
		ev.ApplicationId = "app-a"
		ev.AgencyCode = agencyA
		ev.ApiOwnerAgency = agencyB
		ev.Time = timestamppb.New(at)
		if errorCode != "" {
			ev.ErrorCode = errorCode
			ev.Status = 429
		}
	})
}

func getQuota(t *testing.T, kv jetstream.KeyValue, sub string) *meteringv1.QuotaState {
	t.Helper()
	e, err := kv.Get(context.Background(), sub)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	st := &meteringv1.QuotaState{}
	if err := proto.Unmarshal(e.Value(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestQuotaExhaustionAndMonthlyReset(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		_, bus := natstest.Start(t)
		kv, err := natsx.EnsureQuotaBucket(ctx, bus.JS, natsx.StreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w := newQuotaWorld(t, bus)
		sub1, sub2 := w.bronze, w.unlimited
		march20 := time.Date(2026, 3, 20, 10, 0, 0, 0, hcm)
		clk := newTestClock(march20)
		s := newService(t, testConfig(), db, bus, w.limitsOverGRPC(t), WithClock(clk.now))
		start(t, s)
		g := &grpcServer{s: s}

		// Four charged calls, three the gateway refused itself, and plenty
		// on an unlimited subscription: not exhausted.
		publishAll(t, bus, meterpub.SourceGateway, quotaEvents("q1", 4, sub1, march20, ""), 2)
		publishAll(t, bus, meterpub.SourceGateway, quotaEvents("q1r", 3, sub1, march20, "rate_limited"), 3)
		publishAll(t, bus, meterpub.SourceGateway, quotaEvents("q2", 50, sub2, march20, ""), 10)
		waitCaughtUp(t, db, bus)
		eventually(t, "limits loaded", func() bool { return s.snap.Load() != nil })
		st, err := g.GetQuotaState(asPrincipal(authn.RolePlatformAdmin, ""), &meteringv1.GetQuotaStateRequest{SubscriptionId: sub1})
		if err != nil {
			t.Fatal(err)
		}
		if got := st.GetState(); got.GetUsed() != 4 || got.GetLimit() != 5 || got.GetExhausted() || got.GetPeriod() != "2026-03" {
			t.Fatalf("state after 4 charged calls: %v", got)
		}

		// The fifth charged call exhausts the quota until April 1, local.
		publishAll(t, bus, meterpub.SourceGateway, quotaEvents("q1b", 1, sub1, march20, ""), 1)
		april1 := time.Date(2026, 4, 1, 0, 0, 0, 0, hcm)
		eventually(t, "exhausted state in the bucket", func() bool {
			q := getQuota(t, kv, sub1)
			return q != nil && q.GetExhausted()
		})
		q := getQuota(t, kv, sub1)
		if q.GetUsed() != 5 || q.GetLimit() != 5 || q.GetPeriod() != "2026-03" || !q.GetResetTime().AsTime().Equal(april1) {
			t.Fatalf("exhausted state %v; want used 5, limit 5, period 2026-03, reset %v", q, april1)
		}
		if getQuota(t, kv, sub2) != nil {
			t.Error("an unlimited subscription got a quota state")
		}

		// GetQuotaState: who may see it.
		for _, c := range []struct {
			name string
			ctx  context.Context
			want codes.Code
		}{
			{"admin", asPrincipal(authn.RolePlatformAdmin, ""), codes.OK},
			{"gateway", asPrincipal(authn.RoleService, ""), codes.OK},
			{"consumer agency", asPrincipal(authn.RoleAgencyDeveloper, agencyA), codes.OK},
			{"owner agency", asPrincipal(authn.RoleAgencyPublisher, agencyB), codes.OK},
			{"other agency", asPrincipal(authn.RoleAgencyPublisher, agencyC), codes.NotFound},
			{"anonymous", context.Background(), codes.Unauthenticated},
		} {
			resp, err := g.GetQuotaState(c.ctx, &meteringv1.GetQuotaStateRequest{SubscriptionId: sub1})
			if got := status.Code(err); got != c.want {
				t.Errorf("%s: GetQuotaState code %v, want %v", c.name, got, c.want)
			}
			if err == nil && !resp.GetState().GetExhausted() {
				t.Errorf("%s: state %v not exhausted", c.name, resp.GetState())
			}
		}

		// The month turns: the state is reset for April.
		clk.set(april1.Add(30 * time.Second))
		eventually(t, "reset state for April", func() bool {
			q := getQuota(t, kv, sub1)
			return q != nil && q.GetPeriod() == "2026-04"
		})
		if q := getQuota(t, kv, sub1); q.GetExhausted() || q.GetUsed() != 0 {
			t.Fatalf("April state %v, want used 0 and not exhausted", q)
		}

		// Late March events do not count toward April.
		publishAll(t, bus, meterpub.SourceGateway, quotaEvents("q1late", 3, sub1, march20, ""), 1)
		// Five April calls exhaust it again, until May 1.
		publishAll(t, bus, meterpub.SourceGateway, quotaEvents("q1apr", 5, sub1, april1.Add(time.Minute), ""), 1)
		eventually(t, "exhausted again in April", func() bool {
			q := getQuota(t, kv, sub1)
			return q != nil && q.GetExhausted() && q.GetPeriod() == "2026-04"
		})
		if q := getQuota(t, kv, sub1); q.GetUsed() != 5 || !q.GetResetTime().AsTime().Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, hcm)) {
			t.Fatalf("April exhausted state %v", q)
		}

		// Raising the tier's quota lifts the exhaustion as soon as the
		// registry announces the change.
		w.reg.UpdateTier(&registryv1.Tier{Name: "bronze", MonthlyQuota: 100}, "monthly_quota")
		eventually(t, "exhaustion lifted", func() bool {
			q := getQuota(t, kv, sub1)
			return q != nil && !q.GetExhausted() && q.GetLimit() == 100
		})
	})
}
