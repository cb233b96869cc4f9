package onestop

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	"github.com/lgsp-vn/lgsp/adapters/dvcqg"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/workday"
	onestopv1 "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Service is the one-stop dossier service. Build it with New; it is ready
// to serve when New returns; Run runs its loops (portal sync, events,
// overdue) until the context ends.
type Service struct {
	cfg     Config
	db      *sqlstore.DB
	st      store
	bus     *natsx.Bus
	dir     directory
	log     *slog.Logger
	now     func() time.Time
	dayEnds workday.Clock

	calendar    atomic.Pointer[workday.Calendar]
	loadedYears atomic.Value // map[int]bool

	// group commits concurrent changes together.
	group *sqlstore.Group

	pmu    sync.Mutex
	portal portal // nil while no portal is configured

	syncWake  chan struct{}
	eventWake chan struct{}
}

// maxBatch bounds the changes of one transaction.
const maxBatch = 64

// New builds the service: it applies the migrations, declares the event
// stream and reads the holiday calendars.
func New(ctx context.Context, cfg Config, db *sqlstore.DB, bus *natsx.Bus, reg registryv1.GatewayServiceClient, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil || bus == nil || reg == nil {
		return nil, errors.New("onestop: a database, NATS and a registry are required")
	}
	if log == nil {
		log = slog.Default()
	}
	if err := db.Migrate(ctx, migrationsFS(), "onestop"); err != nil {
		return nil, err
	}
	so := natsx.StreamOptions{Replicas: cfg.Replicas}
	if _, err := natsx.EnsureOneStopStream(ctx, bus.JS, so, time.Duration(cfg.RetentionDays)*24*time.Hour); err != nil {
		return nil, err
	}
	dayEnds, _ := workday.ParseClock(cfg.DayEnds)
	st, err := newStore(ctx, db)
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg: cfg, db: db, st: st, bus: bus, dir: directory{reg: reg},
		log: log.With("service", "onestop"), now: time.Now, dayEnds: dayEnds,
		group:    sqlstore.NewGroup(db, maxBatch, 30*time.Second),
		syncWake: make(chan struct{}, 1), eventWake: make(chan struct{}, 1),
	}
	if err := s.loadCalendars(ctx); err != nil {
		st.close()
		return nil, err
	}
	if cfg.PortalURL != "" {
		if err := s.UsePortal(cfg.PortalURL, cfg.PortalUsername, cfg.PortalPassword, cfg.PortalAgency); err != nil {
			st.close()
			return nil, err
		}
	}
	return s, nil
}

// UsePortal points the sync at a national portal (lgsp dev uses it for
// the simulator when no portal is configured).
func (s *Service) UsePortal(url, username, password, agency string) error {
	c, err := dvcqg.New(dvcqg.Config{BaseURL: url, Username: username, Password: password, AgencyCode: agency, Timeout: s.cfg.PortalTimeout})
	if err != nil {
		return err
	}
	s.pmu.Lock()
	s.portal = c
	s.pmu.Unlock()
	wake(s.syncWake)
	return nil
}

// HasPortal reports whether the sync has a portal to send to.
func (s *Service) HasPortal() bool { return s.portalClient() != nil }

func (s *Service) portalClient() portal {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	return s.portal
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
	g.Go(func() error { return s.syncLoop(ctx) })
	g.Go(func() error { return s.eventLoop(ctx) })
	g.Go(func() error { return s.overdueLoop(ctx) })
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// RegisterGRPC registers OneStopService.
func (s *Service) RegisterGRPC(g grpc.ServiceRegistrar) {
	onestopv1.RegisterOneStopServiceServer(g, &grpcServer{s: s})
}

// RegisterREST registers the REST face, calling the service in process.
func (s *Service) RegisterREST(ctx context.Context, mux *runtime.ServeMux) error {
	return onestopv1.RegisterOneStopServiceHandlerServer(ctx, mux, &grpcServer{s: s})
}

// wakeAll wakes the sync and the event loops after a commit.
func (s *Service) wakeAll() {
	wake(s.syncWake)
	wake(s.eventWake)
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// directory reads the registry's agencies.
type directory struct {
	reg registryv1.GatewayServiceClient
}

// lookup reports an agency's name and whether the registry knows it.
func (d directory) lookup(ctx context.Context, code string) (string, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := d.reg.GetSnapshot(ctx, &registryv1.GetSnapshotRequest{})
	if err != nil {
		return "", false, err
	}
	for _, a := range resp.GetSnapshot().GetAgencies() {
		if a.GetCode() == code {
			return a.GetName(), true, nil
		}
	}
	return "", false, nil
}
