package adapters

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
	"github.com/lgsp-vn/lgsp/internal/testnet"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// The child process of the kill test: the adapters service over the
// database and NGSP the parent names, with a minimal HTTP face: GET
// /lookup?case=N looks the demo citizen up for case N, as the gateway's
// department application would. It runs until it is killed.
func TestMain(m *testing.M) {
	if os.Getenv("LGSP_TEST_ADAPTERS_CHILD") != "" {
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
	db, err := sqlstore.Open(ctx, os.Getenv("LGSP_TEST_DB"))
	if err != nil {
		return err
	}
	sc := sim.DefaultConfig()
	cfg := DefaultConfig()
	cfg.AuditKey, cfg.NGSPURL, cfg.ConsumerKey, cfg.ConsumerSecret = os.Getenv("LGSP_TEST_KEY"), os.Getenv("LGSP_TEST_NGSP"), sc.ConsumerKey, sc.ConsumerSecret
	s, err := New(ctx, cfg, db, nil, nil)
	if err != nil {
		return err
	}
	api := &grpcServer{s: s}
	citizen := os.Getenv("LGSP_TEST_CITIZEN")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /lookup", func(w http.ResponseWriter, r *http.Request) {
		res, err := api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: citizen, LegalBasis: basis, CaseRef: r.URL.Query().Get("case")})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, _ = w.Write([]byte(res.GetCitizen().GetCitizenId()))
	})
	ln, err := net.Listen("tcp", os.Getenv("LGSP_TEST_ADDR"))
	if err != nil {
		return err
	}
	return http.Serve(ln, mux)
}

// TestKilledLosesNoAccessEntry looks a citizen up in a burst while the
// process is killed with SIGKILL: every lookup that was answered is in
// the access log, none twice, and the chain still verifies.
func TestKilledLosesNoAccessEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and kills them; not a short test")
	}
	for _, engine := range sqltest.Engines {
		t.Run(engine, func(t *testing.T) { killRun(t, engine) })
	}
}

func killRun(t *testing.T, engine string) {
	s := sim.New(sim.DefaultConfig(), nil)
	ngspURL, _ := simtest.Serve(t, s)
	dbURL := sqltest.URL(t, engine)
	addr := testnet.FreeAddr(t)
	key := testKey()
	child := exec.Command(os.Args[0], "-test.run", "^$")
	child.Env = append(os.Environ(), "LGSP_TEST_ADAPTERS_CHILD=1", "LGSP_TEST_DB="+dbURL, "LGSP_TEST_ADDR="+addr,
		"LGSP_TEST_NGSP="+ngspURL, "LGSP_TEST_KEY="+key, "LGSP_TEST_CITIZEN="+s.Demo().SoDinhDanh)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _, _ = child.Process.Wait() }()
	testnet.WaitListening(t, addr, 30*time.Second)

	client := &http.Client{Timeout: 10 * time.Second}
	var (
		mu       sync.Mutex
		answered []string
		wg       sync.WaitGroup
		enough   = make(chan struct{})
		once     sync.Once
	)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				c := fmt.Sprintf("HS-%d-%d", w, i)
				resp, err := client.Get("http://" + addr + "/lookup?case=" + c)
				if err != nil {
					return // the child is gone
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("lookup %s: HTTP %d", c, resp.StatusCode)
					return
				}
				mu.Lock()
				answered = append(answered, c)
				if len(answered) >= 400 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		t.Fatal("too few lookups answered")
	}
	_ = child.Process.Signal(syscall.SIGKILL)
	_, _ = child.Process.Wait()
	wg.Wait()

	db := sqltest.OpenURL(t, dbURL)
	cfg := DefaultConfig()
	cfg.AuditKey = key
	svc, err := New(context.Background(), cfg, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := svc.alog.report(context.Background(), subjectCitizen, s.Demo().SoDinhDanh, time.Time{}, time.Time{}, 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]int{}
	for _, a := range rows {
		logged[a.CaseRef]++
	}
	for c, n := range logged {
		if n != 1 {
			t.Errorf("case %s logged %d times", c, n)
		}
	}
	for _, c := range answered {
		if logged[c] != 1 {
			t.Errorf("answered lookup %s is not in the access log", c)
		}
	}
	rep, err := svc.alog.verify(context.Background(), access{})
	if err != nil || rep.Problem != "" {
		t.Fatalf("chain after the kill: %+v %v", rep, err)
	}
	t.Logf("%s: %d lookups answered before the kill, %d logged (%s committed but unanswered)", engine, len(answered), len(rows), strconv.Itoa(len(rows)-len(answered)))
}
