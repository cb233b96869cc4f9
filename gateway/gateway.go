package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/lgsp-vn/lgsp/platform/gatewayid"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/netguard"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Gateway is the public API gateway.
type Gateway struct {
	cfg Config
	reg Registry
	bus *natsx.Bus
	log *slog.Logger
	now func() time.Time

	table atomic.Pointer[table]
	// Objects that survive reloads; touched only under reloadMu.
	reloadMu  sync.Mutex
	endpoints map[string]*endpoint
	oauth     map[string]*oauthSource
	buckets   map[string]*bucket
	kick      chan struct{}

	jwtCache *jwtCache
	// Trusted issuers' key sets by issuer id, their refresh loops' context
	// (set while RunListener runs) and the client they fetch with; see
	// federation.go. fedKeys and fedCtx are touched only under reloadMu.
	fedKeys      map[string]*fedKeys
	fedCtx       context.Context
	fedWG        sync.WaitGroup
	fedHTTP      *http.Client
	fedTransport *http.Transport
	signed       *signedheader.Verifier
	replay       *sharedReplay

	// guard is LGSP_GATEWAY_UPSTREAM_ALLOW: every upstream connection
	// (APIs and their token endpoints) is checked against it when dialled.
	guard       *netguard.Policy
	resolver    netguard.Resolver
	refusedLogs *logEvery
	// tokenFetchLogs bounds the lines of failing upstream token requests.
	tokenFetchLogs *logEvery
	// idKey signs the identity assertions platform upstreams get; derived
	// from the internal token (WithIdentityKey). identityLogs bounds the
	// lines of calls refused for want of it.
	idKey        gatewayid.Key
	identityLogs *logEvery
	// throttle and tokenLogs guard /token against secret guessing.
	throttle *tokenThrottle
	// public bounds each client address's calls to public APIs.
	public    *publicLimiter
	tokenLogs *logEvery

	quota      sync.Map // subscription id → *quotaEntry (exhausted ones only)
	quotaCount atomic.Int64

	meter meter
	// rejectUnmetered answers 503 rather than serve a call whose metering
	// event cannot be stored (LGSP_GATEWAY_METERING_ON_FAILURE=reject).
	rejectUnmetered bool
	metrics         *metrics
	unknown         *routeMetrics

	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	tracingOn  atomic.Bool

	instance string
	idPrefix string
	seq      atomic.Uint64
	// accessLog is nil when nothing is logged; it writes to accessOut
	// (WithAccessLog), standard error when nil.
	accessLog *accessLog
	accessOut io.Writer

	server  *fasthttp.Server
	tlsConf *tls.Config
	running atomic.Bool
}

// Option adjusts a Gateway at construction.
type Option func(*Gateway)

// WithClock replaces the clock used for token expiry, signed-header
// timestamps and quota reset times.
func WithClock(now func() time.Time) Option {
	return func(g *Gateway) { g.now = now }
}

// WithIdentityKey is the key of the identity assertions sent to upstreams
// that are LGSP services (upstream auth type PLATFORM); see
// platform/gatewayid. Without it such APIs are refused.
func WithIdentityKey(k gatewayid.Key) Option {
	return func(g *Gateway) { g.idKey = k }
}

// WithResolver replaces the DNS resolver used when dialling upstreams.
func WithResolver(r netguard.Resolver) Option {
	return func(g *Gateway) { g.resolver = r }
}

// New builds a gateway. It does no I/O except reading TLS files;
// RunListener starts it.
func New(cfg Config, reg Registry, bus *natsx.Bus, log *slog.Logger, opts ...Option) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gateway config: %w", err)
	}
	if reg == nil {
		return nil, errors.New("gateway: a registry is required")
	}
	if bus == nil || bus.Conn == nil {
		return nil, errors.New("gateway: a NATS connection is required")
	}
	if log == nil {
		log = slog.Default()
	}
	g := &Gateway{
		cfg:        cfg,
		reg:        reg,
		bus:        bus,
		log:        log.With("service", "gateway"),
		now:        time.Now,
		endpoints:  map[string]*endpoint{},
		oauth:      map[string]*oauthSource{},
		buckets:    map[string]*bucket{},
		kick:       make(chan struct{}, 1),
		fedKeys:    map[string]*fedKeys{},
		jwtCache:   newJWTCache(cfg.JWTCacheSize),
		metrics:    getMetrics(),
		tracer:     otel.Tracer("github.com/lgsp-vn/lgsp/gateway"),
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}
	for _, o := range opts {
		o(g)
	}
	g.accessLog = newAccessLog(&cfg, g.log, g.accessOut)
	guard, err := netguard.Parse(cfg.UpstreamAllow)
	if err != nil {
		return nil, fmt.Errorf("LGSP_GATEWAY_UPSTREAM_ALLOW: %w", err)
	}
	if g.resolver != nil {
		guard = guard.WithResolver(g.resolver)
	}
	g.guard = guard
	g.newFedHTTP()
	g.refusedLogs = newLogEvery(10 * time.Second)
	g.tokenFetchLogs = newLogEvery(10 * time.Second)
	g.identityLogs = newLogEvery(time.Minute)
	g.throttle = newTokenThrottle()
	g.public = newPublicLimiter(cfg.PublicRate, cfg.PublicBurst)
	g.tokenLogs = newLogEvery(10 * time.Second)
	g.instance = cfg.InstanceID
	if g.instance == "" {
		g.instance = "gw" + randomID(6)
	}
	g.idPrefix = g.instance + "-" + randomID(3) + "-"
	g.unknown = g.metrics.forRoute("")
	g.signed = &signedheader.Verifier{
		Secret: func(id string) (string, bool) {
			if t := g.table.Load(); t != nil {
				if c := t.systems[id]; c != nil {
					return c.secret, true
				}
			}
			return "", false
		},
		Window: cfg.SignedHeaderWindow,
		Now:    func() time.Time { return g.now() },
	}
	g.replay = newSharedReplay(signedheader.NewReplayCache(cfg.ReplayCacheSize), g.instance, g.log, g.metrics)
	g.signed.Replay = g.replay
	m, err := newMeter(&g.cfg, bus, g.instance, g.log, g.metrics)
	if err != nil {
		return nil, err
	}
	g.meter = m
	g.rejectUnmetered = cfg.MeteringOnFailure == "reject"
	if cfg.TLSCertFile != "" {
		if g.tlsConf, err = loadTLS(&cfg); err != nil {
			return nil, err
		}
	}
	g.server = &fasthttp.Server{
		Handler:                      g.handle,
		ErrorHandler:                 g.serverError,
		Name:                         "",
		NoDefaultServerHeader:        true,
		ReadTimeout:                  cfg.ReadTimeout,
		WriteTimeout:                 cfg.WriteTimeout,
		IdleTimeout:                  cfg.IdleTimeout,
		MaxConnsPerIP:                cfg.MaxConnsPerIP,
		ReadBufferSize:               cfg.MaxHeaderBytes,
		WriteBufferSize:              16 << 10,
		MaxRequestBodySize:           int(cfg.BodyCapBytes),
		HeaderReceived:               g.headerReceived,
		ExpectHandler:                g.expectContinue,
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
		SecureErrorLogMessage:        true,
		Logger:                       fasthttpLogger{g.log},
	}
	return g, nil
}

func loadTLS(cfg *Config) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("LGSP_GATEWAY_TLS_CERT/LGSP_GATEWAY_TLS_KEY: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if cfg.ClientCAFile != "" {
		pem, err := os.ReadFile(cfg.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("LGSP_GATEWAY_TLS_CLIENT_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("LGSP_GATEWAY_TLS_CLIENT_CA: no PEM certificate in %s", cfg.ClientCAFile)
		}
		tc.ClientCAs = pool
		// Certificates are optional at the TLS layer: APIs that use other
		// credentials stay reachable over the same listener.
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return tc, nil
}

// RunListener serves on ln until ctx is cancelled. It then stops accepting,
// lets requests in flight finish, writes the waiting access log lines,
// publishes every metering event and waits for JetStream's
// acknowledgements, all within cfg.ShutdownTimeout (the process's
// LGSP_SHUTDOWN_TIMEOUT less two seconds). TLS is added when configured.
func (g *Gateway) RunListener(ctx context.Context, ln net.Listener) error {
	if !g.running.CompareAndSwap(false, true) {
		ln.Close()
		return errors.New("gateway: already running")
	}
	if _, err := natsx.EnsureMeteringStream(ctx, g.bus.JS, natsx.StreamOptions{Replicas: g.cfg.StreamReplicas}); err != nil {
		ln.Close()
		return fmt.Errorf("gateway: metering stream: %w", err)
	}
	bg, cancelBG := context.WithCancel(ctx)
	defer cancelBG()
	var wg sync.WaitGroup
	// Trusted issuers' key sets refresh under bg; they stop with it.
	waitFederation := g.startFederation(bg)
	defer waitFederation()

	// The first snapshot before serving, so that a healthy start never
	// answers not_ready; the reload loop keeps trying if this fails.
	if err := g.Reload(bg); err != nil {
		g.log.Warn("initial registry snapshot failed; retrying in the background", "err", err)
	}
	wg.Add(5)
	go func() { defer wg.Done(); g.declareReplayBucket(bg) }()
	go func() { defer wg.Done(); g.reloadLoop(bg) }()
	go func() { defer wg.Done(); g.watchQuota(bg) }()
	go func() { defer wg.Done(); g.watchTracing(bg) }()
	go func() { defer wg.Done(); g.meter.Run() }()

	if g.tlsConf != nil {
		ln = tls.NewListener(ln, g.tlsConf)
	}
	ln = edgeListener{ln}
	serveErr := make(chan error, 1)
	go func() { serveErr <- g.server.Serve(ln) }()
	g.log.Info("gateway listening", "addr", ln.Addr().String(), "tls", g.tlsConf != nil, "instance", g.instance)

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		if err != nil {
			err = fmt.Errorf("gateway serve: %w", err)
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), g.cfg.ShutdownTimeout)
	defer cancel()
	if serr := g.server.ShutdownWithContext(sctx); serr != nil && !errors.Is(serr, context.DeadlineExceeded) {
		g.log.Warn("gateway shutdown", "err", serr)
	}
	if aerr := g.accessLog.Close(sctx); aerr != nil {
		g.log.Warn("gateway shutdown: access log lines not all written", "err", aerr)
	}
	if merr := g.meter.Stop(sctx); merr != nil {
		g.log.Error("gateway shutdown", "err", merr)
	}
	cancelBG()
	wg.Wait()
	g.log.Info("gateway stopped", "metering_published", g.meter.Published())
	return err
}

// Ready reports whether the gateway can serve: a routing table is loaded,
// NATS is connected and the extra check (if any) passes.
func (g *Gateway) Ready(ctx context.Context) error {
	if g.table.Load() == nil {
		return errors.New("no registry snapshot loaded yet")
	}
	// NATS is deliberately not a condition: without it the gateway keeps
	// routing with the table it holds and keeps metering events in its
	// journal (see meter), which beats every gateway leaving the load
	// balancer at once. A journal too full to take more is: such a gateway
	// refuses every call.
	if g.rejectUnmetered {
		if err := g.meter.Healthy(); err != nil {
			return fmt.Errorf("metering: %w", err)
		}
	}
	return nil
}

// Revision is the registry revision of the routing table in use, 0 before
// the first snapshot.
func (g *Gateway) Revision() int64 {
	if t := g.table.Load(); t != nil {
		return t.revision
	}
	return 0
}

// MeteringPublished is the number of metering events JetStream has
// acknowledged since start.
func (g *Gateway) MeteringPublished() int64 { return g.meter.Published() }

// Reload fetches the registry snapshot now and swaps the routing table if
// the revision changed.
func (g *Gateway) Reload(ctx context.Context) error {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	cur := g.table.Load()
	var known int64
	if cur != nil {
		known = cur.revision
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.RegistryTimeout)
	defer cancel()
	resp, err := g.reg.GetSnapshot(ctx, &registryv1.GetSnapshotRequest{KnownRevision: known})
	if err != nil {
		g.metrics.reloads.WithLabelValues("error").Inc()
		return fmt.Errorf("registry snapshot: %w", err)
	}
	if resp.GetNotModified() || resp.GetSnapshot() == nil {
		g.metrics.reloads.WithLabelValues("not_modified").Inc()
		return nil
	}
	b := &builder{g: g, prev: cur, eps: map[string]*endpoint{}, oauth: map[string]*oauthSource{}, buckets: map[string]*bucket{}, fedKeys: map[string]*fedKeys{}}
	t, err := b.build(resp.GetSnapshot())
	if err != nil {
		g.metrics.reloads.WithLabelValues("error").Inc()
		return fmt.Errorf("build routing table: %w", err)
	}
	g.table.Store(t)
	for url, ep := range g.endpoints {
		if _, kept := b.eps[url]; !kept {
			// Requests in flight keep their pointer; idle connections go.
			ep.client.CloseIdleConnections()
		}
	}
	g.endpoints, g.oauth, g.buckets = b.eps, b.oauth, b.buckets
	g.applyFedKeys(b.fedKeys)
	g.metrics.reloads.WithLabelValues("applied").Inc()
	g.metrics.revision.Set(float64(t.revision))
	for _, w := range b.warnings {
		g.log.Warn("registry snapshot", "revision", t.revision, "problem", w)
	}
	g.log.Info("routing table swapped", "revision", t.revision, "apis", len(t.routes), "applications", len(t.apps))
	return nil
}

// reloadLoop applies registry changes: on every change event (bursts
// coalesce into one fetch) and every PollInterval as a safety net.
func (g *Gateway) reloadLoop(ctx context.Context) {
	sub, err := g.bus.Conn.Subscribe(natsx.RegistryChangeSubject+".>", func(*nats.Msg) {
		select {
		case g.kick <- struct{}{}:
		default:
		}
	})
	if err != nil {
		g.log.Error("subscribe to registry changes; relying on polling", "err", err)
	} else {
		defer sub.Unsubscribe()
	}
	poll := time.NewTicker(g.cfg.PollInterval)
	defer poll.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	if g.table.Load() == nil {
		retry.Reset(200 * time.Millisecond)
	}
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.kick:
		case <-poll.C:
		case <-retry.C:
		}
		if err := g.Reload(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures == 1 || failures%10 == 0 {
				g.log.Warn("registry reload failed", "err", err, "failures", failures)
			}
			retry.Reset(min(time.Duration(failures)*200*time.Millisecond, g.cfg.PollInterval))
			continue
		}
		failures = 0
	}
}

type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug("http server", "msg", strings.TrimSpace(fmt.Sprintf(format, args...)))
}
