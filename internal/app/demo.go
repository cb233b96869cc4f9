package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// seedDemo makes the dev platform usable at once: the bootstrap admin, and
// with the simulators, the business-registration API behind the gateway
// with a demo application subscribed to it.
func (a *App) seedDemo(ctx context.Context) error {
	reg, ok := a.Instance(RegistryName).(*registry.Service)
	if !ok {
		return errors.New("demo data: the registry does not run in this process")
	}
	sim, ok := a.Instance(ngsp.Definition.Name).(*ngsp.Instance)
	if !ok {
		return nil
	}
	scfg := sim.Config()
	demo, err := reg.SeedDemo(ctx, registry.DemoOptions{
		UpstreamURL:      sim.URL() + ngsp.BusinessRegistrationContext,
		FixedCredentials: true,
		UpstreamAuth: &registryv1.UpstreamAuth{
			Type:         registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS,
			TokenUrl:     sim.URL() + "/token",
			ClientId:     scfg.ConsumerKey,
			ClientSecret: scfg.ConsumerSecret,
		},
	})
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	a.Info.DemoClientID = demo.ClientID
	a.Info.DemoClientSecret = demo.ClientSecret
	a.Info.DemoAPIPath = "/" + demo.APIContext + "/" + demo.APIVersion + "/chiTietDoanhNghiep?msdn=" + sim.Demo().MSDN
	return nil
}
