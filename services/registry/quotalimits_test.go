package registry

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/prototext"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// GetQuotaLimits answers what metering needs and nothing of the secrets the
// gateway snapshot carries.
func TestQuotaLimits(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		a := must(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{Name: "Secretive", Context: "secretive", Version: "1",
			OwnerAgency: agencyA, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}},
			UpstreamAuth: &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC, Username: "svc", Password: "upstream-pass-123"}}}))(t).GetApi()
		must(e.s.TransitionApi(adminCtx(), &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))(t)
		sub := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appB.GetId(), ApiId: a.GetId(), Tier: "Gold"}))(t).GetSubscription()
		rejected := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appB.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
		must(e.s.RejectSubscription(adminCtx(), &registryv1.RejectSubscriptionRequest{Id: rejected.GetId(), Reason: "no"}))(t)

		g := e.s.GatewayServer()
		r := must(g.GetQuotaLimits(serviceCtxForTest(), &registryv1.GetQuotaLimitsRequest{}))(t)
		snap := must(g.GetSnapshot(serviceCtxForTest(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
		if r.GetRevision() == 0 || r.GetRevision() != snap.GetRevision() || r.GetNotModified() {
			t.Fatalf("revision %d (not modified %v), snapshot's %d", r.GetRevision(), r.GetNotModified(), snap.GetRevision())
		}
		if len(r.GetSubscriptions()) != 1 {
			t.Fatalf("subscriptions = %v, want only the live one", r.GetSubscriptions())
		}
		q := r.GetSubscriptions()[0]
		if q.GetId() != sub.GetId() || q.GetMonthlyQuota() != 1000 || q.GetApplicationAgency() != agencyB || q.GetApiOwnerAgency() != agencyA {
			t.Fatalf("subscription quota = %v", q)
		}
		// The snapshot carries the upstream password; the limits must not.
		if !strings.Contains(prototext.Format(snap), "upstream-pass-123") {
			t.Fatal("test premise: the snapshot should carry the upstream secret")
		}
		if txt := prototext.Format(r); strings.Contains(txt, "upstream-pass-123") || strings.Contains(txt, "secretive") {
			t.Fatalf("quota limits carry more than metering needs: %s", txt)
		}
		// Unchanged revision: nothing to send.
		again := must(g.GetQuotaLimits(serviceCtxForTest(), &registryv1.GetQuotaLimitsRequest{KnownRevision: r.GetRevision()}))(t)
		if !again.GetNotModified() || len(again.GetSubscriptions()) != 0 {
			t.Fatalf("same revision: %v", again)
		}
		// In process, through the client other services hold.
		local := must(e.s.LocalGatewayClient().GetQuotaLimits(t.Context(), &registryv1.GetQuotaLimitsRequest{}))(t)
		if len(local.GetSubscriptions()) != 1 {
			t.Fatalf("local client: %v", local)
		}
	})
}
