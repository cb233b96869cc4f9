package registry

import (
	"testing"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// TestOnboardingFlow is the issue's "done when": an admin registers an API,
// a developer creates an application and subscribes, an admin approves, and
// the application gets a token.
func TestOnboardingFlow(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.agency(t, agencyA)
		e.agency(t, agencyB)
		must(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "Bronze", RatePerSecond: 5, Burst: 10}}))(t)
		api := e.api(t, agencyA, "apiCSDLDKDN", registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, registryv1.ApprovalMode_APPROVAL_MODE_MANUAL, true)

		dev := as(authn.RoleAgencyDeveloper, agencyB)
		app := must(e.s.CreateApplication(dev, &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "Một cửa"}}))(t).GetApplication()
		if app.GetAgencyCode() != agencyB {
			t.Fatalf("application agency = %q, want the developer's %q", app.GetAgencyCode(), agencyB)
		}
		cred := must(e.s.CreateCredential(dev, &registryv1.CreateCredentialRequest{ApplicationId: app.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT}))(t)
		if len(cred.GetSecret()) < 26 {
			t.Fatalf("secret %d chars, want at least 128 bits", len(cred.GetSecret()))
		}
		sub := must(e.s.CreateSubscription(dev, &registryv1.CreateSubscriptionRequest{ApplicationId: app.GetId(), ApiId: api.GetId(), Tier: "Bronze"}))(t).GetSubscription()
		if sub.GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING {
			t.Fatalf("state = %s, want pending (manual approval)", sub.GetState())
		}
		sub = must(e.s.ApproveSubscription(adminCtx(), &registryv1.ApproveSubscriptionRequest{Id: sub.GetId()}))(t).GetSubscription()
		if sub.GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED || sub.GetDecidedBy() == "" || sub.GetDecideTime() == nil {
			t.Fatalf("approved subscription = %v", sub)
		}
		tok := must(e.s.LocalGatewayClient().IssueToken(t.Context(), &registryv1.IssueTokenRequest{
			ClientId: cred.GetCredential().GetKeyId(), ClientSecret: cred.GetSecret()}))(t)
		if tok.GetTokenType() != "Bearer" || tok.GetExpiresIn() != 3600 || tok.GetAccessToken() == "" {
			t.Fatalf("token response = %v", tok)
		}
		snap := must(e.s.LocalGatewayClient().GetSnapshot(t.Context(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
		if len(snap.GetApis()) != 1 || len(snap.GetSubscriptions()) != 1 || snap.GetSubscriptions()[0].GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED {
			t.Fatalf("snapshot = %v", snap)
		}
	})
}
