package app

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/gateway"
	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/config"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/metering"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// wireServices builds the requested services and registers their gRPC, REST
// and background loops. In dev mode the gateway and metering reach the
// registry in process; in per-service mode over gRPC with the internal token.
func (a *App) wireServices(ctx context.Context) error {
	var (
		authenticator authn.Authenticator
		gwClient      registryv1.GatewayServiceClient
		reg           *registry.Service
	)

	if a.services[ServiceRegistry] {
		db, err := a.openDB(ctx, ServiceRegistry)
		if err != nil {
			return err
		}
		rcfg := registry.DefaultConfig()
		if err := rcfg.LoadEnv(os.Getenv); err != nil {
			return err
		}
		rcfg.MasterKey = a.cfg.MasterKey
		rcfg.InternalToken = a.cfg.InternalToken
		rcfg.StreamReplicas = a.cfg.NATSReplicas
		if a.dev && os.Getenv("LGSP_REGISTRY_UPSTREAM_ALLOW") == "" {
			// The simulators and a developer's own services listen on loopback.
			rcfg.UpstreamAllow = append(rcfg.UpstreamAllow, "127.0.0.0/8")
		}
		reg, err = registry.New(ctx, rcfg, db, a.bus, a.log, nil)
		if err != nil {
			return err
		}
		if a.cfg.AdminPassword != "" {
			if _, err := reg.EnsureAdmin(ctx, a.cfg.AdminPassword); err != nil {
				return fmt.Errorf("bootstrap admin: %w", err)
			}
		}
		authenticator = reg.Authenticator()
		gwClient = reg.LocalGatewayClient()
		a.health.Add("registry", reg.Ready)
		a.runners = append(a.runners, runner{name: ServiceRegistry, run: reg.Run})
	} else {
		conn, err := a.dialRegistry()
		if err != nil {
			return err
		}
		gwClient = registryv1.NewGatewayServiceClient(conn)
		authenticator = registry.RemoteAuthenticator{Client: registryv1.NewRegistryServiceClient(conn), InternalToken: a.cfg.InternalToken}
	}

	public := map[string]bool{}
	for m := range registry.PublicGRPCMethods {
		public[m] = true
	}
	a.grpc = grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(authn.UnaryInterceptor(authenticator, public)),
		grpc.ChainStreamInterceptor(authn.StreamInterceptor(authenticator, public)),
	)
	a.authenticator = authenticator

	if reg != nil {
		reg.RegisterGRPC(a.grpc)
		if err := reg.RegisterREST(ctx, a.rest); err != nil {
			return err
		}
	}

	if a.services[ServiceMetering] {
		db, err := a.openDB(ctx, ServiceMetering)
		if err != nil {
			return err
		}
		mcfg := metering.DefaultConfig()
		if err := config.Load("", &mcfg); err != nil {
			return err
		}
		mcfg.Replicas = a.cfg.NATSReplicas
		m, err := metering.New(mcfg, db, a.bus, metering.LimitsFromClient(gwClient), a.log)
		if err != nil {
			return err
		}
		if err := m.Migrate(ctx); err != nil {
			return err
		}
		m.RegisterGRPC(a.grpc)
		if err := m.RegisterREST(ctx, a.rest); err != nil {
			return err
		}
		a.csv = m.CSVHandler()
		a.health.Add("metering", m.Ready)
		a.runners = append(a.runners, runner{name: ServiceMetering, run: m.Run})
	}

	if a.dev && a.cfg.Simulators {
		if err := a.startSimulators(ctx, reg); err != nil {
			return err
		}
	}

	if a.services[ServiceGateway] {
		gcfg := gateway.DefaultConfig()
		if err := gcfg.ApplyEnv(os.LookupEnv); err != nil {
			return err
		}
		gcfg.Addr = a.cfg.GatewayAddr
		gcfg.StreamReplicas = a.cfg.NATSReplicas
		// The gateway drains and flushes metering inside the process's own
		// stop bound, leaving time for the stores to close after it.
		if limit := a.cfg.ShutdownTimeout - 2*time.Second; gcfg.ShutdownTimeout > limit && limit > 0 {
			gcfg.ShutdownTimeout = limit
		}
		if err := gcfg.Validate(); err != nil {
			return err
		}
		gw, err := gateway.New(gcfg, gateway.RegistryFromClient(gwClient), a.bus, a.log)
		if err != nil {
			return err
		}
		ln, err := listenTCP("gateway", gcfg.Addr)
		if err != nil {
			return err
		}
		a.gatewayAddr = ln.Addr().String()
		a.Info.GatewayURL = "http://" + displayAddr(a.gatewayAddr)
		if gcfg.TLSCertFile != "" {
			a.Info.GatewayURL = "https://" + displayAddr(a.gatewayAddr)
		}
		a.health.Add("gateway", gw.Ready)
		a.runners = append(a.runners, runner{name: ServiceGateway, run: func(ctx context.Context) error { return gw.RunListener(ctx, ln) }})
	}
	return nil
}

// startSimulators runs the national-system simulators and, with demo data
// on, registers the business-registration API behind the gateway.
func (a *App) startSimulators(ctx context.Context, reg *registry.Service) error {
	scfg := ngsp.DefaultConfig()
	if err := scfg.ApplyEnv(os.LookupEnv); err != nil {
		return err
	}
	if err := scfg.Validate(); err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sim := ngsp.New(scfg, a.log.With("component", "sim-ngsp"))
	url, err := sim.Start(sctx, a.cfg.SimulatorAddr)
	if err != nil {
		cancel()
		return fmt.Errorf("NGSP simulator on %s (LGSP_SIMULATOR_ADDR): %w", a.cfg.SimulatorAddr, err)
	}
	a.closers = append(a.closers, func() { cancel(); <-sim.Done() })
	a.Info.SimulatorURL = url
	if reg == nil || !a.cfg.Demo {
		return nil
	}
	demo, err := reg.SeedDemo(ctx, registry.DemoOptions{
		UpstreamURL:      url + ngsp.BusinessRegistrationContext,
		FixedCredentials: true,
		UpstreamAuth: &registryv1.UpstreamAuth{
			Type:         registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS,
			TokenUrl:     url + "/token",
			ClientId:     scfg.ConsumerKey,
			ClientSecret: scfg.ConsumerSecret,
		},
	})
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	a.Info.DemoClientID = demo.ClientID
	a.Info.DemoClientSecret = demo.ClientSecret
	a.Info.DemoAPIPath = "/" + demo.APIContext + "/" + demo.APIVersion + "/chiTietDoanhNghiep?msdn=" + sim.Demo().MSDN
	return nil
}

func (a *App) dialRegistry() (*grpc.ClientConn, error) {
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
		return nil, &config.Invalid{Setting: "LGSP_REGISTRY_ADDR", Value: a.cfg.RegistryAddr, Reason: err.Error()}
	}
	a.closers = append(a.closers, func() { _ = conn.Close() })
	return conn, nil
}

// adminHandler is the admin listener's HTTP surface: health without
// credentials, everything else behind authentication, and /metrics also
// open to the scraper's own token when one is configured.
func (a *App) adminHandler() http.Handler {
	protected := http.NewServeMux()
	protected.Handle("/admin/", a.rest)
	protected.Handle("GET /metrics", a.tel.Handler())
	if a.csv != nil {
		protected.Handle("GET "+metering.CSVPath, a.csv)
	}
	auth := authn.Middleware(a.authenticator, registry.IsPublicREST, apierr.WriteJSON)(protected)
	a.adminMux.Handle("/", auth)
	if a.cfg.MetricsToken != "" {
		metrics, token := a.tel.Handler(), []byte(a.cfg.MetricsToken)
		a.adminMux.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if got := authn.BearerFromHeader(r.Header.Get("Authorization")); got != "" && subtle.ConstantTimeCompare([]byte(got), token) == 1 {
				metrics.ServeHTTP(w, r)
				return
			}
			auth.ServeHTTP(w, r)
		}))
	}
	return a.adminMux
}
