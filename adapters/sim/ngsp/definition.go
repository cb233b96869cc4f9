package ngsp

import (
	"context"
	"fmt"
	"net"

	"github.com/lgsp-vn/lgsp/platform/service"
)

// Definition is the NGSP simulator's entry in the service table: it runs
// in `lgsp dev` only, as a real HTTP server on its own address.
var Definition = service.Definition{
	Name:    "sim_ngsp",
	Summary: "simulator of NGSP and the national databases behind it (dev mode only)",
	Config:  func(bool) any { c := DefaultConfig(); return &c },
	DevOnly: true,
	New: func(_ context.Context, d service.Deps, cfg any) (service.Instance, error) {
		c := *cfg.(*Config)
		ln, err := net.Listen("tcp", c.Addr)
		if err != nil {
			return nil, fmt.Errorf("NGSP simulator on %s (LGSP_SIMULATOR_ADDR): %w", c.Addr, err)
		}
		return &Instance{Simulator: New(c, d.Log), ln: ln, cfg: c}, nil
	},
}

// Instance is a simulator with its bound listener.
type Instance struct {
	*Simulator
	ln  net.Listener
	cfg Config
}

// URL is the simulator's base URL.
func (i *Instance) URL() string { return "http://" + i.ln.Addr().String() }

// Config is the configuration the simulator runs with.
func (i *Instance) Config() Config { return i.cfg }

// Ready is always true once the listener is bound.
func (i *Instance) Ready(context.Context) error { return nil }

// Run serves until ctx is cancelled.
func (i *Instance) Run(ctx context.Context) error { return i.Serve(ctx, i.ln) }

// Endpoints names the simulator's URL for the start banner.
func (i *Instance) Endpoints() []service.Endpoint {
	return []service.Endpoint{{Name: "simulators", URL: i.URL()}}
}
