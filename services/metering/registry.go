package metering

import (
	"context"
	"log/slog"
	"sync/atomic"

	"google.golang.org/grpc"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// What metering asks of the registry: the gateway snapshot, for quota
// limits and for which agencies a subscription belongs to (Limits). It may
// find the registry down; callers then get registry_unavailable (503), and
// the cause is logged once per outage. (Who a caller is, in a process
// without the registry, is registry.RemoteAuthenticator's answer, with the
// same 503.)

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
