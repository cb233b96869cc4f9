package main

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

	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
)

// platform is `lgsp dev` running as a child process.
type platform struct {
	cmd     *exec.Cmd
	dataDir string
	// Where it listens, read from its banner.
	gatewayURL, adminURL, portalURL string
	// internalToken is the LGSP_INTERNAL_TOKEN the benchmark gave it.
	internalToken string
	log           *os.File
	exited        chan struct{}
	waitErr       error
}

// banner lines that name the addresses the benchmark needs.
const (
	bannerGateway = "Gateway (public API traffic):"
	bannerAdmin   = "Admin API and gRPC:"
	bannerPortal  = "Public-service portal (sim):"
)

// startPlatform runs `<bin> dev` on random loopback ports (every simulator
// included) with its data in dataDir and its log in logPath, and waits
// until the gateway and the admin listener are ready. extraEnv comes
// after the caller's environment and before the benchmark's own settings.
func startPlatform(bin, dataDir, logPath string, extraEnv ...string) (_ *platform, err error) {
	token := make([]byte, 24)
	if _, err := rand.Read(token); err != nil {
		return nil, err
	}
	p := &platform{dataDir: dataDir, internalToken: hex.EncodeToString(token), exited: make(chan struct{})}
	if p.log, err = os.Create(logPath); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "dev", "--data", dataDir)
	cmd.Env = append(os.Environ(), extraEnv...)
	cmd.Env = append(cmd.Env,
		"LGSP_DATA_DIR="+dataDir,
		"LGSP_GATEWAY_ADDR=127.0.0.1:0",
		"LGSP_ADMIN_ADDR=127.0.0.1:0",
		"LGSP_SIMULATOR_ADDR=127.0.0.1:0",
		"LGSP_SIM_VDXP_ADDR=127.0.0.1:0",
		"LGSP_SIM_DVCQG_ADDR=127.0.0.1:0",
		"LGSP_SIM_DVCQG_ADMIN_TOKEN="+simdvcqg.DevAdminToken,
		"LGSP_INTERNAL_TOKEN="+p.internalToken,
	)
	cmd.Stderr = p.log
	// The child must not outlive the benchmark.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		p.log.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		p.log.Close()
		return nil, fmt.Errorf("start %s dev: %w", bin, err)
	}
	p.cmd = cmd
	defer func() {
		if err != nil {
			_ = p.stop()
		}
	}()

	urls := make(chan [3]string, 1)
	go func() {
		var u [3]string
		sent := false
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			for i, label := range []string{bannerGateway, bannerAdmin, bannerPortal} {
				if strings.Contains(line, label) {
					u[i] = firstURL(line)
				}
			}
			if !sent && u[0] != "" && u[1] != "" && u[2] != "" {
				urls <- u
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	select {
	case u := <-urls:
		p.gatewayURL, p.adminURL, p.portalURL = u[0], u[1], u[2]
	case <-p.exited:
		return nil, fmt.Errorf("lgsp dev exited at start (%v); see %s", p.waitErr, logPath)
	case <-time.After(2 * time.Minute):
		return nil, fmt.Errorf("lgsp dev did not print its gateway, admin and portal simulator addresses within 2 minutes; see %s", logPath)
	}
	for _, u := range []string{p.gatewayURL + "/readyz", p.adminURL + "/readyz", p.portalURL + simdvcqg.AdminPrefix + "health"} {
		if err := waitReady(u, p.exited, time.Minute); err != nil {
			return nil, err
		}
	}
	return p, nil
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

func (p *platform) pid() int { return p.cmd.Process.Pid }

// adminPassword is the generated admin password lgsp dev saved.
func (p *platform) adminPassword() (string, error) {
	b, err := os.ReadFile(filepath.Join(p.dataDir, "admin-password"))
	return strings.TrimSpace(string(b)), err
}

// stop asks the child to stop (SIGTERM), as an operator would, and waits
// for it; it is killed after a minute.
func (p *platform) stop() error {
	if p == nil || p.cmd == nil {
		return nil
	}
	defer p.log.Close()
	select {
	case <-p.exited:
		return p.waitErr
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.waitErr
	case <-time.After(time.Minute):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("lgsp dev did not stop within a minute of SIGTERM; killed")
	}
}
