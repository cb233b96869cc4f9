package metering

import (
	"context"
	"errors"

	"github.com/lgsp-vn/lgsp/platform/service"
)

// Definition is metering's entry in the service table.
var Definition = service.Definition{
	Name:    "metering",
	Summary: "exact transaction counts, reports, CSV export and quota state",
	Config:  func(bool) any { c := DefaultConfig(); return &c },
	Needs:   service.Needs{Database: true, Registry: true},
	New: func(ctx context.Context, d service.Deps, cfg any) (service.Instance, error) {
		c := *cfg.(*Config)
		c.Replicas = d.Replicas
		if d.Registry.Gateway == nil {
			return nil, errors.New("metering: a registry is required")
		}
		s, err := New(c, d.DB, d.Bus, LimitsFromClient(d.Registry.Gateway), d.Log)
		if err != nil {
			return nil, err
		}
		if err := s.Migrate(ctx); err != nil {
			return nil, err
		}
		return s, nil
	},
}

// Routes mounts the CSV export beside the REST face.
func (s *Service) Routes() []service.Route {
	return []service.Route{{Pattern: "GET " + CSVPath, Handler: s.CSVHandler()}}
}
