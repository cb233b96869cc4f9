package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/bench/internal/assertion"
	"github.com/lgsp-vn/lgsp/bench/internal/benchcmd"
	"github.com/lgsp-vn/lgsp/bench/internal/benchdoc"
	"github.com/lgsp-vn/lgsp/bench/internal/devchild"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
	"github.com/lgsp-vn/lgsp/bench/internal/jsoncall"
	"github.com/lgsp-vn/lgsp/platform/gatewayid"
)

// sectionName names the markers of this benchmark's section of
// docs/BENCHMARKS.md.
const sectionName = "onestopbench"

type settings struct {
	benchcmd.Settings
	goBin     string
	clients   []int
	dossiers  int
	warmup    time.Duration
	duration  time.Duration
	postgres  string
	goBench   bool
	goChanges int
	goStats   int
}

func main() {
	var s settings
	var clients string
	s.Register(sectionName, "temporary data directories, logs and PostgreSQL schemas")
	flag.StringVar(&s.goBin, "go", "go", "the go command that runs the service's Go benchmarks")
	flag.StringVar(&clients, "clients", "16,32,64", "concurrent clients of the end-to-end runs, comma-separated")
	flag.IntVar(&s.dossiers, "dossiers", 3000, "dossiers created for each end-to-end run, shared out among its clients")
	flag.DurationVar(&s.warmup, "warmup", 3*time.Second, "warm-up of each end-to-end run, not measured")
	flag.DurationVar(&s.duration, "duration", 20*time.Second, "measured period of each end-to-end run")
	flag.StringVar(&s.postgres, "postgres", os.Getenv(envPostgresDSN), "postgres:// URL of a database the benchmark may create a schema in, for the PostgreSQL runs (default $"+envPostgresDSN+"; empty: SQLite only)")
	flag.BoolVar(&s.goBench, "gobench", true, "run the service's Go benchmarks first (in process, statistics)")
	flag.IntVar(&s.goChanges, "gobench-updates", 30000, "status updates of BenchmarkChangeStatus (its -benchtime)")
	flag.IntVar(&s.goStats, "gobench-stats", 5, "GetStatistics calls timed by BenchmarkStatisticsYear (its -benchtime)")
	flag.Parse()
	benchcmd.Log("onestopbench")
	var err error
	if s.clients, err = benchcmd.Counts(clients); err != nil {
		log.Fatalf("-clients: %v", err)
	}
	if s.dossiers < 1 || s.duration <= 0 {
		log.Fatal("-dossiers and -duration must be positive")
	}
	command := benchdoc.CommandLine("onestopbench", os.Args[1:])
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "postgres" })
	if s.postgres != "" && !explicit {
		command += " (PostgreSQL URL from $" + envPostgresDSN + ")"
	}
	benchcmd.Run(s.LGSP, func(ctx context.Context) error { return run(ctx, s, command) })
}

func run(ctx context.Context, s settings, command string) error {
	rep := report{settings: s, intro: benchdoc.Intro{
		Title: "One-stop dossiers benchmark", Command: "onestopbench", Target: "bench-onestop", CommandLine: command,
	}}
	rep.intro.Begin()
	if s.goBench {
		log.Printf("Go benchmarks: BenchmarkChangeStatus (%d updates per engine)", s.goChanges)
		change, err := runGoBench(ctx, s.goBin, "./services/onestop", "^BenchmarkChangeStatus$", strconv.Itoa(s.goChanges)+"x", s.postgres)
		if err != nil {
			return err
		}
		rep.goChange = &change
		logGoBench(change)
		log.Printf("Go benchmarks: BenchmarkStatisticsYear (250,000 dossiers per engine)")
		stats, err := runGoBench(ctx, s.goBin, "./services/onestop", "^BenchmarkStatisticsYear$", strconv.Itoa(s.goStats)+"x", s.postgres)
		if err != nil {
			return err
		}
		rep.goStats = &stats
		logGoBench(stats)
	}
	engines := []string{"sqlite"}
	if s.postgres != "" {
		engines = append(engines, "postgres")
	}
	for _, engine := range engines {
		er, err := runEngine(ctx, s, engine)
		if err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
		rep.engines = append(rep.engines, er)
	}
	rep.intro.End(s.LGSP)
	if s.postgres != "" {
		rep.postgres = postgresVersion(ctx, s.postgres)
	}
	return benchdoc.Publish(s.Out, sectionName, rep.render())
}

func logGoBench(r goBenchRun) {
	for _, b := range r.results {
		var ms []string
		for k, v := range b.metrics {
			ms = append(ms, fmt.Sprintf("%.1f %s", v, k))
		}
		log.Printf("  %s: %d × %.3f ms %s", b.name, b.n, b.nsPerOp/1e6, strings.Join(ms, ", "))
	}
	for _, n := range r.notes {
		log.Printf("  %s", n)
	}
}

// engineResult is every end-to-end run on one engine.
type engineResult struct {
	engine string
	runs   []clientsRun
}

// clientsRun is one number of clients, through the gateway and on the
// reference path.
type clientsRun struct {
	clients          int
	gateway, service pathRun
}

// pathRun is one end-to-end run: its load, the sync lag of its measured
// changes and the outbox's drain after it.
type pathRun struct {
	load     loadResult
	dossiers int
	// create is the time to create the run's dossiers and move them to
	// processing.
	create time.Duration
	lag    syncLag
	// drain is from the last answer of the load to the portal simulator
	// holding every change.
	drain time.Duration
	// outOfOrder, gaps and duplicates are the simulator's counts.
	outOfOrder, gaps, duplicates int64
}

// changesPerDossier is the status changes each dossier got on average.
func (p pathRun) changesPerDossier() float64 {
	if p.dossiers == 0 {
		return 0
	}
	return float64(p.load.all) / float64(p.dossiers)
}

// runEngine starts lgsp dev on the engine and runs every number of
// clients through the gateway and then on the reference path.
func runEngine(ctx context.Context, s settings, engine string) (_ engineResult, err error) {
	res := engineResult{engine: engine}
	dir, err := os.MkdirTemp("", "lgsp-osbench-"+engine+"-*")
	if err != nil {
		return res, err
	}
	defer func() {
		if s.Keep {
			log.Printf("kept %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}()
	var extra []string
	if engine == "postgres" {
		u, drop, err := newSchema(ctx, s.postgres)
		if err != nil {
			return res, err
		}
		if !s.Keep {
			defer drop()
		}
		extra = append(extra, "LGSP_DATABASE_URL="+u)
	}
	t0 := time.Now()
	p, err := devchild.Start(devchild.Options{
		Bin: s.LGSP, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "lgsp.log"),
		Env:   append(extra, "LGSP_SIM_DVCQG_ADMIN_TOKEN="+simdvcqg.DevAdminToken),
		Extra: []devchild.Listener{portalListener},
	})
	if err != nil {
		return res, err
	}
	defer func() {
		if err := p.Stop(); err != nil {
			log.Printf("lgsp dev: %v", err)
		}
	}()
	pw, err := p.AdminPassword()
	if err != nil {
		return res, err
	}
	admin, err := jsoncall.LoginAdmin(ctx, p.AdminURL, pw)
	if err != nil {
		return res, err
	}
	demo, err := prepareDemo(ctx, admin)
	if err != nil {
		return res, err
	}
	maxClients := 0
	for _, c := range s.clients {
		maxClients = max(maxClients, c)
	}
	gateway := apiPath{name: "gateway", base: p.GatewayURL + "/onestop/v1", hc: httpClient(maxClients),
		auth: func(h http.Header) { h.Set("apikey", demo.apiKey) }}
	if err := waitTierLifted(ctx, gateway); err != nil {
		return res, err
	}
	as, err := assertion.NewSigner(p.InternalToken, gatewayid.Identity{App: demo.appID, Agency: demo.agency, API: demo.apiID})
	if err != nil {
		return res, err
	}
	service := apiPath{name: "service", base: p.AdminURL + "/admin/v1/onestop", hc: httpClient(maxClients),
		auth: func(h http.Header) { h.Set("Authorization", as.Bearer()) }}
	sim := newPortalSim(p.URL(portalListener))
	log.Printf("%s: lgsp dev (pid %d) ready in %s: gateway %s, admin %s, portal simulator %s",
		engine, p.PID(), time.Since(t0).Round(time.Millisecond), p.GatewayURL, p.AdminURL, p.URL(portalListener))
	for _, c := range s.clients {
		cr := clientsRun{clients: c}
		for _, w := range []struct {
			path apiPath
			dst  *pathRun
		}{{gateway, &cr.gateway}, {service, &cr.service}} {
			r, err := runPath(ctx, s, w.path, sim, p.PID(), c, fmt.Sprintf("%s-%s-%d", engine, w.path.name, c))
			if err != nil {
				return res, fmt.Errorf("%d clients, %s: %w", c, w.path.name, err)
			}
			*w.dst = r
			l := r.load
			log.Printf("  %s, %d clients, %s: %.0f updates/s, p50 %s p99 %s, failed %d, CPU %s; sync lag p50 %s p99 %s max %s (%d changes, %d missing), drain %s; %.1f changes/dossier",
				engine, c, w.path.name, l.rate(), msec(l.p50), msec(l.p99), l.failed, l.cpu, msec(r.lag.p50), msec(r.lag.p99), msec(r.lag.max),
				r.lag.n, r.lag.missing, msec(r.drain), r.changesPerDossier())
			if l.failed > 0 {
				log.Printf("    failed: %s", failures.Summary(l.errors))
			}
		}
		res.runs = append(res.runs, cr)
	}
	return res, nil
}

// runPath is one run: the portal simulator forgets what it holds, the
// run's dossiers are created and synced, the load runs, then the outbox
// drains and the lag of every measured change is read.
func runPath(ctx context.Context, s settings, p apiPath, sim *portalSim, pid, clients int, tag string) (pathRun, error) {
	var r pathRun
	if err := sim.reset(ctx); err != nil {
		return r, err
	}
	t0 := time.Now()
	pools, err := createPool(ctx, p, tag, clients, s.dossiers)
	if err != nil {
		return r, err
	}
	r.create = time.Since(t0)
	for _, pool := range pools {
		r.dossiers += len(pool)
	}
	created := int64(2 * r.dossiers)
	if _, err := waitRecorded(ctx, sim, created, 5*time.Minute); err != nil {
		return r, fmt.Errorf("before the load: %w", err)
	}
	r.load = runLoad(ctx, p, pools, pid, s.warmup, s.duration)
	if err := ctx.Err(); err != nil {
		return r, err
	}
	at, err := waitRecorded(ctx, sim, created+r.load.all, 10*time.Minute)
	if err != nil {
		return r, fmt.Errorf("after the load: %w", err)
	}
	r.drain = max(at.Sub(r.load.lastAnswer), 0)
	st, err := sim.stats(ctx)
	if err != nil {
		return r, err
	}
	r.outOfOrder, r.gaps, r.duplicates = st.OutOfOrder, st.Gaps, st.Duplicates
	r.lag, err = measureLag(ctx, sim, r.load.changes)
	return r, err
}

// waitTierLifted waits until the gateway applies the lifted demo tier:
// 100 calls in a row, more than the demo tier's burst, all answered.
func waitTierLifted(ctx context.Context, p apiPath) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		for range 100 {
			if err = p.call(ctx, http.MethodGet, "/procedures", nil, nil); err != nil {
				break
			}
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the gateway still limits the demo commune: %w", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// newSchema creates a new schema in the database of dsn and returns the
// URL that selects it, and a func that drops it.
func newSchema(ctx context.Context, dsn string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, errors.New("-postgres must be a postgres:// URL")
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	schema := "lgspbench_" + strconv.FormatInt(time.Now().Unix(), 10) + "_" + hex.EncodeToString(suffix[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("PostgreSQL: create schema: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			log.Printf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			log.Printf("drop schema %s: %v", schema, err)
		}
	}
	return u.String(), drop, nil
}

// postgresVersion is the server's version and the settings that weigh on
// commits, or "?".
func postgresVersion(ctx context.Context, dsn string) string {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "?"
	}
	defer conn.Close(context.Background())
	var parts []string
	for _, name := range []string{"server_version", "synchronous_commit", "fsync", "wal_sync_method", "shared_buffers", "max_connections"} {
		var v string
		if err := conn.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
			return "?"
		}
		if name == "server_version" {
			parts = append(parts, v)
			continue
		}
		parts = append(parts, "`"+name+"` "+v)
	}
	return parts[0] + " (" + strings.Join(parts[1:], ", ") + ")"
}
