package registry

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	"github.com/lgsp-vn/lgsp/platform/logging"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/netguard"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/migrations"
	"github.com/lgsp-vn/lgsp/services/registry/secretbox"
)

// Service is the registry. It implements registryv1.RegistryServiceServer;
// GatewayServer returns its GatewayService face.
type Service struct {
	registryv1.UnimplementedRegistryServiceServer

	cfg      Config
	db       *sqlstore.DB
	bus      *natsx.Bus
	log      *slog.Logger
	now      func() time.Time
	box      *secretbox.Box
	guard    *netguard.Policy
	internal []byte
	metrics  *metrics
	// auditKey keys the audit chain (AuditKey of the master key).
	auditKey []byte

	// Parsed private signing keys by kid.
	keyMu   sync.Mutex
	keyByID map[string]*rsa.PrivateKey

	// The last snapshot built, reused while the revision is unchanged.
	snapMu  sync.Mutex
	snap    *registryv1.Snapshot
	snapAt  time.Time
	gateway gatewayServer

	logins *loginThrottle
	// tokenRefusals bounds the log lines of refused token requests.
	tokenRefusals logging.Limiter

	// publishTimeout bounds the wait for JetStream's acknowledgement of a
	// change event.
	publishTimeout time.Duration
}

// ServiceName is the migration and metrics name of the registry.
const ServiceName = "registry"

// New checks cfg, applies the registry's migrations to db, makes sure a
// token-signing key exists and, when bus is not nil, declares the
// LGSP_REGISTRY stream. bus may be nil (no change events; gateways then
// rely on polling). clock may be nil (time.Now).
func New(ctx context.Context, cfg Config, db *sqlstore.DB, bus *natsx.Bus, log *slog.Logger, clock func() time.Time) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("registry config: %w", err)
	}
	if db == nil {
		return nil, errors.New("registry: no database")
	}
	if log == nil {
		log = slog.Default()
	}
	if clock == nil {
		clock = time.Now
	}
	key, _ := secretbox.ParseKey(cfg.MasterKey)
	box, err := secretbox.New(key)
	if err != nil {
		return nil, fmt.Errorf("registry: LGSP_MASTER_KEY: %w", err)
	}
	auditKey, err := AuditKey(cfg.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	guard, _ := netguard.Parse(cfg.UpstreamAllow)
	s := &Service{
		cfg:      cfg,
		db:       db,
		bus:      bus,
		log:      log.With("service", ServiceName),
		now:      clock,
		box:      box,
		guard:    guard,
		metrics:  newMetrics(),
		auditKey: auditKey,
		logins:   newLoginThrottle(),
		keyByID:  map[string]*rsa.PrivateKey{},

		tokenRefusals: logging.Limiter{PerSecond: 10},

		publishTimeout: 3 * time.Second,
	}
	if cfg.InternalToken != "" {
		s.internal = []byte(cfg.InternalToken)
	}
	s.gateway = gatewayServer{s: s}
	if err := db.Migrate(ctx, migrations.FS, ServiceName); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	if err := s.markKeyedChain(ctx); err != nil {
		return nil, fmt.Errorf("registry: audit chain: %w", err)
	}
	if bus != nil {
		if _, err := natsx.EnsureRegistryStream(ctx, bus.JS, natsx.StreamOptions{Replicas: cfg.StreamReplicas}); err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
	}
	if err := s.ensureSigningKey(ctx); err != nil {
		return nil, fmt.Errorf("registry: signing key: %w", err)
	}
	return s, nil
}

// RegisterGRPC registers RegistryService and GatewayService on srv. The
// server's interceptors must authenticate callers with Authenticator (Login
// is public, see PublicGRPCMethods).
func (s *Service) RegisterGRPC(srv grpc.ServiceRegistrar) {
	registryv1.RegisterRegistryServiceServer(srv, s)
	registryv1.RegisterGatewayServiceServer(srv, s.gateway)
}

// RegisterREST mounts the admin REST API (/admin/v1/...) on mux, calling the
// service in process. The HTTP handler in front of mux must run
// authn.Middleware with Authenticator and IsPublicREST.
func (s *Service) RegisterREST(ctx context.Context, mux *runtime.ServeMux) error {
	return registryv1.RegisterRegistryServiceHandlerServer(ctx, mux, s)
}

// GatewayServer is the GatewayService implementation, for in-process use or
// registration on another gRPC server.
func (s *Service) GatewayServer() registryv1.GatewayServiceServer { return s.gateway }

// Ready reports whether the database and, when configured, NATS answer.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if s.bus != nil {
		if err := s.bus.Ready(ctx); err != nil {
			return fmt.Errorf("registry: %w", err)
		}
	}
	return nil
}

// Run does the background work until ctx is cancelled: automatic signing
// key rotation and removal of expired sessions. It returns nil after a clean
// stop.
func (s *Service) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	lastSweep := time.Time{}
	for {
		if s.cfg.KeyRotation > 0 {
			if err := s.rotateIfDue(ctx); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "automatic signing key rotation failed", "err", err)
			}
		}
		if now := s.now(); now.Sub(lastSweep) >= time.Hour {
			if err := s.sweepSessions(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "removing expired sessions failed", "err", err)
			}
			lastSweep = now
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// IsPublicREST reports whether an admin REST request needs no principal
// (the login call), for authn.Middleware.
func IsPublicREST(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/admin/v1/auth/login"
}
