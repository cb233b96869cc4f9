package registry

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	lgspservice "github.com/lgsp-vn/lgsp/platform/service"
)

// Definition is the registry's entry in the service table.
var Definition = lgspservice.Definition{
	Name:    ServiceName,
	Summary: "agencies, APIs, applications, credentials, subscriptions, admin users and the audit log",
	Config: func(dev bool) any {
		c := DefaultConfig()
		if dev {
			// The simulators and a developer's own services listen on
			// loopback; a value set in the file or environment replaces
			// this list.
			c.UpstreamAllow = append(c.UpstreamAllow, "127.0.0.0/8")
		}
		return &c
	},
	Needs: lgspservice.Needs{Database: true, PeerToken: true},
	New: func(ctx context.Context, d lgspservice.Deps, cfg any) (lgspservice.Instance, error) {
		c := *cfg.(*Config)
		c.InternalToken = d.PeerToken
		c.StreamReplicas = d.Replicas
		s, err := New(ctx, c, d.DB, d.Bus, d.Log, nil)
		if err != nil {
			return nil, err
		}
		if c.AdminPassword != "" {
			if _, err := s.EnsureAdmin(ctx, c.AdminPassword); err != nil {
				return nil, fmt.Errorf("bootstrap admin (LGSP_ADMIN_PASSWORD): %w", err)
			}
		}
		return s, nil
	},
}

// Registry hands the in-process registry to the services of the same
// process.
func (s *Service) Registry() lgspservice.Registry {
	return lgspservice.Registry{Gateway: s.LocalGatewayClient(), Authenticator: s}
}

// PublicGRPCMethods lists the calls that need no principal.
func (s *Service) PublicGRPCMethods() []string {
	out := make([]string, 0, len(PublicGRPCMethods))
	for m := range PublicGRPCMethods {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// IsPublicREST reports whether an admin REST request needs no principal.
func (s *Service) IsPublicREST(r *http.Request) bool { return IsPublicREST(r) }
