package metering

import (
	"context"
	"log/slog"
	"sync/atomic"

	"google.golang.org/grpc"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// What metering asks of the registry: the quota limits, for monthly
// quotas and for which agencies a subscription belongs to (Limits). It may
// find the registry down; callers then get registry_unavailable (503), and
// the cause is logged once per outage. (Who a caller is, in a process
// without the registry, is registry.RemoteAuthenticator's answer, with the
// same 503.)

// Limits is where monthly quotas come from: the registry's GetQuotaLimits
// (subscription -> monthly quota of its tier, application agency, API
// owner), which carries no route and no secret, unlike the gateway's
// snapshot. The registry's GatewayService server implements it in process;
// LimitsFromClient adapts a gRPC client.
type Limits interface {
	GetQuotaLimits(ctx context.Context, req *registryv1.GetQuotaLimitsRequest) (*registryv1.GetQuotaLimitsResponse, error)
}

// LimitsFunc adapts a function to Limits.
type LimitsFunc func(ctx context.Context, req *registryv1.GetQuotaLimitsRequest) (*registryv1.GetQuotaLimitsResponse, error)

// GetQuotaLimits implements Limits.
func (f LimitsFunc) GetQuotaLimits(ctx context.Context, req *registryv1.GetQuotaLimitsRequest) (*registryv1.GetQuotaLimitsResponse, error) {
	return f(ctx, req)
}

// LimitsFromClient adapts a registry GatewayService client (which carries
// the internal token through its per-RPC credentials, or calls the registry
// in process).
func LimitsFromClient(c registryv1.GatewayServiceClient, opts ...grpc.CallOption) Limits {
	return LimitsFunc(func(ctx context.Context, req *registryv1.GetQuotaLimitsRequest) (*registryv1.GetQuotaLimitsResponse, error) {
		return c.GetQuotaLimits(ctx, req, opts...)
	})
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
