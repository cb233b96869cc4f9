package natsx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Subjects, streams and buckets shared across services. Each has one owner
// that declares it; others only use it.
const (
	// Registry changes; payload lgsp.registry.v1.ChangeEvent. Owner: registry.
	RegistryStream        = "LGSP_REGISTRY"
	RegistryChangeSubject = "lgsp.registry.changes" // + ".<kind>"

	// Metering events; payload lgsp.metering.v1.EventBatch. Owner: metering,
	// but publishers declare it too so that events are never dropped for want
	// of a stream.
	MeteringStream       = "LGSP_METERING"
	MeteringEventSubject = "lgsp.metering.events" // + ".<source>"

	// Quota state per subscription; value lgsp.metering.v1.QuotaState.
	// Owner: metering.
	QuotaBucket = "LGSP_QUOTA"

	// Signed-header signatures the gateways have accepted, so that a
	// captured request is refused by every gateway, also after a restart;
	// key: hex SHA-256 of the system id and the signature, value: the
	// accepting gateway's instance id. Owner: gateway.
	ReplayBucket = "LGSP_SIGNED_REPLAY"

	// Deliveries of the document exchange, one message per recipient of a
	// package, on DocExchangeDeliverySubject + "." + AgencySubjectToken(code);
	// payload JSON {doc_id, kind, from, to, ...}. Recipients consume their
	// own subject instead of polling; webhooks are durable consumers of it.
	// Owner: docexchange.
	DocExchangeStream          = "LGSP_DOCEXCHANGE"
	DocExchangeDeliverySubject = "lgsp.docexchange.deliveries"

	// Package bytes of the document exchange, keyed by lower-case hex
	// SHA-256, so a package sent to many agencies is stored once. Owner:
	// docexchange.
	DocExchangeObjects = "LGSP_DOCEXCHANGE_PACKAGES"

	// One-stop dossier events, for other systems such as the IOC
	// dashboard: OneStopEventSubject + "." + kind ("created",
	// "status_changed", "transferred", "step", "overdue") + "." +
	// AgencySubjectToken(handling agency); payload JSON {code, seq, kind,
	// at, agency, status, ...}; Nats-Msg-Id is <code>#<seq>. Owner:
	// onestop.
	OneStopStream       = "LGSP_ONESTOP"
	OneStopEventSubject = "lgsp.onestop.events"

	// National-database adapter events: AdaptersEventSubject +
	// ".catalog_updated." + the catalog's code, when NGSP serves a new
	// version of a shared catalog; payload JSON {code, name, version,
	// previousVersion, effectiveOn, size, at}; Nats-Msg-Id is
	// <code>#<version>. No personal data ever goes here. Owner: adapters.
	AdaptersStream       = "LGSP_ADAPTERS"
	AdaptersEventSubject = "lgsp.adapters.events"
)

// AgencySubjectToken is an agency code as one NATS subject token: the
// code's dots become underscores (000.00.00.H30 → 000_00_00_H30).
func AgencySubjectToken(code string) string {
	b := []byte(code)
	for i, c := range b {
		switch c {
		case '.', ' ', '*', '>':
			b[i] = '_'
		}
	}
	return string(b)
}

// EnsureDocExchangeStream declares the document exchange's delivery stream.
func EnsureDocExchangeStream(ctx context.Context, js jetstream.JetStream, o StreamOptions, retention time.Duration) (jetstream.Stream, error) {
	return ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        DocExchangeStream,
		Description: "Document exchange deliveries, one per recipient",
		Subjects:    []string{DocExchangeDeliverySubject + ".>"},
		Storage:     jetstream.FileStorage,
		Replicas:    o.replicas(),
		MaxAge:      retention,
		Duplicates:  10 * time.Minute,
	}, false)
}

// EnsureDocExchangeObjects declares the package object store.
func EnsureDocExchangeObjects(ctx context.Context, js jetstream.JetStream, o StreamOptions) (jetstream.ObjectStore, error) {
	os, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      DocExchangeObjects,
		Description: "Document exchange packages by SHA-256",
		Storage:     jetstream.FileStorage,
		Replicas:    o.replicas(),
	})
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", DocExchangeObjects, err)
	}
	return os, nil
}

// StreamOptions tunes the platform's streams for the deployment.
type StreamOptions struct {
	// Replicas is 1 for the embedded server and 3 on a production cluster.
	Replicas int
	// MeteringRetention keeps raw metering events for audit.
	MeteringRetention time.Duration
}

func (o StreamOptions) replicas() int {
	if o.Replicas < 1 {
		return 1
	}
	return o.Replicas
}

// EnsureRegistryStream declares the registry change stream.
func EnsureRegistryStream(ctx context.Context, js jetstream.JetStream, o StreamOptions) (jetstream.Stream, error) {
	return ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        RegistryStream,
		Description: "Registry change events",
		Subjects:    []string{RegistryChangeSubject + ".>"},
		Storage:     jetstream.FileStorage,
		Replicas:    o.replicas(),
		MaxAge:      7 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
	}, false)
}

// EnsureMeteringStream declares the metering event stream.
func EnsureMeteringStream(ctx context.Context, js jetstream.JetStream, o StreamOptions) (jetstream.Stream, error) {
	retention := o.MeteringRetention
	if retention <= 0 {
		retention = 90 * 24 * time.Hour
	}
	return ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        MeteringStream,
		Description: "Metered transactions of every service",
		Subjects:    []string{MeteringEventSubject + ".>"},
		Storage:     jetstream.FileStorage,
		Replicas:    o.replicas(),
		MaxAge:      retention,
		// A gateway re-sends an unacknowledged batch with the same id for as
		// long as NATS is away; an hour of de-duplication covers realistic
		// outages (about 360,000 remembered ids at 100 batches/s).
		Duplicates: time.Hour,
	}, o.MeteringRetention <= 0)
}

// EnsureQuotaBucket declares the quota state bucket.
func EnsureQuotaBucket(ctx context.Context, js jetstream.JetStream, o StreamOptions) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, QuotaBucket)
	if err == nil {
		return kv, nil
	}
	if !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, fmt.Errorf("quota bucket: %w", err)
	}
	kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      QuotaBucket,
		Description: "Monthly quota state per subscription",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    o.replicas(),
	})
	if errors.Is(err, jetstream.ErrBucketExists) {
		return js.KeyValue(ctx, QuotaBucket)
	}
	return kv, err
}

// EnsureReplayBucket declares the signed-header replay bucket, whose keys
// live ttl: the gateway passes the whole time a signature stays acceptable.
// An existing bucket keeps a longer TTL and never loses replicas, so
// gateways configured with different windows all stay covered.
func EnsureReplayBucket(ctx context.Context, js jetstream.JetStream, o StreamOptions, ttl time.Duration) (jetstream.KeyValue, error) {
	cfg := jetstream.KeyValueConfig{
		Bucket:      ReplayBucket,
		Description: "Signed-header signatures accepted by the gateways, kept while they could be replayed",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
		Replicas:    o.replicas(),
	}
	kv, err := js.KeyValue(ctx, ReplayBucket)
	switch {
	case err == nil:
		st, err := kv.Status(ctx)
		if err != nil {
			return nil, fmt.Errorf("replay bucket: %w", err)
		}
		if st.TTL() >= ttl {
			return kv, nil
		}
		if info, ok := st.(*jetstream.KeyValueBucketStatus); ok && info.StreamInfo().Config.Replicas > cfg.Replicas {
			cfg.Replicas = info.StreamInfo().Config.Replicas
		}
		kv, err = js.UpdateKeyValue(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("replay bucket: %w", err)
		}
		return kv, nil
	case !errors.Is(err, jetstream.ErrBucketNotFound):
		return nil, fmt.Errorf("replay bucket: %w", err)
	}
	kv, err = js.CreateKeyValue(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketExists) {
		return js.KeyValue(ctx, ReplayBucket)
	}
	if err != nil {
		return nil, fmt.Errorf("replay bucket: %w", err)
	}
	return kv, nil
}

// ensureStream creates the stream or updates it to cfg. An existing stream
// never loses replicas and keeps its retention unless keepAge is false, so a
// publisher that declares a stream with defaults cannot undo what the owner
// configured on a cluster.
func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig, keepAge bool) (jetstream.Stream, error) {
	if existing, err := js.Stream(ctx, cfg.Name); err == nil {
		if info, err := existing.Info(ctx); err == nil {
			if info.Config.Replicas > cfg.Replicas {
				cfg.Replicas = info.Config.Replicas
			}
			if keepAge {
				cfg.MaxAge = info.Config.MaxAge
			}
		}
	}
	s, err := js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", cfg.Name, err)
	}
	return s, nil
}

// EnsureOneStopStream declares the one-stop dossier event stream.
func EnsureOneStopStream(ctx context.Context, js jetstream.JetStream, o StreamOptions, retention time.Duration) (jetstream.Stream, error) {
	return ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        OneStopStream,
		Description: "One-stop dossier events: created, status changed, transferred, step, overdue",
		Subjects:    []string{OneStopEventSubject + ".>"},
		Storage:     jetstream.FileStorage,
		Replicas:    o.replicas(),
		MaxAge:      retention,
		Duplicates:  10 * time.Minute,
	}, false)
}

// EnsureAdaptersStream declares the national-database adapters' event
// stream.
func EnsureAdaptersStream(ctx context.Context, js jetstream.JetStream, o StreamOptions, retention time.Duration) (jetstream.Stream, error) {
	return ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        AdaptersStream,
		Description: "National-database adapter events: shared catalog versions",
		Subjects:    []string{AdaptersEventSubject + ".>"},
		Storage:     jetstream.FileStorage,
		Replicas:    o.replicas(),
		MaxAge:      retention,
		Duplicates:  10 * time.Minute,
	}, false)
}
