package registry

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Well-known demo values. The fixed client id and secret exist only so that
// the README of the dev mode can show a working curl; SeedDemo uses them only
// when DemoOptions.FixedCredentials is set, which production must never do.
const (
	DemoAgencyCode   = "000.00.00.H30"
	DemoTierName     = "Demo"
	DemoAPIContext   = "apiCSDLDKDN"
	DemoAPIVersion   = "1.0"
	DemoAppName      = "Hệ thống một cửa điện tử (demo)"
	DemoClientID     = "lgsp-demo-client"
	DemoClientSecret = "lgsp-demo-secret-for-dev-mode-only"
)

// DemoOptions configures SeedDemo.
type DemoOptions struct {
	// UpstreamURL is the demo API's upstream base URL, e.g. the
	// business-registration simulator "http://127.0.0.1:PORT/apiCSDLDKDN/1.0".
	// It must pass LGSP_REGISTRY_UPSTREAM_ALLOW (dev mode allows loopback).
	UpstreamURL string
	// FixedCredentials issues the demo client with DemoClientID and
	// DemoClientSecret instead of random ones. Dev mode only.
	FixedCredentials bool
	// UpstreamAuth, when set, is how the gateway authenticates to the demo
	// upstream (the NGSP simulator wants OAuth2 client credentials).
	UpstreamAuth *registryv1.UpstreamAuth
}

// DemoData describes what SeedDemo created or found.
type DemoData struct {
	AgencyCode     string
	APIID          string
	APIContext     string
	APIVersion     string
	ApplicationID  string
	SubscriptionID string
	ClientID       string
	// ClientSecret is empty when the demo client existed already and its
	// secret is random: it was shown only when it was created.
	ClientSecret string
}

// SeedDemo creates, idempotently, a demo agency, tier, published API pointing
// at opts.UpstreamURL (updated when it changed since the last run), an
// application with an OAuth2 client and an approved subscription. It works
// through the admin API as a platform admin named "system:demo", so every
// step is validated and audited like any other.
func (s *Service) SeedDemo(ctx context.Context, opts DemoOptions) (DemoData, error) {
	ctx = authn.WithPrincipal(ctx, authn.Principal{Subject: "system:demo", Role: authn.RolePlatformAdmin})
	d := DemoData{AgencyCode: DemoAgencyCode, APIContext: DemoAPIContext, APIVersion: DemoAPIVersion}

	if err := s.ensureDemoAgencyAndTier(ctx); err != nil {
		return d, err
	}

	endpoints := []*registryv1.UpstreamEndpoint{{Url: opts.UpstreamURL, Weight: 1}}
	apis, err := s.ListApis(ctx, &registryv1.ListApisRequest{Context: DemoAPIContext})
	if err != nil {
		return d, fmt.Errorf("demo api: %w", err)
	}
	var api *registryv1.Api
	for _, a := range apis.GetApis() {
		if a.GetVersion() == DemoAPIVersion {
			api = a
		}
	}
	if api == nil {
		resp, err := s.CreateApi(ctx, &registryv1.CreateApiRequest{Api: &registryv1.Api{
			Name: "CSDL quốc gia về đăng ký doanh nghiệp (mô phỏng)", Context: DemoAPIContext, Version: DemoAPIVersion,
			Description: "Business registration lookup through the NGSP simulator / Tra cứu doanh nghiệp qua mô phỏng NGSP",
			OwnerAgency: DemoAgencyCode, Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC,
			ApprovalMode: registryv1.ApprovalMode_APPROVAL_MODE_MANUAL, Endpoints: endpoints,
			UpstreamAuth: opts.UpstreamAuth,
		}})
		if err != nil {
			return d, fmt.Errorf("demo api: %w", err)
		}
		api = resp.GetApi()
	} else if len(api.GetEndpoints()) != 1 || api.GetEndpoints()[0].GetUrl() != opts.UpstreamURL ||
		api.GetUpstreamAuth().GetTokenUrl() != opts.UpstreamAuth.GetTokenUrl() {
		paths := []string{"endpoints"}
		if opts.UpstreamAuth != nil {
			paths = append(paths, "upstream_auth")
		}
		resp, err := s.UpdateApi(ctx, &registryv1.UpdateApiRequest{
			Api:        &registryv1.Api{Id: api.GetId(), Endpoints: endpoints, UpstreamAuth: opts.UpstreamAuth},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: paths},
		})
		if err != nil {
			return d, fmt.Errorf("demo api upstream: %w", err)
		}
		api = resp.GetApi()
	}
	if api.GetLifecycle() == registryv1.ApiLifecycle_API_LIFECYCLE_DRAFT {
		if _, err := s.TransitionApi(ctx, &registryv1.TransitionApiRequest{Id: api.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}); err != nil {
			return d, fmt.Errorf("demo api publish: %w", err)
		}
	}
	d.APIID = api.GetId()

	apps, err := s.ListApplications(ctx, &registryv1.ListApplicationsRequest{AgencyCode: DemoAgencyCode, PageSize: maxPageSize})
	if err != nil {
		return d, fmt.Errorf("demo application: %w", err)
	}
	for _, a := range apps.GetApplications() {
		if a.GetName() == DemoAppName {
			d.ApplicationID = a.GetId()
		}
	}
	if d.ApplicationID == "" {
		resp, err := s.CreateApplication(ctx, &registryv1.CreateApplicationRequest{Application: &registryv1.Application{
			Name: DemoAppName, AgencyCode: DemoAgencyCode, Description: "Demo consumer / Ứng dụng mẫu",
		}})
		if err != nil {
			return d, fmt.Errorf("demo application: %w", err)
		}
		d.ApplicationID = resp.GetApplication().GetId()
	}

	if err := s.seedDemoClient(ctx, &d, opts.FixedCredentials); err != nil {
		return d, fmt.Errorf("demo client: %w", err)
	}

	subs, err := s.ListSubscriptions(ctx, &registryv1.ListSubscriptionsRequest{ApplicationId: d.ApplicationID, ApiId: d.APIID})
	if err != nil {
		return d, fmt.Errorf("demo subscription: %w", err)
	}
	var sub *registryv1.Subscription
	for _, x := range subs.GetSubscriptions() {
		if x.GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_REJECTED {
			sub = x
		}
	}
	if sub == nil {
		resp, err := s.CreateSubscription(ctx, &registryv1.CreateSubscriptionRequest{ApplicationId: d.ApplicationID, ApiId: d.APIID, Tier: DemoTierName})
		if err != nil {
			return d, fmt.Errorf("demo subscription: %w", err)
		}
		sub = resp.GetSubscription()
	}
	switch sub.GetState() {
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING:
		_, err = s.ApproveSubscription(ctx, &registryv1.ApproveSubscriptionRequest{Id: sub.GetId(), Reason: "demo data"})
	case registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED:
		_, err = s.ResumeSubscription(ctx, &registryv1.ResumeSubscriptionRequest{Id: sub.GetId(), Reason: "demo data"})
	}
	if err != nil {
		return d, fmt.Errorf("demo subscription approval: %w", err)
	}
	d.SubscriptionID = sub.GetId()
	return d, nil
}

// seedDemoClient makes sure the demo application has an active OAuth2
// client and reports its id (and secret when it can).
func (s *Service) seedDemoClient(ctx context.Context, d *DemoData, fixed bool) error {
	creds, err := s.ListCredentials(ctx, &registryv1.ListCredentialsRequest{ApplicationId: d.ApplicationID, PageSize: maxPageSize})
	if err != nil {
		return err
	}
	for _, c := range creds.GetCredentials() {
		if c.GetType() != registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT || c.GetState() != registryv1.CredentialState_CREDENTIAL_STATE_ACTIVE {
			continue
		}
		if !fixed {
			d.ClientID = c.GetKeyId()
			return nil
		}
		if c.GetKeyId() == DemoClientID {
			d.ClientID, d.ClientSecret = DemoClientID, DemoClientSecret
			return nil
		}
	}
	if !fixed {
		resp, err := s.CreateCredential(ctx, &registryv1.CreateCredentialRequest{ApplicationId: d.ApplicationID,
			Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT, Description: "demo client"})
		if err != nil {
			return err
		}
		d.ClientID, d.ClientSecret = resp.GetCredential().GetKeyId(), resp.GetSecret()
		return nil
	}
	// The fixed client: written directly, since the API never accepts a
	// chosen secret. A revoked fixed client blocks its key id; report it.
	_, err = s.write(ctx, actor{Subject: "system:demo", Role: string(authn.RolePlatformAdmin)}, func(ctx context.Context, t *wtx) error {
		return t.insertFixedCredential(ctx, s.newCredential(d.ApplicationID, credOAuth2, DemoClientID, DemoClientSecret), "fixed demo client (dev mode only)")
	})
	if err != nil {
		return err
	}
	d.ClientID, d.ClientSecret = DemoClientID, DemoClientSecret
	return nil
}

// insertFixedCredential stores a demo credential with a fixed secret, which
// the API never accepts (dev mode only), and records it in the audit log.
func (t *wtx) insertFixedCredential(ctx context.Context, c issued, description string) error {
	c.row.Description = description
	c.row.Created = t.now.UnixMilli()
	if err := t.insertCredential(ctx, c.row); err != nil {
		return err
	}
	t.record("credential", c.row.ID, "create", nil, c.row.proto())
	return nil
}

// ensureDemoAgencyAndTier creates the demo agency and tier unless they
// exist.
func (s *Service) ensureDemoAgencyAndTier(ctx context.Context) error {
	if _, err := s.CreateAgency(ctx, &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{
		Code: DemoAgencyCode, Name: "Ủy ban nhân dân tỉnh (dữ liệu mẫu)",
	}}); ignoreExists(err) != nil {
		return fmt.Errorf("demo agency: %w", err)
	}
	if _, err := s.CreateTier(ctx, &registryv1.CreateTierRequest{Tier: &registryv1.Tier{
		Name: DemoTierName, Description: "Demo tier / Gói dùng thử", RatePerSecond: 20, Burst: 40, MonthlyQuota: 100000,
	}}); ignoreExists(err) != nil {
		return fmt.Errorf("demo tier: %w", err)
	}
	return nil
}

func ignoreExists(err error) error {
	var ae *apierr.Error
	if errors.As(err, &ae) && ae.GRPC == codes.AlreadyExists {
		return nil
	}
	if status.Code(err) == codes.AlreadyExists {
		return nil
	}
	return err
}
