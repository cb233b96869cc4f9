package simkit

import (
	"context"
	"fmt"
	"net"

	"github.com/lgsp-vn/lgsp/platform/service"
)

// Bound is a simulator's bound listener as the service table sees it: the
// simulator's URL, its readiness (true once bound), the start banner's
// endpoint, and Run serving on the listener. A simulator's Instance embeds
// it next to the simulator.
type Bound struct {
	ln       net.Listener
	endpoint string
	serve    func(ctx context.Context, ln net.Listener) error
}

// Bind listens on addr for a simulator. what and setting name the
// simulator and its address setting in the error ("NGSP simulator",
// "LGSP_SIMULATOR_ADDR"); endpoint names its URL among the process's
// endpoints; serve serves on the listener until the context ends.
func Bind(addr, what, setting, endpoint string, serve func(ctx context.Context, ln net.Listener) error) (*Bound, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s on %s (%s): %w", what, addr, setting, err)
	}
	return &Bound{ln: ln, endpoint: endpoint, serve: serve}, nil
}

// URL is the simulator's base URL.
func (b *Bound) URL() string { return "http://" + b.ln.Addr().String() }

// Ready is always true once the listener is bound.
func (b *Bound) Ready(context.Context) error { return nil }

// Run serves until ctx is cancelled.
func (b *Bound) Run(ctx context.Context) error { return b.serve(ctx, b.ln) }

// Endpoints names the simulator's URL for the start banner.
func (b *Bound) Endpoints() []service.Endpoint {
	return []service.Endpoint{{Name: b.endpoint, URL: b.URL()}}
}

// CloseListener releases the address of an instance that will not be run
// (Run closes the listener when it returns).
func (b *Bound) CloseListener() error { return b.ln.Close() }
