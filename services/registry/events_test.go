package registry

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// nextEvent waits for one change event.
func nextEvent(t *testing.T, ch <-chan *nats.Msg) (*registryv1.ChangeEvent, *nats.Msg) {
	t.Helper()
	select {
	case m := <-ch:
		var ev registryv1.ChangeEvent
		if err := proto.Unmarshal(m.Data, &ev); err != nil {
			t.Fatal(err)
		}
		return &ev, m
	case <-time.After(5 * time.Second):
		t.Fatal("no change event within 5s")
		return nil, nil
	}
}

func TestChangeEventsAndSnapshot(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		_, bus := natstest.Start(t)
		e := newEnv(t, db, bus)
		ctx := context.Background()

		// Read through the stream, as a gateway would.
		stream := must(bus.JS.Stream(ctx, natsx.RegistryStream))(t)
		ch := make(chan *nats.Msg, 64)
		sub := must(bus.Conn.ChanSubscribe(natsx.RegistryChangeSubject+".>", ch))(t)
		t.Cleanup(func() { _ = sub.Unsubscribe() })

		e.agency(t, agencyA)
		ev, msg := nextEvent(t, ch)
		rev := must(e.s.Revision(ctx))(t)
		if ev.GetKind() != "agency" || ev.GetId() != agencyA || ev.GetAction() != "create" || ev.GetRevision() != rev {
			t.Fatalf("event = %v, revision %d", ev, rev)
		}
		if msg.Subject != natsx.RegistryChangeSubject+".agency" || msg.Header.Get(jetstream.MsgIDHeader) != strconv.FormatInt(rev, 10) {
			t.Fatalf("subject %s, msg id %q", msg.Subject, msg.Header.Get(jetstream.MsgIDHeader))
		}

		gw := e.s.LocalGatewayClient()
		snap := must(gw.GetSnapshot(ctx, &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
		if snap.GetRevision() != rev || len(snap.GetAgencies()) != 1 || !snap.GetAgencies()[0].GetActive() {
			t.Fatalf("snapshot = %v", snap)
		}
		if r := must(gw.GetSnapshot(ctx, &registryv1.GetSnapshotRequest{KnownRevision: rev}))(t); !r.GetNotModified() || r.GetSnapshot() != nil {
			t.Fatalf("known revision answered %v", r)
		}

		// Drafts, revoked credentials and rejected subscriptions stay out.
		e.agency(t, agencyB)
		must(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "Gold", RatePerSecond: 10, Burst: 20}}))(t)
		pub := e.api(t, agencyA, "pub", registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, registryv1.ApprovalMode_APPROVAL_MODE_MANUAL, true)
		draft := e.api(t, agencyA, "draft", registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, registryv1.ApprovalMode_APPROVAL_MODE_MANUAL, false)
		app := e.app(t, agencyB, "consumer")
		_, _, keep := e.oauthClient(t, app.GetId())
		_, _, gone := e.oauthClient(t, app.GetId())
		must(e.s.RevokeCredential(adminCtx(), &registryv1.RevokeCredentialRequest{Id: gone}))(t)
		other := e.app(t, agencyB, "other")
		rejected := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: other.GetId(), ApiId: pub.GetId(), Tier: "Gold"}))(t).GetSubscription()
		must(e.s.RejectSubscription(adminCtx(), &registryv1.RejectSubscriptionRequest{Id: rejected.GetId()}))(t)
		live := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: app.GetId(), ApiId: pub.GetId(), Tier: "Gold"}))(t).GetSubscription()
		must(e.s.ApproveSubscription(adminCtx(), &registryv1.ApproveSubscriptionRequest{Id: live.GetId()}))(t)

		// Every change produced one event, in revision order, ending at the
		// current revision.
		last := rev
		for want := rev + 1; want <= must(e.s.Revision(ctx))(t); want++ {
			ev, _ := nextEvent(t, ch)
			if ev.GetRevision() != want {
				t.Fatalf("event revision %d, want %d", ev.GetRevision(), want)
			}
			last = ev.GetRevision()
		}
		snap = must(gw.GetSnapshot(ctx, &registryv1.GetSnapshotRequest{KnownRevision: rev}))(t).GetSnapshot()
		if snap.GetRevision() != last {
			t.Fatalf("snapshot revision %d, last event %d", snap.GetRevision(), last)
		}
		if len(snap.GetApis()) != 1 || snap.GetApis()[0].GetId() != pub.GetId() || snap.GetApis()[0].GetId() == draft.GetId() {
			t.Fatalf("snapshot APIs = %v, want only the published one", snap.GetApis())
		}
		for _, a := range snap.GetApplications() {
			for _, c := range a.GetCredentials() {
				if c.GetId() == gone {
					t.Fatal("revoked credential in the snapshot")
				}
			}
			if a.GetId() == app.GetId() && (len(a.GetCredentials()) != 1 || a.GetCredentials()[0].GetId() != keep) {
				t.Fatalf("application credentials = %v", a.GetCredentials())
			}
		}
		if len(snap.GetSubscriptions()) != 1 || snap.GetSubscriptions()[0].GetId() != live.GetId() ||
			snap.GetSubscriptions()[0].GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED {
			t.Fatalf("snapshot subscriptions = %v", snap.GetSubscriptions())
		}
		if len(snap.GetTiers()) != 1 || snap.GetToken().GetJwksJson() == "" || snap.GetToken().GetIssuer() != "lgsp" {
			t.Fatalf("snapshot tiers/token = %v %v", snap.GetTiers(), snap.GetToken())
		}

		// Suspending the subscription reaches the gateway with the next event.
		must(e.s.SuspendSubscription(adminCtx(), &registryv1.SuspendSubscriptionRequest{Id: live.GetId()}))(t)
		ev, _ = nextEvent(t, ch)
		if ev.GetKind() != "subscription" || ev.GetAction() != "suspend" {
			t.Fatalf("event = %v", ev)
		}
		snap = must(gw.GetSnapshot(ctx, &registryv1.GetSnapshotRequest{KnownRevision: last}))(t).GetSnapshot()
		if snap.GetRevision() != ev.GetRevision() || snap.GetSubscriptions()[0].GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED {
			t.Fatalf("after suspension: %v", snap.GetSubscriptions())
		}

		// Events are in the stream too, for gateways that were away.
		info := must(stream.Info(ctx))(t)
		if int64(info.State.Msgs) != ev.GetRevision() {
			t.Fatalf("stream holds %d messages, want one per revision (%d)", info.State.Msgs, ev.GetRevision())
		}

		// Audit-only writes (a login) neither bump the revision nor publish.
		must(e.s.EnsureAdmin(ctx, "admin-password-1"))(t)
		nextEvent(t, ch) // the admin user
		before := must(e.s.Revision(ctx))(t)
		must(e.s.Login(ctx, &registryv1.LoginRequest{Username: AdminUsername, Password: "admin-password-1"}))(t)
		if after := must(e.s.Revision(ctx))(t); after != before {
			t.Fatalf("login bumped the revision %d → %d", before, after)
		}
		select {
		case m := <-ch:
			t.Fatalf("unexpected event after a login: %s", m.Subject)
		case <-time.After(200 * time.Millisecond):
		}
	})
}

// TestChangeCommittedWhenNATSIsDown: a failed publish does not undo the
// change; gateways catch up by polling the snapshot.
func TestChangeCommittedWhenNATSIsDown(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) { changeWithNATSDown(t, db) })
}

func changeWithNATSDown(t *testing.T, db *sqlstore.DB) {
	srv, bus := natstest.Start(t)
	e := newEnv(t, db, bus)
	e.s.publishTimeout = 300 * time.Millisecond
	e.agency(t, agencyA)
	rev := must(e.s.Revision(context.Background()))(t)
	srv.Shutdown()
	e.agency(t, agencyB)
	after := must(e.s.Revision(context.Background()))(t)
	if after != rev+1 {
		t.Fatalf("revision %d after a change with NATS down, want %d", after, rev+1)
	}
	snap := must(e.s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{KnownRevision: rev}))(t)
	if snap.GetNotModified() || len(snap.GetSnapshot().GetAgencies()) != 2 {
		t.Fatalf("poll after a lost event = %v", snap)
	}
}
