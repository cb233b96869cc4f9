package gateway

import (
	"crypto/tls"
	"errors"
	"net"
)

// errBareLF ends a connection whose first header block ends with a bare LF.
var errBareLF = errors.New("the request's header block ends with a bare LF; HTTP/1.1 needs CRLF line endings")

// edgeListener watches the first header block of every connection. fasthttp
// waits for the CRLF CRLF that ends a header block; a client that ends its
// headers with bare LFs waits for an answer, and both would sit there until
// the read timeout. Watching the first block only is enough: a client that
// writes bare LFs does so from its first request, which is refused, and it
// costs nothing once that block has passed. Later requests on a connection
// are bounded by the read timeout and the per-address connection cap.
type edgeListener struct{ net.Listener }

func (l edgeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	g := &lfGuard{Conn: c}
	if tc, ok := c.(*tls.Conn); ok {
		// fasthttp recognises TLS connections by these methods (mTLS,
		// X-Forwarded-Proto), so they must show through.
		return &lfGuardTLS{lfGuard: g, tc: tc}, nil
	}
	return g, nil
}

const (
	lfWatching = iota // in the first header block
	lfPassing         // the block ended with CRLF CRLF
	lfRefused         // it ended with a bare LF
)

// lfGuard is a connection whose first header block is watched. Only the
// server's goroutine of the connection reads it.
type lfGuard struct {
	net.Conn
	state int
	last  [3]byte // the bytes before the next one, most recent last
}

func (c *lfGuard) Read(p []byte) (int, error) {
	switch c.state {
	case lfPassing:
		return c.Conn.Read(p)
	case lfRefused:
		return 0, errBareLF
	}
	n, err := c.Conn.Read(p)
	c.scan(p[:n])
	return n, err
}

// scan looks for the blank line that ends the header block: CRLF CRLF
// passes, LF LF, CR LF LF or LF CR LF is refused at the next read, so that
// the server answers with what it has instead of waiting for more.
func (c *lfGuard) scan(b []byte) {
	for _, x := range b {
		if x == '\n' {
			switch {
			case c.last[2] == '\n':
				c.state = lfRefused
				return
			case c.last[2] == '\r' && c.last[1] == '\n':
				if c.last[0] == '\r' {
					c.state = lfPassing
				} else {
					c.state = lfRefused
				}
				return
			}
		}
		c.last[0], c.last[1], c.last[2] = c.last[1], c.last[2], x
	}
}

type lfGuardTLS struct {
	*lfGuard
	tc *tls.Conn
}

func (c *lfGuardTLS) Handshake() error                     { return c.tc.Handshake() }
func (c *lfGuardTLS) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }
