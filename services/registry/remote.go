package registry

import (
	"context"
	"crypto/subtle"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// RemoteAuthenticator is the authn.Authenticator of processes that run
// without the registry (metering in per-service mode): the internal token
// is checked locally, session tokens through the registry's
// AuthenticateSession RPC.
type RemoteAuthenticator struct {
	// Client must send the internal service token on every call (dial with
	// grpc.WithPerRPCCredentials(authn.PerRPCToken{Token: ...})).
	Client        registryv1.RegistryServiceClient
	InternalToken string
}

// Authenticate implements authn.Authenticator.
func (r RemoteAuthenticator) Authenticate(ctx context.Context, token string) (authn.Principal, error) {
	if r.InternalToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(r.InternalToken)) == 1 {
		return authn.Principal{Subject: "lgsp-internal", Role: authn.RoleService}, nil
	}
	resp, err := r.Client.AuthenticateSession(ctx, &registryv1.AuthenticateSessionRequest{SessionToken: token})
	if status.Code(err) == codes.Unauthenticated {
		return authn.Principal{}, authn.ErrUnauthenticated
	}
	if err != nil {
		return authn.Principal{}, err
	}
	return authn.Principal{Subject: resp.GetSubject(), Role: authn.Role(resp.GetRole()), Agency: resp.GetAgencyCode(),
		SessionID: resp.GetSessionId()}, nil
}

// PublicGRPCMethods are the full method names that need no principal, for
// authn.UnaryInterceptor.
var PublicGRPCMethods = map[string]bool{
	registryv1.RegistryService_Login_FullMethodName: true,
}
