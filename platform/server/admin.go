package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// Listener is an HTTP listener with graceful shutdown.
type Listener struct {
	Name    string
	srv     *http.Server
	log     *slog.Logger
	ln      net.Listener
	grace   time.Duration
	tlsCert string
	tlsKey  string
}

// ListenerOptions configures a Listener.
type ListenerOptions struct {
	Name string // for logs: "admin", "gateway-metrics" …
	Addr string
	// Handler serves HTTP/1.1 and HTTP/2 requests that are not gRPC.
	Handler http.Handler
	// GRPC, when set, receives requests with content-type application/grpc
	// on the same port (HTTP/2 over cleartext or TLS).
	GRPC *grpc.Server
	// Grace bounds how long shutdown waits for in-flight requests.
	Grace time.Duration
	// TLSCert and TLSKey enable TLS.
	TLSCert, TLSKey string
	Log             *slog.Logger
	// MaxBodyBytes bounds the body of every request that is not gRPC: 0
	// means DefaultMaxBodyBytes, a negative value no limit.
	MaxBodyBytes int64
	// BodyLimit, when set, may raise the bound for one request (a service
	// that takes large documents on some paths); a result at or below
	// MaxBodyBytes keeps MaxBodyBytes.
	BodyLimit func(r *http.Request) int64
}

// DefaultMaxBodyBytes bounds request bodies on a listener, so that a
// public endpoint (the admin login) cannot be fed without limit. The
// largest legitimate body is an API's OpenAPI document, which the registry
// takes up to 2 MiB, escaped inside JSON.
const DefaultMaxBodyBytes = 4 << 20

// NewListener binds the address now, so that a port conflict fails at start
// with a clear message, and returns a listener ready to Serve.
func NewListener(o ListenerOptions) (*Listener, error) {
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener on %s: %w", o.Name, o.Addr, err)
	}
	h := o.Handler
	if o.GRPC != nil {
		h = grpcOrHTTP(o.GRPC, o.Handler)
	}
	maxBody := o.MaxBodyBytes
	if maxBody == 0 {
		maxBody = DefaultMaxBodyBytes
	}
	if maxBody > 0 {
		h = limitBody(maxBody, o.BodyLimit, h)
	}
	h = requestID(h)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
		Protocols:         new(http.Protocols),
	}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	grace := o.Grace
	if grace <= 0 {
		grace = 8 * time.Second
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	return &Listener{Name: o.Name, srv: srv, log: log, ln: ln, grace: grace, tlsCert: o.TLSCert, tlsKey: o.TLSKey}, nil
}

// Addr is the bound address (useful with port 0).
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Run serves until ctx is cancelled, then shuts down gracefully.
func (l *Listener) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() {
		var err error
		if l.tlsCert != "" {
			err = l.srv.ServeTLS(l.ln, l.tlsCert, l.tlsKey)
		} else {
			err = l.srv.Serve(l.ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), l.grace)
	defer cancel()
	err := l.srv.Shutdown(sctx)
	if err != nil {
		l.log.Warn("listener did not drain in time", "listener", l.Name, "err", err)
		_ = l.srv.Close()
	}
	<-errc
	return nil
}

func grpcOrHTTP(g *grpc.Server, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
			g.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// limitBody refuses request bodies over max: at once, without reading
// them, when Content-Length announces one, and when reading passes max
// otherwise (http.MaxBytesReader, which also closes the connection). gRPC
// keeps its own per-message limit.
func limitBody(base int64, raise func(*http.Request) int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
			next.ServeHTTP(w, r)
			return
		}
		limit := base
		if raise != nil {
			limit = max(limit, raise(r))
		}
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			_ = json.NewEncoder(w).Encode(apierr.Body{
				Code:      "body_too_large",
				Message:   fmt.Sprintf("the request body exceeds %d bytes", limit),
				MessageVI: fmt.Sprintf("nội dung yêu cầu vượt quá %d byte", limit),
				RequestID: w.Header().Get("X-Request-Id"),
			})
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// requestID makes sure every request and its response carry X-Request-Id.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 128 {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
			r.Header.Set("X-Request-Id", id)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r)
	})
}

// DisplayAddr turns a bound listen address into one a person can open: a
// wildcard host (":8080", "0.0.0.0:8080", "[::]:8080") becomes 127.0.0.1.
func DisplayAddr(addr string) string {
	for _, wild := range []string{"0.0.0.0:", "[::]:"} {
		if rest, ok := strings.CutPrefix(addr, wild); ok {
			return "127.0.0.1:" + rest
		}
	}
	if strings.HasPrefix(addr, ":") {
		return "127.0.0.1" + addr
	}
	return addr
}
