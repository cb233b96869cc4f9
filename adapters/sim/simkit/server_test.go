package simkit

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestServerServesOnceAndShutsDownWhenCancelled(t *testing.T) {
	var released atomic.Int32
	s := NewServer(ServerOptions{
		Name:    "test simulator",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }),
		Release: func() { released.Add(1) },
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := s.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if string(b) != "ok" {
		t.Fatalf("answer %q", b)
	}
	if _, err := s.Start(ctx, "127.0.0.1:0"); err == nil || err.Error() != "test simulator already started" {
		t.Fatalf("second Start: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ctx, ln); err == nil || !strings.Contains(err.Error(), "already started") {
		t.Fatalf("Serve after Start: %v", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve refused but left its listener open: %v", err)
	}
	cancel()
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed after the context ended")
	}
	if released.Load() != 1 {
		t.Fatalf("Release called %d times, want 1", released.Load())
	}
}

func TestServerRefusesWithItsError(t *testing.T) {
	bad := errors.New("LGSP_SIM_X_ADDR: bad")
	s := NewServer(ServerOptions{Name: "test simulator", Handler: http.NotFoundHandler(), Refuse: bad})
	if _, err := s.Start(context.Background(), "127.0.0.1:0"); err != bad {
		t.Fatalf("Start: %v, want %v", err, bad)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(context.Background(), ln); err != bad {
		t.Fatalf("Serve: %v, want %v", err, bad)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve refused but left its listener open: %v", err)
	}
}

func TestServerWrapsTheListener(t *testing.T) {
	var wrapped atomic.Bool
	s := NewServer(ServerOptions{
		Name:    "test simulator",
		Handler: http.NotFoundHandler(),
		Wrap:    func(ln net.Listener) net.Listener { wrapped.Store(true); return ln },
	})
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := s.Start(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-s.Done()
	if !wrapped.Load() {
		t.Fatal("Wrap was not called")
	}
}

// TestServerStopsWithASilentConnection: a client that connected and sent
// nothing (net/http counts it as active for 5 s) does not make the stop an
// error.
func TestServerStopsWithASilentConnection(t *testing.T) {
	s := NewServer(ServerOptions{Name: "test simulator", Handler: http.NotFoundHandler()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return")
	}
}
