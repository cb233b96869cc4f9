package registrytest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Agency registers an active agency.
func (r *Registry) Agency(code string) *registryv1.Agency {
	resp := must[*registryv1.CreateAgencyResponse](r, "create agency "+code)(
		r.Service.CreateAgency(r.Admin(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: code, Name: "Cơ quan " + code}}))
	return resp.GetAgency()
}

// DeactivateAgency marks an agency inactive.
func (r *Registry) DeactivateAgency(code string) {
	must[*registryv1.UpdateAgencyResponse](r, "deactivate agency "+code)(r.Service.UpdateAgency(r.Admin(), &registryv1.UpdateAgencyRequest{
		Agency:     &registryv1.Agency{Code: code, Status: registryv1.AgencyStatus_AGENCY_STATUS_INACTIVE},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}},
	}))
}

// Tier creates a policy tier.
func (r *Registry) Tier(name string, ratePerSecond float64, burst int32, monthlyQuota int64) *registryv1.Tier {
	resp := must[*registryv1.CreateTierResponse](r, "create tier "+name)(r.Service.CreateTier(r.Admin(), &registryv1.CreateTierRequest{
		Tier: &registryv1.Tier{Name: name, RatePerSecond: ratePerSecond, Burst: burst, MonthlyQuota: monthlyQuota}}))
	return resp.GetTier()
}

// API creates an API from spec (draft). Context, OwnerAgency and Endpoints
// are required; an empty Name or Version gets a default, and Visibility
// defaults to public so any agency's application may subscribe.
func (r *Registry) API(spec *registryv1.Api) *registryv1.Api {
	if spec.Name == "" {
		spec.Name = r.name("API " + spec.Context)
	}
	if spec.Version == "" {
		spec.Version = "1.0"
	}
	if spec.Visibility == registryv1.ApiVisibility_API_VISIBILITY_UNSPECIFIED {
		spec.Visibility = registryv1.ApiVisibility_API_VISIBILITY_PUBLIC
	}
	resp := must[*registryv1.CreateApiResponse](r, "create api "+spec.Context)(r.Service.CreateApi(r.Admin(), &registryv1.CreateApiRequest{Api: spec}))
	return resp.GetApi()
}

// PublishedAPI creates an API from spec and publishes it.
func (r *Registry) PublishedAPI(spec *registryv1.Api) *registryv1.Api {
	return r.Publish(r.API(spec).GetId())
}

// Publish moves an API to published.
func (r *Registry) Publish(apiID string) *registryv1.Api {
	return r.Transition(apiID, registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED, time.Time{})
}

// Transition moves an API along its lifecycle; sunset applies to
// deprecation and may be zero.
func (r *Registry) Transition(apiID string, to registryv1.ApiLifecycle, sunset time.Time) *registryv1.Api {
	req := &registryv1.TransitionApiRequest{Id: apiID, Lifecycle: to}
	if !sunset.IsZero() {
		req.SunsetTime = timestamppb.New(sunset)
	}
	resp := must[*registryv1.TransitionApiResponse](r, "transition api "+apiID)(r.Service.TransitionApi(r.Admin(), req))
	return resp.GetApi()
}

// UpdateAPI changes the fields of an API named by paths (an update mask)
// to their values in api, whose Id names the API.
func (r *Registry) UpdateAPI(api *registryv1.Api, paths ...string) *registryv1.Api {
	resp := must[*registryv1.UpdateApiResponse](r, "update api "+api.GetId())(r.Service.UpdateApi(r.Admin(), &registryv1.UpdateApiRequest{
		Api: api, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}))
	return resp.GetApi()
}

// Application registers an application of agency.
func (r *Registry) Application(agency string) *registryv1.Application {
	resp := must[*registryv1.CreateApplicationResponse](r, "create application")(r.Service.CreateApplication(r.Admin(),
		&registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: r.name("Ứng dụng"), AgencyCode: agency}}))
	return resp.GetApplication()
}

// SuspendApplication suspends an application.
func (r *Registry) SuspendApplication(appID string) {
	must[*registryv1.SuspendApplicationResponse](r, "suspend application "+appID)(r.Service.SuspendApplication(r.Admin(),
		&registryv1.SuspendApplicationRequest{Id: appID, Reason: "test"}))
}

// CertFingerprint registers the SHA-256 fingerprint of the DER certificate
// an application presents over mutual TLS, and returns it in hex.
func (r *Registry) CertFingerprint(appID string, certDER []byte) string {
	sum := sha256.Sum256(certDER)
	fp := hex.EncodeToString(sum[:])
	must[*registryv1.UpdateApplicationResponse](r, "set certificate of "+appID)(r.Service.UpdateApplication(r.Admin(), &registryv1.UpdateApplicationRequest{
		Application: &registryv1.Application{Id: appID, CertFingerprint: fp},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"cert_fingerprint"}},
	}))
	return fp
}

// Client is an OAuth2 client credential.
type Client struct {
	r *Registry
	// CredentialID is the registry's id of the credential.
	CredentialID string
	// ID and Secret are what the application sends to the token endpoint.
	ID, Secret string
	// ApplicationID is the application the credential belongs to.
	ApplicationID string
}

// OAuth2Client issues an OAuth2 client credential to an application.
func (r *Registry) OAuth2Client(appID string) *Client {
	resp := r.credential(appID, registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT, "")
	return &Client{r: r, CredentialID: resp.GetCredential().GetId(), ID: resp.GetCredential().GetKeyId(), Secret: resp.GetSecret(), ApplicationID: appID}
}

// IssueToken asks the registry for an access token the way the gateway's
// token endpoint does (client credentials through GatewayService).
func (c *Client) IssueToken(ctx context.Context) (*registryv1.IssueTokenResponse, error) {
	return c.r.GatewayClient().IssueToken(ctx, &registryv1.IssueTokenRequest{ClientId: c.ID, ClientSecret: c.Secret, SourceAddress: "127.0.0.1"})
}

// Token is IssueToken's access token; an error goes to the failure handler.
func (c *Client) Token() string {
	resp := must[*registryv1.IssueTokenResponse](c.r, "issue token for "+c.ID)(c.IssueToken(context.Background()))
	return resp.GetAccessToken()
}

// APIKey issues an API key to an application and returns the key and the
// credential id.
func (r *Registry) APIKey(appID string) (key, credentialID string) {
	resp := r.credential(appID, registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY, "")
	return resp.GetSecret(), resp.GetCredential().GetId()
}

// SignedHeader issues a signed-header credential for systemID (empty lets
// the registry choose) and returns the system id, the HMAC secret and the
// credential id.
func (r *Registry) SignedHeader(appID, systemID string) (system, secret, credentialID string) {
	resp := r.credential(appID, registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER, systemID)
	return resp.GetCredential().GetKeyId(), resp.GetSecret(), resp.GetCredential().GetId()
}

func (r *Registry) credential(appID string, typ registryv1.CredentialType, systemID string) *registryv1.CreateCredentialResponse {
	resp := must[*registryv1.CreateCredentialResponse](r, "create credential for "+appID)(r.Service.CreateCredential(r.Admin(),
		&registryv1.CreateCredentialRequest{ApplicationId: appID, Type: typ, SystemId: systemID}))
	if resp != nil && resp.GetSecret() == "" {
		r.check(errNoValue, "credential secret for "+appID)
	}
	return resp
}

// RevokeCredential revokes a credential.
func (r *Registry) RevokeCredential(id string) {
	must[*registryv1.RevokeCredentialResponse](r, "revoke credential "+id)(r.Service.RevokeCredential(r.Admin(),
		&registryv1.RevokeCredentialRequest{Id: id, Reason: "test"}))
}

// Subscription requests a subscription of an application to an API on a
// tier, as it is left by the API's approval mode (pending for manual).
func (r *Registry) Subscription(appID, apiID, tier string) *registryv1.Subscription {
	resp := must[*registryv1.CreateSubscriptionResponse](r, "subscribe "+appID+" to "+apiID)(r.Service.CreateSubscription(r.Admin(),
		&registryv1.CreateSubscriptionRequest{ApplicationId: appID, ApiId: apiID, Tier: tier}))
	return resp.GetSubscription()
}

// Subscribe subscribes an application to an API on a tier and approves the
// subscription if it waits for approval.
func (r *Registry) Subscribe(appID, apiID, tier string) *registryv1.Subscription {
	s := r.Subscription(appID, apiID, tier)
	if s.GetState() == registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING {
		s = r.Approve(s.GetId())
	}
	return s
}

// Approve approves a pending subscription.
func (r *Registry) Approve(subID string) *registryv1.Subscription {
	resp := must[*registryv1.ApproveSubscriptionResponse](r, "approve subscription "+subID)(r.Service.ApproveSubscription(r.Admin(),
		&registryv1.ApproveSubscriptionRequest{Id: subID, Reason: "test"}))
	return resp.GetSubscription()
}

// SuspendSubscription suspends an approved subscription.
func (r *Registry) SuspendSubscription(subID string) {
	must[*registryv1.SuspendSubscriptionResponse](r, "suspend subscription "+subID)(r.Service.SuspendSubscription(r.Admin(),
		&registryv1.SuspendSubscriptionRequest{Id: subID, Reason: "test"}))
}

// UpdateTier changes the fields of a tier named by paths to their values
// in tier, whose Name names the tier.
func (r *Registry) UpdateTier(tier *registryv1.Tier, paths ...string) *registryv1.Tier {
	resp := must[*registryv1.UpdateTierResponse](r, "update tier "+tier.GetName())(r.Service.UpdateTier(r.Admin(), &registryv1.UpdateTierRequest{
		Tier: tier, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}))
	return resp.GetTier()
}

// TrustedIssuer trusts an external token issuer (federation). Name gets a
// default when empty.
func (r *Registry) TrustedIssuer(spec *registryv1.TrustedIssuer) *registryv1.TrustedIssuer {
	if spec.Name == "" {
		spec.Name = r.name("Bên phát hành")
	}
	resp := must[*registryv1.CreateTrustedIssuerResponse](r, "create trusted issuer "+spec.GetIssuer())(r.Service.CreateTrustedIssuer(r.Admin(),
		&registryv1.CreateTrustedIssuerRequest{TrustedIssuer: spec}))
	return resp.GetTrustedIssuer()
}

// UpdateTrustedIssuer changes the fields of a trusted issuer named by paths
// to their values in ti, whose Id names it.
func (r *Registry) UpdateTrustedIssuer(ti *registryv1.TrustedIssuer, paths ...string) *registryv1.TrustedIssuer {
	resp := must[*registryv1.UpdateTrustedIssuerResponse](r, "update trusted issuer "+ti.GetId())(r.Service.UpdateTrustedIssuer(r.Admin(),
		&registryv1.UpdateTrustedIssuerRequest{TrustedIssuer: ti, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}))
	return resp.GetTrustedIssuer()
}

// DeleteTrustedIssuer removes a trusted issuer.
func (r *Registry) DeleteTrustedIssuer(id string) {
	must[*registryv1.DeleteTrustedIssuerResponse](r, "delete trusted issuer "+id)(r.Service.DeleteTrustedIssuer(r.Admin(),
		&registryv1.DeleteTrustedIssuerRequest{Id: id}))
}
