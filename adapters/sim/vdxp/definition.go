package vdxp

import (
	"context"
	"fmt"
	"net"

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
		ln, err := net.Listen("tcp", c.Addr)
		if err != nil {
			return nil, fmt.Errorf("national document axis simulator on %s (LGSP_SIM_VDXP_ADDR): %w", c.Addr, err)
		}
		return &Instance{Simulator: New(c, d.Log), ln: ln}, nil
	},
}

// Instance is a simulator with its bound listener. The province's bridge
// reaches it at URL() with Config().SystemID and Config().Secret
// (DevSystemID and DevSecret unless configured otherwise).
type Instance struct {
	*Simulator
	ln net.Listener
}

// URL is the simulator's base URL: the axis calls are URL()+"/sendEdoc"
// and so on.
func (i *Instance) URL() string { return "http://" + i.ln.Addr().String() }

// Ready is always true once the listener is bound.
func (i *Instance) Ready(context.Context) error { return nil }

// Run serves until ctx is cancelled.
func (i *Instance) Run(ctx context.Context) error { return i.Serve(ctx, i.ln) }

// Endpoints names the simulator's URL for the start banner.
func (i *Instance) Endpoints() []service.Endpoint {
	return []service.Endpoint{{Name: EndpointName, URL: i.URL()}}
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
