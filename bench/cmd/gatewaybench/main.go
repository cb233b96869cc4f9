package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/bench/internal/benchdoc"
	"github.com/lgsp-vn/lgsp/bench/internal/host"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

type settings struct {
	out         string
	duration    time.Duration
	warmup      time.Duration
	threads     int
	connections int
	only        string
	rounds      int
	loadBefore  string
	loadAfter   string
}

func main() {
	var s settings
	role := flag.String("role", "", "internal: run as the gateway child process")
	natsURL := flag.String("nats", "", "internal: NATS URL for the gateway child")
	registryAddr := flag.String("registry", "", "internal: registry gRPC address for the gateway child")
	addr := flag.String("addr", "127.0.0.1:0", "internal: gateway listen address")
	instance := flag.String("instance", "bench", "internal: gateway instance id")
	flag.StringVar(&s.out, "out", "docs/BENCHMARKS.md", "where to write the report")
	flag.DurationVar(&s.duration, "duration", 10*time.Second, "wrk duration per measurement")
	flag.DurationVar(&s.warmup, "warmup", 2*time.Second, "wrk warm-up per target, not measured")
	flag.IntVar(&s.threads, "threads", 1, "wrk threads")
	flag.IntVar(&s.connections, "connections", 50, "wrk connections")
	flag.IntVar(&s.rounds, "rounds", 3, "interleaved nginx/gateway measurements per scenario; the median is reported")
	flag.StringVar(&s.only, "only", "", "run only these scenarios, e.g. \"a\" or \"ab\"")
	flag.Parse()
	if *role == "gateway" {
		if err := runGateway(*natsURL, *registryAddr, *addr, *instance); err != nil {
			fmt.Fprintln(os.Stderr, "gateway child:", err)
			os.Exit(1)
		}
		return
	}
	log.SetFlags(0)
	log.SetPrefix("gatewaybench: ")
	if err := run(s); err != nil {
		log.Fatal(err)
	}
}

type scenario struct {
	name, title string
	file        string // upstream body
	apis, apps  int
	targets     int
	// gomaxprocs, when set, is the gateway child's GOMAXPROCS; 0 leaves
	// Go's default (one per core).
	gomaxprocs int
	// env are LGSP_GATEWAY_* settings for the child, over the defaults.
	env []string
}

type wrkResult struct {
	rps        float64
	p50, p99   time.Duration
	requests   int64
	non2xx     int64
	socketErrs string
	raw        string
}

type outcome struct {
	sc             scenario
	nginx, gw      wrkResult
	rssPeakKB      int64
	served, events int64
	published      int64
	// ratios are the gateway/nginx throughput ratios of every round, lowest
	// first; the reported figures come from the median round.
	ratios []float64
}

func run(s settings) error {
	for _, bin := range []string{"nginx", "wrk"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s is not installed (make bench installs it with apt-get)", bin)
		}
	}
	s.loadBefore = host.LoadAvg()
	dir, err := os.MkdirTemp("", "lgsp-bench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	if err := writeBodies(filepath.Join(dir, "www")); err != nil {
		return err
	}
	upPort, pxPort := freePort(), freePort()
	upstreamNginx, err := startNginx(dir, "upstream", upstreamConf(dir, upPort), upPort)
	if err != nil {
		return err
	}
	defer stopProcess(upstreamNginx)
	proxyNginx, err := startNginx(dir, "proxy", proxyConf(dir, pxPort, upPort), pxPort)
	if err != nil {
		return err
	}
	defer stopProcess(proxyNginx)

	ctx := context.Background()
	srv, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(dir, "nats")}, nil)
	if err != nil {
		return err
	}
	defer srv.Shutdown()
	bus, err := natsx.Connect(ctx, srv.ClientURL(), "gatewaybench", nil)
	if err != nil {
		return err
	}
	defer bus.Close()
	if _, err := natsx.EnsureMeteringStream(ctx, bus.JS, natsx.StreamOptions{}); err != nil {
		return err
	}

	scenarios := []scenario{
		{name: "a", title: "JWT + subscription + rate limit (high) + metering, small JSON", file: "small.json", apis: 1, apps: 1, targets: 1},
		{name: "b", title: "as (a) with a 10 KiB response", file: "big.json", apis: 1, apps: 1, targets: 1},
		{name: "c", title: "as (a) with 1,000 APIs and 1,000 applications (100 distinct targets)", file: "small.json", apis: 1000, apps: 1000, targets: 100},
		// wrk and the upstream nginx share the two cores with the gateway;
		// one P avoids handing the scheduler between threads on every
		// syscall. Reported beside (a), which keeps Go's default.
		{name: "a1", title: "as (a) with GOMAXPROCS=1 for the gateway", file: "small.json", apis: 1, apps: 1, targets: 1, gomaxprocs: 1},
		// The cost of durable metering (the default): the same as (a) with
		// events kept in memory only.
		{name: "d", title: "as (a) with asynchronous metering (LGSP_GATEWAY_METERING_MODE=async)", file: "small.json", apis: 1, apps: 1, targets: 1,
			env: []string{"LGSP_GATEWAY_METERING_MODE=async"}},
	}
	var results []outcome
	for _, sc := range scenarios {
		if s.only != "" && !strings.Contains(s.only, sc.name) {
			continue
		}
		log.Printf("scenario (%s): %s", sc.name, sc.title)
		o, err := runScenario(ctx, s, dir, sc, srv.ClientURL(), upPort, pxPort, bus)
		if err != nil {
			return fmt.Errorf("scenario (%s): %w", sc.name, err)
		}
		log.Printf("  nginx %.0f req/s p99 %s; gateway %.0f req/s p99 %s (median %.2fx of %v); RSS peak %d MB; served %d, metering events %d",
			o.nginx.rps, o.nginx.p99, o.gw.rps, o.gw.p99, o.gw.rps/o.nginx.rps, o.ratios, o.rssPeakKB/1024, o.served, o.events)
		results = append(results, o)
	}
	s.loadAfter = host.LoadAvg()
	report := renderReport(s, results)
	if err := os.MkdirAll(filepath.Dir(s.out), 0o755); err != nil {
		return err
	}
	old, err := os.ReadFile(s.out)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.WriteFile(s.out, []byte(benchdoc.Splice(string(old), "gatewaybench", report)), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s", s.out)
	return nil
}

func runScenario(ctx context.Context, s settings, dir string, sc scenario, natsURL string, upPort, pxPort int, bus *natsx.Bus) (outcome, error) {
	o := outcome{sc: sc}
	instance := "bench-" + sc.name + "-" + strconv.FormatInt(time.Now().Unix(), 36)
	targetsFile := filepath.Join(dir, "targets-"+sc.name)
	// The registry runs here, not in the child, so that the child's RSS is
	// the gateway's alone; the child reaches it over gRPC.
	t0 := time.Now()
	reg, err := startRegistry(ctx, filepath.Join(dir, "registry-"+sc.name), bus, fmt.Sprintf("http://127.0.0.1:%d", upPort), targetsFile, sc.apis, sc.apps, sc.targets)
	if err != nil {
		return o, fmt.Errorf("registry: %w", err)
	}
	defer reg.Close()
	log.Printf("  registry with %d APIs and %d applications ready in %s", sc.apis, sc.apps, time.Since(t0).Round(time.Millisecond))
	child := exec.Command(os.Args[0], "-role", "gateway", "-nats", natsURL, "-registry", reg.addr, "-addr", "127.0.0.1:0", "-instance", instance)
	// The gateway's own log (its access log included, as it ships) goes to
	// a file, as it would to journald.
	gwLog, err := os.Create(filepath.Join(dir, "gateway-"+sc.name+".log"))
	if err != nil {
		return o, err
	}
	defer gwLog.Close()
	child.Stderr = gwLog
	child.Env = append(os.Environ(), sc.env...)
	if sc.gomaxprocs > 0 {
		child.Env = append(child.Env, "GOMAXPROCS="+strconv.Itoa(sc.gomaxprocs))
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		return o, err
	}
	if err := child.Start(); err != nil {
		return o, err
	}
	defer stopProcess(child)
	lines := bufio.NewScanner(stdout)
	var gwAddr string
	for lines.Scan() {
		if f := strings.Fields(lines.Text()); len(f) == 2 && f[0] == "LISTEN" {
			gwAddr = f[1]
			break
		}
	}
	if gwAddr == "" {
		return o, errors.New("gateway child did not start")
	}
	script, err := wrkScript(dir, sc, targetsFile)
	if err != nil {
		return o, err
	}
	nginxURL := fmt.Sprintf("http://127.0.0.1:%d/", pxPort)
	gwURL := "http://" + gwAddr + "/"

	// Warm both (connection pools, JWT cache, page cache), then measure in
	// the same order for every scenario.
	for _, u := range []string{nginxURL, gwURL} {
		if _, err := runWrk(s, u, script, s.warmup); err != nil {
			return o, err
		}
	}
	// Interleaved rounds, nginx then gateway each time, so that a burst of
	// other work on the machine hits both; the round with the median ratio
	// is reported, with every round's ratio beside it.
	type round struct{ nginx, gw wrkResult }
	var rounds []round
	stopRSS := make(chan struct{})
	rssDone := make(chan int64, 1)
	go func() { rssDone <- sampleRSS(child.Process.Pid, stopRSS) }()
	for i := 0; i < max(s.rounds, 1); i++ {
		var r round
		if r.nginx, err = runWrk(s, nginxURL, script, s.duration); err != nil {
			break
		}
		if r.gw, err = runWrk(s, gwURL, script, s.duration); err != nil {
			break
		}
		rounds = append(rounds, r)
	}
	close(stopRSS)
	o.rssPeakKB = <-rssDone
	if err != nil {
		return o, err
	}
	sort.Slice(rounds, func(i, j int) bool {
		return rounds[i].gw.rps/rounds[i].nginx.rps < rounds[j].gw.rps/rounds[j].nginx.rps
	})
	for _, r := range rounds {
		o.ratios = append(o.ratios, r.gw.rps/r.nginx.rps)
	}
	median := rounds[len(rounds)/2]
	o.nginx, o.gw = median.nginx, median.gw
	if hwm := host.StatusKB(child.Process.Pid, "VmHWM"); hwm > o.rssPeakKB {
		o.rssPeakKB = hwm
	}

	// Graceful stop: the child flushes metering and reports what it served.
	if err := child.Process.Signal(syscall.SIGTERM); err != nil {
		return o, err
	}
	for lines.Scan() {
		var served, published int64
		if n, _ := fmt.Sscanf(lines.Text(), "SERVED %d PUBLISHED %d", &served, &published); n == 2 {
			o.served, o.published = served, published
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	if err := child.Wait(); err != nil {
		return o, fmt.Errorf("gateway child: %w", err)
	}
	o.events, err = countEvents(ctx, bus, instance+"-")
	return o, err
}

func writeBodies(www string) error {
	if err := os.MkdirAll(www, 0o755); err != nil {
		return err
	}
	small := `{"maSoDoanhNghiep":"0101234567","tenDoanhNghiep":"Công ty TNHH A","trangThai":"Đang hoạt động"}`
	var big strings.Builder
	big.WriteString(`{"items":[`)
	for i := 0; big.Len() < 10*1024-64; i++ {
		if i > 0 {
			big.WriteByte(',')
		}
		fmt.Fprintf(&big, `{"ma":"%06d","ten":"Danh mục dùng chung %d"}`, i, i)
	}
	big.WriteString(`]}`)
	b := []byte(big.String())
	for len(b) < 10*1024 { // exactly 10 KiB, still valid JSON
		b = append(b[:len(b)-1], ' ', '}')
	}
	b = b[:10*1024]
	b[len(b)-1] = '}'
	if err := os.WriteFile(filepath.Join(www, "small.json"), []byte(small), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(www, "big.json"), b, 0o644)
}

func upstreamConf(dir string, port int) string {
	return fmt.Sprintf(`worker_processes 1;
error_log %[1]s/upstream-error.log warn;
pid %[1]s/upstream.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s/tmp-up-body;
  proxy_temp_path %[1]s/tmp-up-proxy;
  fastcgi_temp_path %[1]s/tmp-up-fcgi;
  uwsgi_temp_path %[1]s/tmp-up-uwsgi;
  scgi_temp_path %[1]s/tmp-up-scgi;
  open_file_cache max=100;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:%[2]d backlog=4096;
    location / { root %[1]s/www; default_type application/json; }
  }
}
`, dir, port)
}

func proxyConf(dir string, port, upPort int) string {
	return fmt.Sprintf(`worker_processes auto;
error_log %[1]s/proxy-error.log warn;
pid %[1]s/proxy.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s/tmp-px-body;
  proxy_temp_path %[1]s/tmp-px-proxy;
  fastcgi_temp_path %[1]s/tmp-px-fcgi;
  uwsgi_temp_path %[1]s/tmp-px-uwsgi;
  scgi_temp_path %[1]s/tmp-px-scgi;
  keepalive_requests 1000000;
  upstream up { server 127.0.0.1:%[3]d; keepalive 256; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:%[2]d backlog=4096;
    location / {
      rewrite ^/[^/]+/[^/]+(/.*)$ $1 break;
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`, dir, port, upPort)
}

func startNginx(dir, name, conf string, port int) (*exec.Cmd, error) {
	path := filepath.Join(dir, name+".conf")
	if os.Geteuid() == 0 {
		conf = "user root;\n" + conf
	}
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command("nginx", "-p", dir, "-c", path, "-g", "daemon off;")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s nginx: %w", name, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return cmd, nil
		}
		if time.Now().After(deadline) {
			stopProcess(cmd)
			return nil, fmt.Errorf("%s nginx did not listen on %d", name, port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stopProcess asks a process we started to stop, then waits for it.
func stopProcess(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// wrkScript writes a Lua script that cycles through the targets.
func wrkScript(dir string, sc scenario, targetsFile string) (string, error) {
	data, err := os.ReadFile(targetsFile)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("local targets = {\n")
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		prefix, token, ok := strings.Cut(line, " ")
		if !ok {
			return "", fmt.Errorf("bad target line %q", line)
		}
		fmt.Fprintf(&b, "  {%q, %q},\n", "/"+prefix+"/"+sc.file, "Bearer "+token)
	}
	b.WriteString(`}
local reqs = {}
local i = 0
init = function(args)
  for k, t in ipairs(targets) do
    reqs[k] = wrk.format("GET", t[1], {["Authorization"] = t[2]})
  end
end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
`)
	path := filepath.Join(dir, "wrk-"+sc.name+".lua")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reReqs     = regexp.MustCompile(`(\d+) requests in`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	reSocket   = regexp.MustCompile(`Socket errors:[^\n]*`)
	rePercent  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	unitFactor = map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}
)

func runWrk(s settings, url, script string, d time.Duration) (wrkResult, error) {
	args := []string{"-t", strconv.Itoa(s.threads), "-c", strconv.Itoa(s.connections), "-d", fmt.Sprintf("%ds", int(d.Seconds())),
		"--latency", "-s", script, url}
	out, err := exec.Command("wrk", args...).CombinedOutput()
	r := wrkResult{raw: string(out)}
	if err != nil {
		return r, fmt.Errorf("wrk %s: %w\n%s", url, err, out)
	}
	m := reRPS.FindStringSubmatch(r.raw)
	if m == nil {
		return r, fmt.Errorf("wrk output without Requests/sec:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := reReqs.FindStringSubmatch(r.raw); m != nil {
		r.requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reNon2xx.FindStringSubmatch(r.raw); m != nil {
		r.non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	r.socketErrs = reSocket.FindString(r.raw)
	for _, m := range rePercent.FindAllStringSubmatch(r.raw, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * float64(unitFactor[m[3]]))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	return r, nil
}

// sampleRSS polls the process's resident set until stop, returning the peak
// in KiB.
func sampleRSS(pid int, stop <-chan struct{}) int64 {
	var peak int64
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		peak = max(peak, host.StatusKB(pid, "VmRSS"))
		select {
		case <-stop:
			return peak
		case <-t.C:
		}
	}
}

// countEvents reads the whole metering stream and counts the events in
// batches whose id starts with prefix.
func countEvents(ctx context.Context, bus *natsx.Bus, prefix string) (int64, error) {
	stream, err := bus.JS.Stream(ctx, natsx.MeteringStream)
	if err != nil {
		return 0, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return 0, err
	}
	var events int64
	for seen := uint64(0); seen < info.State.Msgs; {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return 0, err
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			seen++
			var eb meteringv1.EventBatch
			if err := proto.Unmarshal(msg.Data(), &eb); err != nil {
				return 0, err
			}
			if strings.HasPrefix(eb.GetBatchId(), prefix) {
				events += int64(len(eb.GetEvents()))
			}
		}
		if got == 0 {
			return events, fmt.Errorf("stream stopped after %d of %d messages", seen, info.State.Msgs)
		}
	}
	return events, nil
}

func machine() (cpu, mem, nginxV, wrkV string) {
	cpu, mem = host.CPUModel(), host.Memory()
	out, _ := exec.Command("nginx", "-v").CombinedOutput()
	nginxV = strings.TrimSpace(strings.TrimPrefix(string(out), "nginx version: "))
	out, _ = exec.Command("wrk", "-v").CombinedOutput()
	wrkV = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	return cpu, mem, nginxV, wrkV
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms" }

func renderReport(s settings, rs []outcome) string {
	cpu, mem, nginxV, wrkV := machine()
	var b strings.Builder
	fmt.Fprintf(&b, "## Gateway benchmark\n\n")
	fmt.Fprintf(&b, "Generated by `make bench` (`bench/cmd/gatewaybench`) on %s. Re-run it to refresh this section.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString("### Machine\n\n")
	fmt.Fprintf(&b, "| | |\n|---|---|\n| CPUs (nproc) | %d |\n| CPU model | %s |\n| memory | %s |\n| Go | %s |\n| nginx | %s |\n| wrk | %s |\n| load average before / after (1, 5, 15 min) | %s / %s |\n\n",
		runtime.NumCPU(), cpu, mem, runtime.Version(), nginxV, wrkV, s.loadBefore, s.loadAfter)
	b.WriteString("A load average above the core count means other work shared the machine during the run; compare ratios from quiet runs.\n\n")
	b.WriteString("### Method\n\n")
	b.WriteString("Everything runs on loopback on the same machine, in the same run:\n\n")
	b.WriteString("- **upstream**: nginx (1 worker) serving a fixed JSON body: 94 bytes (`small.json`) or 10 KiB (`big.json`).\n")
	b.WriteString("- **reference**: nginx reverse proxy (`worker_processes auto`, upstream keep-alive pool of 256) that strips `/{context}/{version}` and forwards.\n")
	b.WriteString("- **registry**: a real registry (SQLite) in the benchmark process, filled through its admin RPCs (agency, tier, published APIs, applications with an OAuth2 client and an API key, subscriptions); the access tokens are issued by it, and the gateway fetches its snapshot over gRPC with the internal token, as `lgsp serve gateway` does.\n")
	b.WriteString("- **gateway**: `gateway.New` + `RunListener` in a child process (so its RSS is its own), in the configuration that ships (`gateway.DefaultConfig()`, loopback added to the upstream allow-list): durable metering, access log as by default; ")
	b.WriteString("Bearer JWT (RS256, verification cache), approved subscription, tier \"high\" token bucket (1,000,000 req/s, burst 100,000: always checked, never refusing), ")
	b.WriteString("resource matching from the API's resources, header hygiene, W3C traceparent, Prometheus metrics, and one metering event per request, fsynced in the gateway's journal before the answer and shipped to an embedded NATS JetStream (scenario (d): kept in memory and published in batches instead).\n")
	fmt.Fprintf(&b, "- **load**: `wrk -t%d -c%d -d%ds --latency -s <script>` against each, after a %s warm-up of each, in interleaved rounds (nginx, gateway, nginx, gateway …); the script sends the same requests (with the `Authorization` header) to both.\n",
		s.threads, s.connections, int(s.duration.Seconds()), s.warmup)
	b.WriteString("- **GOMAXPROCS**: scenarios (a), (b) and (c) run the gateway with Go's default (one scheduler thread per core). wrk and the upstream nginx run on the same two cores, so (a1) repeats (a) with `GOMAXPROCS=1`, which saves the thread hand-offs on every syscall; on a host of its own the gateway keeps the default.\n")
	b.WriteString("- **metering check**: after each scenario the gateway is stopped gracefully (SIGTERM), which flushes metering; the events in the `LGSP_METERING` stream from that gateway are counted and compared with the requests it served (`lgsp_gateway_requests_total`, warm-up included).\n")
	b.WriteString("- **RSS**: peak resident set of the gateway process (`VmHWM` / sampled `VmRSS` from /proc) during the measured run.\n\n")
	b.WriteString("### Results\n\n")
	b.WriteString("Figures are from the round with the median throughput ratio; the ratio of every round is listed.\n\n")
	b.WriteString("| scenario | nginx req/s | nginx p50 / p99 | gateway req/s | gateway p50 / p99 | throughput ratio | ratio per round | p99 ratio | gateway non-2xx | gateway RSS peak | served / metering events |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, o := range rs {
		var each []string
		for _, r := range o.ratios {
			each = append(each, fmt.Sprintf("%.2f", r))
		}
		fmt.Fprintf(&b, "| (%s) %s | %.0f | %s / %s | %.0f | %s / %s | **%.2f×** | %s | %.2f× | %d | %.0f MB | %d / %d |\n",
			o.sc.name, o.sc.title, o.nginx.rps, ms(o.nginx.p50), ms(o.nginx.p99), o.gw.rps, ms(o.gw.p50), ms(o.gw.p99),
			o.gw.rps/o.nginx.rps, strings.Join(each, " "), float64(o.gw.p99)/float64(max(o.nginx.p99, 1)), o.gw.non2xx, float64(o.rssPeakKB)/1024, o.served, o.events)
	}
	b.WriteString("\n### Against the targets (scenario a, and a1: the same with GOMAXPROCS=1)\n\n")
	for _, o := range rs {
		if o.sc.name != "a" && o.sc.name != "a1" {
			continue
		}
		fmt.Fprintf(&b, "\n(%s)\n\n", o.sc.name)
		check := func(ok bool) string {
			if ok {
				return "met"
			}
			return "**not met**"
		}
		ratio := o.gw.rps / o.nginx.rps
		p99 := float64(o.gw.p99) / float64(max(o.nginx.p99, 1))
		fmt.Fprintf(&b, "- throughput ≥ 0.7× nginx: %.2f× — %s\n", ratio, check(ratio >= 0.7))
		fmt.Fprintf(&b, "- p99 ≤ 2× nginx's p99: %.2f× — %s\n", p99, check(p99 <= 2))
		fmt.Fprintf(&b, "- no metering event lost: %d served, %d events — %s\n", o.served, o.events, check(o.served == o.events && o.served > 0))
		fmt.Fprintf(&b, "- RSS ≤ 150 MB: %.0f MB — %s\n", float64(o.rssPeakKB)/1024, check(o.rssPeakKB <= 150*1024))
	}
	var a, d *outcome
	for i := range rs {
		switch rs[i].sc.name {
		case "a":
			a = &rs[i]
		case "d":
			d = &rs[i]
		}
	}
	if a != nil && d != nil {
		fmt.Fprintf(&b, "\nCost of durable metering (the default) against asynchronous: throughput %.2f× of async (%.0f against %.0f req/s), p99 %.2f× of async (%s against %s).\n",
			a.gw.rps/d.gw.rps, a.gw.rps, d.gw.rps, float64(a.gw.p99)/float64(max(d.gw.p99, 1)), ms(a.gw.p99), ms(d.gw.p99))
	}
	b.WriteString("\nFor scale: the provinces' WSO2 API Manager publishes about 3,800 requests/s on 2 vCPUs with a 2 GB heap.\n")
	b.WriteString("On this machine wrk, the upstream nginx and the proxy under test share the same 2 cores, so absolute numbers are lower than on a dedicated host; the ratios are the meaningful figures.\n\n")
	b.WriteString("### Raw wrk output\n\n")
	for _, o := range rs {
		fmt.Fprintf(&b, "#### (%s) nginx\n\n```\n%s```\n\n#### (%s) gateway\n\n```\n%s```\n\n", o.sc.name, o.nginx.raw, o.sc.name, o.gw.raw)
	}
	return b.String()
}
