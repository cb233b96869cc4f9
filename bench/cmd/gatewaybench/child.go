package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lgsp-vn/lgsp/gateway"
	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

const benchAgency = "000.00.00.H30"

// benchRegistry is a real registry, filled through its RPCs the way an
// administrator would, and served over gRPC to the gateway child as in a
// per-service deployment.
type benchRegistry struct {
	reg  *registrytest.Registry
	addr string
}

// startRegistry runs a registry under dir with nAPIs published APIs on
// upstreamURL and nApps applications, each subscribed to one API on tier
// "high" with an OAuth2 client and an API key. It writes the request
// targets (path prefix and an access token the registry issued, one per
// line, nTargets of them) to targetsFile.
func startRegistry(ctx context.Context, dir string, bus *natsx.Bus, upstreamURL, targetsFile string, nAPIs, nApps, nTargets int) (_ *benchRegistry, err error) {
	reg, err := registrytest.New(ctx, dir, registrytest.WithBus(bus))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			reg.Close()
		}
	}()
	if err := populate(reg, upstreamURL, targetsFile, nAPIs, nApps, nTargets); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	reg.ServeGRPC(ln)
	return &benchRegistry{reg: reg, addr: ln.Addr().String()}, nil
}

func (b *benchRegistry) Close() { b.reg.Close() }

func populate(reg *registrytest.Registry, upstreamURL, targetsFile string, nAPIs, nApps, nTargets int) (err error) {
	// The kit's builders panic with the registry's error (its default
	// failure handler); turn that back into an error.
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	reg.Agency(benchAgency)
	// "high": limited, but far above what one machine can send.
	reg.Tier("high", 1_000_000, 100_000, 0)
	apis := make([]*registryv1.Api, nAPIs)
	for i := range apis {
		apis[i] = reg.PublishedAPI(&registryv1.Api{
			Name: fmt.Sprintf("API %d", i), Context: apiContext(i), Version: "1.0", OwnerAgency: benchAgency,
			ApprovalMode: registryv1.ApprovalMode_APPROVAL_MODE_AUTOMATIC,
			AuthMethods:  []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_JWT, registryv1.AuthMethod_AUTH_METHOD_API_KEY},
			Endpoints:    []*registryv1.UpstreamEndpoint{{Url: upstreamURL, Weight: 1}},
			Resources: []*registryv1.ApiResource{
				{Method: "GET", Path: "/small.json"}, {Method: "GET", Path: "/big.json"},
				{Method: "GET", Path: "/doanhnghiep/{msdn}"}, {Method: "POST", Path: "/doanhnghiep"},
			},
		})
	}
	f, err := os.Create(targetsFile)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for i := 0; i < nApps; i++ {
		app := reg.Application(benchAgency)
		client := reg.OAuth2Client(app.GetId())
		reg.APIKey(app.GetId())
		reg.Subscribe(app.GetId(), apis[i%nAPIs].GetId(), "high")
		if i < nTargets {
			fmt.Fprintf(w, "%s %s\n", apiContext(i%nAPIs)+"/1.0", client.Token())
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// runGateway is the child process: a gateway on addr, metering to natsURL,
// with its routing table from the registry at registryAddr. It prints
// "LISTEN <addr>" when ready, and on SIGTERM stops gracefully and prints
// "SERVED <n> PUBLISHED <m>".
func runGateway(natsURL, registryAddr, addr, instance string) error {
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if path := os.Getenv("LGSP_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(filepath.Clean(path))
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	reg, conn, err := registrytest.DialGateway(registryAddr)
	if err != nil {
		return err
	}
	defer conn.Close()
	bus, err := natsx.Connect(ctx, natsURL, "gatewaybench-"+instance, log)
	if err != nil {
		return err
	}
	defer bus.Close()
	cfg := benchGatewayConfig()
	// A scenario may change settings the way an operator would.
	if _, err := config.Load(config.Options{Ignore: []string{"LGSP_*"}}, config.Section{Name: "gateway", Value: &cfg}); err != nil {
		return err
	}
	cfg.Addr = addr
	cfg.InstanceID = instance
	journalDir, err := os.MkdirTemp("", "lgsp-bench-journal-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(journalDir)
	cfg.MeteringJournalDir = journalDir
	g, err := gateway.New(cfg, gateway.RegistryFromClient(reg), bus, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- g.RunListener(ctx, ln) }()
	for g.Ready(ctx) != nil {
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	if err := <-done; err != nil {
		return err
	}
	fmt.Printf("SERVED %d PUBLISHED %d\n", servedCount(), g.MeteringPublished())
	return nil
}

func apiContext(i int) string { return fmt.Sprintf("api%04d", i) }

// servedCount sums lgsp_gateway_requests_total.
func servedCount() int64 {
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		return -1
	}
	var n float64
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "lgsp_gateway_requests_total") {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return int64(n)
}

// benchGatewayConfig is the configuration the benchmark measures: the one
// that ships, with loopback allowed, where the upstream nginx listens.
func benchGatewayConfig() gateway.Config {
	cfg := gateway.DefaultConfig()
	cfg.UpstreamAllow = append(cfg.UpstreamAllow, "127.0.0.0/8")
	return cfg
}
