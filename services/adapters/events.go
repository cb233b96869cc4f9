package adapters

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
	"github.com/lgsp-vn/lgsp/platform/natsx"
)

// CatalogUpdated is the payload of lgsp.adapters.events.catalog_updated.<code>:
// NGSP serves a new version of a shared catalog, so systems that keep a
// copy know to read it again (GET /ngsp-catalogs/v1/<code>).
type CatalogUpdated struct {
	Code            string    `json:"code"`
	Name            string    `json:"name"`
	Version         string    `json:"version"`
	PreviousVersion string    `json:"previousVersion,omitempty"`
	EffectiveOn     string    `json:"effectiveOn"`
	Size            int       `json:"size"`
	At              time.Time `json:"at"`
}

// announceCatalogs publishes a CatalogUpdated for each catalog whose
// version differs from the one last announced, then records it. A failed
// publish is not recorded, so the next round announces it again; the
// message id <code>#<version> keeps a repeat within JetStream's window
// from being stored twice.
func (s *Service) announceCatalogs(ctx context.Context, infos []natdb.CatalogInfo) error {
	if s.bus == nil {
		return nil
	}
	for _, c := range infos {
		var prev string
		err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT version FROM adapters_catalog_versions WHERE code = ?`), c.Ma).Scan(&prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && prev == c.PhienBan {
			continue
		}
		data, _ := json.Marshal(CatalogUpdated{Code: c.Ma, Name: c.Ten, Version: c.PhienBan, PreviousVersion: prev,
			EffectiveOn: isoDate(c.NgayHieuLuc), Size: c.SoPhanTu, At: s.now().UTC()})
		msg := nats.NewMsg(natsx.AdaptersEventSubject + ".catalog_updated." + c.Ma)
		msg.Data = data
		msg.Header.Set(jetstream.MsgIDHeader, c.Ma+"#"+c.PhienBan)
		if _, err := s.bus.JS.PublishMsg(ctx, msg); err != nil {
			return err
		}
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO adapters_catalog_versions (code, version, updated_ms) VALUES (?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET version = excluded.version, updated_ms = excluded.updated_ms`),
			c.Ma, c.PhienBan, s.now().UnixMilli()); err != nil {
			return err
		}
		s.log.InfoContext(ctx, "shared catalog version announced", "catalog", c.Ma, "version", c.PhienBan, "previous", prev)
	}
	return nil
}
