package devchild

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMain lets the test binary stand in for lgsp: run with
// DEVCHILD_FAKE_DEV set, it prints a banner as `lgsp dev` does and serves
// its readiness paths until SIGTERM.
func TestMain(m *testing.M) {
	if os.Getenv("DEVCHILD_FAKE_DEV") != "" {
		fakeDev()
		return
	}
	os.Exit(m.Run())
}

var portal = Listener{Name: "portal simulator", Label: "Public-service portal (sim):", Ready: "/_sim/health"}

func fakeDev() {
	dir := os.Getenv("LGSP_DATA_DIR")
	if err := os.WriteFile(filepath.Join(dir, "admin-password"), []byte("s3cret\n"), 0o600); err != nil {
		os.Exit(2)
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	for _, l := range []Listener{Gateway, Admin, portal} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.Exit(2)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET "+l.Ready, func(http.ResponseWriter, *http.Request) {})
		go func() { _ = http.Serve(ln, mux) }()
		fmt.Printf("  %s  http://%s\n", l.Label, ln.Addr())
	}
	<-term
}

func TestStartReadsTheBannerAndStops(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	c, err := Start(Options{
		Bin: os.Args[0], DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "dev.log"),
		Env: []string{"DEVCHILD_FAKE_DEV=1"}, Extra: []Listener{portal},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{c.GatewayURL, c.AdminURL, c.URL(portal)} {
		if u == "" {
			t.Fatalf("addresses not read: gateway %q admin %q portal %q", c.GatewayURL, c.AdminURL, c.URL(portal))
		}
	}
	if pw, err := c.AdminPassword(); err != nil || pw != "s3cret" {
		t.Fatalf("AdminPassword = %q, %v", pw, err)
	}
	if len(c.InternalToken) != 48 {
		t.Fatalf("internal token %q", c.InternalToken)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func TestStartReportsAChildThatExits(t *testing.T) {
	dir := t.TempDir()
	_, err := Start(Options{Bin: "/bin/false", DataDir: dir, LogPath: filepath.Join(dir, "dev.log")})
	if err == nil {
		t.Fatal("a child that exits at once started")
	}
}

func TestNames(t *testing.T) {
	if got := names([]Listener{Gateway, Admin}); got != "gateway and admin" {
		t.Errorf("names = %q", got)
	}
	if got := names([]Listener{Gateway, Admin, portal}); got != "gateway, admin and portal simulator" {
		t.Errorf("names = %q", got)
	}
}
