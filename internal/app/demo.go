package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	simvdxp "github.com/lgsp-vn/lgsp/adapters/sim/vdxp"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/adapters"
	"github.com/lgsp-vn/lgsp/services/docexchange"
	"github.com/lgsp-vn/lgsp/services/onestop"
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
	if err := a.seedExchangeDemo(ctx, reg); err != nil {
		return err
	}
	if err := a.seedOneStopDemo(ctx, reg); err != nil {
		return err
	}
	return a.seedAdaptersDemo(ctx, reg, sim)
}

// seedAdaptersDemo points the adapters at the NGSP simulator, registers
// one API per national database behind the gateway with a department's
// lookup software subscribed to them, and the demo auditor.
func (a *App) seedAdaptersDemo(ctx context.Context, reg *registry.Service, sim *ngsp.Instance) error {
	svc, ok := a.Instance(adapters.Definition.Name).(*adapters.Service)
	if !ok {
		return nil
	}
	if !svc.HasNGSP() {
		scfg := sim.Config()
		if err := svc.UseNGSP(sim.URL(), "", scfg.ConsumerKey, scfg.ConsumerSecret); err != nil {
			return fmt.Errorf("adapters demo: %w", err)
		}
	}
	err := reg.SeedAdaptersDemo(ctx, registry.AdaptersDemoOptions{
		BaseURL: a.Info.AdminURL + "/admin/v1/adapters", AuditorPassword: a.Info.AuditorPassword,
	})
	if err != nil {
		return fmt.Errorf("adapters demo: %w", err)
	}
	a.Info.AdaptersAPIKey = registry.AdaptersDemoAPIKey
	a.Info.DemoCitizenID = sim.Demo().SoDinhDanh
	a.Info.DemoEnterprise = sim.Demo().MSDN
	return nil
}

// seedOneStopDemo registers the one-stop API and its public lookup behind
// the gateway, with a commune, its district and the province, their
// one-stop software's applications, the units' levels and a catalogue of
// procedures; the portal sync goes to the portal simulator.
func (a *App) seedOneStopDemo(ctx context.Context, reg *registry.Service) error {
	svc, ok := a.Instance(onestop.Definition.Name).(*onestop.Service)
	if !ok {
		return nil
	}
	if sim, ok := a.Instance(simdvcqg.Definition.Name).(*simdvcqg.Instance); ok && !svc.HasPortal() {
		scfg := sim.Config()
		province := registry.OneStopDemoAgencies[len(registry.OneStopDemoAgencies)-1].Code
		if err := svc.UsePortal(sim.URL(), scfg.Username, scfg.Password, province); err != nil {
			return fmt.Errorf("one-stop demo: %w", err)
		}
	}
	err := reg.SeedOneStopDemo(ctx, registry.OneStopDemoOptions{
		APIURL:    a.Info.AdminURL + "/admin/v1/onestop",
		PublicURL: a.Info.AdminURL + strings.TrimSuffix(onestop.PublicPrefix, "/"),
	})
	if err != nil {
		return fmt.Errorf("one-stop demo: %w", err)
	}
	var units []onestop.DemoUnit
	for _, ag := range registry.OneStopDemoAgencies {
		units = append(units, onestop.DemoUnit{Agency: ag.Code, Level: ag.Level})
		a.Info.OneStopAgencies = append(a.Info.OneStopAgencies, ag.Code)
	}
	if err := svc.SeedDemo(ctx, units); err != nil {
		return fmt.Errorf("one-stop demo: %w", err)
	}
	return nil
}

// seedExchangeDemo registers the document exchange's two APIs behind the
// gateway, pointing at this process's admin listener, with three demo
// agencies and their document-management applications.
func (a *App) seedExchangeDemo(ctx context.Context, reg *registry.Service) error {
	dx, ok := a.Instance(docexchange.Definition.Name).(*docexchange.Service)
	if !ok {
		return nil
	}
	// The bridge goes to the national axis simulator, which routes the
	// demo agencies' documents into the province.
	if sim, ok := a.Instance(simvdxp.Definition.Name).(*simvdxp.Instance); ok {
		codes := make([]string, len(registry.ExchangeDemoAgencies))
		for i, ag := range registry.ExchangeDemoAgencies {
			codes[i] = ag.Code
		}
		sim.HostInProvince(codes...)
		scfg := sim.Config()
		dx.UseNational(sim.URL(), scfg.SystemID, scfg.Secret)
	}
	err := reg.SeedExchangeDemo(ctx, registry.ExchangeDemoOptions{
		NationalURL: a.Info.AdminURL + strings.TrimSuffix(docexchange.NationalPath, "/"),
		APIURL:      a.Info.AdminURL + "/admin/v1/docexchange",
		PublicURL:   a.Info.AdminURL + "/admin/v1/docexchange/public",
	})
	if err != nil {
		return fmt.Errorf("document exchange demo: %w", err)
	}
	for _, ag := range registry.ExchangeDemoAgencies {
		a.Info.ExchangeAgencies = append(a.Info.ExchangeAgencies, ag.Code)
	}
	return nil
}
