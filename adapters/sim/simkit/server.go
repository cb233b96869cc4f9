package simkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ServerOptions describe the simulator a Server runs.
type ServerOptions struct {
	// Name prefixes errors: "ngsp simulator" gives "ngsp simulator listen …".
	Name    string
	Handler http.Handler
	// Refuse, when set, is returned by Start and Serve instead of serving:
	// a simulator whose configuration does not validate still answers as
	// a Handler, but does not start.
	Refuse error
	// Log receives the messages below and the HTTP server's own errors
	// (at warning level). Nil discards.
	Log *slog.Logger
	// Listening is logged by Start with the base URL, Failed by Start
	// when the server stops with an error.
	Listening, Failed string
	// Wrap, when set, is given the bound listener as serving begins and
	// returns the one to serve on (the document axis uses it to take its
	// socket down during a simulated outage).
	Wrap func(net.Listener) net.Listener
	// Release, when set, is called when serving ends, before the graceful
	// shutdown, so that calls hanging on injected faults do not hold it up.
	Release func()
}

// Server serves a simulator's handler on one listener, once, until its
// context is cancelled, then shuts down gracefully.
type Server struct {
	o       ServerOptions
	once    sync.Once
	stopped chan struct{}
}

// NewServer returns a server that has not started.
func NewServer(o ServerOptions) *Server {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Release == nil {
		o.Release = func() {}
	}
	return &Server{o: o, stopped: make(chan struct{})}
}

// Start listens on addr ("127.0.0.1:0" picks a port) and serves in the
// background until ctx is cancelled. It returns the base URL.
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	if s.o.Refuse != nil {
		return "", s.o.Refuse
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s listen %s: %w", s.o.Name, addr, err)
	}
	started := false
	s.once.Do(func() {
		started = true
		go func() {
			if err := s.serve(ctx, ln); err != nil {
				s.o.Log.Error(s.o.Failed, "err", err)
			}
		}()
	})
	if !started {
		_ = ln.Close()
		return "", fmt.Errorf("%s already started", s.o.Name)
	}
	url := "http://" + ln.Addr().String()
	s.o.Log.Info(s.o.Listening, "url", url)
	return url, nil
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully
// and returns. It is the blocking form of Start; it closes ln when it
// refuses to serve.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.o.Refuse != nil {
		_ = ln.Close()
		return s.o.Refuse
	}
	started := false
	var err error
	s.once.Do(func() {
		started = true
		err = s.serve(ctx, ln)
	})
	if !started {
		_ = ln.Close()
		return fmt.Errorf("%s already started", s.o.Name)
	}
	return err
}

// Done is closed when a server run by Start or Serve has stopped.
func (s *Server) Done() <-chan struct{} { return s.stopped }

func (s *Server) serve(ctx context.Context, ln net.Listener) error {
	defer close(s.stopped)
	if s.o.Wrap != nil {
		ln = s.o.Wrap(ln)
	}
	srv := &http.Server{
		Handler:           s.o.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.o.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.o.Release()
		return fmt.Errorf("%s serve: %w", s.o.Name, err)
	case <-ctx.Done():
	}
	s.o.Release()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// A simulator keeps nothing to flush: connections still open after
		// the grace period (net/http counts a connection that has sent no
		// request yet as active for 5 s) are closed, and that is a clean
		// stop, not an error of the process.
		_ = srv.Close()
		err = nil
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("%s shutdown: %w", s.o.Name, err)
	}
	return nil
}

// shutdownGrace is how long a stopping simulator lets calls in progress
// finish.
const shutdownGrace = 2 * time.Second
