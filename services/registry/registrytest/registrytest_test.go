package registrytest_test

import (
	"context"
	"net"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/accesstoken"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

func TestFixturesReachTheSnapshot(t *testing.T) {
	r := registrytest.Start(t)
	const agency = "000.00.00.H30"
	r.Agency(agency)
	r.Tier("gold", 100, 200, 0)
	api := r.PublishedAPI(&registryv1.Api{Context: "apiCSDLDKDN", OwnerAgency: agency,
		Endpoints: []*registryv1.UpstreamEndpoint{{Url: "http://127.0.0.1:9/base"}}})
	app := r.Application(agency)
	client := r.OAuth2Client(app.GetId())
	key, _ := r.APIKey(app.GetId())
	system, secret, _ := r.SignedHeader(app.GetId(), "sys-test")
	fp := r.CertFingerprint(app.GetId(), []byte("not really DER, only hashed"))
	sub := r.Subscribe(app.GetId(), api.GetId(), "gold")
	if sub.GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED || key == "" || secret == "" || system != "sys-test" {
		t.Fatalf("fixtures: sub %v key %q secret %q system %q", sub.GetState(), key, secret, system)
	}

	snap, err := r.GatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s := snap.GetSnapshot()
	if s.GetRevision() != r.Revision() || len(s.GetApis()) != 1 || len(s.GetApplications()) != 1 ||
		len(s.GetApplications()[0].GetCredentials()) != 3 || s.GetApplications()[0].GetCertFingerprint() != fp || len(s.GetSubscriptions()) != 1 {
		t.Fatalf("snapshot: %v", s)
	}

	tok := client.Token()
	v, err := accesstoken.NewVerifier([]byte(s.GetToken().GetJwksJson()), s.GetToken().GetIssuer(), s.GetToken().GetAudience(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(tok)
	if err != nil || c.Subject != app.GetId() || c.CredentialID != client.CredentialID || c.ClientID != client.ID || c.Agency != agency {
		t.Fatalf("token claims %+v, %v", c, err)
	}
}

func TestNewWithoutTesting(t *testing.T) {
	var failed error
	r, err := registrytest.New(context.Background(), t.TempDir(), registrytest.WithFailure(func(err error) { failed = err }))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Agency("not a code")
	if failed == nil {
		t.Fatal("an invalid agency code did not reach the failure handler")
	}
}

func TestServeGRPC(t *testing.T) {
	r := registrytest.Start(t)
	r.Agency("000.00.00.H30")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.ServeGRPC(ln)
	c, conn, err := registrytest.DialGateway(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := c.GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{})
	if err != nil || resp.GetSnapshot().GetRevision() != r.Revision() || len(resp.GetSnapshot().GetAgencies()) != 1 {
		t.Fatalf("snapshot over gRPC: %v, %v", resp, err)
	}
}
