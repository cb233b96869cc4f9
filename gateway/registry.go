package gateway

import (
	"context"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Registry is what the gateway needs from the registry service. The
// in-process registry service satisfies it directly; RegistryFromClient
// adapts a gRPC client.
type Registry interface {
	GetSnapshot(ctx context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error)
	IssueToken(ctx context.Context, req *registryv1.IssueTokenRequest) (*registryv1.IssueTokenResponse, error)
}

// RegistryFromClient adapts a GatewayService gRPC client. The client's
// connection should carry the internal service token (authn.PerRPCToken).
func RegistryFromClient(c registryv1.GatewayServiceClient) Registry { return clientRegistry{c} }

type clientRegistry struct {
	c registryv1.GatewayServiceClient
}

func (r clientRegistry) GetSnapshot(ctx context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error) {
	return r.c.GetSnapshot(ctx, req)
}

func (r clientRegistry) IssueToken(ctx context.Context, req *registryv1.IssueTokenRequest) (*registryv1.IssueTokenResponse, error) {
	return r.c.IssueToken(ctx, req)
}
