package docexchange

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/lgsp-vn/lgsp/platform/service"
)

// Definition is the document exchange's entry in the service table.
var Definition = service.Definition{
	Name:    "docexchange",
	Summary: "document exchange axis: edXML documents and statuses between agencies, national-axis compatible, bridged to the national axis",
	Config: func(dev bool) any {
		c := DefaultConfig()
		if dev {
			// Developers try webhooks on their own machine.
			c.WebhookAllowHTTP = true
			c.WebhookAllow = append(c.WebhookAllow, "127.0.0.0/8", "::1")
			// The simulator answers at once; so does the demo.
			c.NationalPollEvery = time.Second
			// The demo publishes its aggregate counts, as provinces do.
			c.PublicStatistics = true
		}
		return &c
	},
	Needs: service.Needs{Database: true, Registry: true},
	New: func(ctx context.Context, d service.Deps, cfg any) (service.Instance, error) {
		c := *cfg.(*Config)
		c.Replicas = d.Replicas
		if d.Registry.Gateway == nil {
			return nil, errors.New("docexchange: a registry is required")
		}
		s, err := New(ctx, c, d.DB, d.Bus, d.Registry.Gateway, d.Log)
		if err != nil {
			return nil, err
		}
		if err := s.hooks.loadKey(d.DataDir); err != nil {
			return nil, err
		}
		return s, nil
	},
}

// PublicGRPCMethods names the calls that need no credentials: the public
// statistics (which answer "disabled" unless the operator turned them on).
func (s *Service) PublicGRPCMethods() []string {
	return []string{"/lgsp.docexchange.v1.DocExchangeService/GetPublicStatistics"}
}

// IsPublicREST reports the public statistics' REST path.
func (s *Service) IsPublicREST(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == "/admin/v1/docexchange/public/statistics"
}
