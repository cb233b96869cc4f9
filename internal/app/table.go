package app

import (
	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	simvdxp "github.com/lgsp-vn/lgsp/adapters/sim/vdxp"
	"github.com/lgsp-vn/lgsp/gateway"
	"github.com/lgsp-vn/lgsp/platform/service"
	"github.com/lgsp-vn/lgsp/services/adapters"
	"github.com/lgsp-vn/lgsp/services/docexchange"
	"github.com/lgsp-vn/lgsp/services/metering"
	"github.com/lgsp-vn/lgsp/services/onestop"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// RegistryName is the registry's name in the table: the services that need
// a registry use the one in their process when it runs there.
const RegistryName = "registry"

// Table is every service, in start order: the registry first, since the
// others use it. `lgsp dev` runs them all; `lgsp serve <name>` runs one.
// Adding a service is its package and one line here.
var Table = []service.Definition{
	registry.Definition,
	metering.Definition,
	docexchange.Definition,
	onestop.Definition,
	adapters.Definition,
	gateway.Definition,
	ngsp.Definition,
	simvdxp.Definition,
	simdvcqg.Definition,
}

// ServeNames lists the services `lgsp serve` accepts.
func ServeNames() []string {
	var out []string
	for _, d := range Table {
		if !d.DevOnly {
			out = append(out, d.Name)
		}
	}
	return out
}

func lookup(name string) (service.Definition, bool) {
	for _, d := range Table {
		if d.Name == name {
			return d, true
		}
	}
	return service.Definition{}, false
}
