package adapters

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
)

// TestCatalogEvents: each shared catalog's version is announced once on
// NATS, again only when NGSP serves another version, also after a
// restart.
func TestCatalogEvents(t *testing.T) {
	_, bus := natstest.Start(t)
	db := sqltest.Open(t, "sqlite")
	e := newEnv(t, db)
	start := func() *Service {
		s, err := New(context.Background(), e.cfg, db, bus, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start()
	ctx := context.Background()
	if err := s.warmCatalogs(ctx); err != nil {
		t.Fatal(err)
	}
	read := func() []CatalogUpdated {
		t.Helper()
		stream, err := bus.JS.Stream(ctx, natsx.AdaptersStream)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := stream.Info(ctx)
		cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		var out []CatalogUpdated
		for uint64(len(out)) < info.State.Msgs {
			batch, err := cons.FetchNoWait(100)
			if err != nil {
				t.Fatal(err)
			}
			for m := range batch.Messages() {
				var ev CatalogUpdated
				if err := json.Unmarshal(m.Data(), &ev); err != nil {
					t.Fatal(err)
				}
				if m.Subject() != natsx.AdaptersEventSubject+".catalog_updated."+ev.Code || m.Headers().Get(jetstream.MsgIDHeader) != ev.Code+"#"+ev.Version {
					t.Fatalf("subject %s, id %s for %+v", m.Subject(), m.Headers().Get(jetstream.MsgIDHeader), ev)
				}
				out = append(out, ev)
			}
		}
		return out
	}
	first := read()
	if len(first) == 0 || first[0].Version == "" || first[0].PreviousVersion != "" {
		t.Fatalf("first announcements: %+v", first)
	}
	// Again, and after a restart: nothing new.
	if err := s.warmCatalogs(ctx); err != nil {
		t.Fatal(err)
	}
	if err := start().warmCatalogs(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(read()); n != len(first) {
		t.Fatalf("%d events after repeats, want %d", n, len(first))
	}
	// A catalog whose announced version is older gets announced again.
	code := first[0].Code
	if _, err := db.ExecContext(ctx, `UPDATE adapters_catalog_versions SET version = 'old' WHERE code = '`+code+`'`); err != nil {
		t.Fatal(err)
	}
	if err := s.warmCatalogs(ctx); err != nil {
		t.Fatal(err)
	}
	all := read()
	// The same version's message id is within the duplicate window, so
	// JetStream keeps one copy: the announcement is recorded, not stored
	// twice.
	if len(all) != len(first) {
		t.Fatalf("%d events, want %d (deduplicated by <code>#<version>)", len(all), len(first))
	}
	var v string
	if err := db.QueryRowContext(ctx, `SELECT version FROM adapters_catalog_versions WHERE code = '`+code+`'`).Scan(&v); err != nil || v != first[0].Version {
		t.Fatalf("recorded version %q %v, want %q", v, err, first[0].Version)
	}
}
