package onestop

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
	"github.com/lgsp-vn/lgsp/internal/testnet"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

// The child process of the kill test: the one-stop service over the NATS
// server, database, registry directory and portal the parent names,
// serving a minimal HTTP face (the caller's agency in a query parameter,
// as the gateway would assert it). It runs until it is killed.
func TestMain(m *testing.M) {
	if os.Getenv("LGSP_TEST_ONESTOP_CHILD") != "" {
		if err := runChild(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runChild() error {
	ctx := context.Background()
	dir := os.Getenv("LGSP_TEST_DIR")
	bus, err := natsx.Connect(ctx, os.Getenv("LGSP_TEST_NATS"), "child", nil)
	if err != nil {
		return err
	}
	reg, err := registrytest.New(ctx, filepath.Join(dir, "registry"), registrytest.WithBus(bus), registrytest.WithFailure(func(error) {}))
	if err != nil {
		return err
	}
	for _, code := range []string{commune1, district} {
		_, _ = reg.Server().CreateAgency(reg.Admin(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: code, Name: code}})
	}
	db, err := sqlstore.Open(ctx, os.Getenv("LGSP_TEST_DB"))
	if err != nil {
		return err
	}
	scfg := simdvcqg.DefaultConfig()
	cfg := DefaultConfig()
	cfg.PortalURL, cfg.PortalUsername, cfg.PortalPassword, cfg.PortalAgency = os.Getenv("LGSP_TEST_PORTAL"), scfg.Username, scfg.Password, province
	cfg.SyncEvery = 10 * time.Millisecond
	cfg.SyncMaxBackoff = 200 * time.Millisecond
	s, err := New(ctx, cfg, db, bus, reg.GatewayClient(), quietLog())
	if err != nil {
		return err
	}
	api := &grpcServer{s: s}
	if _, err := api.PutUnit(admin(), &pb.PutUnitRequest{Agency: commune1, Level: "commune"}); err != nil {
		return err
	}
	if _, err := api.PutProcedure(admin(), &pb.PutProcedureRequest{Code: procCode, Name: "Đăng ký khai sinh", WorkingDays: procDays}); err != nil {
		return err
	}
	go func() { _ = s.Run(ctx) }()
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, d *pb.Dossier, err error) {
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"code": d.GetCode(), "status": d.GetStatus()})
	}
	mux.HandleFunc("POST /create", func(w http.ResponseWriter, r *http.Request) {
		res, err := api.CreateDossier(as(commune1), &pb.CreateDossierRequest{RequestId: r.URL.Query().Get("id"), ProcedureCode: procCode, Applicant: citizen()})
		answer(w, res.GetDossier(), err)
	})
	mux.HandleFunc("POST /status", func(w http.ResponseWriter, r *http.Request) {
		to, _ := strconv.Atoi(r.URL.Query().Get("to"))
		res, err := api.ChangeStatus(as(commune1), &pb.ChangeStatusRequest{Code: r.URL.Query().Get("code"), Status: int32(to)})
		answer(w, res.GetDossier(), err)
	})
	mux.HandleFunc("GET /sync", func(w http.ResponseWriter, r *http.Request) {
		res, err := api.GetSyncState(admin(), &pb.GetSyncStateRequest{Code: r.URL.Query().Get("code")})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"state": res.GetState(), "versions": len(res.GetItems())})
	})
	ln, err := net.Listen("tcp", os.Getenv("LGSP_TEST_ADDR"))
	if err != nil {
		return err
	}
	return http.Serve(ln, mux)
}

// TestKilledLosesNoSyncedChange changes the status of dossiers in a burst
// while the process is killed with SIGKILL; after a restart the portal
// simulator holds exactly the changes that were committed, each once, in
// order, and every answered change among them.
func TestKilledLosesNoSyncedChange(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and kills them; not a short test")
	}
	for _, engine := range sqltest.Engines {
		t.Run(engine, func(t *testing.T) { killRun(t, engine) })
	}
}

// freePort is an address the test binds (again) later.
func freePort(t *testing.T) string { return testnet.FreeAddr(t) }

func eventually(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func killRun(t *testing.T, engine string) {
	dir := t.TempDir()
	srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(dir, "nats"), Listen: freePort(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	sim := simdvcqg.New(simdvcqg.DefaultConfig(), quietLog())
	portal, _ := simtest.Serve(t, sim)
	dbURL := sqltest.URL(t, engine)
	addr := freePort(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(os.Environ(), "LGSP_TEST_ONESTOP_CHILD=1", "LGSP_TEST_DIR="+dir, "LGSP_TEST_NATS="+srv.ClientURL(),
			"LGSP_TEST_DB="+dbURL, "LGSP_TEST_ADDR="+addr, "LGSP_TEST_PORTAL="+portal)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the child to listen", 30*time.Second, func() bool {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err == nil
		})
		return cmd
	}
	child := start()
	defer func() { _ = child.Process.Kill(); _, _ = child.Process.Wait() }()

	client := &http.Client{Timeout: 10 * time.Second}
	post := func(path string) (string, bool) {
		resp, err := client.Post("http://"+addr+path, "application/json", nil)
		if err != nil {
			return "", false
		}
		defer resp.Body.Close()
		var out struct {
			Code string `json:"code"`
		}
		ok := resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&out) == nil
		return out.Code, ok
	}
	// Dossiers to change, created before the burst.
	const dossiers = 24
	codes := make([]string, dossiers)
	for i := range codes {
		c, ok := post("/create?id=crash-" + strconv.Itoa(i))
		if !ok {
			t.Fatal("create failed")
		}
		codes[i] = c
	}
	// The burst: each worker moves its dossiers 2 → 4 → 5 → 4 → 5 …,
	// one change at a time per dossier, and records what was answered.
	var mu sync.Mutex
	answered := map[string][]int{} // code → statuses answered, in order
	total := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := map[string]int{}
			for {
				for i := w; i < dossiers; i += 4 {
					select {
					case <-stop:
						return
					default:
					}
					code := codes[i]
					to := next[code]
					if to < 0 {
						continue
					}
					if to == 0 {
						to = stProcessing
					}
					if _, ok := post("/status?code=" + code + "&to=" + strconv.Itoa(to)); !ok {
						// Unanswered: it may or may not have committed;
						// this dossier takes no more changes.
						next[code] = -1
						continue
					}
					mu.Lock()
					answered[code] = append(answered[code], to)
					total++
					mu.Unlock()
					if to == stProcessing {
						next[code] = stSupplement
					} else {
						next[code] = stProcessing
					}
				}
			}
		}()
	}
	eventually(t, "some answered changes", 60*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return total >= 300
	})
	_ = child.Process.Signal(syscall.SIGKILL)
	_, _ = child.Process.Wait()
	close(stop)
	wg.Wait()
	child = start()

	// Every dossier gets synced; the portal then holds what was committed.
	db := sqltest.OpenURL(t, dbURL)
	for _, code := range codes {
		eventually(t, code+" to be synced", 60*time.Second, func() bool {
			resp, err := client.Get("http://" + addr + "/sync?code=" + code)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var out struct{ State string }
			return json.NewDecoder(resp.Body).Decode(&out) == nil && out.State == "synced"
		})
		var committed int64
		if err := db.QueryRow(db.Rebind(`SELECT sync_version FROM onestop_dossiers WHERE code = ?`), code).Scan(&committed); err != nil {
			t.Fatal(err)
		}
		got, _ := sim.Dossier(code)
		if int64(len(got.History)) != committed {
			t.Fatalf("%s: the portal holds %d changes, %d were committed", code, len(got.History), committed)
		}
		want := append([]int{stReceived}, answered[code]...)
		if n := int(committed); n != len(want) && n != len(want)+1 {
			t.Fatalf("%s: %d changes committed, %d answered (with the creation)", code, n, len(want))
		}
		for i, rec := range got.History {
			h, err := rec.HoSo()
			if err != nil || rec.PhienBan != int64(i+1) || rec.OutOfOrder || rec.Gap {
				t.Fatalf("%s: change %d is v%d (%v)", code, i, rec.PhienBan, err)
			}
			if i < len(want) && h.TrangThaiHoSo != strconv.Itoa(want[i]) {
				t.Fatalf("%s: change %d has status %s, the answered change %d", code, i, h.TrangThaiHoSo, want[i])
			}
		}
	}
	st := sim.Stats()
	if st.OutOfOrder != 0 || st.Gaps != 0 {
		t.Fatalf("the portal counted %d out of order and %d gaps", st.OutOfOrder, st.Gaps)
	}
	t.Logf("%s: %d changes answered before the kill; the portal recorded %d, and %d resends were duplicates", engine, total, st.Recorded, st.Duplicates)
}
