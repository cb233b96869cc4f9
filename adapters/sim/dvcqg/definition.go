package dvcqg

import (
	"context"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
	"github.com/lgsp-vn/lgsp/platform/service"
)

// EndpointName names the simulator's URL among a process's endpoints.
const EndpointName = "dvcqg simulator"

// Definition is the national public-service portal simulator's entry in
// the service table: it runs in `lgsp dev` only (or alone with `lgsp sim
// dvcqg`), as a real HTTP server on its own address.
var Definition = service.Definition{
	Name:    "sim_dvcqg",
	Summary: "simulator of the national public-service portal, Cổng Dịch vụ công quốc gia (dev mode only)",
	Config:  func(bool) any { c := DefaultConfig(); return &c },
	DevOnly: true,
	New: func(_ context.Context, d service.Deps, cfg any) (service.Instance, error) {
		c := *cfg.(*Config)
		sim := New(c, d.Log)
		b, err := simkit.Bind(c.Addr, "national public-service portal simulator", "LGSP_SIM_DVCQG_ADDR", EndpointName, sim.Serve)
		if err != nil {
			return nil, err
		}
		return &Instance{Simulator: sim, Bound: b}, nil
	},
}

// Instance is a simulator with its bound listener. The province's
// connector reaches it at URL() with Config().Username and
// Config().Password (DevUsername and DevPassword unless configured
// otherwise).
type Instance struct {
	*Simulator
	*simkit.Bound
}

// Banner tells a developer how to reach the simulator, for `lgsp sim
// dvcqg`. Only the public demo values are shown; configured secrets are
// not.
func (i *Instance) Banner() []string {
	c := i.Config()
	password := "(configured: LGSP_SIM_DVCQG_PASSWORD)"
	if c.Password == DevPassword {
		password = DevPassword + " (public demo value)"
	}
	lines := []string{
		"province username:        " + c.Username,
		"its password:             " + password,
		"portal calls:             POST " + i.URL() + "/" + wire.CallLayPhien + ", /" + wire.CallDongBoHoSoMC +
			", /" + wire.CallCapNhatTienDoHoSoMC + ", /" + wire.CallTraCuuHoSo,
	}
	switch c.AdminToken {
	case "":
		lines = append(lines, "control surface:          off (LGSP_SIM_DVCQG_ADMIN_TOKEN is empty)")
	case DevAdminToken:
		lines = append(lines, "control surface:          "+i.URL()+AdminPrefix+"…  Authorization: Bearer "+DevAdminToken)
	default:
		lines = append(lines, "control surface:          "+i.URL()+AdminPrefix+"…  (token: LGSP_SIM_DVCQG_ADMIN_TOKEN)")
	}
	return lines
}
