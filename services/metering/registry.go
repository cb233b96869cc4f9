package metering

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// What metering asks of the registry: the gateway snapshot, for quota
// limits and for which agencies a subscription belongs to (Limits), and,
// in a process without the registry, who a caller is
// (RegistryAuthenticator). Both may find the registry down; callers then
// get registry_unavailable (503), and the cause is logged once per outage.

// Limits is where monthly quotas come from: the registry's gateway snapshot
// (subscription -> tier -> monthly_quota). The registry's GatewayService
// server implements it in process; LimitsFromClient adapts a gRPC client.
type Limits interface {
	GetSnapshot(ctx context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error)
}

// LimitsFunc adapts a function to Limits.
type LimitsFunc func(ctx context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error)

// GetSnapshot implements Limits.
func (f LimitsFunc) GetSnapshot(ctx context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error) {
	return f(ctx, req)
}

// LimitsFromClient adapts a registry GatewayService client (which carries
// the internal token through its per-RPC credentials).
func LimitsFromClient(c registryv1.GatewayServiceClient, opts ...grpc.CallOption) Limits {
	return LimitsFunc(func(ctx context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error) {
		return c.GetSnapshot(ctx, req, opts...)
	})
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

// outage logs the start and the end of a registry failure, once each,
// however many calls fail in between.
type outage struct {
	down atomic.Bool
	log  *slog.Logger
	// failMsg and okMsg are logged when the failure starts and ends.
	failMsg, okMsg string
}

func (o *outage) failed(err error) {
	if o.down.CompareAndSwap(false, true) {
		o.log.Error(o.failMsg, "err", err)
	}
}

func (o *outage) ok() {
	if o.down.CompareAndSwap(true, false) {
		o.log.Info(o.okMsg)
	}
}

// RegistryAuthenticator wraps the authenticator of a process that serves
// metering without the registry in it (registry.RemoteAuthenticator), so
// that while the registry is down callers get 503 registry_unavailable, a
// stable code and message, instead of the gRPC dial error. Its cause is
// logged once per outage. Other errors pass through unchanged.
func RegistryAuthenticator(a authn.Authenticator, log *slog.Logger) authn.Authenticator {
	if log == nil {
		log = slog.Default()
	}
	return &registryAuthenticator{next: a, outage: &outage{log: log,
		failMsg: "metering: the registry cannot be reached to authenticate callers; answering 503 registry_unavailable until it is back",
		okMsg:   "metering: the registry is reachable again; callers are authenticated"}}
}

type registryAuthenticator struct {
	next   authn.Authenticator
	outage *outage
}

// Authenticate implements authn.Authenticator.
func (r *registryAuthenticator) Authenticate(ctx context.Context, token string) (authn.Principal, error) {
	p, err := r.next.Authenticate(ctx, token)
	if registryDown(ctx, err) {
		r.outage.failed(err)
		return authn.Principal{}, registryUnavailable(err)
	}
	// A service principal may come from the internal token, which is
	// checked without asking the registry: it does not show the registry
	// is back.
	if ctx.Err() == nil && (err != nil || p.Role != authn.RoleService) {
		r.outage.ok()
	}
	return p, err
}
