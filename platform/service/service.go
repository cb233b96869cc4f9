// Package service is the contract between the composition root and each
// LGSP service. A service is a package that exports one Definition; `lgsp
// dev` and `lgsp serve <name>` iterate the same table of them, so adding a
// service is its package plus one entry in that table.
//
// The root gives each service what its Definition says it needs (its own
// SQL store, NATS, the registry, the internal token), already connected:
// it retries the shared engines with backoff while /readyz reports
// not-ready, so New never waits for them itself. New returns a ready
// Instance (migrations applied, streams declared); the root then mounts
// the faces the instance offers through the optional interfaces below and
// calls Run until the process stops.
package service

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Definition describes one service to the composition root.
type Definition struct {
	// Name is what `lgsp serve` takes, the service's configuration section
	// and its SQLite file name in dev mode.
	Name string
	// Summary is one line for help texts.
	Summary string
	// Config returns a pointer to the service's settings holding their
	// defaults (dev is true for `lgsp dev`, whose defaults keep everything
	// on loopback). nil when the service has no settings.
	Config func(dev bool) any
	// Needs says which shared dependencies the root must provide.
	Needs Needs
	// DevOnly services (the national-system simulators) run only in
	// `lgsp dev`.
	DevOnly bool
	// New builds the service from its loaded, checked settings (what
	// Config returned) and its dependencies.
	New func(ctx context.Context, d Deps, cfg any) (Instance, error)
}

// Needs lists shared dependencies.
type Needs struct {
	// Database is the service's own SQL store.
	Database bool
	// Registry is the registry's gateway-facing API and authenticator:
	// in process in dev mode, over gRPC (LGSP_REGISTRY_ADDR) otherwise.
	Registry bool
	// PeerToken is the internal token other LGSP processes present.
	PeerToken bool
}

// Deps are the shared dependencies the root hands to New.
type Deps struct {
	Dev bool
	Log *slog.Logger
	// Bus is the NATS connection, always present.
	Bus *natsx.Bus
	// DB is the service's own store when Needs.Database.
	DB *sqlstore.DB
	// Replicas is the replica count of the streams and buckets the service
	// declares (LGSP_NATS_REPLICAS).
	Replicas int
	// StopBound is how long Run may take to return once its context is
	// cancelled (derived from LGSP_SHUTDOWN_TIMEOUT).
	StopBound time.Duration
	// Registry is set when Needs.Registry.
	Registry Registry
	// PeerToken is set when Needs.PeerToken.
	PeerToken string
	// DataDir is the process's data directory (LGSP_DATA_DIR): the
	// embedded engines in dev mode, and local state such as the gateway's
	// metering journal in both modes.
	DataDir string
}

// Registry is what other services use of the registry.
type Registry struct {
	Gateway       registryv1.GatewayServiceClient
	Authenticator authn.Authenticator
}

// Instance is a built service.
type Instance interface {
	// Ready reports whether the service can serve now.
	Ready(ctx context.Context) error
	// Run serves until ctx is cancelled and returns within Deps.StopBound.
	Run(ctx context.Context) error
}

// The optional faces of an Instance. The root mounts every face an
// instance implements on the admin listener.
type (
	// GRPCService registers gRPC services.
	GRPCService interface {
		RegisterGRPC(grpc.ServiceRegistrar)
	}
	// RESTService mounts a grpc-gateway REST face under /admin/v1.
	RESTService interface {
		RegisterREST(ctx context.Context, mux *runtime.ServeMux) error
	}
	// Routes adds plain HTTP handlers (exports, downloads) on the admin
	// listener, behind the same authentication as the REST face.
	Routes interface {
		Routes() []Route
	}
	// Public names calls that need no credentials (a login).
	Public interface {
		PublicGRPCMethods() []string
		IsPublicREST(r *http.Request) bool
	}
	// Endpoints are URLs the operator is told at start.
	Endpoints interface {
		Endpoints() []Endpoint
	}
	// LargeBodies names the paths of the admin listener that take bodies
	// larger than its default bound (server.DefaultMaxBodyBytes): the
	// document exchange's packages.
	LargeBodies interface {
		LargeBodies() []BodyLimit
	}
	// RegistryProvider is implemented by the registry: in one process the
	// root hands it to the services that need a registry.
	RegistryProvider interface {
		Registry() Registry
	}
)

// Route is one extra HTTP handler; Pattern is a net/http ServeMux pattern
// such as "GET /admin/v1/metering/usage.csv".
type Route struct {
	Pattern string
	Handler http.Handler
}

// BodyLimit raises the request body bound for paths starting with Prefix.
type BodyLimit struct {
	Prefix string
	Max    int64
}

// Endpoint is a named URL.
type Endpoint struct {
	Name string
	URL  string
}
