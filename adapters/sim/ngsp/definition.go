package ngsp

import (
	"context"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
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
		sim := New(c, d.Log)
		b, err := simkit.Bind(c.Addr, "NGSP simulator", "LGSP_SIMULATOR_ADDR", "simulators", sim.Serve)
		if err != nil {
			return nil, err
		}
		return &Instance{Simulator: sim, Bound: b, cfg: c}, nil
	},
}

// Instance is a simulator with its bound listener.
type Instance struct {
	*Simulator
	*simkit.Bound
	cfg Config
}

// Config is the configuration the simulator runs with.
func (i *Instance) Config() Config { return i.cfg }
