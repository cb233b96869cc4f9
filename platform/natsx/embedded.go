package natsx

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedConfig configures an in-process NATS server with JetStream.
type EmbeddedConfig struct {
	// StoreDir holds the JetStream file store. Empty means a temporary
	// directory, which is only suitable for tests.
	StoreDir string
	// Listen is "host:port" for client connections; "127.0.0.1:-1" picks a
	// free port. Empty means loopback on a random port.
	Listen string
	// MaxMemory and MaxStore bound JetStream resources; 0 lets the server
	// choose.
	MaxMemory int64
	MaxStore  int64
}

// Embedded is a running in-process NATS server.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a NATS server with JetStream and waits until it is
// ready for connections.
func StartEmbedded(cfg EmbeddedConfig, log *slog.Logger) (*Embedded, error) {
	host, port := "127.0.0.1", -1
	if cfg.Listen != "" {
		h, p, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats listen address %q: %w", cfg.Listen, err)
		}
		if h != "" {
			host = h
		}
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("nats listen port %q: %w", p, err)
		}
	}
	storeDir := cfg.StoreDir
	if storeDir == "" {
		d, err := os.MkdirTemp("", "lgsp-nats-*")
		if err != nil {
			return nil, err
		}
		storeDir = d
	}
	if err := os.MkdirAll(storeDir, 0o700); err != nil {
		return nil, fmt.Errorf("nats store dir: %w", err)
	}
	opts := &server.Options{
		ServerName:         "lgsp-embedded",
		Host:               host,
		Port:               port,
		JetStream:          true,
		StoreDir:           filepath.Clean(storeDir),
		JetStreamMaxMemory: cfg.MaxMemory,
		JetStreamMaxStore:  cfg.MaxStore,
		NoSigs:             true,
		NoLog:              true,
		// Large edXML packages travel through the object store in chunks,
		// but status and metering batches can still be sizeable.
		MaxPayload: 8 << 20,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	if log != nil {
		srv.SetLoggerV2(&slogAdapter{log: log.With("component", "nats")}, false, false, false)
	}
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("nats server did not become ready within 15s")
	}
	return &Embedded{srv: srv}, nil
}

// ClientURL is the URL clients connect to.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Server exposes the underlying server, for tests that need to stop it.
func (e *Embedded) Server() *server.Server { return e.srv }

// Shutdown stops the server and waits until it has flushed its stores.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

type slogAdapter struct{ log *slog.Logger }

func (a *slogAdapter) Noticef(format string, v ...any) { a.log.Debug(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Warnf(format string, v ...any)   { a.log.Warn(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Fatalf(format string, v ...any)  { a.log.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Errorf(format string, v ...any)  { a.log.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Debugf(format string, v ...any)  { a.log.Debug(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Tracef(format string, v ...any)  {}
