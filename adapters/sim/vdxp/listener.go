package vdxp

import (
	"errors"
	"net"
	"sync"
)

// gate is the simulator's listener. It can go down, closing the listening
// socket so that the kernel refuses connections and dropping the open
// ones, and come back up on the same address: a real outage, not an error
// answer.
type gate struct {
	addr net.Addr

	mu     sync.Mutex
	ln     net.Listener // nil while down
	wake   chan struct{}
	conns  map[*gatedConn]struct{}
	closed bool
}

func newGate(ln net.Listener) *gate {
	return &gate{addr: ln.Addr(), ln: ln, wake: make(chan struct{}), conns: map[*gatedConn]struct{}{}}
}

// Accept waits while the gate is down.
func (g *gate) Accept() (net.Conn, error) {
	for {
		g.mu.Lock()
		ln, wake, closed := g.ln, g.wake, g.closed
		g.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		if ln == nil {
			<-wake
			continue
		}
		c, err := ln.Accept()
		if err != nil {
			g.mu.Lock()
			replaced := g.ln != ln && !g.closed
			g.mu.Unlock()
			if replaced { // taken down while accepting
				continue
			}
			return nil, err
		}
		gc := &gatedConn{Conn: c, g: g}
		g.mu.Lock()
		if g.ln != ln { // went down meanwhile
			g.mu.Unlock()
			_ = c.Close()
			continue
		}
		g.conns[gc] = struct{}{}
		g.mu.Unlock()
		return gc, nil
	}
}

// down closes the socket and every open connection.
func (g *gate) down() {
	g.mu.Lock()
	ln := g.ln
	g.ln = nil
	conns := g.conns
	g.conns = map[*gatedConn]struct{}{}
	g.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	for c := range conns {
		_ = c.Conn.Close()
	}
}

// up listens again on the same address.
func (g *gate) up() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln != nil || g.closed {
		return nil
	}
	ln, err := net.Listen(g.addr.Network(), g.addr.String())
	if err != nil {
		return err
	}
	g.ln = ln
	close(g.wake)
	g.wake = make(chan struct{})
	return nil
}

// Close stops the gate for good; http.Server calls it on shutdown.
func (g *gate) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	ln := g.ln
	g.ln = nil
	close(g.wake)
	g.mu.Unlock()
	if ln != nil {
		return ln.Close()
	}
	return nil
}

// Addr is the address the gate listens on, up or down.
func (g *gate) Addr() net.Addr { return g.addr }

type gatedConn struct {
	net.Conn
	g    *gate
	once sync.Once
}

func (c *gatedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.g.mu.Lock()
		delete(c.g.conns, c)
		c.g.mu.Unlock()
	})
	if errors.Is(err, net.ErrClosed) {
		return nil // already dropped by down
	}
	return err
}
