package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/lgsp-vn/lgsp/bench/internal/cpuuse"
	"github.com/lgsp-vn/lgsp/bench/internal/failures"
	"github.com/lgsp-vn/lgsp/bench/internal/jsoncall"
	"github.com/lgsp-vn/lgsp/bench/internal/latency"
	"github.com/lgsp-vn/lgsp/services/onestop"
)

// Statuses the load moves dossiers between (TrangThaiHoSo).
const (
	statusProcessing = 4
	statusSupplement = 5
)

// callTimeout bounds one call; a call that takes longer counts as failed.
const callTimeout = time.Minute

// httpClient keeps up to conns idle connections to the one host it
// calls, so that a closed loop of conns callers never reconnects.
func httpClient(conns int) *http.Client {
	return &http.Client{Timeout: callTimeout, Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns + 8,
		MaxIdleConnsPerHost: conns + 8,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// apiPath is one way to the one-stop API: through the gateway with the
// demo API key, or straight to the service with the gateway's assertion.
type apiPath struct {
	name string
	base string
	auth func(h http.Header)
	hc   *http.Client
}

func (p apiPath) call(ctx context.Context, method, path string, in, out any) error {
	h := http.Header{}
	p.auth(h)
	return jsoncall.Do(ctx, p.hc, method, p.base+path, h, in, out)
}

// dossierAnswer is what the benchmark reads of an answered dossier.
type dossierAnswer struct {
	Dossier struct {
		Code   string `json:"code"`
		Status int    `json:"status"`
	} `json:"dossier"`
}

// benchDossier is a dossier one client owns: its code, its status and
// the PhienBan of its last change (each change that reaches the portal
// takes the next one: 1 for the creation, 2 for the move to processing).
type benchDossier struct {
	code    string
	status  int
	version int64
	// lost is set when a call on it failed: its state is then unknown and
	// the client leaves it alone.
	lost bool
}

// procedureCode is the demo catalogue's birth registration, 3 working days.
var procedureCode = onestop.DemoProcedures[0].Code

// createPool creates n dossiers with clients concurrent callers, each
// moved to processing, and returns each caller's dossiers.
func createPool(ctx context.Context, p apiPath, tag string, clients, n int) ([][]*benchDossier, error) {
	pools := make([][]*benchDossier, clients)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	per := (n + clients - 1) / clients
	for c := range clients {
		wg.Go(func() {
			for i := range per {
				var out dossierAnswer
				req := map[string]any{
					"requestId": fmt.Sprintf("bench-%s-%d-%d", tag, c, i), "procedureCode": procedureCode,
					"summary": "Đăng ký khai sinh cho con", "channel": "CHANNEL_COUNTER",
					"applicant": map[string]any{"kind": "APPLICANT_KIND_CITIZEN", "id": "056090001234", "name": "Nguyễn Thị Lan", "phone": "0901234567"},
					"documents": []map[string]string{{"name": "Tờ khai đăng ký khai sinh"}, {"name": "Giấy chứng sinh"}},
				}
				if err := p.call(ctx, http.MethodPost, "/dossiers", req, &out); err != nil {
					errs <- fmt.Errorf("create: %w", err)
					return
				}
				d := &benchDossier{code: out.Dossier.Code, version: 1}
				if err := p.call(ctx, http.MethodPost, "/dossiers/"+url.PathEscape(d.code)+"/status",
					map[string]any{"status": statusProcessing, "note": "Thụ lý"}, &out); err != nil {
					errs <- fmt.Errorf("status 4: %w", err)
					return
				}
				d.status, d.version = statusProcessing, 2
				pools[c] = append(pools[c], d)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return nil, err
	}
	return pools, nil
}

// change is a status change the client had answered in the measured
// period: which dossier version, and when the answer came.
type change struct {
	code     string
	version  int64
	answered time.Time
}

// loadResult is what one closed loop measured.
type loadResult struct {
	clients int
	// ok counts the calls answered in the measured period; all every
	// accepted call, warm-up and calls still in flight at its end included
	// (each is a change the portal must receive); failed every refused or
	// failed call.
	ok, failed, all int64
	elapsed         time.Duration
	p50, p99, max   time.Duration
	cpu             cpuuse.Use
	changes         []change
	// lastAnswer is when the last call of the loop was answered.
	lastAnswer time.Time
	errors     map[string]int64
}

func (r loadResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// runLoad runs pools' clients, each cycling its dossiers 4 ↔ 5 in a
// closed loop, for warmup and then the measured duration.
func runLoad(ctx context.Context, p apiPath, pools [][]*benchDossier, pid int, warmup, duration time.Duration) loadResult {
	var (
		mu      sync.Mutex
		all     latency.Set
		fails   failures.Tally
		res     = loadResult{clients: len(pools)}
		wg      sync.WaitGroup
		changes []change
	)
	start := time.Now()
	from, to := start.Add(warmup), start.Add(warmup+duration)
	var meter cpuuse.Meter
	meterOnce := sync.OnceFunc(func() { meter = cpuuse.Start(pid) })
	time.AfterFunc(warmup, meterOnce)
	for _, pool := range pools {
		wg.Go(func() {
			var (
				lat      latency.Set
				mine     []change
				ok, fail int64
				total    int64
				last     time.Time
			)
			for i := 0; ctx.Err() == nil && time.Now().Before(to); i = (i + 1) % len(pool) {
				d := pool[i]
				if d.lost {
					if allLost(pool) {
						break
					}
					continue
				}
				next, note := statusSupplement, "Đề nghị bổ sung bản sao giấy chứng sinh"
				if d.status == statusSupplement {
					next, note = statusProcessing, "Công dân đã bổ sung hồ sơ"
				}
				body := map[string]any{"status": next, "note": note,
					"actor": map[string]string{"name": "Nguyễn Văn An", "title": "Công chức tư pháp - hộ tịch", "department": "Bộ phận một cửa"}}
				var out dossierAnswer
				t0 := time.Now()
				err := p.call(ctx, http.MethodPost, "/dossiers/"+url.PathEscape(d.code)+"/status", body, &out)
				t1 := time.Now()
				last = t1
				measured := !t1.Before(from) && t1.Before(to)
				if err == nil && out.Dossier.Status != next {
					err = fmt.Errorf("answered status %d, want %d", out.Dossier.Status, next)
				}
				if err != nil {
					// Failures count in every phase: a failed call may
					// have committed a change the drain then waits for.
					d.lost = true
					fail++
					fails.Add(err)
					continue
				}
				d.status = next
				d.version++
				total++
				if measured {
					ok++
					lat = append(lat, t1.Sub(t0))
					mine = append(mine, change{code: d.code, version: d.version, answered: t1})
				}
			}
			mu.Lock()
			all = append(all, lat...)
			changes = append(changes, mine...)
			res.ok += ok
			res.failed += fail
			res.all += total
			if last.After(res.lastAnswer) {
				res.lastAnswer = last
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	meterOnce()
	res.cpu = meter.Stop()
	res.elapsed = min(time.Since(from), duration)
	res.changes, res.errors = changes, fails.Counts()
	res.p50, res.p99, res.max = all.Percentile(50), all.Percentile(99), all.Percentile(100)
	return res
}

func allLost(pool []*benchDossier) bool {
	for _, d := range pool {
		if !d.lost {
			return false
		}
	}
	return true
}
