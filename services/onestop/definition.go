package onestop

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/service"
)

// Definition is the one-stop service's entry in the service table.
var Definition = service.Definition{
	Name:    "onestop",
	Summary: "one-stop dossier records (hồ sơ TTHC): codes, status machine, working-day deadlines, transfers, statistics, synced to the national public-service portal",
	Config: func(dev bool) any {
		c := DefaultConfig()
		if dev {
			// The simulator answers at once; so does the demo.
			c.SyncMaxBackoff = 5 * time.Second
			c.OverdueEvery = 10 * time.Second
		}
		return &c
	},
	Needs: service.Needs{Database: true, Registry: true},
	New: func(ctx context.Context, d service.Deps, cfg any) (service.Instance, error) {
		c := *cfg.(*Config)
		c.Replicas = d.Replicas
		if d.Registry.Gateway == nil {
			return nil, errors.New("onestop: a registry is required")
		}
		return New(ctx, c, d.DB, d.Bus, d.Registry.Gateway, d.Log)
	},
}

// PublicPrefix is the public lookup's REST path prefix.
const PublicPrefix = "/admin/v1/onestop/public/"

// PublicGRPCMethods names the calls that need no credentials: the public
// lookup by dossier code.
func (s *Service) PublicGRPCMethods() []string {
	return []string{"/lgsp.onestop.v1.OneStopService/GetPublicDossier"}
}

// IsPublicREST reports the public lookup's REST path.
func (s *Service) IsPublicREST(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, PublicPrefix+"dossiers/")
}

// Routes serves the statistics as CSV.
func (s *Service) Routes() []service.Route {
	return []service.Route{{Pattern: "GET " + StatisticsCSVPath, Handler: http.HandlerFunc(s.serveStatisticsCSV)}}
}
