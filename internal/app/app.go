package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/buildinfo"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/server"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/telemetry"
)

// App is a running set of services.
type App struct {
	cfg      Config
	dev      bool
	services map[string]bool
	log      *slog.Logger

	tel    *telemetry.Telemetry
	nats   *natsx.Embedded
	bus    *natsx.Bus
	health *server.Health

	grpc          *grpc.Server
	rest          *runtime.ServeMux
	adminMux      *http.ServeMux
	authenticator authn.Authenticator
	csv           http.Handler
	gatewayAddr   string

	listeners []*server.Listener
	runners   []runner
	closers   []func()

	// Info is what the operator is told at start.
	Info Info
}

// Info describes a started platform.
type Info struct {
	GatewayURL    string
	AdminURL      string
	NATSURL       string
	SimulatorURL  string
	AdminUser     string
	AdminPassword string
	// AdminPasswordFile is where a generated password was stored.
	AdminPasswordFile string
	PasswordGenerated bool
	DemoClientID      string
	DemoClientSecret  string
	DemoAPIPath       string
}

type runner struct {
	name string
	run  func(ctx context.Context) error
}

// New builds the platform for the given services. dev selects embedded
// engines and demo data. On error everything already started is stopped.
func New(ctx context.Context, cfg Config, dev bool, services []string, log *slog.Logger) (_ *App, err error) {
	if err := cfg.Validate(dev, services); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, dev: dev, services: map[string]bool{}, log: log, health: server.NewHealth()}
	for _, s := range services {
		a.services[s] = true
	}
	// a stays reachable here even when New returns nil, so a failed start
	// stops whatever it had already started.
	defer func() {
		if err != nil {
			a.close()
		}
	}()

	name := "lgsp"
	if !dev && len(services) == 1 {
		name = "lgsp-" + services[0]
	}
	if a.tel, err = telemetry.Setup(ctx, telemetry.Options{ServiceName: name, Version: buildinfo.Version, OTLPEndpoint: cfg.OTLPEndpoint}); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = a.tel.Shutdown(sctx)
	})

	if err := a.startNATS(ctx); err != nil {
		return nil, err
	}
	if err := a.secrets(); err != nil {
		return nil, err
	}
	a.buildAdminSurface()
	if err := a.wireServices(ctx); err != nil {
		return nil, err
	}
	if err := a.listen(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *App) startNATS(ctx context.Context) error {
	url := a.cfg.NATSURL
	if url == "" {
		srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(a.cfg.DataDir, "nats")}, a.log)
		if err != nil {
			return err
		}
		a.nats = srv
		a.closers = append(a.closers, srv.Shutdown)
		url = srv.ClientURL()
	}
	bus, err := natsx.Connect(ctx, url, "lgsp", a.log)
	if err != nil {
		return err
	}
	a.bus = bus
	a.closers = append(a.closers, bus.Close)
	// No process-wide NATS check: the registry and metering include NATS in
	// their own readiness, and a gateway stays ready without it.
	a.Info.NATSURL = url
	return nil
}

// secrets fills the dev-mode secrets that were not configured: a master key
// and the admin password persisted under the data directory, and a fresh
// internal token per process (everything runs in one process).
func (a *App) secrets() error {
	if !a.dev {
		return nil
	}
	if a.cfg.MasterKey == "" {
		k, _, err := fileSecret(filepath.Join(a.cfg.DataDir, "master.key"), randomKey)
		if err != nil {
			return fmt.Errorf("master key: %w", err)
		}
		a.cfg.MasterKey = k
	}
	if a.cfg.InternalToken == "" {
		a.cfg.InternalToken = randomToken()
	}
	a.Info.AdminUser = "admin"
	if a.cfg.AdminPassword == "" {
		path := filepath.Join(a.cfg.DataDir, "admin-password")
		p, created, err := fileSecret(path, randomPassword)
		if err != nil {
			return fmt.Errorf("admin password: %w", err)
		}
		a.cfg.AdminPassword = p
		a.Info.AdminPasswordFile = path
		a.Info.PasswordGenerated = created
	}
	a.Info.AdminPassword = a.cfg.AdminPassword
	return nil
}

// openDB opens the database of one service: its own SQLite file in dev mode,
// or the shared DSN.
func (a *App) openDB(ctx context.Context, service string) (*sqlstore.DB, error) {
	url := a.cfg.DatabaseURL
	if url == "" {
		url = "sqlite:" + filepath.Join(a.cfg.DataDir, service+".db")
	}
	db, err := sqlstore.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("%s database: %w", service, err)
	}
	a.closers = append(a.closers, func() { _ = db.Close() })
	a.health.Add("database:"+service, db.Ping)
	return db, nil
}

func (a *App) buildAdminSurface() {
	a.rest = runtime.NewServeMux(
		runtime.WithErrorHandler(apierr.GatewayErrorHandler),
		runtime.WithIncomingHeaderMatcher(func(k string) (string, bool) {
			switch http.CanonicalHeaderKey(k) {
			case "X-Request-Id", "X-Forwarded-For":
				return k, true
			}
			return runtime.DefaultHeaderMatcher(k)
		}),
	)
	a.adminMux = http.NewServeMux()
	a.adminMux.Handle("GET /healthz", server.LiveHandler())
	a.adminMux.Handle("GET /readyz", a.health.ReadyHandler())
}

func (a *App) listen() error {
	ln, err := server.NewListener(server.ListenerOptions{
		Name: "admin", Addr: a.cfg.AdminAddr, Handler: a.adminHandler(), GRPC: a.grpc,
		Grace: a.cfg.ShutdownTimeout - 2*time.Second, TLSCert: a.cfg.AdminTLSCert, TLSKey: a.cfg.AdminTLSKey, Log: a.log,
	})
	if err != nil {
		return err
	}
	a.listeners = append(a.listeners, ln)
	a.Info.AdminURL = "http://" + displayAddr(ln.Addr().String())
	return nil
}

// listenTCP binds addr now so that a port conflict fails at start.
func listenTCP(name, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener on %s: %w", name, addr, err)
	}
	return ln, nil
}

// Run serves until ctx is cancelled, then stops everything within the
// shutdown timeout: listeners and background loops first (the gateway
// flushes its metering buffer), then databases and NATS.
func (a *App) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, ln := range a.listeners {
		g.Go(func() error { return ln.Run(gctx) })
	}
	for _, r := range a.runners {
		g.Go(func() error {
			if err := r.run(gctx); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			return nil
		})
	}
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done:
		case <-time.After(a.cfg.ShutdownTimeout):
			err = fmt.Errorf("services did not stop within %s (LGSP_SHUTDOWN_TIMEOUT)", a.cfg.ShutdownTimeout)
		}
	}
	a.close()
	return err
}

func (a *App) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// GatewayAddr is the bound public listener address, for tests using port 0.
func (a *App) GatewayAddr() string { return a.gatewayAddr }

// AdminAddr is the bound admin listener address, for tests using port 0.
func (a *App) AdminAddr() string {
	for _, ln := range a.listeners {
		if ln.Name == "admin" {
			return ln.Addr().String()
		}
	}
	return ""
}

func displayAddr(addr string) string {
	if len(addr) > 0 && addr[0] == ':' {
		return "127.0.0.1" + addr
	}
	if len(addr) > 5 && addr[:5] == "[::]:" {
		return "127.0.0.1" + addr[4:]
	}
	if len(addr) > 8 && addr[:8] == "0.0.0.0:" {
		return "127.0.0.1" + addr[7:]
	}
	return addr
}
