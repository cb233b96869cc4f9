package docexchange

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	docexchangev1 "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Service is the document exchange. Build it with New; it is ready to
// serve when New returns; Run runs its loops (push, webhooks, national
// bridge) until the context ends.
type Service struct {
	cfg  Config
	db   *sqlstore.DB
	st   store
	bus  *natsx.Bus
	objs jetstream.ObjectStore
	// objStream is the object store's stream, for direct reads of
	// single-chunk packages (accept.go, blob).
	objStream jetstream.Stream
	dir       *directory
	nat       *bridge // nil when the national bridge is off
	log       *slog.Logger
	now       func() time.Time

	// pushWake and outWake wake the push loop and the bridge's sender
	// after a commit.
	pushWake chan struct{}
	outWake  chan struct{}

	hooks *webhooks

	// acceptHook, when set (tests), runs after the package is stored in the
	// Object Store and before the SQL transaction.
	acceptHook func() error

	// group commits concurrent writes together (group.go).
	group *sqlstore.Group
}

// New builds the service: it applies the migrations and declares the
// stream and the object store.
func New(ctx context.Context, cfg Config, db *sqlstore.DB, bus *natsx.Bus, reg registryv1.GatewayServiceClient, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil || bus == nil || reg == nil {
		return nil, errors.New("docexchange: a database, NATS and a registry are required")
	}
	if log == nil {
		log = slog.Default()
	}
	if err := db.Migrate(ctx, migrationsFS(), "docexchange"); err != nil {
		return nil, err
	}
	so := natsx.StreamOptions{Replicas: cfg.Replicas}
	if _, err := natsx.EnsureDocExchangeStream(ctx, bus.JS, so, time.Duration(cfg.RetentionDays)*24*time.Hour); err != nil {
		return nil, err
	}
	objs, err := natsx.EnsureDocExchangeObjects(ctx, bus.JS, so)
	if err != nil {
		return nil, err
	}
	objStream, err := bus.JS.Stream(ctx, "OBJ_"+natsx.DocExchangeObjects)
	if err != nil {
		return nil, err
	}
	s := &Service{
		objStream: objStream,
		cfg:       cfg,
		db:        db,
		st:        store{db: db},
		bus:       bus,
		objs:      objs,
		dir:       newDirectory(reg, cfg.DirectoryRefresh),
		log:       log.With("service", "docexchange"),
		now:       time.Now,
		pushWake:  make(chan struct{}, 1),
		outWake:   make(chan struct{}, 1),
		group:     sqlstore.NewGroup(db, maxBatch, 30*time.Second),
	}
	s.hooks = newWebhooks(s)
	if cfg.NationalURL != "" {
		s.nat = newBridge(s, cfg.national())
	}
	return s, nil
}

// Ready reports whether the database and NATS answer.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return err
	}
	return s.bus.Ready(ctx)
}

// Run runs the loops until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.pushLoop(ctx) })
	g.Go(func() error { return s.hooks.run(ctx) })
	if s.nat != nil {
		g.Go(func() error { return s.nat.run(ctx) })
	}
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// RegisterGRPC registers DocExchangeService.
func (s *Service) RegisterGRPC(g grpc.ServiceRegistrar) {
	docexchangev1.RegisterDocExchangeServiceServer(g, &grpcServer{s: s})
}

// RegisterREST registers the REST face, calling the service in process.
func (s *Service) RegisterREST(ctx context.Context, mux *runtime.ServeMux) error {
	return docexchangev1.RegisterDocExchangeServiceHandlerServer(ctx, mux, &grpcServer{s: s})
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
