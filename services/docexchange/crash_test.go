package docexchange

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/internal/testnet"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

// The child process of the kill test: a document exchange over the NATS
// server, database and registry directory the parent names, serving a
// minimal HTTP face (the caller's agency in a query parameter, as the
// gateway would assert it). It runs until it is killed.
func TestMain(m *testing.M) {
	if os.Getenv("LGSP_TEST_DOCEXCHANGE_CHILD") != "" {
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
	for _, code := range []string{agencyA, agencyB, agencyC} {
		_, _ = reg.Server().CreateAgency(reg.Admin(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: code, Name: code}})
	}
	db, err := sqlstore.Open(ctx, os.Getenv("LGSP_TEST_DB"))
	if err != nil {
		return err
	}
	cfg := DefaultConfig()
	cfg.PushEvery = 20 * time.Millisecond
	s, err := New(ctx, cfg, db, bus, reg.GatewayClient(), quietLog())
	if err != nil {
		return err
	}
	if err := s.hooks.loadKey(dir); err != nil {
		return err
	}
	go func() { _ = s.Run(ctx) }()
	api := &grpcServer{s: s}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /send", func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(r.Body)
		res, err := api.SendDocument(as(r.URL.Query().Get("as")), &pb.SendDocumentRequest{Package: body.Bytes()})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"doc_id": res.GetDocument().GetDocId(), "duplicate": res.GetDuplicate()})
	})
	mux.HandleFunc("GET /inbox", func(w http.ResponseWriter, r *http.Request) {
		var ids []string
		token := ""
		for {
			res, err := api.ListInbox(as(r.URL.Query().Get("as")), &pb.ListInboxRequest{PageSize: 1000, PageToken: token})
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			for _, it := range res.GetItems() {
				ids = append(ids, it.GetDocument().GetDocId())
			}
			if token = res.GetNextPageToken(); token == "" {
				break
			}
		}
		_ = json.NewEncoder(w).Encode(ids)
	})
	ln, err := net.Listen("tcp", os.Getenv("LGSP_TEST_ADDR"))
	if err != nil {
		return err
	}
	return http.Serve(ln, mux)
}

// TestKilledAfterAnswerLosesNothing sends a stream of documents while the
// process is killed with SIGKILL; after a restart every send that was
// answered is in the recipient's inbox exactly once, its delivery event was
// published exactly once, and re-sending the unanswered ones creates no
// second copy of any.
func TestKilledAfterAnswerLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and kills them; not a short test")
	}
	for _, engine := range sqltest.Engines {
		t.Run(engine, func(t *testing.T) { killRun(t, engine) })
	}
}

// freePort is an address the test binds (again) later.
func freePort(t *testing.T) string { return testnet.FreeAddr(t) }

func killRun(t *testing.T, engine string) {
	dir := t.TempDir()
	srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(dir, "nats"), Listen: freePort(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	dbURL := sqltest.URL(t, engine)
	addr := freePort(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(os.Environ(), "LGSP_TEST_DOCEXCHANGE_CHILD=1", "LGSP_TEST_DIR="+dir, "LGSP_TEST_NATS="+srv.ClientURL(),
			"LGSP_TEST_DB="+dbURL, "LGSP_TEST_ADDR="+addr)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the child to listen", func() bool {
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
	type sent struct{ pkg []byte }
	var mu sync.Mutex
	var all []sent
	answered := map[string]string{} // documentId → docId
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				pkg, documentID := newDoc(t, agencyA, agencyB)
				mu.Lock()
				all = append(all, sent{pkg: pkg})
				mu.Unlock()
				resp, err := client.Post("http://"+addr+"/send?as="+agencyA, "application/xml", bytes.NewReader(pkg))
				if err != nil {
					continue
				}
				var out struct {
					DocID string `json:"doc_id"`
				}
				ok := resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&out) == nil && out.DocID != ""
				resp.Body.Close()
				if ok {
					mu.Lock()
					answered[documentID] = out.DocID
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once enough sends were answered, mid-stream.
	eventually(t, "some answered sends", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(answered) >= 150
	})
	_ = child.Process.Signal(syscall.SIGKILL)
	_, _ = child.Process.Wait()
	close(stop)
	wg.Wait()
	child = start()

	// Re-send everything (what was answered and what was not): answered
	// ones must come back with their DocId; none may be stored twice.
	for _, s := range all {
		resp, err := client.Post("http://"+addr+"/send?as="+agencyA, "application/xml", bytes.NewReader(s.pkg))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("re-send answered %d", resp.StatusCode)
		}
	}
	resp, err := client.Get("http://" + addr + "/inbox?as=" + agencyB)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	_ = json.NewDecoder(resp.Body).Decode(&ids)
	resp.Body.Close()
	count := map[string]int{}
	for _, id := range ids {
		count[id]++
	}
	for documentID, docID := range answered {
		if count[docID] != 1 {
			t.Fatalf("answered document %s (%s) is in the inbox %d times", documentID, docID, count[docID])
		}
	}
	if len(ids) != len(all) {
		t.Fatalf("inbox holds %d documents, %d distinct were sent", len(ids), len(all))
	}
	for id, n := range count {
		if n != 1 {
			t.Fatalf("%s is in the inbox %d times", id, n)
		}
	}
	// Every delivery is published once.
	ctx := context.Background()
	bus, err := natsx.Connect(ctx, srv.ClientURL(), "check", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	eventually(t, "every delivery to be published", func() bool {
		st, err := bus.JS.Stream(ctx, natsx.DocExchangeStream)
		if err != nil {
			return false
		}
		info, err := st.Info(ctx)
		return err == nil && info.State.Msgs == uint64(len(all))
	})
	cons, err := bus.JS.OrderedConsumer(ctx, natsx.DocExchangeStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range len(all) {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var ev Event
		_ = json.Unmarshal(m.Data(), &ev)
		if seen[ev.DocID] {
			t.Fatalf("%s published twice", ev.DocID)
		}
		seen[ev.DocID] = true
	}
	t.Logf("%s: %d answered before the kill, %d sent in all", engine, len(answered), len(all))
}
