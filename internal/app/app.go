package app

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	simvdxp "github.com/lgsp-vn/lgsp/adapters/sim/vdxp"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/lgsp-vn/lgsp/console"
	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/buildinfo"
	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/gatewayid"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/server"
	"github.com/lgsp-vn/lgsp/platform/service"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/telemetry"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// App is a running set of services.
type App struct {
	cfg  *Config
	dev  bool
	defs []service.Definition
	log  *slog.Logger

	tel    *telemetry.Telemetry
	nats   *natsx.Embedded
	bus    *natsx.Bus
	health *server.Health
	front  *front
	admin  *server.Listener
	// stopAdmin stops the admin listener, which serves from New on so that
	// /readyz answers while dependencies are awaited.
	stopAdmin func()

	registry  service.Registry
	instances []named

	closers []func()

	// Info is what the operator is told at start.
	Info Info
}

type named struct {
	name string
	inst service.Instance
}

// Info describes a started platform.
type Info struct {
	GatewayURL   string
	AdminURL     string
	NATSURL      string
	SimulatorURL string
	// AxisSimulatorURL is the national document axis simulator's.
	AxisSimulatorURL string
	// ExchangeAgencies are the document exchange's demo agencies, when the
	// demo registered them.
	ExchangeAgencies []string
	// OneStopAgencies are the one-stop demo's agencies, lowest level
	// first, when the demo registered them.
	OneStopAgencies []string
	// AdaptersAPIKey is the national-data demo application's API key,
	// when the demo registered it.
	AdaptersAPIKey string
	// DemoCitizenID is a citizen of the NGSP simulator's population data.
	DemoCitizenID string
	// DemoEnterprise is an enterprise code of its business registration.
	DemoEnterprise string
	// AuditorPassword is the demo auditor's, stored in AuditorPasswordFile.
	AuditorPassword     string
	AuditorPasswordFile string
	// PortalSimulatorURL is the national public-service portal
	// simulator's.
	PortalSimulatorURL string
	AdminUser          string
	AdminPassword      string
	// AdminPasswordFile is where a generated password was stored.
	AdminPasswordFile string
	PasswordGenerated bool
	DemoClientID      string
	DemoClientSecret  string
	DemoAPIPath       string
	// ConsoleURL is the web console's, when this process serves it.
	ConsoleURL string
	// Services are the services this process runs.
	Services []string
	// AdminAPI is true when a service of this process serves the admin
	// REST API (otherwise the admin listener serves health and metrics).
	AdminAPI bool
	// Loopback is true when every listener is bound to loopback only.
	Loopback bool
}

// New builds the services named (every service in dev mode). It binds the
// admin listener first and serves health on it, then connects to NATS and
// the databases, retrying with backoff while /readyz reports what it waits
// for, until ctx is cancelled. On error everything already started is
// stopped.
func New(ctx context.Context, cfg *Config, dev bool, names []string, log *slog.Logger) (_ *App, err error) {
	if dev {
		names = nil
		for _, d := range Table {
			if !d.DevOnly || cfg.Simulators {
				names = append(names, d.Name)
			}
		}
	}
	if err := cfg.Validate(dev, names); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, dev: dev, log: log, health: server.NewHealth(), front: newFront()}
	for _, n := range names {
		d, _ := lookup(n)
		a.defs = append(a.defs, d)
		a.Info.Services = append(a.Info.Services, n)
	}
	// a stays reachable here even when New returns nil, so a failed start
	// stops whatever it had already started.
	defer func() {
		if err != nil {
			a.close()
		}
	}()

	name := "lgsp"
	if !dev && len(names) == 1 {
		name = "lgsp-" + names[0]
	}
	if a.tel, err = telemetry.Setup(ctx, telemetry.Options{ServiceName: name, Version: buildinfo.Version, OTLPEndpoint: cfg.OTLPEndpoint}); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = a.tel.Shutdown(sctx)
	})
	if err := a.secrets(); err != nil {
		return nil, err
	}
	// Every section is checked before anything connects, so a bad setting
	// fails at once rather than after the dependencies answer.
	for _, d := range a.defs {
		if v, ok := cfg.Section(d.Name).(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				return nil, err
			}
		}
	}
	if err := a.listenAdmin(); err != nil {
		return nil, err
	}
	if err := a.startNATS(ctx); err != nil {
		return nil, err
	}
	if err := a.build(ctx); err != nil {
		return nil, err
	}
	if dev && cfg.Demo {
		if err := a.seedDemo(ctx); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// listenAdmin binds the admin listener and starts serving it: health
// answers at once, the APIs once the services are built.
func (a *App) listenAdmin() error {
	ln, err := server.NewListener(server.ListenerOptions{
		Name: "admin", Addr: a.cfg.AdminAddr, Handler: a.front, BodyLimit: a.front.bodyLimit,
		Grace: a.cfg.ShutdownTimeout - 2*time.Second, TLSCert: a.cfg.AdminTLSCert, TLSKey: a.cfg.AdminTLSKey, Log: a.log,
	})
	if err != nil {
		return err
	}
	a.admin = ln
	scheme := "http://"
	if a.cfg.AdminTLSCert != "" {
		scheme = "https://"
	}
	a.Info.AdminURL = scheme + server.DisplayAddr(ln.Addr().String())
	a.Info.Loopback = isLoopback(ln.Addr().String())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ln.Run(ctx); err != nil {
			a.log.Error("admin listener stopped", "err", err)
		}
	}()
	a.stopAdmin = func() { cancel(); <-done }
	a.closers = append(a.closers, func() { a.stopAdmin() })
	if a.dev {
		// The admin CLI finds a local dev instance through this file.
		if err := writeFile(filepath.Join(a.cfg.DataDir, "admin-url"), a.Info.AdminURL+"\n"); err != nil {
			return fmt.Errorf("admin-url: %w", err)
		}
	}
	return nil
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
	err := a.await(ctx, "nats", "LGSP_NATS_URL", func(ctx context.Context) error {
		bus, err := natsx.Connect(ctx, url, "lgsp", a.log)
		if err != nil {
			return err
		}
		a.bus = bus
		return nil
	})
	if err != nil {
		return err
	}
	a.closers = append(a.closers, a.bus.Close)
	a.health.Add("nats", a.bus.Ready)
	a.Info.NATSURL = url
	return nil
}

// await runs connect until it succeeds, with exponential backoff from a
// quarter second to ten seconds, reporting the wait on /readyz and in the
// log. It gives up only when ctx is cancelled.
func (a *App) await(ctx context.Context, dep, setting string, connect func(context.Context) error) error {
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := connect(actx)
		cancel()
		if err == nil {
			if attempt > 1 {
				a.log.Info("dependency answers", "dependency", dep, "attempts", attempt)
			}
			a.front.waiting(dep, nil)
			return nil
		}
		a.front.waiting(dep, err)
		a.log.Warn("waiting for a dependency", "dependency", dep, "setting", setting, "attempt", attempt, "retry_in", wait.String(), "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s (%s) did not answer before the start was cancelled: %w", dep, setting, err)
		case <-time.After(wait):
		}
		wait = min(wait*2, 10*time.Second)
	}
}

// openDB opens a service's database: its own SQLite file in dev mode, or
// the shared DSN, retrying while it does not answer.
func (a *App) openDB(ctx context.Context, svc string) (*sqlstore.DB, error) {
	url := a.cfg.DatabaseURL
	if url == "" {
		url = "sqlite:" + filepath.Join(a.cfg.DataDir, svc+".db")
	}
	var db *sqlstore.DB
	err := a.await(ctx, "database:"+svc, "LGSP_DATABASE_URL", func(ctx context.Context) error {
		var err error
		if db, err = sqlstore.Open(ctx, url); err != nil {
			return err
		}
		if err := db.Ping(ctx); err != nil {
			_ = db.Close()
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { _ = db.Close() })
	a.health.Add("database:"+svc, db.Ping)
	return db, nil
}

// build constructs the services in table order and mounts their faces on
// the admin listener.
func (a *App) build(ctx context.Context) error {
	stop := a.cfg.ShutdownTimeout - 2*time.Second
	for _, d := range a.defs {
		deps := service.Deps{
			Dev: a.dev, Log: a.log, Bus: a.bus, Replicas: a.cfg.NATSReplicas, StopBound: stop, DataDir: a.cfg.DataDir,
		}
		if d.Needs.Database {
			db, err := a.openDB(ctx, d.Name)
			if err != nil {
				return err
			}
			deps.DB = db
		}
		if d.Needs.Registry {
			r, err := a.registryFor()
			if err != nil {
				return err
			}
			deps.Registry = r
		}
		if d.Needs.PeerToken {
			deps.PeerToken = a.cfg.InternalToken
		}
		inst, err := d.New(ctx, deps, a.cfg.Section(d.Name))
		if err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
		if c, ok := inst.(interface{ Close() error }); ok {
			a.closers = append(a.closers, func() { _ = c.Close() })
		}
		a.instances = append(a.instances, named{d.Name, inst})
		a.health.Add(d.Name, inst.Ready)
		if p, ok := inst.(service.RegistryProvider); ok {
			a.registry = p.Registry()
		}
		if e, ok := inst.(service.Endpoints); ok {
			for _, ep := range e.Endpoints() {
				switch ep.Name {
				case "gateway":
					a.Info.GatewayURL = ep.URL
				case "simulators":
					a.Info.SimulatorURL = ep.URL
				case simvdxp.EndpointName:
					a.Info.AxisSimulatorURL = ep.URL
				case simdvcqg.EndpointName:
					a.Info.PortalSimulatorURL = ep.URL
				}
			}
		}
	}
	return a.mount(ctx)
}

// registryFor returns the registry of this process, or a client of the
// registry's process (gRPC is lazy: nothing is dialled before a call).
func (a *App) registryFor() (service.Registry, error) {
	if a.registry.Gateway != nil {
		return a.registry, nil
	}
	var creds credentials.TransportCredentials = insecure.NewCredentials()
	if a.cfg.RegistryTLS {
		creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	}
	conn, err := grpc.NewClient(a.cfg.RegistryAddr,
		grpc.WithTransportCredentials(creds),
		grpc.WithPerRPCCredentials(authn.PerRPCToken{Token: a.cfg.InternalToken, AllowInsecure: !a.cfg.RegistryTLS}),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
	)
	if err != nil {
		return service.Registry{}, &config.Invalid{Setting: "LGSP_REGISTRY_ADDR", Value: a.cfg.RegistryAddr, Reason: err.Error()}
	}
	a.closers = append(a.closers, func() { _ = conn.Close() })
	a.registry = service.Registry{
		Gateway:       registryv1.NewGatewayServiceClient(conn),
		Authenticator: registry.NewRemoteAuthenticator(registryv1.NewRegistryServiceClient(conn), a.cfg.InternalToken, a.log),
	}
	return a.registry, nil
}

// mount builds the admin listener's gRPC server and HTTP surface from the
// faces the instances offer, and switches the listener to them.
func (a *App) mount(ctx context.Context) error {
	authr := a.registry.Authenticator
	if authr == nil {
		// No service of this process needs a registry: nothing but health
		// and the metrics token opens the admin listener.
		authr = denyAll{}
	}
	if a.cfg.InternalToken != "" {
		// Services behind the gateway (upstream authentication PLATFORM)
		// learn who calls from the gateway's signed assertion; the
		// principal is a RoleConsumer, which services authorise by agency
		// and the registry's and metering's matrices refuse.
		k, err := gatewayid.NewKey(a.cfg.InternalToken)
		if err != nil {
			return &config.Invalid{Setting: "LGSP_INTERNAL_TOKEN", Reason: err.Error()}
		}
		authr = gatewayid.Authenticator{Key: k, Next: authr}
	}
	public := map[string]bool{}
	var publicREST []func(*http.Request) bool
	for _, n := range a.instances {
		if p, ok := n.inst.(service.Public); ok {
			for _, m := range p.PublicGRPCMethods() {
				public[m] = true
			}
			publicREST = append(publicREST, p.IsPublicREST)
		}
	}
	// Validate has checked the list.
	proxies, _ := authn.ParseProxies(a.cfg.TrustedProxies)
	trusted := authn.WithTrustedProxies(proxies)
	g := grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(authn.UnaryInterceptor(authr, public, trusted)),
		grpc.ChainStreamInterceptor(authn.StreamInterceptor(authr, public, trusted)),
	)
	rest := runtime.NewServeMux(
		runtime.WithErrorHandler(apierr.GatewayErrorHandler),
		runtime.WithIncomingHeaderMatcher(func(k string) (string, bool) {
			switch http.CanonicalHeaderKey(k) {
			case "X-Request-Id", "X-Forwarded-For":
				return k, true
			}
			return runtime.DefaultHeaderMatcher(k)
		}),
	)
	protected := http.NewServeMux()
	protected.Handle("GET /metrics", metricsReaders(a.tel.Handler()))
	var bodies []service.BodyLimit
	for _, n := range a.instances {
		if s, ok := n.inst.(service.GRPCService); ok {
			s.RegisterGRPC(g)
		}
		if s, ok := n.inst.(service.RESTService); ok {
			if err := s.RegisterREST(ctx, rest); err != nil {
				return fmt.Errorf("%s: REST: %w", n.name, err)
			}
			a.Info.AdminAPI = true
		}
		if s, ok := n.inst.(service.Routes); ok {
			for _, r := range s.Routes() {
				protected.Handle(r.Pattern, r.Handler)
			}
		}
		if s, ok := n.inst.(service.LargeBodies); ok {
			bodies = append(bodies, s.LargeBodies()...)
		}
	}
	if a.Info.AdminAPI {
		protected.Handle("/admin/", rest)
	}
	a.front.bodies.Store(&bodies)
	isPublic := func(r *http.Request) bool {
		for _, p := range publicREST {
			if p(r) {
				return true
			}
		}
		return false
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", server.LiveHandler())
	mux.Handle("GET /readyz", a.health.ReadyHandler())
	auth := authn.Middleware(authr, isPublic, apierr.WriteJSON, trusted)(protected)
	mux.Handle("/", auth)
	if a.registry.Authenticator != nil && a.Instance(RegistryName) != nil {
		// The web console signs users in with the registry's sessions, so it
		// is served where the registry runs; its pages call the admin API
		// above, in process.
		console.New(console.Options{
			API: auth, Ready: a.health.Ready, Checks: a.health.Names(), GatewayURL: a.Info.GatewayURL,
			TrustForwardedProto: len(a.cfg.TrustedProxies) > 0, Log: a.log,
		}).Mount(mux)
		a.Info.ConsoleURL = a.Info.AdminURL + "/"
	}
	if a.cfg.MetricsToken != "" {
		metrics, token := a.tel.Handler(), []byte(a.cfg.MetricsToken)
		mux.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if got := authn.BearerFromHeader(r.Header.Get("Authorization")); got != "" && subtle.ConstantTimeCompare([]byte(got), token) == 1 {
				metrics.ServeHTTP(w, r)
				return
			}
			auth.ServeHTTP(w, r)
		}))
	}
	a.front.ready(mux, g)
	a.closers = append(a.closers, g.Stop)
	return nil
}

// Run serves until ctx is cancelled, then stops everything within the
// shutdown timeout: the services first (the gateway flushes its metering
// buffer), then the admin listener, databases and NATS.
func (a *App) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, n := range a.instances {
		g.Go(func() error {
			if err := n.inst.Run(gctx); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("%s: %w", n.name, err)
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
func (a *App) GatewayAddr() string { return hostPort(a.Info.GatewayURL) }

// AdminAddr is the bound admin listener address, for tests using port 0.
func (a *App) AdminAddr() string {
	if a.admin == nil {
		return ""
	}
	return a.admin.Addr().String()
}

// Instance returns a running service by name, for tests and dev wiring.
func (a *App) Instance(name string) service.Instance {
	for _, n := range a.instances {
		if n.name == name {
			return n.inst
		}
	}
	return nil
}

func hostPort(url string) string {
	_, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	return rest
}

func isLoopback(addr string) bool {
	return strings.HasPrefix(addr, "127.") || strings.HasPrefix(addr, "[::1]:") || strings.HasPrefix(addr, "localhost:")
}

// UnknownSettings formats unknown LGSP_* variables for the start warning.
func UnknownSettings(res config.Result) string {
	names := make([]string, len(res.Unknown))
	for i, u := range res.Unknown {
		names[i] = u.String()
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func writeFile(path, body string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(body), 0o600)
}

// metricsReaders lets platform admins, auditors and other LGSP processes
// (the internal token) read /metrics; the scraper's token is checked
// before authentication. Agency users may not: the series name every
// agency's APIs.
func metricsReaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := authn.From(r.Context())
		switch p.Role {
		case authn.RolePlatformAdmin, authn.RoleAuditor, authn.RoleService:
			h.ServeHTTP(w, r)
		default:
			authn.Refused(r.Context(), authn.RefusedForbidden, r.Method+" "+r.URL.Path)
			apierr.WriteJSON(w, r, apierr.ErrForbidden)
		}
	})
}

// denyAll authenticates nobody.
type denyAll struct{}

func (denyAll) Authenticate(context.Context, string) (authn.Principal, error) {
	return authn.Principal{}, authn.ErrUnauthenticated
}
