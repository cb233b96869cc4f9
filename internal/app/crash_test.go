package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// A gateway child process for the kill tests: `lgsp serve gateway` from
// the environment the parent sets. It runs until it is killed.
func TestMain(m *testing.M) {
	if os.Getenv("LGSP_TEST_GATEWAY_CHILD") != "" {
		cfg, _, err := app.LoadConfig(app.LoadOptions{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		a, err := app.New(context.Background(), cfg, false, []string{"gateway"}, log)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		_ = a.Run(context.Background())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestKilledGatewayLosesNoAnsweredCall does what a province's auditor
// would: a client counts every response it receives while the gateway
// process is killed with SIGKILL in the middle of the load; the gateway is
// started again, and the metering totals are compared with what the client
// received. Every answered call must be counted, none twice. A variant
// kills the gateway during a NATS outage.
func TestKilledGatewayLosesNoAnsweredCall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and kills them; not a short test")
	}
	for _, engine := range sqltest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Run("under load", func(t *testing.T) { crashRun(t, engine, false) })
			t.Run("during a NATS outage", func(t *testing.T) { crashRun(t, engine, true) })
		})
	}
}

func crashRun(t *testing.T, engine string, natsOutage bool) {
	ctx := context.Background()
	natsAddr, natsDir := freeAddr(t), t.TempDir()
	srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: natsDir, Listen: natsAddr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Shutdown() }()

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer upstream.Close()

	token := strings.Repeat("c", 40)
	regAdmin := freeAddr(t)
	common := []string{"LGSP_NATS_URL=nats://" + natsAddr, "LGSP_INTERNAL_TOKEN=" + token, "LGSP_LOG_LEVEL=warn"}
	cfg, _, err := app.LoadConfig(app.LoadOptions{Environ: append(common,
		"LGSP_ADMIN_ADDR="+regAdmin, "LGSP_DATABASE_URL="+sqltest.URL(t, engine),
		"LGSP_MASTER_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "LGSP_ADMIN_PASSWORD=crash-test-admin-password",
		"LGSP_REGISTRY_UPSTREAM_ALLOW=public,127.0.0.0/8",
		"LGSP_METERING_QUOTA_CHECK_INTERVAL=1s")})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	core, err := app.New(ctx, cfg, false, []string{"registry", "metering"}, log)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopCore := context.WithCancel(ctx)
	coreDone := make(chan struct{})
	go func() { defer close(coreDone); _ = core.Run(runCtx) }()
	defer func() { stopCore(); <-coreDone }()

	reg := core.Instance("registry").(*registry.Service)
	demo, err := reg.SeedDemo(ctx, registry.DemoOptions{UpstreamURL: upstream.URL, FixedCredentials: true})
	if err != nil {
		t.Fatal(err)
	}

	gwAddr, gwAdmin, journalDir := freeAddr(t), freeAddr(t), t.TempDir()
	childEnv := append(os.Environ(), "LGSP_TEST_GATEWAY_CHILD=1", "LGSP_GATEWAY_ADDR="+gwAddr, "LGSP_ADMIN_ADDR="+gwAdmin,
		"LGSP_REGISTRY_ADDR="+regAdmin, "LGSP_DATA_DIR="+journalDir, "LGSP_GATEWAY_UPSTREAM_ALLOW=public,127.0.0.0/8")
	childEnv = append(childEnv, common...)
	startGateway := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = childEnv
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	gw := startGateway()
	defer func() { _ = gw.Process.Kill(); _, _ = gw.Process.Wait() }()
	waitFor(t, "http://"+gwAdmin+"/readyz", func(code int, _ string) bool { return code == http.StatusOK }, "gateway ready")

	bearer := accessToken(t, "http://"+gwAddr)
	apiURL := "http://" + gwAddr + "/" + demo.APIContext + "/" + demo.APIVersion + "/x"

	// The load: each worker counts every answer it receives, by request id.
	var mu sync.Mutex
	received := map[string]int{}
	var stopLoad atomic.Bool
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for !stopLoad.Load() {
				req, _ := http.NewRequest(http.MethodGet, apiURL, nil)
				req.Header.Set("Authorization", "Bearer "+bearer)
				resp, err := client.Do(req)
				if err != nil {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if id := resp.Header.Get("X-Request-Id"); id != "" {
					mu.Lock()
					received[id]++
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if natsOutage {
		srv.Shutdown()
		time.Sleep(500 * time.Millisecond) // the gateway keeps serving from its journal
	}
	_ = gw.Process.Signal(syscall.SIGKILL)
	_, _ = gw.Process.Wait()
	stopLoad.Store(true)
	wg.Wait()
	if natsOutage {
		if srv, err = natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: natsDir, Listen: natsAddr}, nil); err != nil {
			t.Fatal(err)
		}
	}
	gw = startGateway()
	waitFor(t, "http://"+gwAdmin+"/readyz", func(code int, _ string) bool { return code == http.StatusOK }, "gateway ready again")

	answered := 0
	for _, n := range received {
		answered += n
	}
	if answered < 100 {
		t.Fatalf("only %d calls answered before the kill: the load did not run", answered)
	}

	// Every answered call is in the metering stream, once.
	bus, err := natsx.Connect(ctx, "nats://"+natsAddr, t.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	var stored map[string]int
	deadline := time.Now().Add(60 * time.Second)
	for {
		stored = streamEventIDs(t, bus.JS)
		missing := 0
		for id := range received {
			if stored[id] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d answered calls have no metering event", missing, len(received))
		}
		time.Sleep(200 * time.Millisecond)
	}
	for id, n := range stored {
		if n > 1 {
			t.Fatalf("event %s stored %d times", id, n)
		}
	}
	for id, n := range received {
		if n > 1 {
			t.Fatalf("request id %s answered %d times", id, n)
		}
	}

	// And metering's count equals the stream's: nothing counted twice, and
	// at most the calls in flight at the kill counted without an answer.
	session := adminSession(t, "http://"+regAdmin, "crash-test-admin-password")
	var counted int64
	deadline = time.Now().Add(60 * time.Second)
	for {
		counted = meteredTotal(t, "http://"+regAdmin, session, demo.APIID)
		if counted == int64(len(stored)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metering counted %d, the stream holds %d events", counted, len(stored))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if extra := counted - int64(len(received)); extra < 0 || extra > 64 {
		t.Fatalf("metering counted %d for %d answered calls", counted, len(received))
	}
	t.Logf("%d calls answered, %d counted (%d in flight at the kill)", len(received), counted, counted-int64(len(received)))
}

// accessToken gets a token for the demo client from the gateway.
func accessToken(t *testing.T, gw string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, gw+"/token", strings.NewReader("grant_type=client_credentials"))
	req.SetBasicAuth(registry.DemoClientID, registry.DemoClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return body.AccessToken
}

// streamEventIDs counts every event id in the metering stream.
func streamEventIDs(t *testing.T, js jetstream.JetStream) map[string]int {
	t.Helper()
	ctx := context.Background()
	stream, err := js.Stream(ctx, natsx.MeteringStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		var b meteringv1.EventBatch
		if err := proto.Unmarshal(msg.Data, &b); err != nil {
			t.Fatal(err)
		}
		for _, e := range b.Events {
			out[e.Id]++
		}
	}
	return out
}

// meteredTotal is metering's request count for the API over the last day,
// read through the REST report as an admin.
func meteredTotal(t *testing.T, admin, session, apiID string) int64 {
	t.Helper()
	now := time.Now().UTC()
	q := url.Values{
		"granularity": {"hour"}, "total": {"true"}, "skipLatency": {"true"}, "filter.apiIds": {apiID},
		"startTime": {now.Add(-24 * time.Hour).Format(time.RFC3339)}, "endTime": {now.Add(time.Hour).Format(time.RFC3339)},
	}
	req, _ := http.NewRequest(http.MethodGet, admin+"/admin/v1/metering/usage?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+session)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Rows []struct {
			Totals struct {
				RequestCount string `json:"requestCount"`
			} `json:"totals"`
		} `json:"rows"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("usage report: %d %v", resp.StatusCode, err)
	}
	var n int64
	for _, r := range body.Rows {
		var c int64
		fmt.Sscan(r.Totals.RequestCount, &c)
		n += c
	}
	return n
}

// adminSession logs in as admin on an admin listener.
func adminSession(t *testing.T, admin, password string) string {
	t.Helper()
	resp, err := http.Post(admin+"/admin/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, password)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		SessionToken string `json:"sessionToken"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.SessionToken == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return body.SessionToken
}
