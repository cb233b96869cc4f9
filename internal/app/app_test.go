package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/internal/app"
)

// startDev runs the whole platform in dev mode on random loopback ports with
// its data in dir, and returns it with a stop function that reports how long
// the graceful stop took.
func startDev(t *testing.T, dir string, env ...string) (*app.App, func() time.Duration) {
	t.Helper()
	return startDevLog(t, dir, io.Discard, env...)
}

// startDevLog is startDev with the platform's log lines written to w.
func startDevLog(t *testing.T, dir string, w io.Writer, env ...string) (*app.App, func() time.Duration) {
	t.Helper()
	environ := append([]string{
		"LGSP_DATA_DIR=" + dir,
		"LGSP_GATEWAY_ADDR=127.0.0.1:0",
		"LGSP_ADMIN_ADDR=127.0.0.1:0",
		"LGSP_SIMULATOR_ADDR=127.0.0.1:0",
		"LGSP_SIM_VDXP_ADDR=127.0.0.1:0",
		"LGSP_SIM_DVCQG_ADDR=127.0.0.1:0",
	}, env...)
	cfg, _, err := app.LoadConfig(app.LoadOptions{Dev: true, Environ: environ})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, true, nil, log)
	if err != nil {
		cancel()
		t.Fatalf("start: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop := func() time.Duration {
		if stopped {
			return 0
		}
		stopped = true
		start := time.Now()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("platform did not stop within 15s")
		}
		return time.Since(start)
	}
	t.Cleanup(func() { stop() })
	return a, stop
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// waitReady polls /readyz: the gateway becomes ready once it has loaded its
// first registry snapshot, shortly after start.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := getStatus(t, base+"/readyz")
		if got == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/readyz = %d after 10s", base, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDevReadyAndRestart(t *testing.T) {
	dir := t.TempDir()
	a, stop := startDev(t, dir)
	for _, u := range []string{a.Info.AdminURL, a.Info.GatewayURL} {
		if u == "" {
			t.Fatalf("listener URL missing in %+v", a.Info)
		}
		if got := getStatus(t, u+"/healthz"); got != 200 {
			t.Fatalf("%s/healthz = %d", u, got)
		}
		waitReady(t, u)
	}
	password := a.Info.AdminPassword
	if took := stop(); took > 10*time.Second {
		t.Fatalf("graceful stop took %s, want within 10s", took)
	}

	// Same data directory: the generated admin password is reused, not
	// regenerated, and the platform comes back ready.
	b, _ := startDev(t, dir)
	if b.Info.AdminPassword != password || b.Info.PasswordGenerated {
		t.Fatalf("admin password changed across restart")
	}
	waitReady(t, b.Info.AdminURL)
	waitReady(t, b.Info.GatewayURL)
}

// A scraper's token reads /metrics and nothing else.
func TestMetricsToken(t *testing.T) {
	const token = "scraper-token-0123456789abcdefghijklmnop"
	a, _ := startDev(t, t.TempDir(), "LGSP_METRICS_TOKEN="+token)
	waitReady(t, a.Info.AdminURL)
	get := func(path, bearer string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, a.Info.AdminURL+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/metrics", ""); code != http.StatusUnauthorized {
		t.Fatalf("/metrics without a credential = %d", code)
	}
	if code, _ := get("/metrics", "wrong-token-0123456789abcdefghijklmnop"); code != http.StatusUnauthorized {
		t.Fatalf("/metrics with a wrong token = %d", code)
	}
	code, body := get("/metrics", token)
	if code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics with the scraper token = %d", code)
	}
	if code, _ := get("/admin/v1/apis", token); code != http.StatusUnauthorized {
		t.Fatalf("the scraper token opened the admin API: %d", code)
	}
}
