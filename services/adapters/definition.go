package adapters

import (
	"context"
	"net/http"
	"time"

	"github.com/lgsp-vn/lgsp/platform/service"
)

// Definition is the adapters service's entry in the service table.
var Definition = service.Definition{
	Name:    "adapters",
	Summary: "national-database adapters through NGSP: typed business, population, civil-status, judicial, social-insurance and catalog lookups, with a purpose-bound, tamper-evident personal-data access log",
	Config: func(dev bool) any {
		c := DefaultConfig()
		if dev {
			// The demo province of lgsp dev, for an admin's lookups.
			c.ProvinceAgency = DevProvinceAgency
		}
		return &c
	},
	// The registry authenticates the auditors and admins who read the
	// access log; applications come through the gateway's assertion.
	Needs: service.Needs{Database: true, Registry: true},
	New: func(ctx context.Context, d service.Deps, cfg any) (service.Instance, error) {
		c := *cfg.(*Config)
		c.Replicas = d.Replicas
		return New(ctx, c, d.DB, d.Bus, d.Log)
	},
}

// DevProvinceAgency is the province agency code lgsp dev sends to the NGSP
// simulator for lookups made by a platform admin.
const DevProvinceAgency = "000.00.00.H56"

// Routes serves the access report as CSV.
func (s *Service) Routes() []service.Route {
	return []service.Route{{Pattern: "GET " + AccessReportCSVPath, Handler: http.HandlerFunc(s.serveAccessReportCSV)}}
}

// Run keeps the shared catalogs warm until ctx ends: it reads them once
// NGSP is configured, then again every half of their TTL, so that they
// are in the cache to be served when NGSP goes down. A failure is logged
// and tried again at the next round.
func (s *Service) Run(ctx context.Context) error {
	every := max(s.cfg.CacheCatalogs/2, time.Second)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if s.HasNGSP() {
			if err := s.warmCatalogs(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "catalog refresh failed; the cached catalogs are served", "err", err)
			}
		}
		t.Reset(every)
	}
}
