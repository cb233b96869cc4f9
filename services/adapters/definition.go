package adapters

import (
	"context"
	"net/http"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/service"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
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

// Routes serves the access report as CSV, and the catalog list at its
// path with a trailing slash too (GET /ngsp-catalogs/v1/ through the
// gateway), which the REST mapping would read as a catalog without a code.
func (s *Service) Routes() []service.Route {
	return []service.Route{
		{Pattern: "GET " + AccessReportCSVPath, Handler: http.HandlerFunc(s.serveAccessReportCSV)},
		{Pattern: "GET /admin/v1/adapters/catalogs/{$}", Handler: http.HandlerFunc(s.serveCatalogList)},
		// Without it, net/http would redirect the path without the slash
		// to the one with it.
		{Pattern: "GET /admin/v1/adapters/catalogs", Handler: http.HandlerFunc(s.serveCatalogList)},
	}
}

// serveCatalogList answers ListCatalogs as the REST face does.
func (s *Service) serveCatalogList(w http.ResponseWriter, r *http.Request) {
	out, err := (&grpcServer{s: s}).ListCatalogs(r.Context(), &pb.ListCatalogsRequest{})
	if err != nil {
		apierr.WriteJSON(w, r, err)
		return
	}
	b, err := protojson.MarshalOptions{EmitUnpopulated: true}.Marshal(out)
	if err != nil {
		apierr.WriteJSON(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
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
