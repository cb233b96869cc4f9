package registry

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"sync/atomic"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// RemoteAuthenticator is the authn.Authenticator of processes that run
// without the registry (metering and gateways in per-service mode): the
// internal token is checked locally, session tokens through the registry's
// AuthenticateSession RPC. While the registry cannot be reached, callers
// get 503 registry_unavailable, not the dial error, and the outage is
// logged once when it starts and once when it ends.
type RemoteAuthenticator struct {
	// Client must send the internal service token on every call (dial with
	// grpc.WithPerRPCCredentials(authn.PerRPCToken{Token: ...})).
	Client        registryv1.RegistryServiceClient
	InternalToken string
	// Log receives the outage lines; nil means slog.Default().
	Log *slog.Logger

	down *atomic.Bool
}

// NewRemoteAuthenticator returns a RemoteAuthenticator that remembers
// outages, so that each is logged once.
func NewRemoteAuthenticator(client registryv1.RegistryServiceClient, internalToken string, log *slog.Logger) RemoteAuthenticator {
	return RemoteAuthenticator{Client: client, InternalToken: internalToken, Log: log, down: new(atomic.Bool)}
}

// Authenticate implements authn.Authenticator.
func (r RemoteAuthenticator) Authenticate(ctx context.Context, token string) (authn.Principal, error) {
	if r.InternalToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(r.InternalToken)) == 1 {
		return authn.Principal{Subject: "lgsp-internal", Role: authn.RoleService}, nil
	}
	resp, err := r.Client.AuthenticateSession(ctx, &registryv1.AuthenticateSessionRequest{SessionToken: token})
	if registryDown(ctx, err) {
		r.outage(true, err)
		return authn.Principal{}, errRegistryUnavailable(err)
	}
	if ctx.Err() == nil {
		r.outage(false, nil)
	}
	if status.Code(err) == codes.Unauthenticated {
		return authn.Principal{}, authn.ErrUnauthenticated
	}
	if err != nil {
		return authn.Principal{}, err
	}
	return authn.Principal{Subject: resp.GetSubject(), Role: authn.Role(resp.GetRole()), Agency: resp.GetAgencyCode(),
		SessionID: resp.GetSessionId()}, nil
}

func (r RemoteAuthenticator) outage(down bool, err error) {
	if r.down == nil || !r.down.CompareAndSwap(!down, down) {
		return
	}
	log := r.Log
	if log == nil {
		log = slog.Default()
	}
	if down {
		log.Error("the registry cannot be reached to authenticate callers; answering 503 registry_unavailable until it is back", "err", err)
		return
	}
	log.Info("the registry is reachable again; callers are authenticated")
}

// registryDown reports whether err says the registry could not be reached
// or did not answer in time, rather than that it refused the call. ctx is
// the caller's: its own cancellation or deadline is not an outage.
func registryDown(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// PublicGRPCMethods are the full method names that need no principal, for
// authn.UnaryInterceptor.
var PublicGRPCMethods = map[string]bool{
	registryv1.RegistryService_Login_FullMethodName: true,
}
