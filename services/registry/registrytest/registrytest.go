package registrytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
	"github.com/lgsp-vn/lgsp/services/registry/secretbox"
)

// InternalToken is the internal service token of every registry the kit
// starts, for callers that reach it over gRPC.
const InternalToken = "registrytest-internal-token-0123456789abcdef"

// Registry is a running registry and the administrator's handle on it.
type Registry struct {
	// Service is the registry itself.
	Service *registry.Service
	// Config is the configuration it runs with.
	Config registry.Config
	// DB is its SQLite database, in the test's (or caller's) directory.
	DB *sqlstore.DB
	// Bus is the NATS connection the registry publishes change events on.
	Bus *natsx.Bus

	fail    func(error)
	closers []func()
	seq     int
}

type options struct {
	bus    *natsx.Bus
	clock  func() time.Time
	config []func(*registry.Config)
	log    *slog.Logger
	fail   func(error)
}

// Option adjusts the registry the kit starts.
type Option func(*options)

// WithBus makes the registry publish on bus (typically the NATS the gateway
// under test watches) instead of starting its own server.
func WithBus(bus *natsx.Bus) Option { return func(o *options) { o.bus = bus } }

// WithClock replaces the registry's clock.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithConfig changes the registry's configuration before it starts.
func WithConfig(f func(*registry.Config)) Option {
	return func(o *options) { o.config = append(o.config, f) }
}

// WithLogger sets the registry's logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithFailure sets what fixture builders do with an error (New only; Start
// always fails the test).
func WithFailure(f func(error)) Option { return func(o *options) { o.fail = f } }

// Start runs a registry for the test t. Everything it starts stops on
// t.Cleanup.
func Start(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	all := append([]Option{WithFailure(func(err error) { t.Helper(); t.Fatal(err) })}, opts...)
	r, err := New(context.Background(), t.TempDir(), all...)
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// New runs a registry whose files live under dir. The caller must Close it.
func New(ctx context.Context, dir string, opts ...Option) (_ *Registry, err error) {
	o := options{
		log:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		fail: func(err error) { panic(err) },
	}
	for _, f := range opts {
		f(&o)
	}
	r := &Registry{fail: o.fail}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	if o.bus == nil {
		srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(dir, "nats")}, nil)
		if err != nil {
			return nil, fmt.Errorf("start nats: %w", err)
		}
		r.closers = append(r.closers, srv.Shutdown)
		bus, err := natsx.Connect(ctx, srv.ClientURL(), "registrytest", nil)
		if err != nil {
			return nil, fmt.Errorf("connect nats: %w", err)
		}
		r.closers = append(r.closers, bus.Close)
		o.bus = bus
	}
	r.Bus = o.bus
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "registry.db"))
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, func() { _ = db.Close() })
	r.DB = db

	r.Config = registry.DefaultConfig()
	r.Config.MasterKey = secretbox.GenerateKey()
	r.Config.InternalToken = InternalToken
	// Test upstreams listen on loopback.
	r.Config.UpstreamAllow = []string{"public", "127.0.0.0/8", "::1/128"}
	for _, f := range o.config {
		f(&r.Config)
	}
	if r.Service, err = construct(ctx, r.Config, db, o.bus, o.log, o.clock); err != nil {
		return nil, err
	}
	return r, nil
}

// construct is the one place that calls registry.New, so that a change of
// its signature is absorbed here.
func construct(ctx context.Context, cfg registry.Config, db *sqlstore.DB, bus *natsx.Bus, log *slog.Logger, clock func() time.Time) (*registry.Service, error) {
	return registry.New(ctx, cfg, db, bus, log, clock)
}

// ServeGRPC serves the registry's gRPC services on ln in the background,
// authenticating callers as the registry's own listener does: other
// processes (a gateway under test, a benchmark's gateway) send
// InternalToken. Close stops it.
func (r *Registry) ServeGRPC(ln net.Listener) {
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(authn.UnaryInterceptor(r.Service.Authenticator(), registry.PublicGRPCMethods)),
		grpc.ChainStreamInterceptor(authn.StreamInterceptor(r.Service.Authenticator(), registry.PublicGRPCMethods)),
	)
	r.Service.RegisterGRPC(srv)
	go func() { _ = srv.Serve(ln) }()
	r.closers = append(r.closers, srv.Stop)
}

// DialGateway connects to a registry served by ServeGRPC at addr (in this
// process or another) as a gateway does, with the internal token.
func DialGateway(addr string) (registryv1.GatewayServiceClient, io.Closer, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authn.PerRPCToken{Token: InternalToken, AllowInsecure: true}))
	if err != nil {
		return nil, nil, fmt.Errorf("registrytest: dial %s: %w", addr, err)
	}
	return registryv1.NewGatewayServiceClient(conn), conn, nil
}

// Close stops the registry and what the kit started for it.
func (r *Registry) Close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
	r.closers = nil
}

// GatewayClient is the in-process GatewayService client a gateway in the
// same process uses (registry.LocalGatewayClient).
func (r *Registry) GatewayClient() registryv1.GatewayServiceClient {
	return r.Service.LocalGatewayClient()
}

// Server is the RegistryService; call it with Admin's context.
func (r *Registry) Server() registryv1.RegistryServiceServer { return r.Service }

// Admin is a context carrying a platform administrator.
func (r *Registry) Admin() context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "registrytest-admin", Role: authn.RolePlatformAdmin, Source: "127.0.0.1"})
}

// Revision is the registry's current revision.
func (r *Registry) Revision() int64 {
	rev, err := r.Service.Revision(context.Background())
	r.check(err, "revision")
	return rev
}

// JWKS is the key set the registry publishes.
func (r *Registry) JWKS() []byte {
	b, err := r.Service.JWKS(context.Background())
	r.check(err, "jwks")
	return b
}

func (r *Registry) check(err error, what string) {
	if err != nil {
		r.fail(fmt.Errorf("registrytest: %s: %w", what, err))
	}
}

// must returns v, or reports err through the failure handler.
func must[T any](r *Registry, what string) func(v T, err error) T {
	return func(v T, err error) T {
		r.check(err, what)
		return v
	}
}

// errNoValue guards builders whose RPC answered without the object.
var errNoValue = errors.New("the registry answered without the object")

func (r *Registry) name(prefix string) string {
	r.seq++
	return fmt.Sprintf("%s %d", prefix, r.seq)
}
