package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/internal/testnet"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
)

// TestServeStartsBeforeItsDependencies starts the split services (registry,
// metering, docexchange, onestop, adapters, gateway, each as `lgsp serve` would) before NATS and the
// database answer, as a VM that boots first would. Each must stay up, say
// on /readyz what it waits for, and become ready once they answer.
func TestServeStartsBeforeItsDependencies(t *testing.T) {
	for _, engine := range sqltest.Engines {
		t.Run(engine, func(t *testing.T) { testLateDependencies(t, engine) })
	}
}

func testLateDependencies(t *testing.T, engine string) {
	natsAddr := freeAddr(t)
	token := strings.Repeat("k", 40)
	dbURL := func(svc string) string { return sqltest.URL(t, engine) }
	var proxy *lateProxy
	if engine == sqltest.Postgres {
		real := sqltest.URL(t, engine)
		u, err := url.Parse(real)
		if err != nil {
			t.Fatal(err)
		}
		proxy = newLateProxy(t, u.Host)
		u.Host = proxy.addr
		dbURL = func(string) string { return u.String() }
	}
	regAdmin := freeAddr(t)
	common := []string{
		"LGSP_NATS_URL=nats://" + natsAddr,
		"LGSP_INTERNAL_TOKEN=" + token,
		"LGSP_LOG_LEVEL=error",
	}
	procs := []struct {
		service string
		env     []string
	}{
		{"registry", []string{"LGSP_ADMIN_ADDR=" + regAdmin, "LGSP_DATABASE_URL=" + dbURL("registry"),
			"LGSP_MASTER_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "LGSP_ADMIN_PASSWORD=a-long-admin-password"}},
		{"metering", []string{"LGSP_ADMIN_ADDR=" + freeAddr(t), "LGSP_DATABASE_URL=" + dbURL("metering"), "LGSP_REGISTRY_ADDR=" + regAdmin}},
		{"docexchange", []string{"LGSP_ADMIN_ADDR=" + freeAddr(t), "LGSP_DATABASE_URL=" + dbURL("docexchange"), "LGSP_REGISTRY_ADDR=" + regAdmin, "LGSP_DATA_DIR=" + t.TempDir()}},
		{"onestop", []string{"LGSP_ADMIN_ADDR=" + freeAddr(t), "LGSP_DATABASE_URL=" + dbURL("onestop"), "LGSP_REGISTRY_ADDR=" + regAdmin}},
		{"adapters", []string{"LGSP_ADMIN_ADDR=" + freeAddr(t), "LGSP_DATABASE_URL=" + dbURL("adapters"), "LGSP_REGISTRY_ADDR=" + regAdmin,
			"LGSP_ADAPTERS_AUDIT_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}},
		{"gateway", []string{"LGSP_ADMIN_ADDR=" + freeAddr(t), "LGSP_GATEWAY_ADDR=127.0.0.1:0", "LGSP_REGISTRY_ADDR=" + regAdmin, "LGSP_DATA_DIR=" + t.TempDir()}},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	type started struct {
		a   *app.App
		err error
	}
	results := make([]chan started, len(procs))
	admins := make([]string, len(procs))
	for i, p := range procs {
		cfg, _, err := app.LoadConfig(app.LoadOptions{Environ: append(append([]string{}, common...), p.env...)})
		if err != nil {
			t.Fatalf("%s: %v", p.service, err)
		}
		admins[i] = "http://" + cfg.AdminAddr
		results[i] = make(chan started, 1)
		go func() {
			a, err := app.New(ctx, cfg, false, []string{p.service}, log)
			results[i] <- started{a, err}
		}()
	}

	// Nothing answers yet: every process is up, not ready, and says why.
	for i, p := range procs {
		waitFor(t, admins[i]+"/readyz", func(code int, body string) bool {
			return code == http.StatusServiceUnavailable && strings.Contains(body, `"nats"`)
		}, p.service+" reports NATS awaited")
		if code, _ := get(t, admins[i]+"/healthz"); code != http.StatusOK {
			t.Fatalf("%s /healthz = %d while starting", p.service, code)
		}
		if code, body := get(t, admins[i]+"/admin/v1/agencies"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"starting"`) {
			t.Fatalf("%s API while starting = %d %s", p.service, code, body)
		}
	}

	srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: t.TempDir(), Listen: natsAddr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()

	if proxy != nil {
		waitFor(t, admins[0]+"/readyz", func(code int, body string) bool {
			return code == http.StatusServiceUnavailable && strings.Contains(body, `"database:registry"`)
		}, "registry reports its database awaited")
		proxy.open()
	}

	apps := make([]*app.App, len(procs))
	for i, p := range procs {
		select {
		case r := <-results[i]:
			if r.err != nil {
				t.Fatalf("%s: %v", p.service, r.err)
			}
			apps[i] = r.a
		case <-time.After(90 * time.Second):
			t.Fatalf("%s did not finish starting after its dependencies came up", p.service)
		}
	}
	var wg sync.WaitGroup
	runCtx, stop := context.WithCancel(context.Background())
	for i, a := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Run(runCtx); err != nil {
				t.Errorf("%s run: %v", procs[i].service, err)
			}
		}()
	}
	for i, p := range procs {
		waitFor(t, admins[i]+"/readyz", func(code int, _ string) bool { return code == http.StatusOK }, p.service+" ready")
	}
	stop()
	wg.Wait()
}

// waitFor polls url until ok accepts the answer, for up to a minute.
func waitFor(t *testing.T, url string, ok func(code int, body string) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var code int
	var body string
	for time.Now().Before(deadline) {
		code, body = get(t, url)
		if ok(code, body) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: last answer %d %s", what, code, body)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v any
	_ = json.Unmarshal(b, &v)
	return resp.StatusCode, string(b)
}

// freeAddr is an address the test binds later: below the ephemeral range
// (testnet), so that no other process's connection takes it meanwhile.
func freeAddr(t *testing.T) string { return testnet.FreeAddr(t) }

// lateProxy is a database that is not there yet: its address refuses
// connections until open, then forwards them to the real server.
type lateProxy struct {
	t      *testing.T
	addr   string
	target string
}

func newLateProxy(t *testing.T, target string) *lateProxy {
	return &lateProxy{t: t, addr: freeAddr(t), target: target}
}

func (p *lateProxy) open() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", p.target)
				if err != nil {
					return
				}
				defer up.Close()
				done := make(chan struct{}, 2)
				go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
				go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
				<-done
			}()
		}
	}()
}
