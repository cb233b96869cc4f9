package devchild

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Listener is an address the child prints in its start banner.
type Listener struct {
	// Name is what an error message calls it ("portal simulator").
	Name string
	// Label starts its banner line; the line's first URL is its address.
	Label string
	// Ready is the path under its address that answers 200 once it serves.
	Ready string
}

// Gateway and Admin are the listeners every benchmark needs; Start always
// waits for both.
var (
	Gateway = Listener{Name: "gateway", Label: "Gateway (public API traffic):", Ready: "/readyz"}
	Admin   = Listener{Name: "admin", Label: "Admin API and gRPC:", Ready: "/readyz"}
)

// Options says which binary to run and where.
type Options struct {
	// Bin is the lgsp binary; DataDir its data directory; LogPath the file
	// its log (stderr) goes to, as it would to journald.
	Bin, DataDir, LogPath string
	// Env comes after the caller's environment and before the settings
	// Start gives (data directory, loopback addresses, internal token).
	Env []string
	// Extra are listeners to wait for besides the gateway and admin ones.
	Extra []Listener
}

// Child is `lgsp dev` running as a child process.
type Child struct {
	DataDir string
	// GatewayURL and AdminURL are where it listens, read from its banner.
	GatewayURL, AdminURL string
	// InternalToken is the LGSP_INTERNAL_TOKEN the benchmark gave it, from
	// which the gateway's identity assertions are keyed.
	InternalToken string
	urls          map[string]string // by listener label
	cmd           *exec.Cmd
	log           *os.File
	exited        chan struct{}
	waitErr       error
}

// Start runs `<bin> dev` on random loopback ports (every simulator
// included) and waits until the gateway, the admin listener and the extra
// listeners are ready.
func Start(o Options) (_ *Child, err error) {
	token := make([]byte, 24)
	if _, err := rand.Read(token); err != nil {
		return nil, err
	}
	c := &Child{DataDir: o.DataDir, InternalToken: hex.EncodeToString(token), exited: make(chan struct{})}
	if c.log, err = os.Create(o.LogPath); err != nil {
		return nil, err
	}
	cmd := exec.Command(o.Bin, "dev", "--data", o.DataDir)
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Env = append(cmd.Env,
		"LGSP_DATA_DIR="+o.DataDir,
		"LGSP_GATEWAY_ADDR=127.0.0.1:0",
		"LGSP_ADMIN_ADDR=127.0.0.1:0",
		"LGSP_SIMULATOR_ADDR=127.0.0.1:0",
		"LGSP_SIM_VDXP_ADDR=127.0.0.1:0",
		"LGSP_SIM_DVCQG_ADDR=127.0.0.1:0",
		"LGSP_INTERNAL_TOKEN="+c.InternalToken,
	)
	cmd.Stderr = c.log
	// The child must not outlive the benchmark.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		c.log.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		c.log.Close()
		return nil, fmt.Errorf("start %s dev: %w", o.Bin, err)
	}
	c.cmd = cmd
	defer func() {
		if err != nil {
			_ = c.Stop()
		}
	}()

	listeners := append([]Listener{Gateway, Admin}, o.Extra...)
	urls := make(chan map[string]string, 1)
	go func() {
		sent := false
		sc := bufio.NewScanner(stdout)
		u := map[string]string{}
		for sc.Scan() {
			if sent {
				continue
			}
			line := sc.Text()
			for _, l := range listeners {
				if strings.Contains(line, l.Label) {
					u[l.Label] = firstURL(line)
				}
			}
			if all(listeners, u) {
				urls <- u
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	select {
	case c.urls = <-urls:
		c.GatewayURL, c.AdminURL = c.URL(Gateway), c.URL(Admin)
	case <-c.exited:
		return nil, fmt.Errorf("lgsp dev exited at start (%v); see %s", c.waitErr, o.LogPath)
	case <-time.After(2 * time.Minute):
		return nil, fmt.Errorf("lgsp dev did not print its %s addresses within 2 minutes; see %s", names(listeners), o.LogPath)
	}
	for _, l := range listeners {
		if err := waitReady(c.URL(l)+l.Ready, c.exited, time.Minute); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// all reports whether every listener's address was read.
func all(listeners []Listener, urls map[string]string) bool {
	for _, l := range listeners {
		if urls[l.Label] == "" {
			return false
		}
	}
	return true
}

// names is "gateway, admin and portal simulator".
func names(listeners []Listener) string {
	var n []string
	for _, l := range listeners {
		n = append(n, l.Name)
	}
	if len(n) < 2 {
		return strings.Join(n, "")
	}
	return strings.Join(n[:len(n)-1], ", ") + " and " + n[len(n)-1]
}

// firstURL returns the first http:// word of a line.
func firstURL(line string) string {
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://") {
			return f
		}
	}
	return ""
}

func waitReady(url string, exited <-chan struct{}, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready within %s", url, within)
		}
		select {
		case <-exited:
			return errors.New("lgsp dev exited before it was ready")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// URL is where l listens, as the child's banner said; "" for a listener
// Start was not asked to wait for.
func (c *Child) URL(l Listener) string { return c.urls[l.Label] }

// PID is the child's process id.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// AdminPassword is the generated admin password lgsp dev saved.
func (c *Child) AdminPassword() (string, error) {
	b, err := os.ReadFile(filepath.Join(c.DataDir, "admin-password"))
	return strings.TrimSpace(string(b)), err
}

// Stop asks the child to stop (SIGTERM), as an operator would, and waits
// for it; it is killed after a minute.
func (c *Child) Stop() error {
	if c == nil || c.cmd == nil {
		return nil
	}
	defer c.log.Close()
	select {
	case <-c.exited:
		return c.waitErr
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return c.waitErr
	case <-time.After(time.Minute):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return errors.New("lgsp dev did not stop within a minute of SIGTERM; killed")
	}
}
