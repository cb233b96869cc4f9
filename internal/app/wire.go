package app

import (
	"context"
	"net/http"

	"google.golang.org/grpc"
)

// wireServices builds the requested services and registers their gRPC, REST
// and background loops.
func (a *App) wireServices(ctx context.Context) error {
	a.grpc = grpc.NewServer()
	return nil
}

// adminHandler is the admin listener's HTTP surface.
func (a *App) adminHandler() http.Handler {
	a.adminMux.Handle("/admin/", a.rest)
	a.adminMux.Handle("GET /metrics", a.tel.Handler())
	return a.adminMux
}
