package vdxp

import (
	"context"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
	"github.com/lgsp-vn/lgsp/platform/service"
)

// EndpointName names the simulator's URL among a process's endpoints.
const EndpointName = "vdxp simulator"

// Definition is the national document axis simulator's entry in the
// service table: it runs in `lgsp dev` only (or alone with `lgsp sim
// vdxp`), as a real HTTP server on its own address.
var Definition = service.Definition{
	Name:    "sim_vdxp",
	Summary: "simulator of the national document axis, trục liên thông văn bản quốc gia (dev mode only)",
	Config:  func(bool) any { c := DefaultConfig(); return &c },
	DevOnly: true,
	New: func(_ context.Context, d service.Deps, cfg any) (service.Instance, error) {
		c := *cfg.(*Config)
		sim := New(c, d.Log)
		b, err := simkit.Bind(c.Addr, "national document axis simulator", "LGSP_SIM_VDXP_ADDR", EndpointName, sim.Serve)
		if err != nil {
			return nil, err
		}
		return &Instance{Simulator: sim, Bound: b}, nil
	},
}

// Instance is a simulator with its bound listener. The province's bridge
// reaches it at URL() with Config().SystemID and Config().Secret
// (DevSystemID and DevSecret unless configured otherwise).
type Instance struct {
	*Simulator
	*simkit.Bound
}

// Banner tells a developer how to reach the simulator, for `lgsp sim
// vdxp`. Only the public demo values are shown; configured secrets are
// not.
func (i *Instance) Banner() []string {
	c := i.Config()
	secret := "(configured: LGSP_SIM_VDXP_SECRET)"
	if c.Secret == DevSecret {
		secret = DevSecret + " (public demo value)"
	}
	lines := []string{
		"province systemid:        " + c.SystemID,
		"its secret:               " + secret,
		"axis calls:               POST " + i.URL() + "/sendEdoc, /getReceivedEdocList, /getEdoc, /updateStatus …",
	}
	switch c.AdminToken {
	case "":
		lines = append(lines, "control surface:          off (LGSP_SIM_VDXP_ADMIN_TOKEN is empty)")
	case DevAdminToken:
		lines = append(lines, "control surface:          "+i.URL()+AdminPrefix+"…  Authorization: Bearer "+DevAdminToken)
	default:
		lines = append(lines, "control surface:          "+i.URL()+AdminPrefix+"…  (token: LGSP_SIM_VDXP_ADMIN_TOKEN)")
	}
	return lines
}
