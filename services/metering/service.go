package metering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// Service is the metering service. Build it with New; run the consumer with
// Run; serve reports through RegisterGRPC, RegisterREST and CSVHandler.
type Service struct {
	cfg    Config
	db     *sqlstore.DB
	bus    *natsx.Bus
	limits Limits
	log    *slog.Logger
	clock  func() time.Time
	cal    calendar

	migrateOnce sync.Mutex
	migrated    bool

	running atomic.Bool
	// readyErr is why the consumer is not counting, nil once it is.
	readyMu  sync.Mutex
	readyErr error
	counted  atomic.Uint64

	snap          atomic.Pointer[limitsSnapshot]
	limitsChanged atomic.Bool

	// Consumer state, owned by Run's goroutine.
	store     *store
	cur       cursorState
	keys      map[dims]int64
	nextKey   int64
	kv        jetstream.KeyValue
	quota     quotaPublisher
	lastMaint time.Time
	lastPrune time.Time
	// streamCheck is how often a running consumer makes sure the stream is
	// still the one its cursor counts; lastStreamCheck is when it last did.
	streamCheck     time.Duration
	lastStreamCheck time.Time

	hooks testHooks
}

// testHooks let tests stop the consumer at chosen points, as a crash would.
type testHooks struct {
	// beforeCommit runs inside the ingest transaction; an error rolls it
	// back and stops Run.
	beforeCommit func(lastSeq uint64) error
	// afterCommit runs after the commit and before the ack; an error stops
	// Run without acknowledging.
	afterCommit func(lastSeq uint64) error
	// skipAck, when it returns true, leaves a committed batch
	// unacknowledged, so that JetStream redelivers it after AckWait.
	skipAck func(lastSeq uint64) bool
}

// Option customises a Service.
type Option func(*Service)

// WithClock replaces the wall clock, which decides the current quota month.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.clock = now }
}

// New builds the service. limits may be nil, which disables quotas. New does
// not touch the database: call Migrate before serving reports; Run migrates
// too.
func New(cfg Config, db *sqlstore.DB, bus *natsx.Bus, limits Limits, log *slog.Logger, opts ...Option) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, errors.New("metering: a database is required")
	}
	if bus == nil {
		return nil, errors.New("metering: a NATS connection is required")
	}
	if log == nil {
		log = slog.Default()
	}
	cal, err := newCalendar(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("metering: LGSP_METERING_TIMEZONE: %w", err)
	}
	s := &Service{
		cfg:         cfg,
		db:          db,
		bus:         bus,
		limits:      limits,
		log:         log.With("service", "metering"),
		clock:       time.Now,
		cal:         cal,
		readyErr:    errors.New("metering: consumer not started"),
		streamCheck: defaultStreamCheck,
	}
	for _, o := range opts {
		o(s)
	}
	s.quota = newQuotaPublisher()
	return s, nil
}

// Migrate applies the service's SQL migrations (idempotent).
func (s *Service) Migrate(ctx context.Context) error {
	s.migrateOnce.Lock()
	defer s.migrateOnce.Unlock()
	if s.migrated {
		return nil
	}
	if err := s.db.Migrate(ctx, migrationsFS(), "metering"); err != nil {
		return err
	}
	s.migrated = true
	return nil
}

// RegisterGRPC registers MeteringService.
func (s *Service) RegisterGRPC(g grpc.ServiceRegistrar) {
	meteringv1.RegisterMeteringServiceServer(g, &grpcServer{s: s})
}

// RegisterREST registers the REST face of MeteringService on mux, calling
// the service in process (rest.go).
func (s *Service) RegisterREST(ctx context.Context, mux *runtime.ServeMux) error {
	return s.registerREST(ctx, mux)
}

// Ready reports whether reports can be served (the database answers) and
// events are being counted (NATS answers and the consumer runs).
func (s *Service) Ready(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return err
	}
	if err := s.bus.Ready(ctx); err != nil {
		return err
	}
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	return s.readyErr
}

func (s *Service) setReady(err error) {
	s.readyMu.Lock()
	s.readyErr = err
	s.readyMu.Unlock()
}

// Counted returns how many events this process has counted since it
// started, for metrics and tests.
func (s *Service) Counted() uint64 { return s.counted.Load() }

// Run counts metering events until ctx is cancelled. It returns after a
// clean stop: the batch in flight is committed and acknowledged first. It
// returns an error only when it cannot start.
func (s *Service) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("metering: Run is already running")
	}
	defer s.running.Store(false)
	defer s.setReady(errors.New("metering: consumer stopped"))

	if err := s.Migrate(ctx); err != nil {
		return err
	}
	stream, err := s.declare(ctx)
	if err != nil {
		return err
	}
	if s.store, err = prepareStore(ctx, s.db); err != nil {
		return err
	}
	defer s.store.close()

	var wg sync.WaitGroup
	lctx, stopLimits := context.WithCancel(ctx)
	defer func() {
		stopLimits()
		wg.Wait()
	}()
	if s.limits != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.watchLimits(lctx)
		}()
	}

	backoff := 100 * time.Millisecond
	for retry := false; ctx.Err() == nil; retry = true {
		var err error
		if retry {
			// The stream and the bucket may be gone with a replaced
			// NATS store: declare them again.
			stream, err = s.declare(ctx)
		}
		if err == nil {
			err = s.loadState(ctx)
		}
		if err == nil {
			err = s.consume(ctx, stream)
		}
		if errors.Is(err, errStop) {
			return err
		}
		if err == nil || ctx.Err() != nil {
			break
		}
		s.setReady(err)
		s.log.Error("metering: consumer failed; re-positioning", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
	return nil
}

// declare creates or updates the metering stream and the quota bucket.
func (s *Service) declare(ctx context.Context) (jetstream.Stream, error) {
	so := natsx.StreamOptions{Replicas: s.cfg.Replicas, MeteringRetention: s.cfg.retention()}
	stream, err := natsx.EnsureMeteringStream(ctx, s.bus.JS, so)
	if err != nil {
		return nil, fmt.Errorf("metering: %w", err)
	}
	if s.kv, err = natsx.EnsureQuotaBucket(ctx, s.bus.JS, so); err != nil {
		return nil, fmt.Errorf("metering: %w", err)
	}
	return stream, nil
}

// loadState reads the cursor and the rollup keys from SQL, which is the
// truth after any failure.
func (s *Service) loadState(ctx context.Context) error {
	cur, err := loadCursor(ctx, s.db, s.cfg.Consumer, s.clock().UnixMilli())
	if err != nil {
		return err
	}
	keys, next, err := loadKeys(ctx, s.db)
	if err != nil {
		return err
	}
	s.cur, s.keys, s.nextKey = cur, keys, next
	return nil
}
