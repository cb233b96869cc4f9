package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"

	"github.com/lgsp-vn/lgsp/platform/gatewayid"
	"github.com/lgsp-vn/lgsp/platform/server"
	"github.com/lgsp-vn/lgsp/platform/service"
)

// Definition is the gateway's entry in the service table.
var Definition = service.Definition{
	Name:    "gateway",
	Summary: "the public API gateway: authentication, subscriptions, limits, proxying and metering events",
	Config: func(dev bool) any {
		c := DefaultConfig()
		if dev {
			c.Addr = "127.0.0.1:8080"
			// As the registry's: the simulators and a developer's own
			// services listen on loopback. A value set in the file or the
			// environment replaces this list.
			c.UpstreamAllow = append(c.UpstreamAllow, "127.0.0.0/8")
		}
		return &c
	},
	// The internal token keys the identity assertions of platform
	// upstreams (platform/gatewayid).
	Needs: service.Needs{Registry: true, PeerToken: true},
	New: func(ctx context.Context, d service.Deps, cfg any) (service.Instance, error) {
		c := *cfg.(*Config)
		c.StreamReplicas = d.Replicas
		c.ShutdownTimeout = d.StopBound
		if c.MeteringJournalDir == "" && d.DataDir != "" {
			c.MeteringJournalDir = filepath.Join(d.DataDir, "metering-journal")
		}
		if d.Registry.Gateway == nil {
			return nil, errors.New("gateway: a registry is required")
		}
		var opts []Option
		if d.PeerToken != "" {
			k, err := gatewayid.NewKey(d.PeerToken)
			if err != nil {
				return nil, fmt.Errorf("gateway: LGSP_INTERNAL_TOKEN: %w", err)
			}
			opts = append(opts, WithIdentityKey(k))
		}
		g, err := New(c, RegistryFromClient(d.Registry.Gateway), d.Bus, d.Log, opts...)
		if err != nil {
			return nil, err
		}
		// Bound now, so that a port conflict fails at start.
		ln, err := net.Listen("tcp", c.Addr)
		if err != nil {
			return nil, fmt.Errorf("gateway listener on %s (LGSP_GATEWAY_ADDR): %w", c.Addr, err)
		}
		scheme := "http://"
		if c.TLSCertFile != "" {
			scheme = "https://"
		}
		return &instance{Gateway: g, ln: ln, url: scheme + server.DisplayAddr(ln.Addr().String())}, nil
	},
}

// instance is a gateway with its bound public listener.
type instance struct {
	*Gateway
	ln  net.Listener
	url string
}

func (i *instance) Run(ctx context.Context) error { return i.RunListener(ctx, i.ln) }

func (i *instance) Endpoints() []service.Endpoint {
	return []service.Endpoint{{Name: "gateway", URL: i.url}}
}
