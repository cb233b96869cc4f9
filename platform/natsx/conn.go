package natsx

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Bus is a connection to NATS with its JetStream context.
type Bus struct {
	Conn *nats.Conn
	JS   jetstream.JetStream
}

// Connect dials url and returns the connection with JetStream. The client
// reconnects forever; a NATS outage is reported through Ready.
func Connect(ctx context.Context, url, name string, log *slog.Logger) (*Bus, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.Timeout(5 * time.Second),
		nats.RetryOnFailedConnect(false),
	}
	if log != nil {
		opts = append(opts,
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				if err != nil {
					log.Warn("nats disconnected", "err", err)
				}
			}),
			nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
		)
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s (LGSP_NATS_URL): %w", redact(url), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if _, err := js.AccountInfo(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("JetStream is not enabled on the NATS server at %s: %w", redact(url), err)
	}
	return &Bus{Conn: nc, JS: js}, nil
}

// Ready reports whether the connection is up and JetStream answers.
func (b *Bus) Ready(ctx context.Context) error {
	if !b.Conn.IsConnected() {
		return fmt.Errorf("nats: %s", b.Conn.Status())
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := b.JS.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}

// Close drains the connection so that pending publishes are flushed.
func (b *Bus) Close() {
	if b == nil || b.Conn == nil {
		return
	}
	_ = b.Conn.Drain()
	// Drain is asynchronous; wait for it with a bound so shutdown never hangs.
	deadline := time.Now().Add(5 * time.Second)
	for !b.Conn.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	b.Conn.Close()
}

func redact(url string) string {
	// nats://user:pass@host -> nats://***@host
	for i := 0; i < len(url); i++ {
		if url[i] == '@' {
			for j := 0; j < i; j++ {
				if url[j] == '/' && j+1 < len(url) && url[j+1] == '/' {
					return url[:j+2] + "***" + url[i:]
				}
			}
		}
	}
	return url
}
