package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/gateway"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

// The benchmark's registry serves a gateway over gRPC, and every target it
// writes is admitted with the token the registry issued.
func TestBenchRegistryServesTheGateway(t *testing.T) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer upstream.Close()
	_, bus := natstest.Start(t)
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets")
	ctx := context.Background()
	reg, err := startRegistry(ctx, filepath.Join(dir, "registry"), bus, upstream.URL, targets, 3, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()

	client, conn, err := registrytest.DialGateway(reg.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cfg := benchGatewayConfig()
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.MeteringJournalDir = t.TempDir()
	g, err := gateway.New(cfg, gateway.RegistryFromClient(client), bus, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- g.RunListener(gctx, ln) }()
	defer func() { stop(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); g.Ready(ctx) != nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("gateway not ready")
		}
	}

	f, err := os.Open(targets)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for lines := bufio.NewScanner(f); lines.Scan(); n++ {
		path, tok, _ := strings.Cut(lines.Text(), " ")
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/"+path+"/small.json", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("target %s: %d %s", path, resp.StatusCode, body)
		}
	}
	if n != 2 {
		t.Fatalf("%d targets, want 2", n)
	}
}
