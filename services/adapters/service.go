package adapters

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/lgsp-vn/lgsp/adapters/ngsp"
	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// Service is the national-database adapters service. Build it with New;
// it serves as soon as New returns.
type Service struct {
	cfg  Config
	db   *sqlstore.DB
	bus  *natsx.Bus // nil: no events (unit tests)
	log  *slog.Logger
	now  func() time.Time
	keys keys
	alog *accessLog

	nmu sync.RWMutex
	nat *ngsp.Client // nil while no NGSP is configured

	business, population, civil, insurance, catalogs *cache
}

// maxBatch bounds the access-log entries of one transaction.
const maxBatch = 128

// New builds the service: it checks the configuration, applies the
// migrations, declares the event stream (when bus is not nil) and, when
// NGSP is configured, builds its client (which does not contact NGSP yet).
func New(ctx context.Context, cfg Config, db *sqlstore.DB, bus *natsx.Bus, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, errors.New("adapters: a database is required")
	}
	if log == nil {
		log = slog.Default()
	}
	master, err := parseKey(cfg.AuditKey)
	if err != nil {
		return nil, &config.Invalid{Setting: "LGSP_ADAPTERS_AUDIT_KEY", Value: "", Reason: err.Error()}
	}
	k, err := deriveKeys(master)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, migrationsFS(), "adapters"); err != nil {
		return nil, err
	}
	if bus != nil {
		so := natsx.StreamOptions{Replicas: cfg.Replicas}
		if _, err := natsx.EnsureAdaptersStream(ctx, bus.JS, so, time.Duration(cfg.RetentionDays)*24*time.Hour); err != nil {
			return nil, err
		}
	}
	s := &Service{
		cfg: cfg, db: db, bus: bus, log: log.With("service", "adapters"), now: time.Now, keys: k,
		alog:       &accessLog{db: db, keys: k, group: sqlstore.NewGroup(db, maxBatch, 30*time.Second)},
		business:   newCache(cfg.CacheEntries, cfg.CacheBusiness, cfg.MaxStale),
		population: newCache(cfg.CacheEntries, cfg.CachePopulation, 0),
		civil:      newCache(cfg.CacheEntries, cfg.CacheCivilStatus, 0),
		insurance:  newCache(cfg.CacheEntries, cfg.CacheInsurance, 0),
		catalogs:   newCache(cfg.CacheEntries, cfg.CacheCatalogs, cfg.MaxStale),
	}
	if cfg.NGSPURL != "" {
		if err := s.UseNGSP(cfg.NGSPURL, cfg.NGSPTokenURL, cfg.ConsumerKey, cfg.ConsumerSecret); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// UseNGSP points the adapters at an NGSP (lgsp dev uses it for the
// simulator when no NGSP is configured). tokenURL may be empty.
func (s *Service) UseNGSP(baseURL, tokenURL, key, secret string) error {
	c, err := ngsp.New(ngsp.Config{
		BaseURL: baseURL, TokenURL: tokenURL, ConsumerKey: key, ConsumerSecret: secret,
		Timeout: s.cfg.Timeout, Retries: retries(s.cfg.Retries), BreakerOpen: s.cfg.BreakerOpen,
	})
	if err != nil {
		return err
	}
	s.nmu.Lock()
	s.nat = c
	s.nmu.Unlock()
	return nil
}

// retries maps the setting (0: none) to the client's (0: default).
func retries(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// HasNGSP reports whether an NGSP is configured.
func (s *Service) HasNGSP() bool { return s.client() != nil }

func (s *Service) client() *ngsp.Client {
	s.nmu.RLock()
	defer s.nmu.RUnlock()
	return s.nat
}

// Ready reports whether the database answers. NGSP being down does not
// make the service unready: it still answers from its caches and tells
// callers 503 with Retry-After.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// Close releases nothing the database's owner does not; it is here for
// symmetry with the other services.
func (s *Service) Close() error { return nil }

// RegisterGRPC registers NationalDataService.
func (s *Service) RegisterGRPC(g grpc.ServiceRegistrar) {
	pb.RegisterNationalDataServiceServer(g, &grpcServer{s: s})
}

// RegisterREST registers the REST face, calling the service in process.
func (s *Service) RegisterREST(ctx context.Context, mux *runtime.ServeMux) error {
	return pb.RegisterNationalDataServiceHandlerServer(ctx, mux, &grpcServer{s: s})
}

// requestID is the caller's X-Request-Id when the transport carried it,
// otherwise a fresh one; it goes to NGSP and into the access log.
func requestID(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		for _, k := range []string{"x-request-id", "grpcgateway-x-request-id"} {
			if v := md.Get(k); len(v) > 0 && validRequestID(v[0]) {
				return v[0]
			}
		}
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) < 0
}

// ngspHeaders are the requester fields NGSP's personal-data APIs ask for.
func ngspHeaders(agency, officer, purpose string) http.Header {
	h := http.Header{}
	h.Set("maDonVi", agency)
	h.Set("maCanBo", officer)
	h.Set("mucDich", purpose)
	return h
}
